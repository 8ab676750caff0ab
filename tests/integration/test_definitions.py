"""The Definitions hold what the product promises: assets, checks, job, schedules, sensor."""

from __future__ import annotations

import os
import subprocess
import sys

import dagster as dg
import pytest

from orchestration.definitions import build_definitions
from orchestration.sources.catalog import SOURCES

MARTS = {
    "api_performance_5m",
    "api_performance_hourly",
    "host_resource_usage_5m",
    "system_health",
    "error_summary",
    "error_counts_1m",
}


@pytest.fixture(scope="module")
def defs(dbt_manifest) -> dg.Definitions:
    return build_definitions()


def test_assets_form_the_flow(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {f"raw/{s}" for s in SOURCES} <= keys
    assert keys >= MARTS
    assert {
        "stg_api_requests__requests",
        "stg_system_metrics__samples",
        "stg_error_logs__events",
    } <= keys
    assert "int_host_resources" in keys
    # lineage: staging depends on the raw assets through the dbt sources' meta
    stg = graph.get(dg.AssetKey("stg_api_requests__requests"))
    assert dg.AssetKey(["raw", "api_requests"]) in stg.parent_keys
    health = graph.get(dg.AssetKey("system_health"))
    assert health.group_name == "marts"
    assert graph.get(dg.AssetKey(["raw", "system_metrics"])).group_name == "raw"


def test_every_asset_is_daily_partitioned_with_single_run_backfills(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if not node.is_materializable:
            continue
        assert isinstance(node.partitions_def, dg.DailyPartitionsDefinition), key
        assert node.backfill_policy == dg.BackfillPolicy.single_run(), key


def test_checks_cover_raw_and_marts(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    checks = {(c.asset_key.to_user_string(), c.name) for c in graph.asset_check_keys}
    gx_assets = {a for a, name in checks if name.startswith("gx_")}
    assert {f"raw/{s}" for s in SOURCES} <= gx_assets
    assert gx_assets >= MARTS
    # dbt data tests are asset checks too (e.g. not_null on keys)
    assert any(not name.startswith("gx_") and a in MARTS for a, name in checks)
    blocking = {
        spec.asset_key.to_user_string()
        for ad in defs.asset_checks or []
        for spec in ad.check_specs
        if spec.blocking
    }
    assert {f"raw/{s}" for s in SOURCES} <= blocking
    assert not (MARTS & blocking)


def test_job_schedules_and_sensor(defs: dg.Definitions) -> None:
    assert defs.resolve_job_def("opsdw_main") is not None
    names = {s.name for s in defs.schedules or []}
    assert {"refresh_today", "finalise_yesterday"} <= names
    assert {s.name for s in defs.sensors or []} == {"alert_rules_sensor"}


def test_schedules_target_today_and_yesterday(defs: dg.Definitions) -> None:
    import datetime as dt

    when = dt.datetime(2026, 11, 23, 0, 20, tzinfo=dt.UTC)
    today = defs.get_schedule_def("refresh_today")
    req = today(dg.build_schedule_context(scheduled_execution_time=when))
    assert req.partition_key == "2026-11-23"
    final = defs.get_schedule_def("finalise_yesterday")
    req = final(dg.build_schedule_context(scheduled_execution_time=when))
    assert req.partition_key == "2026-11-22"
    assert req.run_key == "finalise-2026-11-22"


@pytest.mark.slow
def test_dagster_definitions_validate(dbt_manifest, opsdw_home) -> None:
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    exe = os.path.join(os.path.dirname(sys.executable), "dagster")
    proc = subprocess.run(
        [exe, "definitions", "validate", "-w", "workspace.yaml"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
