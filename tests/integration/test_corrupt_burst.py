"""Issue 4's corrupt-burst scenario through the real Dagster job: ten minutes of one gateway's
access log turn to garbage (negative latencies, unparseable lines). The validity SLA fails for
exactly those windows with severity ERROR, the blocking check keeps the partition out of the
marts (dbt does not run), nothing alerts, and `opsdw status` reports it. Re-landing the fixed
file recovers the day."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from orchestration.settings import paths
from tests.integration.helpers import run_main_job

pytestmark = pytest.mark.slow

DAY = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
BURST = (dt.time(10, 20), dt.time(10, 30))
_TIME = re.compile(r"\[(\d{2})/\w{3}/\d{4}:(\d{2}):(\d{2}):(\d{2}) ")


def _corrupt(path) -> int:
    """Every request of 10:20-10:30 gets a negative $request_time, and each is followed by a line
    of garbage: ~50 % of the window's lines are bad. Returns the number of bad lines."""
    out, bad = [], 0
    for line in path.read_text().splitlines():
        m = _TIME.search(line)
        t = dt.time(int(m.group(2)), int(m.group(3)), int(m.group(4))) if m else None
        if t and BURST[0] <= t < BURST[1]:
            head, _, _rt = line.rpartition(" ")
            out += [f"{head} -0.250", "\x16\x03\x01 garbage from a TLS client"]
            bad += 2
        else:
            out.append(line)
    path.write_text("\n".join(out) + "\n")
    return bad


def test_corrupt_burst_is_caught_blocked_and_reported(opsdw_home, dbt_manifest):
    from orchestration.sources.simulator import simulate
    from orchestration.status import collect_status

    simulate(opsdw_home, DAY, DAY + dt.timedelta(days=1), seed=5, scale=0.2, incidents=[],
             corrupt_lines=False)  # fmt: skip
    log = opsdw_home / "inbox/api_requests/2026-11-02/web-1-10.log"
    original = log.read_text()
    assert _corrupt(log) > 100

    result = run_main_job("2026-11-02")
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    sla = checks["sla_api_requests"]
    assert not sla.passed and sla.severity.value == "ERROR"
    summary = sla.metadata["summary"].value
    failures = summary["checks"]["validity"]["failures"]
    assert [f["window"] for f in failures] == ["2026-11-02 10:20–10:25", "2026-11-02 10:25–10:30"]
    assert all(f["observed"] > 0.4 for f in failures)
    # the other sources are fine
    assert [s for s in ("system_metrics", "error_logs") if not checks[f"sla_{s}"].passed] == []
    # blocked: dbt never ran, so nothing was built or served from the bad partition
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "raw/api_requests" in materialized
    assert "api_performance_5m" not in materialized and "system_health" not in materialized
    assert not paths().serving.exists()
    # reported, and nothing alerted (there are no marts to alert on)
    status = collect_status()
    assert any("api_requests 2026-11-02: SLA ERROR" in e and "validity" in e
               for e in status.errors)  # fmt: skip
    assert status.alerts["firing"] == []

    # the fix: the collector re-sends the file; re-running the day recovers it
    log.write_text(original)
    again = run_main_job("2026-11-02")
    assert again.success
    checks = {e.check_name: e for e in again.get_asset_check_evaluations()}
    assert checks["sla_api_requests"].passed
    assert paths().serving.exists()
