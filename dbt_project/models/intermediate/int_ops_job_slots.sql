{{ config(materialized='table') }}
-- One row per job and schedule slot (scheduled_at): every slot the schedule seed says was due
-- while the scheduler was observed, joined to the run that belongs to it. A due slot without a
-- run is missed; a run whose slot is outside the observed range (or off the grid) is kept too.
with

thresholds as (

    select
        max(threshold_value) filter (where threshold_name = 'job_start_grace_minutes')
            as start_grace_minutes,
        max(threshold_value) filter (where threshold_name = 'job_late_start_seconds')
            as late_start_seconds
    from {{ ref('ops_thresholds') }}

),

schedules as (

    select * from {{ ref('ops_job_schedules') }}

),

-- the scheduler was observed from its first event to its last one
observed as (

    select
        min(ts) as observed_from,
        max(ts) as observed_to
    from {{ ref('stg_job_runs__events') }}

),

-- due slots: scheduled at or after the first event, and at least the start grace before the
-- last event (a later slot may still start: it is pending, not missed)
due as (

    select
        schedules.job_name,
        unnest(generate_series(
            date_trunc('day', observed.observed_from)
                + to_minutes(cast(schedules.offset_minutes as bigint)),
            observed.observed_to
                - to_seconds(cast(round(thresholds.start_grace_minutes * 60) as bigint)),
            to_minutes(cast(schedules.period_minutes as bigint))
        )) as scheduled_at,
        observed.observed_from
    from schedules
    cross join observed
    cross join thresholds

),

expected as (

    select job_name, scheduled_at
    from due
    where scheduled_at >= observed_from

),

runs as (

    select
        *,
        count(*) over (partition by job_name, scheduled_at) as runs_in_slot
    from {{ ref('int_ops_job_runs') }}
    qualify row_number() over (
        partition by job_name, scheduled_at
        order by started_at, run_id
    ) = 1

),

joined as (

    select
        coalesce(expected.job_name, runs.job_name) as job_name,
        coalesce(expected.scheduled_at, runs.scheduled_at) as scheduled_at,
        expected.scheduled_at is not null as is_expected,
        runs.run_id,
        coalesce(runs.runs_in_slot, 0) as runs_in_slot,
        runs.status,
        runs.started_at,
        runs.finished_at,
        runs.lateness_s,
        runs.duration_s,
        runs.lateness_s > thresholds.late_start_seconds as is_late,
        expected.scheduled_at is not null and runs.run_id is null as missed
    from expected
    full outer join runs
        on expected.job_name = runs.job_name
        and expected.scheduled_at = runs.scheduled_at
    cross join thresholds

),

final as (

    select
        joined.*,
        -- on the job's grid (NULL for a job the schedule seed does not know)
        (epoch_us(joined.scheduled_at) - cast(schedules.offset_minutes as bigint) * 60000000)
            % (cast(schedules.period_minutes as bigint) * 60000000) = 0 as on_schedule
    from joined
    left join schedules
        on joined.job_name = schedules.job_name

)

select * from final
