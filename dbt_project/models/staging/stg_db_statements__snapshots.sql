-- One row per statement per pg_stat_statements snapshot (server, database_name, queryid, ts), typed and
-- renamed; a row landed twice (same snapshot, same statement) is kept once.
with

source as (

    select * from {{ source('opsdw_db_objects', 'db_statements') }}

),

renamed as (

    select
        cast(event_id as varchar) as event_id,
        cast(ts as timestamp) as ts,
        cast(event_date as date) as event_date,
        cast(server as varchar) as server,
        cast(datname as varchar) as database_name,
        cast(queryid as bigint) as queryid,
        cast(query as varchar) as query,
        cast(calls as bigint) as calls,
        cast(total_exec_time as double) as total_exec_time_ms,
        cast(min_exec_time as double) as min_exec_time_ms,
        cast(max_exec_time as double) as max_exec_time_ms,
        cast(mean_exec_time as double) as mean_exec_time_ms,
        cast(stddev_exec_time as double) as stddev_exec_time_ms,
        cast("rows" as bigint) as rows,
        cast(shared_blks_hit as bigint) as shared_blks_hit,
        cast(shared_blks_read as bigint) as shared_blks_read,
        cast(stats_reset as timestamp) as stats_reset_at
    from source
    qualify row_number() over (
        partition by event_date, server, datname, queryid, ts
        order by source_file, line_number
    ) = 1

)

select * from renamed
