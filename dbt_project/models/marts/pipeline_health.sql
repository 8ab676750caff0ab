{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_partition_window('hour') }}"
    )
}}
-- One row per pipeline per hour: the runs that finished in the hour (end_time = ts), with
-- seed 000's pipeline_status.
with

thresholds as (

    select
        max(threshold_value) filter (where threshold_name = 'pipeline_failing_failure_rate')
            as failing_failure_rate,
        max(threshold_value) filter (where threshold_name = 'pipeline_warning_failures')
            as warning_failures
    from {{ ref('ops_thresholds') }}

),

runs as (

    select
        date_trunc('hour', ts) as hour,
        ts,
        run_id,
        pipeline_name,
        status,
        duration_s,
        rows_processed,
        error_message
    from {{ ref('stg_pipeline_runs__runs') }}
    where {{ event_date_covers_window() }}
      and {{ ts_in_window('ts') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by hour, pipeline_name
            order by ts desc, run_id desc
        ) as recency,
        row_number() over (
            partition by hour, pipeline_name, status = 'FAILURE'
            order by ts desc, run_id desc
        ) as failure_recency
    from runs

),

grouped as (

    select
        hour,
        pipeline_name,
        count(*) as runs,
        count(*) filter (where status = 'SUCCESS') as successes,
        count(*) filter (where status = 'FAILURE') as failures,
        count(*) filter (where status = 'CANCELED') as canceled,
        cast(coalesce(sum(rows_processed), 0) as bigint) as rows_processed,
        -- means over exact DECIMAL sums: a float sum depends on the order rows are added in,
        -- and a mean on a rounding tie (x.xxx5) would round either way from run to run
        {{ stable("avg(cast(duration_s as decimal(24, 9)))", 3) }} as avg_duration_s,
        max(duration_s) as max_duration_s,
        max(ts) as last_finished_at,
        max(status) filter (where recency = 1) as last_status,
        max(error_message) filter (where status = 'FAILURE' and failure_recency = 1)
            as last_error
    from ranked
    group by hour, pipeline_name

),

final as (

    select
        grouped.hour,
        grouped.pipeline_name,
        grouped.runs,
        grouped.successes,
        grouped.failures,
        grouped.canceled,
        {{ stable("grouped.successes / grouped.runs") }} as success_rate,
        {{ stable("grouped.failures / grouped.runs") }} as failure_rate,
        grouped.rows_processed,
        grouped.avg_duration_s,
        grouped.max_duration_s,
        grouped.last_finished_at,
        grouped.last_status,
        grouped.last_error,
        -- first match wins (seed 000: alert on failure rate > 10 %; dashboard: failed_runs > 0)
        case
            when grouped.failures / grouped.runs > thresholds.failing_failure_rate then 'FAILING'
            when grouped.failures > thresholds.warning_failures then 'WARNING'
            else 'HEALTHY'
        end as pipeline_status
    from grouped
    cross join thresholds

)

select * from final
