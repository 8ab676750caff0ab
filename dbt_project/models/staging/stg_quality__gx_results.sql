-- One row per expectation of the latest GX validation of each suite and partition.
with

source as (

    -- empty until the first GX check ran (a plain `dbt build` on freshly landed data)
    {{ optional_source('opsdw_quality', 'gx_results', 'lake/quality/gx/*/*/*.parquet', {
        'suite': 'varchar', 'asset': 'varchar', 'layer': 'varchar', 'dataset': 'varchar',
        'event_date': 'date', 'partitions': 'integer', 'expectation': 'varchar',
        'expectation_type': 'varchar', 'column_name': 'varchar', 'passed': 'boolean',
        'observed': 'double', 'unexpected_count': 'bigint', 'detail': 'varchar',
        'severity': 'varchar', 'rows_validated': 'bigint', 'run_name': 'varchar',
        'evaluated_at': 'timestamp'}) }}

),

renamed as (

    select
        cast(suite as varchar) as suite,
        cast(asset as varchar) as asset,
        cast(layer as varchar) as layer,
        cast(dataset as varchar) as dataset,
        cast(event_date as date) as event_date,
        cast(partitions as integer) as partitions,
        cast(expectation as varchar) as expectation,
        cast(expectation_type as varchar) as expectation_type,
        cast(column_name as varchar) as column_name,
        cast(passed as boolean) as passed,
        cast(observed as double) as observed,
        cast(unexpected_count as bigint) as unexpected_count,
        cast(detail as varchar) as detail,
        cast(severity as varchar) as severity,
        cast(rows_validated as bigint) as rows_validated,
        cast(run_name as varchar) as run_name,
        cast(evaluated_at as timestamp) as evaluated_at
    from source

)

select * from renamed
