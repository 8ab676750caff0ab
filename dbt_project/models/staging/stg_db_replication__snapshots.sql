-- One row per replica per pg_stat_replication snapshot (deduplicated on event_id within its
-- event_date partition). LSNs 'X/Y' (two 32-bit hexadecimal halves) also as byte positions.
{%- set hi = "try_cast('0x' || split_part({c}, '/', 1) as bigint) * 4294967296" %}
{%- set lo = "try_cast('0x' || split_part({c}, '/', 2) as bigint)" %}

with

source as (

    select * from {{ source('opsdw_db_activity', 'db_replication') }}

),

renamed as (

    select
        cast(event_id as varchar) as event_id,
        cast(ts as timestamp) as ts,
        cast(event_date as date) as event_date,
        cast(server as varchar) as server,
        cast(application_name as varchar) as replica,
        cast(client_addr as varchar) as client_addr,
        cast(pid as integer) as pid,
        cast(backend_start as timestamp) as backend_start,
        cast(state as varchar) as state,
        cast(sync_state as varchar) as sync_state,
        cast(sent_lsn as varchar) as sent_lsn,
        cast(write_lsn as varchar) as write_lsn,
        cast(flush_lsn as varchar) as flush_lsn,
        cast(replay_lsn as varchar) as replay_lsn,
        ({{ hi.format(c='sent_lsn') }} + {{ lo.format(c='sent_lsn') }})
            - ({{ hi.format(c='replay_lsn') }} + {{ lo.format(c='replay_lsn') }}) as replay_lag_bytes,
        cast(write_lag as double) as write_lag_seconds,
        cast(flush_lag as double) as flush_lag_seconds,
        cast(replay_lag as double) as replay_lag_seconds,
        cast(reply_time as timestamp) as reply_time
    from source
    qualify row_number() over (
        partition by event_date, event_id
        order by source_file, line_number
    ) = 1

)

select * from renamed
