-- One row per database per pg_stat_database snapshot (deduplicated on event_id within its
-- event_date partition). Counters stay cumulative here; int_db_database_deltas turns them into
-- increases.
with

source as (

    select * from {{ source('opsdw_db_activity', 'db_database_stats') }}

),

renamed as (

    select
        cast(event_id as varchar) as event_id,
        cast(ts as timestamp) as ts,
        cast(event_date as date) as event_date,
        cast(server as varchar) as server,
        cast(datid as bigint) as datid,
        cast(datname as varchar) as database_name,
        cast(numbackends as integer) as numbackends,
        cast(xact_commit as bigint) as xact_commit,
        cast(xact_rollback as bigint) as xact_rollback,
        cast(blks_read as bigint) as blks_read,
        cast(blks_hit as bigint) as blks_hit,
        cast(tup_returned as bigint) as tup_returned,
        cast(tup_fetched as bigint) as tup_fetched,
        cast(tup_inserted as bigint) as tup_inserted,
        cast(tup_updated as bigint) as tup_updated,
        cast(tup_deleted as bigint) as tup_deleted,
        cast(conflicts as bigint) as conflicts,
        cast(temp_files as bigint) as temp_files,
        cast(temp_bytes as bigint) as temp_bytes,
        cast(deadlocks as bigint) as deadlocks,
        cast(blk_read_time as double) as blk_read_time_ms,
        cast(blk_write_time as double) as blk_write_time_ms,
        cast(sessions as bigint) as sessions,
        cast(sessions_abandoned as bigint) as sessions_abandoned,
        cast(sessions_fatal as bigint) as sessions_fatal,
        cast(sessions_killed as bigint) as sessions_killed,
        cast(stats_reset as timestamp) as stats_reset
    from source
    qualify row_number() over (
        partition by event_date, event_id
        order by source_file, line_number
    ) = 1

)

select * from renamed
