-- One row per table per pg_stat_user_tables snapshot (server, database_name, schemaname, relname, ts), typed
-- and renamed; a row landed twice is kept once.
with

source as (

    select * from {{ source('opsdw_db_objects', 'db_tables') }}

),

renamed as (

    select
        cast(event_id as varchar) as event_id,
        cast(ts as timestamp) as ts,
        cast(event_date as date) as event_date,
        cast(server as varchar) as server,
        cast(datname as varchar) as database_name,
        cast(schemaname as varchar) as schemaname,
        cast(relname as varchar) as relname,
        cast(seq_scan as bigint) as seq_scan,
        cast(seq_tup_read as bigint) as seq_tup_read,
        cast(idx_scan as bigint) as idx_scan,
        cast(idx_tup_fetch as bigint) as idx_tup_fetch,
        cast(n_tup_ins as bigint) as n_tup_ins,
        cast(n_tup_upd as bigint) as n_tup_upd,
        cast(n_tup_del as bigint) as n_tup_del,
        cast(n_live_tup as bigint) as n_live_tup,
        cast(n_dead_tup as bigint) as n_dead_tup,
        cast(heap_blks_read as bigint) as heap_blks_read,
        cast(heap_blks_hit as bigint) as heap_blks_hit,
        cast(idx_blks_read as bigint) as idx_blks_read,
        cast(idx_blks_hit as bigint) as idx_blks_hit,
        cast(last_vacuum as timestamp) as last_vacuum_at,
        cast(last_autovacuum as timestamp) as last_autovacuum_at,
        cast(last_analyze as timestamp) as last_analyze_at,
        cast(last_autoanalyze as timestamp) as last_autoanalyze_at,
        cast(table_size_bytes as bigint) as table_size_bytes,
        cast(total_relation_size_bytes as bigint) as total_relation_size_bytes,
        cast(stats_reset as timestamp) as stats_reset_at
    from source
    qualify row_number() over (
        partition by event_date, server, datname, schemaname, relname, ts
        order by source_file, line_number
    ) = 1

)

select * from renamed
