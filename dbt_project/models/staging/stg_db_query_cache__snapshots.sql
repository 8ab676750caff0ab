-- One row per database per query-cache snapshot (server, database_name, ts): ProxySQL's Query_Cache_* status
-- variables renamed to what they count; a row landed twice is kept once.
with

source as (

    select * from {{ source('opsdw_db_objects', 'db_query_cache') }}

),

renamed as (

    select
        cast(event_id as varchar) as event_id,
        cast(ts as timestamp) as ts,
        cast(event_date as date) as event_date,
        cast(server as varchar) as server,
        cast(datname as varchar) as database_name,
        cast("ProxySQL_Uptime" as bigint) as uptime_s,
        cast("Query_Cache_count_GET" as bigint) as cache_lookups,
        cast("Query_Cache_count_GET_OK" as bigint) as cache_hits,
        cast("Query_Cache_count_SET" as bigint) as cache_inserts,
        cast("Query_Cache_Purged" as bigint) as cache_evictions,
        cast("Query_Cache_Entries" as bigint) as cache_entries,
        cast("Query_Cache_Memory_bytes" as bigint) as cache_memory_bytes,
        cast("query_cache_size_MB" as bigint) * 1048576 as cache_memory_limit_bytes
    from source
    qualify row_number() over (
        partition by event_date, server, datname, ts
        order by source_file, line_number
    ) = 1

)

select * from renamed
