-- One row per waiting lock per snapshot (ungranted pg_locks joined with pg_stat_activity),
-- deduplicated on event_id within its event_date partition. A wait seen in several snapshots
-- keeps one identity: (server, pid, waitstart).
with

source as (

    select * from {{ source('opsdw_db_activity', 'db_locks') }}

),

renamed as (

    select
        cast(event_id as varchar) as event_id,
        cast(ts as timestamp) as ts,
        cast(event_date as date) as event_date,
        cast(server as varchar) as server,
        cast(datname as varchar) as database_name,
        cast(relation as varchar) as relation,
        cast(locktype as varchar) as locktype,
        cast(mode as varchar) as lock_mode,
        cast(pid as integer) as pid,
        cast(blocking_pid as integer) as blocking_pid,
        cast(waitstart as timestamp) as waitstart,
        cast(wait_seconds as double) as wait_seconds,
        cast(wait_event_type as varchar) as wait_event_type,
        cast(wait_event as varchar) as wait_event,
        cast(state as varchar) as state,
        cast(application_name as varchar) as application_name,
        cast(query as varchar) as query
    from source
    qualify row_number() over (
        partition by event_date, event_id
        order by source_file, line_number
    ) = 1

)

select * from renamed
