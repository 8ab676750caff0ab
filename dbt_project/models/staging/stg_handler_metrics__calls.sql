-- One row per handler call (deduplicated on event_id within its event_date partition).
with

source as (

    select * from {{ source('opsdw_ops', 'handler_metrics') }}

),

renamed as (

    select
        cast(event_id as varchar) as event_id,
        cast(ts as timestamp) as ts,
        cast(event_date as date) as event_date,
        cast(host as varchar) as host,
        cast(handler_name as varchar) as handler_name,
        cast(handler_type as varchar) as handler_type,
        cast(operation as varchar) as operation,
        cast(duration_ms as double) as duration_ms,
        cast(success as boolean) as success,
        cast(row_count as bigint) as row_count,
        cast(error_message as varchar) as error_message
    from source
    qualify row_number() over (
        partition by event_date, event_id
        order by source_file, line_number
    ) = 1

)

select * from renamed
