{{ config(materialized='table') }}
-- One row per scheduled job: its runs, missed slots, lateness and failure streaks over
-- everything the scheduler reported (a current-state summary, rebuilt whole), and job_health.
with

thresholds as (

    select
        max(threshold_value) filter (where threshold_name = 'job_late_start_seconds')
            as late_start_seconds,
        max(threshold_value) filter (where threshold_name = 'job_failing_consecutive_failures')
            as failing_consecutive_failures,
        max(threshold_value) filter (where threshold_name = 'job_recent_hours')
            as recent_hours
    from {{ ref('ops_thresholds') }}

),

schedules as (

    select job_name, cron from {{ ref('ops_job_schedules') }}

),

slots as (

    select * from {{ ref('int_ops_job_slots') }}

),

observed as (

    select
        min(ts) as observed_from,
        max(ts) as observed_to
    from {{ ref('stg_job_runs__events') }}

),

jobs as (

    select job_name from schedules
    union
    select job_name from slots

),

-- the runs that ended, numbered into islands: every success starts a new island, so the
-- failures of one island are one streak of consecutive failures
ended as (

    select
        job_name,
        scheduled_at,
        status,
        count(*) filter (where status = 'succeeded') over (
            partition by job_name
            order by scheduled_at
            rows between unbounded preceding and current row
        ) as island
    from slots
    where status in ('succeeded', 'failed')

),

streaks as (

    select
        job_name,
        island,
        count(*) filter (where status = 'failed') as failures,
        max(scheduled_at) as last_scheduled_at
    from ended
    group by job_name, island

),

streak_stats as (

    select
        job_name,
        max(failures) as longest_failure_streak,
        -- the island of the latest ended run: its failures are the current streak
        arg_max(failures, last_scheduled_at) as consecutive_failures
    from streaks
    group by job_name

),

last_run as (

    select
        job_name,
        scheduled_at,
        started_at,
        finished_at,
        status,
        lateness_s
    from slots
    where run_id is not null
    qualify row_number() over (partition by job_name order by scheduled_at desc) = 1

),

slot_stats as (

    select
        slots.job_name,
        count(*) filter (where slots.is_expected) as expected_runs,
        count(slots.run_id) as runs,
        count(*) filter (where slots.missed) as missed_runs,
        max(slots.scheduled_at) filter (where slots.missed) as last_missed_at,
        count(*) filter (where slots.missed and slots.scheduled_at
            >= observed.observed_to - to_hours(cast(thresholds.recent_hours as bigint)))
            as recent_missed_runs,
        count(*) filter (where slots.status = 'failed') as failed_runs,
        count(*) filter (where slots.is_late) as late_runs,
        count(*) filter (where slots.is_late and slots.scheduled_at
            >= observed.observed_to - to_hours(cast(thresholds.recent_hours as bigint)))
            as recent_late_runs,
        -- means over exact DECIMAL sums: a float sum depends on the order rows are added in,
        -- and a mean on a rounding tie (x.xxx5) would round either way from run to run
        {{ stable("avg(cast(slots.lateness_s as decimal(24, 9)))", 3) }} as avg_lateness_s,
        max(slots.lateness_s) as max_lateness_s
    from slots
    cross join observed
    cross join thresholds
    group by slots.job_name

),

final as (

    select
        jobs.job_name,
        schedules.cron,
        observed.observed_from,
        observed.observed_to,
        coalesce(slot_stats.expected_runs, 0) as expected_runs,
        coalesce(slot_stats.runs, 0) as runs,
        coalesce(slot_stats.missed_runs, 0) as missed_runs,
        slot_stats.last_missed_at,
        coalesce(slot_stats.failed_runs, 0) as failed_runs,
        coalesce(slot_stats.late_runs, 0) as late_runs,
        last_run.scheduled_at as last_scheduled_at,
        last_run.started_at as last_started_at,
        last_run.finished_at as last_finished_at,
        last_run.status as last_status,
        last_run.lateness_s as last_lateness_s,
        slot_stats.avg_lateness_s,
        slot_stats.max_lateness_s,
        coalesce(streak_stats.consecutive_failures, 0) as consecutive_failures,
        coalesce(streak_stats.longest_failure_streak, 0) as longest_failure_streak,
        -- first match wins
        case
            when coalesce(streak_stats.consecutive_failures, 0)
                > thresholds.failing_consecutive_failures then 'FAILING'
            when coalesce(slot_stats.recent_missed_runs, 0) > 0 then 'MISSED RUNS'
            when coalesce(slot_stats.recent_late_runs, 0) > 0 then 'LATE'
            else 'HEALTHY'
        end as job_health
    from jobs
    left join schedules on jobs.job_name = schedules.job_name
    left join slot_stats on jobs.job_name = slot_stats.job_name
    left join streak_stats on jobs.job_name = streak_stats.job_name
    left join last_run on jobs.job_name = last_run.job_name
    cross join observed
    cross join thresholds

)

select * from final
