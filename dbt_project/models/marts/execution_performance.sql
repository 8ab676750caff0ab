{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_partition_window('hour') }}"
    )
}}
-- One row per hour, model tier, pool type and task type (seed 003's dashboard): the executions
-- that finished in the hour. Counts and cost totals add up to days exactly; percentiles do not.
with

thresholds as (

    select
        max(threshold_value) filter (where threshold_name = 'execution_cost_ratio_over')
            as cost_ratio_over
    from {{ ref('ops_thresholds') }}

),

executions as (

    select
        date_trunc('hour', ts) as hour,
        model_tier,
        pool_type,
        task_type,
        success,
        duration_seconds,
        quality_score,
        cost_estimate,
        actual_cost,
        peak_memory_mb
    from {{ ref('stg_executions__executions') }}
    where {{ event_date_covers_window() }}
      and {{ ts_in_window('ts') }}

),

grouped as (

    select
        hour,
        model_tier,
        pool_type,
        task_type,
        count(*) as executions,
        count(*) filter (where success) as successes,
        count(*) filter (where not success) as failures,
        -- means over exact DECIMAL sums: a float sum depends on the order rows are added in,
        -- and a mean on a rounding tie (x.xxx5) would round either way from run to run
        {{ stable("avg(cast(duration_seconds as decimal(24, 9)))", 3) }} as avg_duration_s,
        quantile_cont(duration_seconds, 0.50) as p50_duration_s,
        quantile_cont(duration_seconds, 0.95) as p95_duration_s,
        quantile_cont(duration_seconds, 0.99) as p99_duration_s,
        -- DECIMAL(18, 6) sums: exact, whatever order they are added in
        coalesce(sum(cost_estimate), 0) as total_cost_estimate,
        coalesce(sum(actual_cost), 0) as total_actual_cost,
        {{ stable("avg(quality_score)", 3) }} as avg_quality_score,
        {{ stable("avg(cast(peak_memory_mb as decimal(24, 9)))", 3) }} as avg_peak_memory_mb
    from executions
    group by hour, model_tier, pool_type, task_type

),

final as (

    select
        grouped.hour,
        grouped.model_tier,
        grouped.pool_type,
        grouped.task_type,
        grouped.executions,
        grouped.successes,
        grouped.failures,
        {{ stable("grouped.successes / grouped.executions") }} as success_rate,
        grouped.avg_duration_s,
        grouped.p50_duration_s,
        grouped.p95_duration_s,
        grouped.p99_duration_s,
        grouped.total_cost_estimate,
        grouped.total_actual_cost,
        case
            when grouped.total_cost_estimate > 0
                then {{ stable("cast(grouped.total_actual_cost as double) / cast(grouped.total_cost_estimate as double)") }}
        end as cost_ratio,
        grouped.avg_quality_score,
        grouped.avg_peak_memory_mb,
        case
            when cast(grouped.total_actual_cost as double)
                > thresholds.cost_ratio_over * cast(grouped.total_cost_estimate as double)
                then 'OVER ESTIMATE'
            else 'ON ESTIMATE'
        end as cost_status
    from grouped
    cross join thresholds

)

select * from final
