-- One row per Prometheus sample (deduplicated on event_id within its event_date partition).
with

source as (

    select * from {{ source('opsdw_raw', 'system_metrics') }}

),

renamed as (

    select
        cast(event_id as varchar) as event_id,
        cast(ts as timestamp) as ts,
        cast(event_date as date) as event_date,
        cast(host as varchar) as host,
        cast(component as varchar) as component,
        cast(metric as varchar) as metric,
        cast(family as varchar) as family,
        cast(metric_type as varchar) as metric_type,
        cast(labels as map(varchar, varchar)) as labels,
        cast(value as double) as value
    from source
    -- event_id ('<file_key>:<line_number>') names one line, so ts, host and metric (the same
    -- for every copy of a line) change nothing in the partition; they let DuckDB push the
    -- consumers' filters (time window, host, metric) below the window function instead of
    -- numbering the whole partition first: about 2x faster for int_host_resources on one day
    qualify row_number() over (
        partition by event_date, event_id, ts, host, metric
        order by source_file, line_number
    ) = 1

)

select * from renamed
