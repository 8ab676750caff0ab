{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_partition_window('hour') }}"
    )
}}
-- One row per endpoint, method and hour, with seed 000's performance_status and the endpoint's
-- usage rank within the hour. Aggregated from requests (percentiles do not re-aggregate).
with

requests as (

    select
        date_trunc('hour', ts) as hour,
        endpoint,
        method,
        status,
        is_client_error,
        is_server_error,
        latency_ms
    from {{ ref('stg_api_requests__requests') }}
    where {{ event_date_covers_window() }}
      and {{ ts_in_window('ts') }}

),

thresholds as (

    select
        max(threshold_value) filter (where threshold_name = 'api_high_error_rate')
            as high_error_rate,
        max(threshold_value) filter (where threshold_name = 'api_slow_avg_latency_ms')
            as slow_avg_latency_ms,
        max(threshold_value) filter (where threshold_name = 'api_low_usage_requests')
            as low_usage_requests
    from {{ ref('performance_thresholds') }}

),

aggregated as (

    select
        hour,
        endpoint,
        method,
        {{ request_aggregates() }}
    from requests
    group by hour, endpoint, method

),

rated as (

    select
        *,
        cast(error_count as double) / requests as error_rate,
        cast(server_errors as double) / requests as server_error_rate
    from aggregated

),

final as (

    select
        rated.hour,
        rated.endpoint,
        rated.method,
        rated.requests,
        rated.client_errors,
        rated.server_errors,
        rated.error_count,
        rated.error_rate,
        rated.server_error_rate,
        rated.avg_latency_ms,
        rated.p50_latency_ms,
        rated.p95_latency_ms,
        rated.p99_latency_ms,
        rated.max_latency_ms,
        -- first match wins (seed 000, "API Performance Analytics")
        case
            when rated.error_rate > thresholds.high_error_rate then 'HIGH ERROR RATE'
            when rated.avg_latency_ms > thresholds.slow_avg_latency_ms then 'SLOW RESPONSE'
            when rated.requests < thresholds.low_usage_requests then 'LOW USAGE'
            else 'HEALTHY'
        end as performance_status,
        rank() over (partition by rated.hour order by rated.requests desc) as usage_rank
    from rated
    cross join thresholds

)

select
    final.*,
    {{ data_ok('api_requests', "final.hour", "final.hour + interval '1 hour'") }} as data_ok
from final
