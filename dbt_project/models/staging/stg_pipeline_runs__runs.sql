-- One row per finished pipeline run record (deduplicated on event_id within its event_date
-- partition), with the run's duration.
with

source as (

    select * from {{ source('opsdw_ops', 'pipeline_runs') }}

),

renamed as (

    select
        cast(event_id as varchar) as event_id,
        cast(ts as timestamp) as ts,
        cast(event_date as date) as event_date,
        cast(run_id as varchar) as run_id,
        cast(pipeline_name as varchar) as pipeline_name,
        cast(status as varchar) as status,
        cast(start_time as timestamp) as started_at,
        cast(end_time as timestamp) as finished_at,
        -- exact to the microsecond: epoch_us differences are integers
        (epoch_us(cast(end_time as timestamp)) - epoch_us(cast(start_time as timestamp)))
            / 1e6 as duration_s,
        cast(rows_processed as bigint) as rows_processed,
        cast(error_message as varchar) as error_message,
        cast(scheduled_execution_time as timestamp) as scheduled_at
    from source
    qualify row_number() over (
        partition by event_date, event_id
        order by source_file, line_number
    ) = 1

)

select * from renamed
