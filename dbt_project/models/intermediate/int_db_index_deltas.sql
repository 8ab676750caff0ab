{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_partition_window('ts') }}"
    )
}}
-- One row per index per snapshot (server, database_name, schemaname, indexrelname, ts) in the window: the
-- counters' increase since the index's previous snapshot, and its size and flags as read. A
-- reset (stats_reset changed, or any counter went down) counts the new values as the increase:
-- never negative. The previous snapshot is looked for up to db_objects_lookback_minutes before
-- min_date; without one the deltas are NULL.
{%- set lookback = var('db_objects_lookback_minutes') %}
{%- set counters = ['idx_scan', 'idx_tup_read', 'idx_tup_fetch', 'idx_blks_read', 'idx_blks_hit'] %}

with

snapshots as (

    select
        ts,
        server,
        database_name,
        schemaname,
        relname,
        indexrelname,
        index_columns,
        is_unique,
        is_primary,
        index_size_bytes,
        leading_column_n_distinct,
        stats_reset_at,
        {{ counters | join(',\n        ') }}
    from {{ ref('stg_db_indexes__snapshots') }}
    where {{ event_date_covers_window(lookback) }}
      and {{ ts_in_window('ts', lookback) }}

),

{{ counter_pairs('snapshots', ['server', 'database_name', 'schemaname', 'indexrelname'], counters, 'stats_reset_at', "stats_reset_at is distinct from previous_stats_reset_at") }},

final as (

    select
        ts,
        previous_ts,
        server,
        database_name,
        schemaname,
        relname,
        indexrelname,
        is_counter_reset,
        {{- counter_delta_columns(counters) }}
        index_columns,
        is_unique,
        is_primary,
        index_size_bytes,
        leading_column_n_distinct
    from flagged
    where {{ ts_in_window('ts') }}

)

select * from final
