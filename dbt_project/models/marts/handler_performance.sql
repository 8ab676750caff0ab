{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_partition_window('hour') }}"
    )
}}
-- One row per handler, operation and hour: the calls that returned in the hour.
with

calls as (

    select
        date_trunc('hour', ts) as hour,
        handler_name,
        handler_type,
        operation,
        duration_ms,
        success,
        row_count
    from {{ ref('stg_handler_metrics__calls') }}
    where {{ event_date_covers_window() }}
      and {{ ts_in_window('ts') }}

),

final as (

    select
        hour,
        handler_name,
        operation,
        max(handler_type) as handler_type,
        count(*) as calls,
        count(*) filter (where success) as successes,
        count(*) filter (where not success) as failures,
        {{ stable("count(*) filter (where success) / count(*)") }} as success_rate,
        -- means over exact DECIMAL sums: a float sum depends on the order rows are added in,
        -- and a mean on a rounding tie (x.xxx5) would round either way from run to run
        {{ stable("avg(cast(duration_ms as decimal(24, 9)))", 3) }} as avg_duration_ms,
        quantile_cont(duration_ms, 0.50) as p50_duration_ms,
        quantile_cont(duration_ms, 0.95) as p95_duration_ms,
        max(duration_ms) as max_duration_ms,
        cast(coalesce(sum(row_count), 0) as bigint) as rows_returned
    from calls
    group by hour, handler_name, operation

)

select * from final
