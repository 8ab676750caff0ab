{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_partition_window('ts') }}"
    )
}}
-- One row per server, database and pg_stat_database snapshot in the window: each cumulative
-- counter's increase since the previous snapshot. A statistics reset between the two snapshots
-- (stats_reset changed, or a counter went down: pg_stat_reset(), a crash restart) makes the
-- increase the new value itself -- the counter restarted from 0 -- so a delta is never
-- negative and no activity after the reset is lost. Snapshots from
-- var db_activity_lookback_minutes (60) before min_date are read so that the window's first
-- snapshot has its previous one; only snapshots inside the window are kept.
{%- set lookback = var('db_activity_lookback_minutes', 60) %}
{%- set counters = [
    'xact_commit', 'xact_rollback', 'blks_read', 'blks_hit', 'tup_returned', 'tup_fetched',
    'tup_inserted', 'tup_updated', 'tup_deleted', 'conflicts', 'temp_files', 'temp_bytes',
    'deadlocks', 'blk_read_time_ms', 'blk_write_time_ms', 'sessions', 'sessions_abandoned',
    'sessions_fatal', 'sessions_killed'
] %}

with

-- materialized: DuckDB 1.5 fails ("Failed to cast expression to type") when the range filter
-- on ts is pushed below a window partitioned by ts
read_window as materialized (

    select *
    from {{ ref('stg_db_database_stats__snapshots') }}
    where {{ event_date_covers_window(lookback) }}
      and {{ ts_in_window('ts', lookback) }}

),

snapshots as (

    select *
    from read_window
    -- one row per snapshot even if a collector wrote it twice
    qualify row_number() over (
        partition by server, database_name, ts
        order by event_id
    ) = 1

),

paired as (

    select
        *,
        lag(ts) over w as previous_ts,
        lag(stats_reset) over w as previous_stats_reset,
        {%- for c in counters %}
        lag({{ c }}) over w as previous_{{ c }}{{ ',' if not loop.last }}
        {%- endfor %}
    from snapshots
    window w as (partition by server, database_name order by ts)

),

classified as (

    select
        *,
        case
            -- a counter missing from a snapshot (NULL) neither signals nor hides a reset
            when previous_ts is not null then
                stats_reset is distinct from previous_stats_reset
                {%- for c in counters %}
                or coalesce({{ c }} < previous_{{ c }}, false)
                {%- endfor %}
            -- no earlier snapshot within the lookback: a reset inside it means the counters
            -- count from 0 since a moment no other snapshot covers
            else coalesce(
                stats_reset <= ts
                and stats_reset > ts - to_minutes(cast({{ lookback }} as bigint)),
                false
            )
        end as is_reset
    from paired

),

final as (

    select
        ts,
        server,
        database_name,
        previous_ts,
        {{ dbt.datediff('previous_ts', 'ts', 'millisecond') }} / 1000.0 as interval_seconds,
        stats_reset,
        is_reset,
        previous_ts is not null or is_reset as has_baseline,
        numbackends,
        {%- for c in counters %}
        case
            when is_reset then {{ c }}
            when previous_ts is null then null
            else {{ c }} - previous_{{ c }}
        end as {{ c }}{{ ',' if not loop.last }}
        {%- endfor %}
    from classified
    where {{ ts_in_window('ts') }}

)

select * from final
