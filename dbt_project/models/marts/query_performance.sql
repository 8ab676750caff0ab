{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_partition_window('stat_date') }}"
    )
}}
-- One row per statement (server, database_name, queryid) per day it ran: calls, mean and max
-- time, share of the server's execution time that day, rows per call, the slow flag and the
-- regression against the previous day. A snapshot's deltas count on the UTC day of its ts.
with

thresholds as (

    select
        max(threshold_value) filter (where threshold_name = 'slow_query_mean_ms') as slow_mean_ms,
        max(threshold_value) filter (where threshold_name = 'slow_query_min_calls') as slow_min_calls,
        max(threshold_value) filter (where threshold_name = 'regression_mean_ratio')
            as regression_ratio,
        max(threshold_value) filter (where threshold_name = 'regression_min_calls')
            as regression_min_calls
    from {{ ref('db_objects_thresholds') }}

),

deltas as (

    -- the window's days and the day before (the regression's baseline)
    select
        cast(ts as date) as stat_date,
        ts,
        server,
        database_name,
        queryid,
        query,
        calls,
        -- exact sums: a float sum would depend on the order DuckDB adds the rows in
        cast(total_exec_time_ms as decimal(38, 6)) as total_exec_time_ms,
        rows,
        shared_blks_hit,
        shared_blks_read,
        max_exec_time_ms
    from {{ ref('int_db_statement_deltas') }}
    where ts >= {{ window_start() }} - interval 1 day
      and ts < {{ window_end() }}
      and calls is not null

),

daily as (

    select
        stat_date,
        server,
        database_name,
        queryid,
        arg_max(query, ts) as query,
        sum(calls) as calls,
        sum(total_exec_time_ms) as total_exec_time_ms,
        sum(rows) as rows,
        sum(shared_blks_hit) as shared_blks_hit,
        sum(shared_blks_read) as shared_blks_read,
        arg_max(max_exec_time_ms, ts) as max_exec_time_ms
    from deltas
    group by stat_date, server, database_name, queryid
    having sum(calls) > 0

),

measured as (

    select
        *,
        cast(total_exec_time_ms as double) / calls as mean_ms,
        total_exec_time_ms / sum(total_exec_time_ms) over (partition by stat_date, server)
            as share
    from daily

),

compared as (

    select
        today.*,
        yesterday.mean_ms as previous_mean_ms
    from measured as today
    left join measured as yesterday
        on yesterday.stat_date = today.stat_date - 1
        and yesterday.server = today.server
        and yesterday.database_name = today.database_name
        and yesterday.queryid = today.queryid

),

final as (

    select
        compared.stat_date,
        compared.server,
        compared.database_name,
        compared.queryid,
        compared.query,
        compared.calls,
        {{ stable('cast(compared.total_exec_time_ms as double)', 3) }} as total_exec_time_ms,
        {{ stable('compared.mean_ms', 4) }} as mean_exec_time_ms,
        compared.max_exec_time_ms,
        {{ stable('cast(compared.share as double)') }} as total_time_share,
        compared.rows,
        {{ stable('compared.rows / compared.calls', 4) }} as rows_per_call,
        compared.shared_blks_hit,
        compared.shared_blks_read,
        {{ stable('compared.shared_blks_hit / nullif(compared.shared_blks_hit + compared.shared_blks_read, 0)') }}
            as shared_blks_hit_ratio,
        compared.mean_ms >= thresholds.slow_mean_ms
            and compared.calls >= thresholds.slow_min_calls as is_slow,
        {{ stable('compared.previous_mean_ms', 4) }} as previous_mean_exec_time_ms,
        {{ stable('compared.mean_ms / nullif(compared.previous_mean_ms, 0)', 4) }} as mean_time_ratio,
        coalesce(
            compared.mean_ms / nullif(compared.previous_mean_ms, 0) >= thresholds.regression_ratio
            and compared.calls >= thresholds.regression_min_calls,
            false
        ) as is_regression
    from compared
    cross join thresholds
    where {{ ts_in_window('compared.stat_date') }}

)

select * from final
