-- One row per scheduler run event: a run's start ('running') and its end ('succeeded' or
-- 'failed'), deduplicated on event_id within its event_date partition.
with

source as (

    select * from {{ source('opsdw_ops', 'job_runs') }}

),

renamed as (

    select
        cast(event_id as varchar) as event_id,
        cast(ts as timestamp) as ts,
        cast(event_date as date) as event_date,
        cast(job_name as varchar) as job_name,
        cast(schedule as varchar) as schedule,
        cast(run_id as varchar) as run_id,
        cast(status as varchar) as status,
        status <> 'running' as is_final,
        cast(scheduled_at as timestamp) as scheduled_at,
        cast(started_at as timestamp) as started_at,
        cast(finished_at as timestamp) as finished_at,
        cast(exit_code as integer) as exit_code,
        cast(host as varchar) as host
    from source
    qualify row_number() over (
        partition by event_date, event_id
        order by source_file, line_number
    ) = 1

)

select * from renamed
