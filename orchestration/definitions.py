"""The one Dagster `Definitions` of opsdw (loaded lazily by the code server)."""

import dagster as dg


def build_definitions() -> dg.Definitions:
    from orchestration.alerts.sensor import alert_rules_sensor
    from orchestration.assets.dbt import build_dbt_assets, dbt_resource
    from orchestration.assets.raw import build_raw_assets
    from orchestration.jobs import finalise_yesterday, main_job, refresh_today
    from orchestration.quality.sla_checks import build_sla_checks
    from orchestration.quality.wiring import build_quality_checks

    return dg.Definitions(
        assets=[*build_raw_assets(), build_dbt_assets()],
        asset_checks=[*build_quality_checks(), *build_sla_checks()],
        jobs=[main_job],
        schedules=[refresh_today, finalise_yesterday],
        sensors=[alert_rules_sensor],
        resources={"dbt": dbt_resource()},
        executor=dg.in_process_executor,
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
