-- One row per database per connection snapshot: pg_stat_activity counted per state and the
-- database's pgbouncer pool (deduplicated on event_id within its event_date partition).
with

source as (

    select * from {{ source('opsdw_db_activity', 'db_connections') }}

),

renamed as (

    select
        cast(event_id as varchar) as event_id,
        cast(ts as timestamp) as ts,
        cast(event_date as date) as event_date,
        cast(server as varchar) as server,
        cast(datname as varchar) as database_name,
        cast(active as integer) as active,
        cast(idle as integer) as idle,
        cast(coalesce(idle_in_transaction, 0) as integer) as idle_in_transaction,
        cast(coalesce(waiting_on_lock, 0) as integer) as waiting_on_lock,
        cast(active as integer) + cast(idle as integer)
            + cast(coalesce(idle_in_transaction, 0) as integer) as backends,
        cast(longest_transaction_seconds as double) as longest_transaction_seconds,
        cast(coalesce(transactions_over_60s, 0) as integer) as transactions_over_60s,
        cast(max_connections as integer) as max_connections,
        cast(pool_mode as varchar) as pool_mode,
        cast(pool_size as integer) as pool_size,
        cast(cl_active as integer) as cl_active,
        cast(cl_waiting as integer) as cl_waiting,
        cast(sv_active as integer) as sv_active,
        cast(sv_idle as integer) as sv_idle,
        cast(sv_used as integer) as sv_used,
        -- SHOW POOLS splits the oldest client's wait into seconds and microseconds
        cast(maxwait as double) + coalesce(cast(maxwait_us as double), 0) / 1000000
            as maxwait_seconds
    from source
    qualify row_number() over (
        partition by event_date, event_id
        order by source_file, line_number
    ) = 1

)

select * from renamed
