{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_partition_window('ts') }}"
    )
}}
-- One row per statement per snapshot (server, database_name, queryid, ts) in the window, with the counters'
-- increase since the statement's previous snapshot. A reset (stats_reset changed, or calls went
-- down: pg_stat_statements_reset() or the entry was evicted and re-created) counts the new value
-- as the increase: never negative. The previous snapshot is looked for up to
-- db_objects_lookback_minutes before min_date; without one the deltas are NULL.
{%- set lookback = var('db_objects_lookback_minutes') %}
{%- set counters = ['calls', 'total_exec_time_ms', 'rows', 'shared_blks_hit', 'shared_blks_read'] %}

with

snapshots as (

    select
        ts,
        server,
        database_name,
        queryid,
        query,
        max_exec_time_ms,
        stats_reset_at,
        {{ counters | join(',\n        ') }}
    from {{ ref('stg_db_statements__snapshots') }}
    where {{ event_date_covers_window(lookback) }}
      and {{ ts_in_window('ts', lookback) }}

),

{{ counter_pairs('snapshots', ['server', 'database_name', 'queryid'], counters, 'stats_reset_at', "stats_reset_at is distinct from previous_stats_reset_at") }},

final as (

    select
        ts,
        previous_ts,
        server,
        database_name,
        queryid,
        query,
        is_counter_reset,
        {{- counter_delta_columns(counters) }}
        max_exec_time_ms,
        stats_reset_at
    from flagged
    where {{ ts_in_window('ts') }}

)

select * from final
