-- Every threshold the marts look up exists in the seed (a missing one would silently make its
-- status branch never match).
with

required as (

    select threshold_name
    from (
        values
            ('api_high_error_rate'),
            ('api_slow_avg_latency_ms'),
            ('api_low_usage_requests'),
            ('host_high_cpu_pct'),
            ('host_high_memory_pct'),
            ('health_critical_high_cpu_alerts'),
            ('health_critical_high_memory_alerts'),
            ('health_warning_error_count'),
            ('health_warning_failed_runs'),
            ('health_degraded_avg_response_ms')
    ) as t (threshold_name)

)

select required.threshold_name
from required
left join {{ ref('performance_thresholds') }} as thresholds
    on required.threshold_name = thresholds.threshold_name
where thresholds.threshold_name is null
