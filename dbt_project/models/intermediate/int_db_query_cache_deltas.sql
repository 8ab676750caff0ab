{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_partition_window('ts') }}"
    )
}}
-- One row per database per query-cache snapshot (server, database_name, ts) in the window: lookups, hits,
-- misses, inserts and evictions since the previous snapshot, and the memory gauges as read. A
-- restart (uptime went down, or any counter went down) counts the new values as the increase:
-- never negative. The previous snapshot is looked for up to db_objects_lookback_minutes before
-- min_date; without one the deltas are NULL.
{%- set lookback = var('db_objects_lookback_minutes') %}
{%- set counters = ['cache_lookups', 'cache_hits', 'cache_inserts', 'cache_evictions'] %}

with

snapshots as (

    select
        ts,
        server,
        database_name,
        uptime_s,
        cache_entries,
        cache_memory_bytes,
        cache_memory_limit_bytes,
        {{ counters | join(',\n        ') }}
    from {{ ref('stg_db_query_cache__snapshots') }}
    where {{ event_date_covers_window(lookback) }}
      and {{ ts_in_window('ts', lookback) }}

),

{{ counter_pairs('snapshots', ['server', 'database_name'], counters, 'uptime_s', "coalesce(uptime_s < previous_uptime_s, false)") }},

deltas as (

    select
        ts,
        previous_ts,
        server,
        database_name,
        is_counter_reset,
        {{- counter_delta_columns(counters) }}
        cache_entries,
        cache_memory_bytes,
        cache_memory_limit_bytes
    from flagged
    where {{ ts_in_window('ts') }}

),

final as (

    select
        ts,
        previous_ts,
        server,
        database_name,
        is_counter_reset,
        cache_lookups,
        cache_hits,
        cache_lookups - cache_hits as cache_misses,
        cache_inserts,
        cache_evictions,
        cache_entries,
        cache_memory_bytes,
        cache_memory_limit_bytes
    from deltas

)

select * from final
