{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_partition_window('window_start') }}"
    )
}}
-- One row per endpoint, method and 5-minute window [window_start, window_end).
with

requests as (

    select
        time_bucket(interval '5 minutes', ts) as window_start,
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

aggregated as (

    select
        window_start,
        window_start + interval '5 minutes' as window_end,
        endpoint,
        method,
        count(*) as requests,
        count_if(is_client_error) as client_errors,
        count_if(is_server_error) as server_errors,
        count_if(status >= 400) as error_count,
        {{ stable("avg(latency_ms)") }} as avg_latency_ms,
        quantile_cont(latency_ms, 0.50) as p50_latency_ms,
        quantile_cont(latency_ms, 0.95) as p95_latency_ms,
        quantile_cont(latency_ms, 0.99) as p99_latency_ms,
        max(latency_ms) as max_latency_ms
    from requests
    group by window_start, endpoint, method

),

final as (

    select
        window_start,
        window_end,
        endpoint,
        method,
        requests,
        client_errors,
        server_errors,
        error_count,
        cast(error_count as double) / requests as error_rate,
        cast(server_errors as double) / requests as server_error_rate,
        avg_latency_ms,
        p50_latency_ms,
        p95_latency_ms,
        p99_latency_ms,
        max_latency_ms
    from aggregated

)

select * from final
