"""Alert engine + store + channels: event-time pending/firing/resolved over a hand-made serving DuckDB."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestration.alerts import channels, engine, store
from orchestration.alerts.rules import Rule, load_rules, parse_rules
from orchestration.settings import paths

T0 = datetime(2024, 3, 1, 10, 0)
NOW = datetime(2024, 3, 2, 0, 0)

MART_DDL = {
    "api_performance_5m": (
        "window_start TIMESTAMP, window_end TIMESTAMP, endpoint VARCHAR, method VARCHAR, "
        "requests BIGINT, client_errors BIGINT, server_errors BIGINT, error_count BIGINT, "
        "error_rate DOUBLE, server_error_rate DOUBLE, avg_latency_ms DOUBLE, "
        "p50_latency_ms DOUBLE, p95_latency_ms DOUBLE, p99_latency_ms DOUBLE, "
        "max_latency_ms DOUBLE, data_ok BOOLEAN"
    ),
    "host_resource_usage_5m": (
        "window_start TIMESTAMP, window_end TIMESTAMP, host VARCHAR, component VARCHAR, "
        "samples BIGINT, avg_cpu_pct DOUBLE, max_cpu_pct DOUBLE, min_cpu_pct DOUBLE, "
        "avg_mem_pct DOUBLE, max_mem_pct DOUBLE, avg_disk_pct DOUBLE, max_disk_pct DOUBLE, "
        "high_cpu_samples BIGINT, high_memory_samples BIGINT, data_ok BOOLEAN"
    ),
    "error_counts_1m": (
        "minute_start TIMESTAMP, component VARCHAR, level VARCHAR, error_count BIGINT, "
        "data_ok BOOLEAN"
    ),
    "data_coverage_5m": (
        "source VARCHAR, host VARCHAR, window_start TIMESTAMP, window_end TIMESTAMP, "
        "coverage_ratio DOUBLE, min_ratio DOUBLE, detail VARCHAR, data_ok BOOLEAN, "
        "failed_checks VARCHAR, evaluated_at TIMESTAMP"
    ),
}


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def api_row(
    minute: int,
    endpoint: str = "/orders",
    method: str = "GET",
    requests: int = 100,
    server_errors: int = 0,
    p95: float = 200.0,
) -> dict[str, Any]:
    return {
        "window_start": at(minute),
        "window_end": at(minute + 5),
        "endpoint": endpoint,
        "method": method,
        "requests": requests,
        "client_errors": 0,
        "server_errors": server_errors,
        "error_count": server_errors,
        "error_rate": server_errors / requests,
        "server_error_rate": server_errors / requests,
        "avg_latency_ms": p95 / 2,
        "p50_latency_ms": p95 / 3,
        "p95_latency_ms": p95,
        "p99_latency_ms": p95 * 1.2,
        "max_latency_ms": p95 * 2,
    }


def host_row(
    minute: int,
    host: str = "app-1",
    component: str = "app-server",
    cpu: float = 40,
    mem: float = 50,
) -> dict[str, Any]:
    return {
        "window_start": at(minute),
        "window_end": at(minute + 5),
        "host": host,
        "component": component,
        "samples": 20,
        "avg_cpu_pct": cpu,
        "max_cpu_pct": min(cpu + 5, 100),
        "min_cpu_pct": max(cpu - 5, 0),
        "avg_mem_pct": mem,
        "max_mem_pct": min(mem + 1, 100),
        "avg_disk_pct": 40.0,
        "max_disk_pct": 40.0,
        "high_cpu_samples": 0,
        "high_memory_samples": 0,
    }


def err_row(minute: int, component: str = "app-server", level: str = "CRITICAL", count: int = 1):
    return {
        "minute_start": at(minute),
        "component": component,
        "level": level,
        "error_count": count,
    }


def coverage_row(minute: int, host: str = "app-2", ratio: float = 1.0) -> dict[str, Any]:
    return {
        "source": "system_metrics",
        "host": host,
        "window_start": at(minute),
        "window_end": at(minute + 5),
        "coverage_ratio": ratio,
        "min_ratio": 0.995,
        "data_ok": ratio >= 0.995,
    }


def write_marts(home: Path, **tables: list[dict[str, Any]]) -> None:
    """Append rows to marts tables in <home>/serving.duckdb (every known mart exists, maybe empty)."""
    home.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(paths(home).serving))
    try:
        con.execute("BEGIN")
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        for name, ddl in MART_DDL.items():
            con.execute(f"CREATE TABLE IF NOT EXISTS marts.{name} ({ddl})")
        for name, rows in tables.items():
            for row in rows:
                cols = ", ".join(row)
                marks = ", ".join("?" for _ in row)
                con.execute(
                    f"INSERT INTO marts.{name} ({cols}) VALUES ({marks})", list(row.values())
                )
        con.execute("COMMIT")
    finally:
        con.close()


def rule(**overrides: Any) -> Rule:
    """One rule over api_performance_5m (server_error_rate > 0.05 for 10m), YAML-parsed."""
    spec: dict[str, Any] = {
        "alert": "TestErrorRate",
        "mart": "api_performance_5m",
        "time_column": "window_start",
        "window": "5m",
        "labels": ["endpoint", "method"],
        "value": "server_error_rate",
        "op": ">",
        "threshold": 0.05,
        "for": "10m",
        "severity": "critical",
        "summary": "{method} {endpoint} at {value:.0%}",
    }
    spec.update(overrides)
    return parse_rules(json.dumps({"rules": [spec]}))[0]


def rows(home: Path, sql: str) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(paths(home).alert_db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def history(home: Path) -> list[tuple[Any, ...]]:
    return rows(
        home, "SELECT rule, status, starts_at, ends_at, value FROM alert_history ORDER BY id"
    )


def states(home: Path) -> list[tuple[Any, ...]]:
    return rows(home, "SELECT rule, labels, state, active_since FROM alert_state ORDER BY rule")


def iso(minute: int) -> str:
    return store.to_iso(at(minute))


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPSDW_WEBHOOK_URL", raising=False)
    monkeypatch.delenv("OPSDW_ALERT_RULES", raising=False)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "opsdw"


# -- semantics ---------------------------------------------------------------------------------


def test_pending_then_firing_only_after_for(home: Path) -> None:
    r = [rule()]
    write_marts(
        home, api_performance_5m=[api_row(0, server_errors=10), api_row(5, server_errors=9)]
    )
    report = engine.evaluate(home, NOW, rules=r)
    assert (report.windows, report.transitions) == (1, [])  # 10:05 may still be filling
    assert [s[2:] for s in states(home)] == [("pending", iso(0))]

    write_marts(home, api_performance_5m=[api_row(10, server_errors=0)])
    report = engine.evaluate(home, NOW, rules=r)
    assert [(t.status, t.starts_at, t.window_start) for t in report.transitions] == [
        ("firing", at(0), at(5))
    ]
    assert report.transitions[0].summary == "GET /orders at 9%"
    assert history(home) == [("TestErrorRate", "firing", iso(0), None, 0.09)]
    assert [s[2] for s in states(home)] == ["firing"]


def test_for_equal_to_window_fires_on_first_true_window(home: Path) -> None:
    write_marts(home, api_performance_5m=[api_row(0, server_errors=10), api_row(5)])
    report = engine.evaluate(home, NOW, rules=[rule(**{"for": "5m"})])
    assert [(t.status, t.starts_at) for t in report.transitions] == [("firing", at(0))]


def test_one_window_blip_never_fires_with_for_10m(home: Path) -> None:
    write_marts(
        home,
        api_performance_5m=[api_row(0, server_errors=30), api_row(5), api_row(10), api_row(15)],
    )
    report = engine.evaluate(home, NOW, rules=[rule()])
    assert report.windows == 3
    assert report.transitions == []
    assert history(home) == []
    assert states(home) == []  # the pending series was dropped, not resolved


def test_firing_resolves_when_condition_false(home: Path) -> None:
    write_marts(
        home,
        api_performance_5m=[
            api_row(0, server_errors=10),
            api_row(5, server_errors=10),
            api_row(10, server_errors=1),
            api_row(15),
        ],
    )
    report = engine.evaluate(home, NOW, rules=[rule()])
    assert [t.status for t in report.transitions] == ["firing", "resolved"]
    assert history(home) == [
        ("TestErrorRate", "firing", iso(0), None, 0.1),
        ("TestErrorRate", "resolved", iso(0), iso(10), 0.01),
    ]
    assert states(home) == []


def test_series_that_disappears_resolves(home: Path) -> None:
    write_marts(
        home,
        api_performance_5m=[
            api_row(0, "/a", server_errors=10),
            api_row(0, "/b"),
            api_row(5, "/a", server_errors=20),
            api_row(5, "/b"),
            api_row(10, "/b"),  # /a has no row in a window the mart has for /b
            api_row(15, "/b"),
        ],
    )
    report = engine.evaluate(home, NOW, rules=[rule()])
    assert [(t.status, t.labels["endpoint"], t.ends_at) for t in report.transitions] == [
        ("firing", "/a", None),
        ("resolved", "/a", at(10)),
    ]
    assert report.transitions[1].value == 0.2  # last value seen while active


def test_rows_failing_a_filter_count_as_absent(home: Path) -> None:
    r = rule(filters=[{"column": "requests", "op": ">=", "value": 50}])
    write_marts(
        home,
        api_performance_5m=[
            api_row(0, server_errors=10),
            api_row(5, server_errors=10),
            api_row(10, requests=20, server_errors=5),  # too few requests to judge
            api_row(15),
        ],
    )
    report = engine.evaluate(home, NOW, rules=[r])
    assert [(t.status, t.ends_at) for t in report.transitions] == [
        ("firing", None),
        ("resolved", at(10)),
    ]


def test_gap_in_a_sparse_mart_resolves_at_the_gap_start(home: Path) -> None:
    burst = rule(
        alert="Burst",
        mart="error_counts_1m",
        time_column="minute_start",
        window="1m",
        labels=["component"],
        value="error_count",
        threshold=5,
        **{"for": "0m"},
        filters=[{"column": "level", "op": "==", "value": "CRITICAL"}],
        summary="{component}",
    )
    write_marts(
        home,
        error_counts_1m=[
            err_row(0, count=9),
            err_row(1, count=8),
            err_row(7, "worker", "ERROR", 2),  # no CRITICAL row for minutes 2..7
            err_row(8, "worker", "ERROR", 1),
        ],
    )
    report = engine.evaluate(home, NOW, rules=[burst])
    assert [(t.status, t.starts_at, t.ends_at) for t in report.transitions] == [
        ("firing", at(0), None),
        ("resolved", at(0), at(2)),
    ]


def test_incomplete_last_window_is_not_evaluated(home: Path) -> None:
    r = rule(**{"for": "0m"})
    write_marts(home, api_performance_5m=[api_row(0, server_errors=50)])
    report = engine.evaluate(home, NOW, rules=[r])
    assert (report.windows, report.transitions) == (0, [])
    assert rows(home, "SELECT count(*) FROM rule_cursor") == [(0,)]

    write_marts(home, api_performance_5m=[api_row(5, "/other")])
    report = engine.evaluate(home, NOW, rules=[r])
    assert [t.status for t in report.transitions] == ["firing"]
    assert rows(home, "SELECT rule, last_window_start FROM rule_cursor") == [
        ("TestErrorRate", iso(0))
    ]


def test_re_evaluation_without_new_windows_makes_no_transitions(home: Path) -> None:
    write_marts(
        home,
        api_performance_5m=[
            api_row(0, server_errors=10),
            api_row(5, server_errors=10),
            api_row(10, server_errors=10),
        ],
    )
    first = engine.evaluate(home, NOW, rules=[rule()])
    assert [t.status for t in first.transitions] == ["firing"]
    for _ in range(3):
        again = engine.evaluate(home, NOW, rules=[rule()])
        assert (again.windows, again.transitions) == (0, [])
    assert len(history(home)) == 1
    assert [s[2] for s in states(home)] == ["firing"]


def test_state_survives_a_restart_between_evaluations(home: Path) -> None:
    write_marts(
        home, api_performance_5m=[api_row(0, server_errors=10), api_row(5, server_errors=9)]
    )
    engine.evaluate(home, NOW, rules=[rule()])  # pending, committed to SQLite
    write_marts(home, api_performance_5m=[api_row(10)])
    report = engine.evaluate(home, NOW, rules=[rule()])  # a new store connection
    assert [(t.status, t.starts_at) for t in report.transitions] == [("firing", at(0))]


def test_crash_after_transitions_computed_commits_nothing(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_marts(
        home,
        api_performance_5m=[
            api_row(0, server_errors=10),
            api_row(5, server_errors=10),
            api_row(10),
        ],
    )
    second = rule(alert="Second", **{"for": "0m"})

    def boom(self: store.AlertStore, rule_name: str, *args: Any) -> None:
        if rule_name == "Second":  # the first rule's history + state are already written
            raise RuntimeError("simulated crash before commit")
        original(self, rule_name, *args)

    original = store.AlertStore.set_cursor
    monkeypatch.setattr(store.AlertStore, "set_cursor", boom)
    with pytest.raises(RuntimeError, match="simulated crash"):
        engine.evaluate(home, NOW, rules=[rule(), second])
    for table in ("alert_history", "alert_state", "rule_cursor", "deliveries"):
        assert rows(home, f"SELECT count(*) FROM {table}") == [(0,)], table

    monkeypatch.setattr(store.AlertStore, "set_cursor", original)
    report = engine.evaluate(home, NOW, rules=[rule(), second])
    assert sorted(t.rule for t in report.transitions) == ["Second", "TestErrorRate"]
    assert len(history(home)) == 2
    assert engine.evaluate(home, NOW, rules=[rule(), second]).transitions == []
    assert len(history(home)) == 2


def test_unknown_column_and_missing_mart_are_reported_per_rule(home: Path) -> None:
    write_marts(home, api_performance_5m=[api_row(0, server_errors=10), api_row(5)])
    bad_column = rule(alert="BadColumn", value="server_error_ratio")
    no_mart = rule(alert="NoMart", mart="api_performance_1m")
    good = rule(alert="Good", **{"for": "0m"})
    report = engine.evaluate(home, NOW, rules=[bad_column, no_mart, good])
    errors = {o.rule: o.error for o in report.outcomes}
    assert "server_error_ratio" in errors["BadColumn"] and "'BadColumn'" in errors["BadColumn"]
    assert "marts.api_performance_1m does not exist" in errors["NoMart"]
    assert errors["Good"] is None
    assert [t.rule for t in report.transitions] == ["Good"]
    assert report.rules_evaluated == 1
    assert "2 errors" in report.summary()


def test_missing_serving_database_is_reported_not_raised(home: Path) -> None:
    report = engine.evaluate(home, NOW, rules=[rule()])
    assert report.outcomes == []
    assert "no serving database" in report.summary()


def test_max_windows_bounds_one_evaluation_and_the_cursor_carries_on(home: Path) -> None:
    write_marts(home, api_performance_5m=[api_row(5 * i, server_errors=10) for i in range(6)])
    first = engine.evaluate(home, NOW, rules=[rule()], max_windows=2)
    assert first.windows == 2 and [t.status for t in first.transitions] == ["firing"]
    second = engine.evaluate(home, NOW, rules=[rule()], max_windows=2)
    assert second.windows == 2 and second.transitions == []
    third = engine.evaluate(home, NOW, rules=[rule()], max_windows=2)
    assert third.windows == 1  # the 6th window is the latest one: not complete yet


def test_fingerprint_is_stable_and_label_order_independent() -> None:
    a = store.fingerprint("R", {"endpoint": "/a", "method": "GET"})
    b = store.fingerprint("R", {"method": "GET", "endpoint": "/a"})
    assert a == b and len(a) == 16
    assert a != store.fingerprint("R2", {"endpoint": "/a", "method": "GET"})


# -- every shipped rule: fires on a breach, silent on a calm set ----------------------------------

BREACH: dict[str, dict[str, list[dict[str, Any]]]] = {
    "EndpointHighErrorRate": {
        "api_performance_5m": [api_row(m, "/checkout", "POST", 200, 30) for m in (0, 5, 10)]
    },
    "EndpointHighLatencyP95": {
        "api_performance_5m": [api_row(m, "/search", p95=2500) for m in (0, 5, 10)]
    },
    "HostCpuSaturation": {"host_resource_usage_5m": [host_row(m, cpu=97) for m in (0, 5, 10)]},
    "HostMemoryExhaustion": {"host_resource_usage_5m": [host_row(m, mem=98) for m in (0, 5, 10)]},
    "CriticalErrorBurst": {
        "error_counts_1m": [err_row(0, "database", count=12), err_row(1, "database", count=7)]
    },
    "CollectorSilent": {"data_coverage_5m": [coverage_row(m, ratio=0.0) for m in (0, 5, 10)]},
}
CALM: dict[str, list[dict[str, Any]]] = {
    "api_performance_5m": [
        # 20 requests with 2 5xx and a slow p95: below the volume floor, not an outage.
        *(api_row(m, "/checkout", "POST", 20, 2, p95=4000) for m in (0, 5, 10)),
        *(api_row(m, "/search", requests=500, server_errors=25, p95=900) for m in (0, 5, 10)),
    ],
    "host_resource_usage_5m": [host_row(m, cpu=88, mem=94) for m in (0, 5, 10)],
    "error_counts_1m": [
        err_row(0, "database", count=5),
        err_row(0, "database", "ERROR", 400),
        err_row(1, "database", "ERROR", 3),
    ],
    # a scrape lost per window (19 of 20) is incomplete, not a silent collector
    "data_coverage_5m": [coverage_row(m, ratio=0.95) for m in (0, 5, 10)],
}
EXPECTED_LABELS = {
    "EndpointHighErrorRate": {"endpoint": "/checkout", "method": "POST"},
    "EndpointHighLatencyP95": {"endpoint": "/search", "method": "GET"},
    "HostCpuSaturation": {"host": "app-1", "component": "app-server"},
    "HostMemoryExhaustion": {"host": "app-1", "component": "app-server"},
    "CriticalErrorBurst": {"component": "database"},
    "CollectorSilent": {"source": "system_metrics", "host": "app-2"},
}


def test_every_shipped_rule_has_a_breach_case() -> None:
    assert {r.name for r in load_rules()} == set(BREACH) == set(EXPECTED_LABELS)


@pytest.mark.parametrize("name", sorted(BREACH))
def test_shipped_rule_fires_on_breach(home: Path, name: str) -> None:
    write_marts(home, **BREACH[name])
    report = engine.evaluate(home, NOW)
    assert report.all_errors == []
    assert [(t.rule, t.status, t.labels) for t in report.transitions] == [
        (name, "firing", EXPECTED_LABELS[name])
    ]
    fired = report.transitions[0]
    assert "{" not in fired.summary and "{" not in fired.description


@pytest.mark.parametrize("name", sorted(set(BREACH) - {"CollectorSilent"}))
def test_threshold_rules_ignore_windows_whose_data_is_not_ok(home: Path, name: str) -> None:
    # the same breaching rows, marked incomplete/suspect by the SLAs: no alert at all
    tables = {t: [{**r, "data_ok": False} for r in rows] for t, rows in BREACH[name].items()}
    write_marts(home, **tables)
    assert engine.evaluate(home, NOW).transitions == []


def test_unjudged_windows_still_alert(home: Path) -> None:
    # data_ok NULL (no SLA evaluation, e.g. a standalone dbt build) is not "bad data"
    rows = [{**r, "data_ok": None} for r in BREACH["HostCpuSaturation"]["host_resource_usage_5m"]]
    write_marts(home, host_resource_usage_5m=rows)
    assert [t.rule for t in engine.evaluate(home, NOW).transitions] == ["HostCpuSaturation"]


def test_shipped_rules_are_silent_on_calm_data(home: Path) -> None:
    write_marts(home, **CALM)
    report = engine.evaluate(home, NOW)
    assert report.all_errors == []
    assert report.windows > 0
    assert report.transitions == []
    assert states(home) == []


# -- delivery: outbox + webhook ----------------------------------------------------------------


def outbox_lines(home: Path) -> list[dict[str, Any]]:
    path = paths(home).outbox
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def fire_and_resolve_rows() -> list[dict[str, Any]]:
    return [api_row(0, server_errors=10), api_row(5, server_errors=10), api_row(10)]


def test_outbox_written_once_per_transition_across_evaluations(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "load_rules", lambda: [rule()])
    write_marts(home, api_performance_5m=fire_and_resolve_rows())
    for _ in range(3):
        report = engine.evaluate_and_deliver(home, NOW)
    assert report.delivery is not None and report.delivery.sent == 0
    lines = outbox_lines(home)
    assert len(lines) == 1
    alert = lines[0]
    assert alert["status"] == "firing"
    assert alert["labels"] == {
        "alertname": "TestErrorRate",
        "severity": "critical",
        "endpoint": "/orders",
        "method": "GET",
    }
    assert alert["annotations"]["summary"] == "GET /orders at 10%"
    assert alert["startsAt"] == "2024-03-01T10:00:00Z"
    assert alert["endsAt"] == store.ZERO_TIME
    assert alert["fingerprint"] == store.fingerprint(
        "TestErrorRate", {"endpoint": "/orders", "method": "GET"}
    )
    assert (alert["value"], alert["threshold"], alert["history_id"]) == (0.1, 0.05, 1)

    write_marts(home, api_performance_5m=[api_row(15)])
    engine.evaluate_and_deliver(home, NOW)
    engine.evaluate_and_deliver(home, NOW)
    lines = outbox_lines(home)
    assert [(a["status"], a["history_id"]) for a in lines] == [("firing", 1), ("resolved", 2)]
    assert lines[1]["endsAt"] == "2024-03-01T10:10:00Z"
    assert rows(home, "SELECT DISTINCT channel, status, attempts FROM deliveries") == [
        ("outbox", "sent", 1)
    ]


def test_outbox_line_not_duplicated_after_crash_before_marking_sent(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "load_rules", lambda: [rule()])
    write_marts(home, api_performance_5m=fire_and_resolve_rows())

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("crash after the outbox append")

    real_mark = store.AlertStore.mark_delivery
    monkeypatch.setattr(store.AlertStore, "mark_delivery", crash)
    report = engine.evaluate_and_deliver(home, NOW)  # must not raise
    assert report.firing == 1 and report.delivery is not None
    assert any("crash after" in e for e in report.delivery.errors)
    assert len(outbox_lines(home)) == 1
    assert rows(home, "SELECT status FROM deliveries") == [("pending",)]

    monkeypatch.setattr(store.AlertStore, "mark_delivery", real_mark)
    engine.evaluate_and_deliver(home, NOW)
    assert len(outbox_lines(home)) == 1
    assert rows(home, "SELECT status FROM deliveries") == [("sent",)]


def test_delivery_failure_after_commit_keeps_the_alert(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "load_rules", lambda: [rule()])
    write_marts(home, api_performance_5m=fire_and_resolve_rows())
    real = channels._deliver_outbox

    def broken(*args: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(channels, "_deliver_outbox", broken)
    report = engine.evaluate_and_deliver(home, NOW)
    assert report.firing == 1 and "disk full" in report.summary()
    assert len(history(home)) == 1 and outbox_lines(home) == []

    monkeypatch.setattr(channels, "_deliver_outbox", real)
    report = engine.evaluate_and_deliver(home, NOW)
    assert report.firing == 0 and report.delivery is not None and report.delivery.sent == 1
    assert len(outbox_lines(home)) == 1


class _Hook:
    """A tiny webhook receiver on 127.0.0.1 (random port) that records JSON bodies."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.status = 200
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers["Content-Length"])
                hook.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(hook.status)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Hook]:
    receiver = _Hook()
    monkeypatch.setenv("OPSDW_WEBHOOK_URL", receiver.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    yield receiver
    receiver.close()


def test_webhook_posts_alertmanager_payload(
    home: Path, hook: _Hook, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "load_rules", lambda: [rule()])
    write_marts(home, api_performance_5m=fire_and_resolve_rows())
    report = engine.evaluate_and_deliver(home, NOW)
    assert report.delivery is not None and report.delivery.sent == 2  # outbox + webhook
    assert len(hook.bodies) == 1
    body = hook.bodies[0]
    assert body["version"] == "4" and body["status"] == "firing"
    assert body["receiver"] == "opsdw" and body["groupLabels"] == {"alertname": "TestErrorRate"}
    [alert] = body["alerts"]
    assert alert["status"] == "firing"
    assert alert["labels"]["alertname"] == "TestErrorRate"
    assert alert["labels"]["severity"] == "critical"
    assert alert["labels"]["endpoint"] == "/orders"
    assert alert["annotations"]["summary"] == "GET /orders at 10%"
    assert alert["startsAt"] == "2024-03-01T10:00:00Z"
    assert alert == outbox_lines(home)[0]

    engine.evaluate_and_deliver(home, NOW)
    assert len(hook.bodies) == 1  # never sent twice after success


def test_failing_webhook_is_retried_then_succeeds_once(
    home: Path, hook: _Hook, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "load_rules", lambda: [rule()])
    write_marts(home, api_performance_5m=fire_and_resolve_rows())
    hook.status = 500
    report = engine.evaluate_and_deliver(home, NOW)  # must not raise
    assert report.firing == 1 and report.delivery is not None and report.delivery.failed == 1
    assert "HTTP 500" in report.summary()
    assert rows(
        home, "SELECT status, attempts, last_error FROM deliveries WHERE channel='webhook'"
    )[0][:2] == ("failed", 1)
    assert len(outbox_lines(home)) == 1  # the outbox does not wait for the webhook

    hook.status = 200
    report = engine.evaluate_and_deliver(home, NOW)
    assert report.firing == 0 and report.delivery is not None and report.delivery.sent == 1
    assert rows(home, "SELECT status, attempts FROM deliveries WHERE channel='webhook'") == [
        ("sent", 2)
    ]
    engine.evaluate_and_deliver(home, NOW)
    assert len(hook.bodies) == 2  # one failed attempt, one success, nothing after
    assert [b["alerts"][0]["history_id"] for b in hook.bodies] == [1, 1]
    assert len(outbox_lines(home)) == 1


def test_unreachable_webhook_is_recorded_not_raised(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "load_rules", lambda: [rule()])
    receiver = _Hook()
    url = receiver.url
    receiver.close()  # nothing listens on that port any more
    monkeypatch.setenv("OPSDW_WEBHOOK_URL", url)
    monkeypatch.setenv("OPSDW_WEBHOOK_TIMEOUT", "2")
    write_marts(home, api_performance_5m=fire_and_resolve_rows())
    report = engine.evaluate_and_deliver(home, NOW)
    assert report.delivery is not None and report.delivery.failed == 1
    [(status, error)] = rows(
        home, "SELECT status, last_error FROM deliveries WHERE channel='webhook'"
    )
    assert status == "failed" and error and url not in error
