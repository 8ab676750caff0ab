{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_partition_window('window_start') }}"
    )
}}
-- One row per component per 5-minute window [window_start, window_end): every component that
-- sent metrics, logs or requests in the window, with seed 000's health_status.
with

thresholds as (

    select
        max(threshold_value) filter (where threshold_name = 'host_high_cpu_pct')
            as high_cpu_pct,
        max(threshold_value) filter (where threshold_name = 'host_high_memory_pct')
            as high_memory_pct,
        max(threshold_value) filter (where threshold_name = 'health_critical_high_cpu_alerts')
            as critical_high_cpu_alerts,
        max(threshold_value) filter (where threshold_name = 'health_critical_high_memory_alerts')
            as critical_high_memory_alerts,
        max(threshold_value) filter (where threshold_name = 'health_warning_error_count')
            as warning_error_count,
        max(threshold_value) filter (where threshold_name = 'health_warning_failed_runs')
            as warning_failed_runs,
        max(threshold_value) filter (where threshold_name = 'health_degraded_avg_response_ms')
            as degraded_avg_response_ms
    from {{ ref('performance_thresholds') }}

),

scrapes as (

    select
        time_bucket(interval '5 minutes', ts) as window_start,
        component,
        host,
        cpu_pct,
        mem_pct
    from {{ ref('int_host_resources') }}
    where {{ ts_in_window('ts') }}

),

requests as (

    select
        time_bucket(interval '5 minutes', ts) as window_start,
        component,
        host,
        latency_ms
    from {{ ref('stg_api_requests__requests') }}
    where {{ event_date_covers_window() }}
      and {{ ts_in_window('ts') }}

),

log_events as (

    select
        time_bucket(interval '5 minutes', ts) as window_start,
        component,
        host,
        level
    from {{ ref('stg_error_logs__events') }}
    where {{ event_date_covers_window() }}
      and {{ ts_in_window('ts') }}

),

metric_stats as (

    select
        scrapes.window_start,
        scrapes.component,
        count(*) as samples,
        count_if(scrapes.cpu_pct > thresholds.high_cpu_pct) as high_cpu_alerts,
        count_if(scrapes.mem_pct > thresholds.high_memory_pct) as high_memory_alerts,
        {{ stable("avg(scrapes.cpu_pct)") }} as avg_cpu_pct,
        max(scrapes.cpu_pct) as max_cpu_pct,
        {{ stable("avg(scrapes.mem_pct)") }} as avg_mem_pct,
        max(scrapes.mem_pct) as max_mem_pct
    from scrapes
    cross join thresholds
    group by scrapes.window_start, scrapes.component

),

request_stats as (

    select
        window_start,
        component,
        count(*) as requests,
        {{ stable("avg(latency_ms)") }} as avg_response_time_ms
    from requests
    group by window_start, component

),

log_stats as (

    select
        window_start,
        component,
        count_if(level in ('ERROR', 'CRITICAL')) as error_count,
        count_if(level = 'CRITICAL') as critical_count
    from log_events
    group by window_start, component

),

pipeline_failures as (

    -- seed 000's dashboard counts failed pipeline runs against the component that runs them
    -- (var pipeline_component): a run counts in the window in which it finished
    select
        time_bucket(interval '5 minutes', finished_at) as window_start,
        '{{ var("pipeline_component") }}' as component,
        count(*) as failed_runs
    from {{ ref('stg_pipeline_runs__runs') }}
    where status = 'FAILURE'
      and {{ event_date_covers_window() }}
      and {{ ts_in_window('finished_at') }}
    group by 1

),

reporting as (

    select window_start, component, host from scrapes
    union all
    select window_start, component, host from requests
    union all
    select window_start, component, host from log_events

),

components as (

    select
        window_start,
        component,
        count(distinct host) as hosts
    from reporting
    group by window_start, component

),

-- every host a component had in the build window, so that a host that fell silent in one
-- 5-minute window still counts against that window's data_ok
component_hosts as (

    select component, list(distinct host order by host) as all_hosts
    from reporting
    group by component

),

joined as (

    select
        components.window_start,
        components.window_start + interval '5 minutes' as window_end,
        components.component,
        components.hosts,
        coalesce(metric_stats.samples, 0) as samples,
        coalesce(metric_stats.high_cpu_alerts, 0) as high_cpu_alerts,
        coalesce(metric_stats.high_memory_alerts, 0) as high_memory_alerts,
        metric_stats.avg_cpu_pct,
        metric_stats.max_cpu_pct,
        metric_stats.avg_mem_pct,
        metric_stats.max_mem_pct,
        request_stats.avg_response_time_ms,
        coalesce(request_stats.requests, 0) as requests,
        coalesce(log_stats.error_count, 0) as error_count,
        coalesce(log_stats.critical_count, 0) as critical_count,
        coalesce(pipeline_failures.failed_runs, 0) as failed_runs
    from components
    left join metric_stats
        on components.window_start = metric_stats.window_start
        and components.component is not distinct from metric_stats.component
    left join request_stats
        on components.window_start = request_stats.window_start
        and components.component is not distinct from request_stats.component
    left join log_stats
        on components.window_start = log_stats.window_start
        and components.component is not distinct from log_stats.component
    left join pipeline_failures
        on components.window_start = pipeline_failures.window_start
        and components.component = pipeline_failures.component

),

final as (

    select
        joined.*,
        -- first match wins (seed 000, "Real-Time System Dashboard")
        case
            when joined.high_cpu_alerts > thresholds.critical_high_cpu_alerts
                or joined.high_memory_alerts > thresholds.critical_high_memory_alerts
                then 'CRITICAL'
            when joined.error_count > thresholds.warning_error_count
                or joined.failed_runs > thresholds.warning_failed_runs
                then 'WARNING'
            when joined.avg_response_time_ms > thresholds.degraded_avg_response_ms
                then 'DEGRADED'
            else 'HEALTHY'
        end as health_status
    from joined
    cross join thresholds

)

select
    final.*,
    {{ all_ok([
        data_ok('system_metrics', 'final.window_start', 'final.window_end',
                '(select all_hosts from component_hosts ch where ch.component is not distinct from final.component)'),
        data_ok('api_requests', 'final.window_start', 'final.window_end'),
        data_ok('error_logs', 'final.window_start', 'final.window_end'),
    ]) }} as data_ok
from final
