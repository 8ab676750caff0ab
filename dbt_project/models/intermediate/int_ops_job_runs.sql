-- One row per scheduler run (run_id): its latest state from the run events (the end event when
-- the run has ended, else the start event), with its lateness and duration.
with

events as (

    select * from {{ ref('stg_job_runs__events') }}

),

latest as (

    select
        *,
        row_number() over (
            partition by run_id
            order by is_final desc, ts desc, event_id
        ) as recency
    from events

),

final as (

    select
        run_id,
        job_name,
        schedule,
        scheduled_at,
        started_at,
        finished_at,
        status,
        exit_code,
        host,
        -- epoch_us differences are exact integers
        (epoch_us(started_at) - epoch_us(scheduled_at)) / 1e6 as lateness_s,
        (epoch_us(finished_at) - epoch_us(started_at)) / 1e6 as duration_s,
        ts as last_event_at
    from latest
    where recency = 1

)

select * from final
