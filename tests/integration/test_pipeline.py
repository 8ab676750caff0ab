"""End to end on simulated telemetry: land → dbt → checks → publish, idempotent and backfill-safe."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.landing.land import read_manifest
from orchestration.settings import paths
from orchestration.sources.catalog import SOURCES
from tests.integration.helpers import mart_snapshot, run_main_job

pytestmark = pytest.mark.slow


def _simulate(home: Path, start: dt.datetime, days: int, scale: float) -> dict:
    from orchestration.sources.simulator import simulate

    simulate(home, start, start + dt.timedelta(days=days), seed=11, scale=scale)
    return json.loads(paths(home).ground_truth.read_text())


READER = textwrap.dedent(
    """
    import sys, time, duckdb, json
    path, stop_file = sys.argv[1], sys.argv[2]
    reads = errors = 0
    messages = []
    import os
    while not os.path.exists(stop_file):
        try:
            con = duckdb.connect(path, read_only=True)
            con.execute("SELECT count(*) FROM marts.system_health").fetchone()
            con.execute("SELECT max(hour) FROM marts.api_performance_hourly").fetchone()
            con.close()
            reads += 1
        except Exception as exc:
            errors += 1
            messages.append(str(exc)[:200])
        time.sleep(0.01)
    print(json.dumps({"reads": reads, "errors": errors, "messages": messages[:5]}))
    """
)


def _use_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home.mkdir()
    (home / "dagster").mkdir()
    monkeypatch.setenv("OPSDW_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    monkeypatch.setenv("OPSDW_PSEUDONYM_KEY", "test-key")
    return home


def test_daily_runs_are_idempotent_and_a_backfill_equals_them(
    tmp_path, monkeypatch, dbt_manifest, day0
) -> None:
    """Two days, landed day by day (the first day twice, while a reader polls the served marts)
    in one OPSDW_HOME and as one single-run backfill in another: same marts."""
    keys = [(day0.date() + dt.timedelta(days=i)).isoformat() for i in range(2)]

    # --- day by day -------------------------------------------------------------------------
    daily = _use_home(tmp_path / "daily", monkeypatch)
    truth = _simulate(daily, day0, 2, scale=0.1)
    first = run_main_job(keys[0])
    assert first.success
    evaluations = first.get_asset_check_evaluations()
    assert evaluations, "checks ran"
    failed = [(e.check_name, e.severity.value) for e in evaluations if not e.passed]
    # every GX suite passes; the SLAs may only warn (six corrupt lines a day are > 0.5 % of a
    # small source)
    assert [f for f in failed if f[1] == "ERROR" or not f[0].startswith("sla_")] == [], failed
    marts1 = mart_snapshot(str(paths().serving))
    # active_alerts is empty: no alert engine ran (it reflects the last evaluation); the
    # simulated collection gap falls on the second day
    empty = {k for k, v in marts1.items() if not v}
    assert empty <= {"active_alerts", "collection_gaps"}, {k: len(v) for k, v in marts1.items()}

    # every raw GX validation landed in the lake and reached data_quality_sla, per source
    from orchestration.quality.suites import load_suites

    expected = {s.asset[1]: len(s.expectations) for s in load_suites() if s.asset[0] == "raw"}
    con = duckdb.connect(str(paths().serving), read_only=True)
    gx = con.execute(
        "SELECT source, gx_expectations, gx_pass_rate, gx_status FROM marts.data_quality_sla "
        "WHERE event_date = ?", [day0.date()]
    ).fetchall()  # fmt: skip
    con.close()
    assert {src: (n, rate, st) for src, n, rate, st in gx} == {
        src: (n, 1.0, "OK") for src, n in expected.items()
    }

    # the same day again, while another process reads the served marts in a loop: the reader
    # never fails (it never opens the file dbt writes) and the rebuilt marts are identical
    stop = daily / "stop-reader"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(paths().serving), str(stop)],
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        time.sleep(0.5)
        second = run_main_job(keys[0])
    finally:
        stop.touch()
        out, _ = reader.communicate(timeout=60)
    assert second.success
    stats = json.loads(out)
    assert stats["reads"] > 50, stats
    assert stats["errors"] == 0, stats
    assert mart_snapshot(str(paths().serving)) == marts1

    assert run_main_job(keys[1]).success
    # landed + rejected = read, and the rejects are exactly the corrupt lines the simulator wrote
    for name in SOURCES:
        manifests = [read_manifest(name, k) for k in keys]
        assert all(m is not None for m in manifests), name
        for m in manifests:
            assert m["rows_landed"] + m["rows_rejected"] == m["rows_read"]
        rejected = sum(m["rows_rejected"] for m in manifests)
        assert rejected == truth["corrupt_lines"].get(name, 0), (
            name, [m["reject_reasons"] for m in manifests])  # fmt: skip
    by_day = mart_snapshot(str(paths(daily).serving))
    assert {k for k, v in by_day.items() if not v} == {"active_alerts"}

    # --- the same two days as one single-run backfill -----------------------------------------
    backfill = _use_home(tmp_path / "backfill", monkeypatch)
    _simulate(backfill, day0, 2, scale=0.1)
    assert run_main_job(keys[0], keys[-1]).success
    as_range = mart_snapshot(str(paths(backfill).serving))
    assert {k: len(v) for k, v in as_range.items()} == {k: len(v) for k, v in by_day.items()}
    assert as_range == by_day
