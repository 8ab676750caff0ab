"""Issue 4's corrupt-burst scenario through the real Dagster job: for ten minutes one gateway's
access log turns to garbage (negative latencies, unparseable lines) and one host's exporter
reports its CPUs at 250 % (well-formed lines, impossible counters). The validity and
counter-rate SLAs fail for exactly those windows with severity ERROR, the blocking checks keep
the partition out of the marts (dbt does not run), nothing alerts, and `opsdw status` reports
it. Re-landing the fixed files recovers the day."""

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
_CPU = re.compile(r'^(node_cpu_seconds_total\{.*mode="user".*\}) (\S+) (\d+)$')


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


def _cpu_250(files) -> int:
    """From 10:20 to 10:30 every CPU's user counter of the host gains another 1.5 s per second
    (1 + 1.5 = "CPU 250 %"); the gained 900 s stay on the counter afterwards, as they would on
    a real one. Returns the number of rewritten samples."""
    start = dt.datetime.combine(DAY.date(), BURST[0], tzinfo=dt.UTC) - dt.timedelta(seconds=15)
    changed = 0
    for path in files:
        out = []
        for line in path.read_text().splitlines():
            m = _CPU.match(line)
            if m:
                t = dt.datetime.fromtimestamp(int(m.group(3)) / 1000, dt.UTC)
                gained = 1.5 * min(max((t - start).total_seconds(), 0.0), 600.0)
                if gained:
                    line = f"{m.group(1)} {float(m.group(2)) + gained!r} {m.group(3)}"
                    changed += 1
            out.append(line)
        path.write_text("\n".join(out) + "\n")
    return changed


def test_corrupt_burst_is_caught_blocked_and_reported(opsdw_home, dbt_manifest):
    from orchestration.sources.simulator import simulate
    from orchestration.status import collect_status

    simulate(opsdw_home, DAY, DAY + dt.timedelta(days=1), seed=5, scale=0.2, incidents=[],
             corrupt_lines=False)  # fmt: skip
    log = opsdw_home / "inbox/api_requests/2026-11-02/web-1-10.log"
    original = log.read_text()
    assert _corrupt(log) > 100
    prom = sorted((opsdw_home / "inbox/system_metrics/2026-11-02").glob("app-1-*.prom"))
    prom_originals = {p: p.read_text() for p in prom}
    assert _cpu_250(prom) > 100

    result = run_main_job("2026-11-02")
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    sla = checks["sla_api_requests"]
    assert not sla.passed and sla.severity.value == "ERROR"
    summary = sla.metadata["summary"].value
    failures = summary["checks"]["validity"]["failures"]
    assert [f["window"] for f in failures] == ["2026-11-02 10:20–10:25", "2026-11-02 10:25–10:30"]
    assert all(f["observed"] > 0.4 for f in failures)
    # the 250 % CPU: well-formed lines, so landed; caught by the counter rate, app-1 only
    sla = checks["sla_system_metrics"]
    assert not sla.passed and sla.severity.value == "ERROR"
    rates = sla.metadata["summary"].value["checks"]["counter_rate"]
    assert [(f["subject"], f["window"]) for f in rates["failures"]] == [
        ("app-1", "2026-11-02 10:20–10:25"), ("app-1", "2026-11-02 10:25–10:30")]  # fmt: skip
    # 2.5 s per second, to the exporter's printed precision (10 digits: 0.01 s in 15 s)
    assert all(abs(f["observed"] - 2.5) < 0.002 for f in rates["failures"]), rates["failures"]
    assert [c for c, v in sla.metadata["summary"].value["checks"].items() if v["failed"]] == [
        "counter_rate"]  # fmt: skip
    # the other sources are fine
    assert [s for s in ("error_logs", "job_runs") if not checks[f"sla_{s}"].passed] == []
    # blocked: dbt never ran, so nothing was built or served from the bad partition
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "raw/api_requests" in materialized
    assert "api_performance_5m" not in materialized and "system_health" not in materialized
    assert not paths().serving.exists()
    # reported, and nothing alerted (there are no marts to alert on)
    status = collect_status()
    assert any("api_requests 2026-11-02: SLA ERROR" in e and "validity" in e
               for e in status.errors)  # fmt: skip
    assert any("system_metrics 2026-11-02: SLA ERROR" in e and "counter_rate" in e
               for e in status.errors), status.errors  # fmt: skip
    assert status.alerts["firing"] == []
    # and `make demo`'s summary prints them (the same lake-based verdicts)
    from rich.console import Console

    from orchestration.demo import DemoReport, DemoWindow, blocked_partitions, print_report

    report = DemoReport(DemoWindow(DAY, DAY + dt.timedelta(days=1), seed=5, scale=0.2),
                        blocked=blocked_partitions(paths()))  # fmt: skip
    console = Console(record=True, width=400)
    print_report(report, console)
    printed = [line for line in console.export_text().splitlines() if "BLOCKED" in line]
    assert len(printed) == 2, printed
    assert "api_requests 2026-11-02: SLA ERROR (failed" in printed[0] and "validity" in printed[0]
    assert "system_metrics 2026-11-02: SLA ERROR (failed counter_rate" in printed[1]

    # the fix: the collector re-sends the file; re-running the day recovers it
    log.write_text(original)
    for path, text in prom_originals.items():
        path.write_text(text)
    again = run_main_job("2026-11-02")
    assert again.success
    checks = {e.check_name: e for e in again.get_asset_check_evaluations()}
    assert checks["sla_api_requests"].passed and checks["sla_system_metrics"].passed
    assert paths().serving.exists()
