-- One row per index per pg_stat_user_indexes snapshot (server, database_name, schemaname, indexrelname, ts),
-- typed and renamed; a row landed twice is kept once.
with

source as (

    select * from {{ source('opsdw_db_objects', 'db_indexes') }}

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
        cast(indexrelname as varchar) as indexrelname,
        cast(idx_scan as bigint) as idx_scan,
        cast(idx_tup_read as bigint) as idx_tup_read,
        cast(idx_tup_fetch as bigint) as idx_tup_fetch,
        cast(idx_blks_read as bigint) as idx_blks_read,
        cast(idx_blks_hit as bigint) as idx_blks_hit,
        cast(index_size_bytes as bigint) as index_size_bytes,
        cast(indisunique as boolean) as is_unique,
        cast(indisprimary as boolean) as is_primary,
        cast(index_columns as varchar) as index_columns,
        cast(leading_column_n_distinct as double) as leading_column_n_distinct,
        cast(stats_reset as timestamp) as stats_reset_at
    from source
    qualify row_number() over (
        partition by event_date, server, datname, schemaname, indexrelname, ts
        order by source_file, line_number
    ) = 1

)

select * from renamed
