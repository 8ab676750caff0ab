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
        {{ request_aggregates() }}
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

select
    final.*,
    {{ data_ok('api_requests', "final.window_start", "final.window_end") }} as data_ok
from final
