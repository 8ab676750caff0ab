{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_partition_window('hour') }}"
    )
}}
-- One row per database (server, database_name) per hour: the buffer (heap) and index cache hit
-- ratios from pg_statio_user_tables' block counters, and the query cache's hit and eviction
-- ratios with seed 002 §8's classes. Each snapshot's deltas count in the hour of its ts.
with

thresholds as (

    select
        max(threshold_value) filter (where threshold_name = 'buffer_cache_good_hit_ratio')
            as good_hit_ratio,
        max(threshold_value) filter (where threshold_name = 'query_cache_fair_hit_ratio')
            as qc_fair,
        max(threshold_value) filter (where threshold_name = 'query_cache_good_hit_ratio')
            as qc_good,
        max(threshold_value) filter (where threshold_name = 'query_cache_excellent_hit_ratio')
            as qc_excellent,
        max(threshold_value) filter (where threshold_name = 'query_cache_too_small_eviction_ratio')
            as qc_too_small,
        max(threshold_value) filter (where threshold_name = 'query_cache_review_hit_ratio')
            as qc_review,
        max(threshold_value) filter (where threshold_name = 'query_cache_oversized_memory_ratio')
            as qc_oversized
    from {{ ref('db_objects_thresholds') }}

),

blocks as (

    select
        time_bucket(interval 1 hour, ts) as hour,
        server,
        database_name,
        sum(heap_blks_hit) as heap_blks_hit,
        sum(heap_blks_read) as heap_blks_read,
        sum(idx_blks_hit) as idx_blks_hit,
        sum(idx_blks_read) as idx_blks_read
    from {{ ref('int_db_table_deltas') }}
    where {{ ts_in_window('ts') }}
      and heap_blks_hit is not null
    group by all

),

query_cache as (

    select
        time_bucket(interval 1 hour, ts) as hour,
        server,
        database_name,
        sum(cache_hits) as qc_hits,
        sum(cache_misses) as qc_misses,
        sum(cache_inserts) as qc_inserts,
        sum(cache_evictions) as qc_evictions,
        avg(cache_memory_bytes) / 1048576 as avg_memory_mb,
        max(cache_memory_bytes) / 1048576 as max_memory_mb,
        max(cache_memory_limit_bytes) / 1048576 as memory_limit_mb
    from {{ ref('int_db_query_cache_deltas') }}
    where {{ ts_in_window('ts') }}
    group by all

),

joined as (

    select
        coalesce(blocks.hour, query_cache.hour) as hour,
        coalesce(blocks.server, query_cache.server) as server,
        coalesce(blocks.database_name, query_cache.database_name) as database_name,
        blocks.heap_blks_hit,
        blocks.heap_blks_read,
        blocks.heap_blks_hit / nullif(blocks.heap_blks_hit + blocks.heap_blks_read, 0)
            as buffer_hit_ratio,
        blocks.idx_blks_hit,
        blocks.idx_blks_read,
        blocks.idx_blks_hit / nullif(blocks.idx_blks_hit + blocks.idx_blks_read, 0)
            as index_hit_ratio,
        query_cache.qc_hits,
        query_cache.qc_misses,
        query_cache.qc_inserts,
        query_cache.qc_evictions,
        query_cache.qc_hits / nullif(query_cache.qc_hits + query_cache.qc_misses, 0)
            as qc_hit_ratio,
        query_cache.qc_evictions / nullif(query_cache.qc_inserts, 0) as qc_eviction_ratio,
        query_cache.avg_memory_mb,
        query_cache.max_memory_mb,
        query_cache.memory_limit_mb
    from blocks
    full outer join query_cache
        on blocks.hour = query_cache.hour
        and blocks.server = query_cache.server
        and blocks.database_name = query_cache.database_name

),

final as (

    select
        joined.hour,
        joined.server,
        joined.database_name,
        joined.heap_blks_hit,
        joined.heap_blks_read,
        {{ stable('joined.buffer_hit_ratio') }} as buffer_hit_ratio,
        case
            when joined.buffer_hit_ratio >= thresholds.good_hit_ratio then 'good'
            when joined.buffer_hit_ratio < thresholds.good_hit_ratio then 'low'
        end as buffer_cache_status,
        joined.idx_blks_hit,
        joined.idx_blks_read,
        {{ stable('joined.index_hit_ratio') }} as index_hit_ratio,
        case
            when joined.index_hit_ratio >= thresholds.good_hit_ratio then 'good'
            when joined.index_hit_ratio < thresholds.good_hit_ratio then 'low'
        end as index_cache_status,
        joined.qc_hits as query_cache_hits,
        joined.qc_misses as query_cache_misses,
        joined.qc_inserts as query_cache_inserts,
        joined.qc_evictions as query_cache_evictions,
        {{ stable('joined.qc_hit_ratio') }} as query_cache_hit_ratio,
        {{ stable('joined.qc_eviction_ratio') }} as query_cache_eviction_ratio,
        {{ stable('joined.avg_memory_mb', 3) }} as avg_cache_memory_mb,
        {{ stable('joined.max_memory_mb', 3) }} as max_cache_memory_mb,
        {{ stable('joined.memory_limit_mb', 3) }} as cache_memory_limit_mb,
        -- seed 002 §8, first match wins
        case
            when joined.qc_hit_ratio is null then null
            when joined.qc_hit_ratio < thresholds.qc_fair then 'poor'
            when joined.qc_hit_ratio < thresholds.qc_good then 'fair'
            when joined.qc_hit_ratio < thresholds.qc_excellent then 'good'
            else 'excellent'
        end as cache_performance,
        case
            when joined.qc_hits is null then null
            when joined.qc_eviction_ratio > thresholds.qc_too_small then 'cache_too_small'
            when joined.qc_hit_ratio < thresholds.qc_review then 'review_query_patterns'
            when joined.avg_memory_mb < joined.memory_limit_mb * thresholds.qc_oversized
                then 'cache_oversized'
            else 'optimal'
        end as cache_recommendation
    from joined
    cross join thresholds

)

select * from final
