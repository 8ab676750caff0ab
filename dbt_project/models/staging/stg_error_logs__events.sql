-- One row per log event (deduplicated on event_id within its event_date partition).
with

source as (

    select * from {{ source('opsdw_raw', 'error_logs') }}

),

renamed as (

    select
        cast(event_id as varchar) as event_id,
        cast(ts as timestamp) as ts,
        cast(event_date as date) as event_date,
        upper(cast(level as varchar)) as level,
        cast(component as varchar) as component,
        cast(host as varchar) as host,
        cast(logger as varchar) as logger,
        cast(error_code as varchar) as error_code,
        cast(message as varchar) as message,
        cast(stack_trace as varchar) as stack_trace,
        cast(request_id as varchar) as request_id,
        cast(user_pseudo as varchar) as user_pseudo
    from source
    qualify row_number() over (
        partition by event_date, event_id
        order by source_file, line_number
    ) = 1

)

select * from renamed
