{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_partition_window('stat_date') }}"
    )
}}
-- One row per table per day on which it is a missing-index candidate: at least
-- hotspot_min_live_rows live rows and an index usage idx_scan / (seq_scan + idx_scan) below
-- hotspot_max_index_usage (a table without indexes counts idx_scan 0). Scans are the day's
-- reset-safe deltas (counted on the UTC day of each snapshot's ts); rows and sizes are as of the
-- day's last snapshot.
with

thresholds as (

    select
        max(threshold_value) filter (where threshold_name = 'hotspot_min_live_rows')
            as min_live_rows,
        max(threshold_value) filter (where threshold_name = 'hotspot_max_index_usage')
            as max_index_usage
    from {{ ref('db_objects_thresholds') }}

),

daily as (

    select
        cast(ts as date) as stat_date,
        server,
        database_name,
        schemaname,
        relname,
        sum(seq_scan) as seq_scan,
        sum(seq_tup_read) as seq_tup_read,
        coalesce(sum(idx_scan), 0) as idx_scan,
        coalesce(sum(idx_tup_fetch), 0) as idx_tup_fetch,
        arg_max(n_live_tup, ts) as n_live_tup,
        arg_max(table_size_bytes, ts) as table_size_bytes
    from {{ ref('int_db_table_deltas') }}
    where {{ ts_in_window('ts') }}
      and seq_scan is not null
    group by all

),

final as (

    select
        daily.stat_date,
        daily.server,
        daily.database_name,
        daily.schemaname,
        daily.relname,
        daily.n_live_tup,
        daily.table_size_bytes,
        daily.seq_scan,
        daily.seq_tup_read,
        daily.idx_scan,
        daily.idx_tup_fetch,
        {{ stable('daily.idx_scan / (daily.seq_scan + daily.idx_scan)') }} as index_usage_ratio,
        {{ stable('daily.seq_tup_read / nullif(daily.seq_scan, 0)', 1) }} as avg_rows_per_seq_scan
    from daily
    cross join thresholds
    where daily.n_live_tup >= thresholds.min_live_rows
      and daily.seq_scan + daily.idx_scan > 0
      and daily.idx_scan / (daily.seq_scan + daily.idx_scan) < thresholds.max_index_usage

)

select * from final
