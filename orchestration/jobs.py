"""The main job and the schedules that keep today's partition fresh and finalise yesterday's."""

import datetime as dt

import dagster as dg

from orchestration.assets.partitions import daily_partitions

MAIN_JOB = "opsdw_main"

main_job = dg.define_asset_job(
    MAIN_JOB,
    selection=dg.AssetSelection.all(),
    partitions_def=daily_partitions,
    description="Land the inbox for the partition(s), build the dbt models, run the checks, "
    "publish the serving snapshot.",
)


@dg.schedule(
    job=main_job,
    cron_schedule="*/15 * * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every 15 minutes: re-land and rebuild today's (still filling) partition.",
)
def refresh_today(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    day = context.scheduled_execution_time.astimezone(dt.UTC).date().isoformat()
    return dg.RunRequest(partition_key=day, tags={"opsdw/trigger": "refresh_today"})


@dg.schedule(
    job=main_job,
    cron_schedule="20 0 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="00:20 UTC: finalise yesterday's partition with its late files.",
)
def finalise_yesterday(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    when = context.scheduled_execution_time.astimezone(dt.UTC)
    day = (when.date() - dt.timedelta(days=1)).isoformat()
    return dg.RunRequest(
        run_key=f"finalise-{day}", partition_key=day, tags={"opsdw/trigger": "finalise_yesterday"}
    )
