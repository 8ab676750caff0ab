{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_partition_window('ts') }}"
    )
}}
-- One row per table per snapshot (server, database_name, schemaname, relname, ts) in the window: the
-- counters' increase since the table's previous snapshot, and the gauges as read. A reset
-- (stats_reset changed, or any counter went down) counts the new values as the increase: never
-- negative. The previous snapshot is looked for up to db_objects_lookback_minutes before
-- min_date; without one the deltas are NULL.
{%- set lookback = var('db_objects_lookback_minutes') %}
{%- set counters = [
    'seq_scan', 'seq_tup_read', 'idx_scan', 'idx_tup_fetch', 'n_tup_ins', 'n_tup_upd',
    'n_tup_del', 'heap_blks_read', 'heap_blks_hit', 'idx_blks_read', 'idx_blks_hit'
] %}

with

snapshots as (

    select
        ts,
        server,
        database_name,
        schemaname,
        relname,
        n_live_tup,
        n_dead_tup,
        table_size_bytes,
        total_relation_size_bytes,
        stats_reset_at,
        {{ counters | join(',\n        ') }}
    from {{ ref('stg_db_tables__snapshots') }}
    where {{ event_date_covers_window(lookback) }}
      and {{ ts_in_window('ts', lookback) }}

),

{{ counter_pairs('snapshots', ['server', 'database_name', 'schemaname', 'relname'], counters, 'stats_reset_at', "stats_reset_at is distinct from previous_stats_reset_at") }},

final as (

    select
        ts,
        previous_ts,
        server,
        database_name,
        schemaname,
        relname,
        is_counter_reset,
        {{- counter_delta_columns(counters) }}
        n_live_tup,
        n_dead_tup,
        table_size_bytes,
        total_relation_size_bytes
    from flagged
    where {{ ts_in_window('ts') }}

)

select * from final
