{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_partition_window('minute_start') }}"
    )
}}
-- One row per anomalous signal-minute [minute_start, signal_end): the evidence the incidents
-- mart correlates. Kinds (thresholds from seeds/cross_thresholds.csv, all strict >):
--   cpu_saturation     host-minute, mean cpu_pct of its scrapes > incident_cpu_pct
--   memory_exhaustion  host-minute, mean mem_pct of its scrapes > incident_mem_pct
--   error_burst        component-minute, ERROR + CRITICAL log events > incident_error_burst_per_minute
--   endpoint_5xx       endpoint-minute whose trailing 5 minutes hold >= incident_endpoint_min_requests
--                      requests with a 5xx share > incident_server_error_rate, and which itself
--                      answered a 5xx (so the signal stops when the failures stop)
--   endpoint_latency   the same with the share of requests slower than incident_slow_request_ms
--                      > incident_slow_share (i.e. the trailing p95 is above that latency)
{%- set lookback = var('cross_signals_lookback_minutes') %}

with

thresholds as (

    select * from {{ ref('int_cross_thresholds') }}

),

scrapes as (

    select
        date_trunc('minute', ts) as minute_start,
        host,
        component,
        cpu_pct,
        mem_pct
    from {{ ref('int_host_resources') }}
    where {{ ts_in_window('ts') }}

),

host_minutes as (

    select
        minute_start,
        host,
        max(component) as component,
        count(*) as scrapes,
        avg(cpu_pct) as cpu_pct,
        avg(mem_pct) as mem_pct
    from scrapes
    group by minute_start, host

),

log_minutes as (

    select
        date_trunc('minute', ts) as minute_start,
        component,
        count(*) as errors
    from {{ ref('stg_error_logs__events') }}
    where {{ event_date_covers_window() }}
      and {{ ts_in_window('ts') }}
      and level in ('ERROR', 'CRITICAL')
    group by date_trunc('minute', ts), component

),

request_minutes as (

    select
        date_trunc('minute', requests.ts) as minute_start,
        requests.endpoint,
        requests.method,
        max(requests.component) as component,
        count(*) as requests,
        count_if(requests.is_server_error) as server_errors,
        count_if(requests.latency_ms > thresholds.incident_slow_request_ms) as slow_requests
    from {{ ref('stg_api_requests__requests') }} as requests
    cross join thresholds
    where {{ event_date_covers_window(lookback) }}
      and {{ ts_in_window('requests.ts', lookback) }}
    group by date_trunc('minute', requests.ts), requests.endpoint, requests.method

),

request_trailing as (

    select
        *,
        sum(requests) over last_5_minutes as requests_5m,
        sum(server_errors) over last_5_minutes as server_errors_5m,
        sum(slow_requests) over last_5_minutes as slow_requests_5m
    from request_minutes
    window last_5_minutes as (
        partition by endpoint, method
        order by minute_start
        range between interval 4 minutes preceding and current row
    )

),

signals as (

    select
        host_minutes.minute_start,
        'cpu_saturation' as signal_kind,
        host_minutes.component,
        host_minutes.host,
        cast(null as varchar) as endpoint,
        cast(null as varchar) as method,
        {{ stable('host_minutes.cpu_pct') }} as value,
        thresholds.incident_cpu_pct as threshold,
        host_minutes.scrapes as observations
    from host_minutes
    cross join thresholds
    where host_minutes.cpu_pct > thresholds.incident_cpu_pct

    union all

    select
        host_minutes.minute_start,
        'memory_exhaustion',
        host_minutes.component,
        host_minutes.host,
        null,
        null,
        {{ stable('host_minutes.mem_pct') }},
        thresholds.incident_mem_pct,
        host_minutes.scrapes
    from host_minutes
    cross join thresholds
    where host_minutes.mem_pct > thresholds.incident_mem_pct

    union all

    select
        log_minutes.minute_start,
        'error_burst',
        log_minutes.component,
        null,
        null,
        null,
        log_minutes.errors,
        thresholds.incident_error_burst_per_minute,
        log_minutes.errors
    from log_minutes
    cross join thresholds
    where log_minutes.errors > thresholds.incident_error_burst_per_minute

    union all

    select
        request_trailing.minute_start,
        'endpoint_5xx',
        request_trailing.component,
        null,
        request_trailing.endpoint,
        request_trailing.method,
        {{ stable('cast(request_trailing.server_errors_5m as double) / request_trailing.requests_5m') }},
        thresholds.incident_server_error_rate,
        request_trailing.requests_5m
    from request_trailing
    cross join thresholds
    where request_trailing.requests_5m >= thresholds.incident_endpoint_min_requests
      and request_trailing.server_errors > 0
      and cast(request_trailing.server_errors_5m as double) / request_trailing.requests_5m
          > thresholds.incident_server_error_rate

    union all

    select
        request_trailing.minute_start,
        'endpoint_latency',
        request_trailing.component,
        null,
        request_trailing.endpoint,
        request_trailing.method,
        {{ stable('cast(request_trailing.slow_requests_5m as double) / request_trailing.requests_5m') }},
        thresholds.incident_slow_share,
        request_trailing.requests_5m
    from request_trailing
    cross join thresholds
    where request_trailing.requests_5m >= thresholds.incident_endpoint_min_requests
      and request_trailing.slow_requests > 0
      and cast(request_trailing.slow_requests_5m as double) / request_trailing.requests_5m
          > thresholds.incident_slow_share

),

final as (

    select
        minute_start,
        minute_start + interval 1 minute as signal_end,
        signal_kind,
        component,
        host,
        endpoint,
        method,
        cast(value as double) as value,
        cast(threshold as double) as threshold,
        cast(observations as bigint) as observations
    from signals
    where {{ ts_in_window('minute_start') }}

)

select * from final
