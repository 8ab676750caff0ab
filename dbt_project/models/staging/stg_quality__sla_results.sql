-- One row per judged subject of the latest SLA evaluation of each raw partition.
with

source as (

    -- empty until the first SLA evaluation (a plain `dbt build` on freshly landed data)
    {{ optional_source('opsdw_quality', 'sla_results', 'lake/quality/sla/*/*/*.parquet', {
        'source': 'varchar', 'event_date': 'date', 'check_name': 'varchar',
        'subject': 'varchar', 'window_start': 'timestamp', 'window_end': 'timestamp',
        'observed': 'double', 'threshold': 'double', 'passed': 'boolean',
        'severity': 'varchar', 'detail': 'varchar', 'evaluated_at': 'timestamp'}) }}

),

renamed as (

    select
        cast(source as varchar) as source,
        cast(event_date as date) as event_date,
        cast(check_name as varchar) as check_name,
        cast(subject as varchar) as subject,
        cast(window_start as timestamp) as window_start,
        cast(window_end as timestamp) as window_end,
        cast(observed as double) as observed,
        cast(threshold as double) as threshold,
        cast(passed as boolean) as passed,
        cast(severity as varchar) as severity,
        cast(detail as varchar) as detail,
        cast(evaluated_at as timestamp) as evaluated_at
    from source
    where source <> '_none'

)

select * from renamed
