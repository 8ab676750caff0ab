{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_partition_window('window_start') }}"
    )
}}
-- One row per host, metric and 5-minute window [window_start, window_end) with seed 000's
-- "Predictive Alert System": the window's value against the previous hour's windows (rolling
-- mean and standard deviation, z-score), the trend against the value 5 windows back, and the
-- alert message the seed's CASE gives (every row is kept, 'INFO: Normal Operation' included).
-- Metrics: cpu_usage, memory_usage, disk_usage (%, host_resource_usage_5m averages) and
-- response_time (mean request latency in ms of a gateway host, from the requests).
{%- set lookback = var('metric_anomalies_lookback_minutes') %}

with

thresholds as (

    select * from {{ ref('int_cross_thresholds') }}

),

host_windows as (

    select window_start, host, component, avg_cpu_pct, avg_mem_pct, avg_disk_pct
    from {{ ref('host_resource_usage_5m') }}
    where {{ ts_in_window('window_start', lookback) }}

),

latency_windows as (

    select
        time_bucket(interval '5 minutes', ts) as window_start,
        host,
        max(component) as component,
        {{ stable("avg(latency_ms)") }} as avg_latency_ms
    from {{ ref('stg_api_requests__requests') }}
    where {{ event_date_covers_window(lookback) }}
      and {{ ts_in_window('ts', lookback) }}
    group by time_bucket(interval '5 minutes', ts), host

),

series as (

    select window_start, host, component, 'cpu_usage' as metric, avg_cpu_pct as value
    from host_windows
    union all
    select window_start, host, component, 'memory_usage', avg_mem_pct
    from host_windows
    union all
    select window_start, host, component, 'disk_usage', avg_disk_pct
    from host_windows
    union all
    select window_start, host, component, 'response_time', avg_latency_ms
    from latency_windows

),

rolling as (

    select
        window_start,
        host,
        component,
        metric,
        value,
        count(value) over previous_hour as rolling_windows,
        {{ stable("avg(value) over previous_hour") }} as rolling_mean,
        {{ stable("stddev_samp(value) over previous_hour") }} as rolling_stddev,
        lag(value, 5) over (partition by host, metric order by window_start) as value_5_back
    from series
    where value is not null
    window previous_hour as (
        partition by host, metric
        order by window_start
        range between interval 60 minutes preceding and interval 5 minutes preceding
    )

),

trended as (

    select
        *,
        case
            when value > value_5_back then 'INCREASING'
            when value < value_5_back then 'DECREASING'
            else 'STABLE'
        end as trend_direction
    from rolling

),

final as (

    select
        trended.window_start,
        trended.window_start + interval 5 minutes as window_end,
        trended.host,
        trended.component,
        trended.metric,
        trended.value as current_value,
        trended.rolling_windows,
        trended.rolling_mean,
        trended.rolling_stddev,
        {{ stable("(trended.value - trended.rolling_mean) / nullif(trended.rolling_stddev, 0)", 4) }}
            as z_score,
        trended.value_5_back,
        trended.trend_direction,
        -- first match wins (seed 000, "Predictive Alert System")
        case
            when trended.metric = 'cpu_usage'
                and trended.value > thresholds.anomaly_cpu_overload_pct
                then 'CRITICAL: CPU Overload'
            when trended.metric = 'memory_usage'
                and trended.value > thresholds.anomaly_memory_exhaustion_pct
                then 'CRITICAL: Memory Exhaustion'
            when trended.metric = 'disk_usage'
                and trended.value > thresholds.anomaly_disk_low_pct
                then 'WARNING: Disk Space Low'
            when trended.metric = 'response_time'
                and trended.value > thresholds.anomaly_high_latency_ms
                then 'WARNING: High Latency'
            when trended.trend_direction = 'INCREASING'
                and trended.value > trended.rolling_mean * thresholds.anomaly_spike_factor
                then 'WARNING: Unusual Spike'
            else 'INFO: Normal Operation'
        end as alert_message
    from trended
    cross join thresholds
    where {{ ts_in_window('trended.window_start') }}

)

select
    *,
    alert_message <> 'INFO: Normal Operation' as is_anomaly
from final
