-- One row per agent task execution (deduplicated on event_id within its event_date partition).
-- Costs are DECIMAL(18, 6) (the records carry at most 6 decimals), so sums are exact.
with

source as (

    select * from {{ source('opsdw_ops', 'executions') }}

),

renamed as (

    select
        cast(event_id as varchar) as event_id,
        cast(ts as timestamp) as ts,
        cast(event_date as date) as event_date,
        cast(task_id as varchar) as task_id,
        cast(task_type as varchar) as task_type,
        cast(repo as varchar) as repo,
        cast(file_count as integer) as file_count,
        cast(estimated_tokens as bigint) as estimated_tokens,
        cast(model_tier as varchar) as model_tier,
        cast(pool_type as varchar) as pool_type,
        cast(swarm_topology as varchar) as swarm_topology,
        cast(routing_confidence as double) as routing_confidence,
        cast(complexity_score as integer) as complexity_score,
        cast(success as boolean) as success,
        cast(duration_seconds as double) as duration_seconds,
        cast(quality_score as integer) as quality_score,
        cast(round(cost_estimate, 6) as decimal(18, 6)) as cost_estimate,
        cast(round(actual_cost, 6) as decimal(18, 6)) as actual_cost,
        cast(error_type as varchar) as error_type,
        cast(error_message as varchar) as error_message,
        cast(user_accepted as boolean) as user_accepted,
        cast(user_rating as integer) as user_rating,
        cast(peak_memory_mb as double) as peak_memory_mb,
        cast(cpu_time_seconds as double) as cpu_time_seconds
    from source
    qualify row_number() over (
        partition by event_date, event_id
        order by source_file, line_number
    ) = 1

)

select * from renamed
