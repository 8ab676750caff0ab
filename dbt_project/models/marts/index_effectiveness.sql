{{ config(materialized='table') }}
-- One row per index (server, database_name, schemaname, indexrelname) over the observation
-- window: the index_observation_days days up to the latest index snapshot. Scans are the sum of
-- the reset-safe deltas in the window; size, flags and columns are as of the index's latest
-- snapshot. Status and recommendation follow seed 002 §5, first match wins.
with

thresholds as (

    select
        max(threshold_value) filter (where threshold_name = 'index_observation_days')
            as observation_days,
        max(threshold_value) filter (where threshold_name = 'unused_index_min_bytes')
            as unused_min_bytes,
        max(threshold_value) filter (where threshold_name = 'rarely_used_scans_per_second')
            as rarely_used_sps,
        max(threshold_value) filter (where threshold_name = 'oversized_size_ratio')
            as oversized_ratio,
        max(threshold_value) filter (where threshold_name = 'oversized_scans_per_second')
            as oversized_sps,
        max(threshold_value) filter (where threshold_name = 'low_selectivity') as low_selectivity,
        max(threshold_value) filter (where threshold_name = 'consider_drop_size_ratio')
            as consider_drop_ratio
    from {{ ref('db_objects_thresholds') }}

),

observation as (

    select
        max(deltas.ts) as observed_until,
        max(deltas.ts) - to_seconds(cast(86400 * max(thresholds.observation_days) as bigint))
            as observed_since
    from {{ ref('int_db_index_deltas') }} as deltas
    cross join thresholds

),

in_window as (

    select deltas.*
    from {{ ref('int_db_index_deltas') }} as deltas
    cross join observation
    where deltas.ts > observation.observed_since
      and deltas.ts <= observation.observed_until

),

per_index as (

    select
        server,
        database_name,
        schemaname,
        indexrelname,
        arg_max(relname, ts) as relname,
        arg_max(index_columns, ts) as index_columns,
        arg_max(is_unique, ts) as is_unique,
        arg_max(is_primary, ts) as is_primary,
        arg_max(index_size_bytes, ts) as index_size_bytes,
        arg_max(leading_column_n_distinct, ts) as leading_column_n_distinct,
        -- the observed span: from the snapshot the first delta starts at to the last snapshot
        min(previous_ts) filter (where idx_scan is not null) as observed_from,
        max(ts) filter (where idx_scan is not null) as observed_to,
        sum(idx_scan) as idx_scan,
        sum(idx_tup_read) as idx_tup_read,
        sum(idx_tup_fetch) as idx_tup_fetch,
        sum(idx_blks_read) as idx_blks_read,
        sum(idx_blks_hit) as idx_blks_hit
    from in_window
    group by server, database_name, schemaname, indexrelname

),

tables as (

    select
        server,
        database_name,
        schemaname,
        relname,
        arg_max(n_live_tup, ts) as n_live_tup,
        arg_max(table_size_bytes, ts) as table_size_bytes
    from {{ ref('int_db_table_deltas') }}
    where ts <= (select observed_until from observation)
    group by server, database_name, schemaname, relname

),

columns_listed as (

    select
        *,
        list_transform(string_split(index_columns, ','), c -> trim(c)) as column_list
    from per_index

),

duplicates as (

    -- an index whose columns are a leading prefix of another index's on the same table is
    -- redundant, unless it enforces uniqueness itself; of two indexes with the same columns
    -- the non-unique one (or, both non-unique, the later name) is the duplicate
    select
        this.server,
        this.database_name,
        this.schemaname,
        this.indexrelname,
        min(other.indexrelname) as duplicate_of
    from columns_listed as this
    inner join columns_listed as other
        on this.server = other.server
        and this.database_name = other.database_name
        and this.schemaname = other.schemaname
        and this.relname = other.relname
        and this.indexrelname <> other.indexrelname
    where not (this.is_unique or this.is_primary)
      and len(other.column_list) >= len(this.column_list)
      and list_slice(other.column_list, 1, len(this.column_list)) = this.column_list
      and (
          len(other.column_list) > len(this.column_list)
          or other.is_unique
          or other.is_primary
          or other.indexrelname < this.indexrelname
      )
    group by this.server, this.database_name, this.schemaname, this.indexrelname

),

measured as (

    select
        per_index.*,
        tables.n_live_tup,
        tables.table_size_bytes,
        date_diff('second', per_index.observed_from, per_index.observed_to) as observed_seconds,
        per_index.idx_scan
            / nullif(date_diff('second', per_index.observed_from, per_index.observed_to), 0)
            as scans_per_second,
        per_index.index_size_bytes / nullif(tables.table_size_bytes, 0) as size_ratio,
        -- pg_stats.n_distinct: > 0 a count of distinct values, < 0 minus their fraction of rows
        case
            when per_index.leading_column_n_distinct < 0 then -per_index.leading_column_n_distinct
            when per_index.leading_column_n_distinct > 0 and tables.n_live_tup > 0
                then least(per_index.leading_column_n_distinct / tables.n_live_tup, 1.0)
        end as selectivity,
        duplicates.duplicate_of,
        duplicates.duplicate_of is not null as is_duplicate,
        -- a quoted identifier unless it is a plain lower-case one
        case when regexp_full_match(per_index.schemaname, '[a-z_][a-z0-9_$]*')
            then per_index.schemaname
            else '"' || replace(per_index.schemaname, '"', '""') || '"'
        end
        || '.'
        || case when regexp_full_match(per_index.indexrelname, '[a-z_][a-z0-9_$]*')
            then per_index.indexrelname
            else '"' || replace(per_index.indexrelname, '"', '""') || '"'
        end as qualified_name
    from per_index
    left join tables
        on per_index.server = tables.server
        and per_index.database_name = tables.database_name
        and per_index.schemaname = tables.schemaname
        and per_index.relname = tables.relname
    left join duplicates
        on per_index.server = duplicates.server
        and per_index.database_name = duplicates.database_name
        and per_index.schemaname = duplicates.schemaname
        and per_index.indexrelname = duplicates.indexrelname

),

classified as (

    select
        measured.*,
        -- first match wins (seed 002 §5; 'unused' spares unique/primary and small indexes)
        case
            when measured.observed_seconds is null or measured.observed_seconds = 0 then null
            when measured.idx_scan = 0
                and not (measured.is_unique or measured.is_primary)
                and measured.index_size_bytes >= thresholds.unused_min_bytes
                then 'unused'
            when measured.scans_per_second < thresholds.rarely_used_sps then 'rarely_used'
            when measured.size_ratio > thresholds.oversized_ratio
                and measured.scans_per_second < thresholds.oversized_sps
                then 'oversized'
            when measured.selectivity < thresholds.low_selectivity then 'low_selectivity'
            else 'effective'
        end as index_status,
        measured.size_ratio > thresholds.consider_drop_ratio as is_large_for_table
    from measured
    cross join thresholds

),

final as (

    select
        server,
        database_name,
        schemaname,
        relname,
        indexrelname,
        index_columns,
        is_unique,
        is_primary,
        observed_from,
        observed_to,
        observed_seconds,
        idx_scan,
        idx_tup_read,
        idx_tup_fetch,
        {{ stable('scans_per_second', 9) }} as scans_per_second,
        {{ stable('idx_blks_hit / nullif(idx_blks_hit + idx_blks_read, 0)') }} as idx_blks_hit_ratio,
        index_size_bytes,
        table_size_bytes,
        n_live_tup,
        {{ stable('size_ratio') }} as size_ratio,
        {{ stable('selectivity', 9) }} as selectivity,
        index_status,
        is_duplicate,
        duplicate_of,
        case
            when index_status = 'unused' or is_duplicate
                then 'DROP INDEX CONCURRENTLY ' || qualified_name || ';'
        end as drop_statement,
        case
            when index_status = 'unused'
                then 'DROP INDEX CONCURRENTLY ' || qualified_name || ';'
            when is_duplicate
                then 'DROP INDEX CONCURRENTLY ' || qualified_name || '; -- duplicate of '
                    || duplicate_of
            when idx_scan = 0 and (is_unique or is_primary)
                then 'Keep: enforces uniqueness'
            when index_status = 'rarely_used' and is_large_for_table then 'Consider dropping'
            when index_status = 'low_selectivity' then 'Review selectivity'
            else 'No action needed'
        end as recommendation
    from classified

)

select * from final
