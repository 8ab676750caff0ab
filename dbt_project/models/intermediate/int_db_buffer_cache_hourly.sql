-- One row per server, database and hour: shared-buffer hits and reads (pg_stat_database
-- blks_hit / blks_read increases from int_db_database_deltas, summed over the hour's snapshots)
-- and the buffer-cache hit ratio. A snapshot's increase covers the interval since the previous
-- snapshot and counts in the hour of the snapshot.
with

deltas as (

    select
        date_trunc('hour', ts) as hour,
        server,
        database_name,
        is_reset,
        blks_hit,
        blks_read,
        blk_read_time_ms
    from {{ ref('int_db_database_deltas') }}

),

hourly as (

    select
        hour,
        server,
        database_name,
        count(*) as snapshots,
        count(blks_hit) as measured_snapshots,
        count_if(is_reset) as stats_resets,
        sum(blks_hit) as blks_hit,
        sum(blks_read) as blks_read,
        -- DECIMAL: exact, whatever order the rows are added in
        cast(sum(cast(blk_read_time_ms as decimal(38, 3))) as double) as blk_read_time_ms
    from deltas
    group by hour, server, database_name

),

final as (

    select
        hour,
        server,
        database_name,
        snapshots,
        measured_snapshots,
        stats_resets,
        blks_hit,
        blks_read,
        blks_hit + blks_read as blks_accessed,
        {{ stable('cast(blks_hit as double) / nullif(blks_hit + blks_read, 0)') }} as hit_ratio,
        blk_read_time_ms,
        {{ stable('blk_read_time_ms / nullif(blks_read, 0)', 4) }} as avg_read_time_ms
    from hourly

)

select * from final
