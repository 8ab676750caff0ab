-- One row: every threshold of seeds/cross_thresholds.csv as a column of its own. A threshold
-- missing from the seed stops the build with an error instead of silently disabling a branch.
{%- set names = [
    'incident_error_burst_per_minute',
    'incident_cpu_pct',
    'incident_mem_pct',
    'incident_endpoint_min_requests',
    'incident_server_error_rate',
    'incident_slow_request_ms',
    'incident_slow_share',
    'incident_correlation_minutes',
    'incident_min_minutes',
    'anomaly_cpu_overload_pct',
    'anomaly_memory_exhaustion_pct',
    'anomaly_disk_low_pct',
    'anomaly_high_latency_ms',
    'anomaly_spike_factor',
    'scrape_interval_seconds',
    'gap_factor',
    'stale_after_minutes',
    'capacity_disk_release_pct',
    'capacity_memory_release_pct',
    'capacity_min_points',
] %}

with

pivoted as (

    select
        {%- for name in names %}
        max(threshold_value) filter (where threshold_name = '{{ name }}') as {{ name }}
        {{- "," if not loop.last }}
        {%- endfor %}
    from {{ ref('cross_thresholds') }}

),

final as (

    select
        {%- for name in names %}
        case
            when {{ name }} is null
                then error('seed cross_thresholds has no row {{ name }}')
            else {{ name }}
        end as {{ name }}
        {{- "," if not loop.last }}
        {%- endfor %}
    from pivoted

)

select * from final
