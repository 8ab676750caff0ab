"""The alert sensor: a SkipReason with a one-line summary, state in the store, a light import."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from dagster import DefaultSensorStatus, SkipReason, build_sensor_context

from orchestration.alerts.sensor import alert_rules_sensor, evaluate_and_deliver
from orchestration.settings import PROJECT_ROOT, paths

T0 = datetime(2024, 3, 1, 10, 0)


def serving_with_breach(home: Path) -> None:
    """The marts the rules read; /checkout POST fails 15% of 200 requests in three 5-minute windows."""
    home.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(paths(home).serving))
    con.execute("CREATE SCHEMA marts")
    con.execute(
        "CREATE TABLE marts.api_performance_5m (window_start TIMESTAMP, window_end TIMESTAMP, "
        "endpoint VARCHAR, method VARCHAR, requests BIGINT, server_error_rate DOUBLE, "
        "p95_latency_ms DOUBLE, data_ok BOOLEAN)"
    )
    con.execute(
        "CREATE TABLE marts.host_resource_usage_5m (window_start TIMESTAMP, host VARCHAR, "
        "component VARCHAR, avg_cpu_pct DOUBLE, avg_mem_pct DOUBLE, data_ok BOOLEAN)"
    )
    con.execute(
        "CREATE TABLE marts.error_counts_1m (minute_start TIMESTAMP, component VARCHAR, "
        "level VARCHAR, error_count BIGINT, data_ok BOOLEAN)"
    )
    con.execute(
        "CREATE TABLE marts.data_coverage_5m (window_start TIMESTAMP, source VARCHAR, "
        "host VARCHAR, coverage_ratio DOUBLE)"
    )
    for i in range(3):
        start = T0 + timedelta(minutes=5 * i)
        con.execute(
            "INSERT INTO marts.api_performance_5m VALUES (?, ?, '/checkout', 'POST', 200, 0.15, 300, true)",
            [start, start + timedelta(minutes=5)],
        )
        con.execute(
            "INSERT INTO marts.host_resource_usage_5m VALUES (?, 'app-1', 'app-server', 40, 50, true)",
            [start],
        )
    con.close()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "opsdw"
    monkeypatch.setenv("OPSDW_HOME", str(home))
    monkeypatch.delenv("OPSDW_WEBHOOK_URL", raising=False)
    monkeypatch.delenv("OPSDW_ALERT_RULES", raising=False)
    return home


def test_sensor_definition() -> None:
    assert alert_rules_sensor.name == "alert_rules_sensor"
    assert alert_rules_sensor.minimum_interval_seconds == 30
    assert alert_rules_sensor.default_status == DefaultSensorStatus.RUNNING


def test_sensor_returns_skip_reason_with_summary(home: Path) -> None:
    serving_with_breach(home)
    context = build_sensor_context()
    result = alert_rules_sensor(context)
    assert isinstance(result, SkipReason)
    # 5 shipped rules; 2 complete windows each on the 5-minute marts, none on error_counts_1m.
    assert result.skip_message == "6 rules evaluated over 8 new windows; 1 firing, 0 resolved"
    cursor = json.loads(context.cursor or "{}")
    assert cursor["summary"] == result.skip_message and cursor["firing"] == 1

    outbox = paths(home).outbox.read_text().splitlines()
    assert [json.loads(line)["labels"]["alertname"] for line in outbox] == ["EndpointHighErrorRate"]

    # The place is kept in the alert store, not in the Dagster cursor: a fresh context (no
    # cursor) still sees no new windows and fires nothing again.
    again = alert_rules_sensor(build_sensor_context())
    assert isinstance(again, SkipReason)
    assert again.skip_message == "6 rules evaluated over 0 new windows; 0 firing, 0 resolved"
    assert len(paths(home).outbox.read_text().splitlines()) == 1


def test_sensor_without_serving_database_skips_with_reason(home: Path) -> None:
    result = alert_rules_sensor(build_sensor_context())
    assert isinstance(result, SkipReason)
    assert "no serving database yet" in (result.skip_message or "")


def test_evaluate_and_deliver_for_the_cli(home: Path) -> None:
    serving_with_breach(home)
    report = evaluate_and_deliver(home, now=datetime(2024, 3, 2))
    assert (report.firing, report.resolved, report.windows) == (1, 0, 8)
    assert report.delivery is not None and report.delivery.sent == 1
    [alert] = report.transitions
    assert alert.labels == {"endpoint": "/checkout", "method": "POST"}
    assert alert.history_id == 1


def test_importing_the_sensor_does_not_import_gx_or_dbt() -> None:
    code = (
        "import sys\n"
        "import orchestration.alerts.sensor\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('great_expectations', 'dagster_dbt', 'dbt'))\n"
        "print(','.join(heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip() == ""
