"""The cross-cutting marts on the default scenario (tests/integration/scenario.py): each injected
scenario surfaces where it should, the calm rest of the two days surfaces nothing, and the
numbers agree with an independent computation."""

from __future__ import annotations

import datetime as dt
import json
import statistics
from pathlib import Path

import duckdb
import pytest

from orchestration.sources.simulator.system_metrics import DISK_CLEANUP_S
from orchestration.sources.simulator.topology import HOSTS

SCRAPE = dt.timedelta(seconds=15)
FIVE_MINUTES = dt.timedelta(minutes=5)


def _naive(t: dt.datetime) -> dt.datetime:
    return t.astimezone(dt.UTC).replace(tzinfo=None)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


@pytest.fixture(scope="module")
def con(scenario_warehouse):
    c = duckdb.connect(str(scenario_warehouse.db), read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="module")
def truth(scenario_warehouse):
    return scenario_warehouse.truth


# --------------------------------------------------------------------------- incidents


def test_each_alerting_scenario_is_one_incident_and_nothing_else_is(con, truth) -> None:
    incidents = _rows(con, "SELECT * FROM marts.incidents ORDER BY started_at")
    # the incidents of signals that breach (a silent collector is missing data, not an incident:
    # it surfaces in collection_gaps, stale_components and data_coverage_5m)
    expected = sorted(
        (i for i in truth.incidents if i.kind in ("api_error_latency", "cpu_saturation")),
        key=lambda i: i.start,
    )
    assert {i.kind for i in expected} == {"api_error_latency", "cpu_saturation"}
    # calm periods (and the non-alerting scenarios) surface nothing: one incident per scenario
    assert len(incidents) == len(expected)
    for found, inc in zip(incidents, expected, strict=True):
        assert abs(found["started_at"] - _naive(inc.start)) <= FIVE_MINUTES, (found, inc)
        assert abs(found["ended_at"] - _naive(inc.end)) <= FIVE_MINUTES, (found, inc)
        assert inc.component in found["components"]
        assert found["probable_origin"] == inc.component
        assert found["alert_count"] == 0 and list(found["alerts"]) == []  # no engine ran here

    api, cpu = incidents
    api_truth = truth.of_kind("api_error_latency")[0]
    assert list(api["components"]) == ["api-gateway", "app-server"]
    assert list(api["endpoints"]) == [f"{api_truth.method} {api_truth.endpoint}"]
    assert list(api["signal_kinds"]) == ["endpoint_5xx", "endpoint_latency", "error_burst"]
    # ~40 % of the endpoint's requests fail in the incident (a trailing 5-minute share)
    assert 0.30 < api["peak_error_rate"] < 0.55
    # ~20 CRITICAL + ~4 ERROR a minute on top of the calm ~4 ERROR an hour
    assert api["critical_errors"] > 15 * api["duration_minutes"]

    cpu_truth = truth.of_kind("cpu_saturation")[0]
    assert list(cpu["components"]) == [cpu_truth.component]
    assert list(cpu["hosts"]) == [cpu_truth.host] and cpu["probable_origin_host"] == cpu_truth.host
    assert list(cpu["signal_kinds"]) == ["cpu_saturation"] and list(cpu["endpoints"]) == []
    assert cpu["peak_cpu_pct"] > 95  # the simulator runs the CPUs 96.5-99 % busy


def test_incident_errors_match_the_log_events(con) -> None:
    # independent of error_counts_1m: count the staged log events in each incident's window
    for inc in _rows(con, "SELECT * FROM marts.incidents"):
        (errors, critical), *_ = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE level = 'CRITICAL') "
            "FROM staging.stg_error_logs__events "
            "WHERE level IN ('ERROR', 'CRITICAL') AND ts >= ? AND ts < ?",
            [inc["started_at"], inc["ended_at"]],
        ).fetchall()
        assert (inc["errors"], inc["critical_errors"]) == (errors, critical)


def test_no_incident_around_the_silence_or_the_reboot(con, truth) -> None:
    for inc in truth.of_kind("silent_collector") + truth.of_kind("counter_reset"):
        overlapping = con.execute(
            "SELECT count(*) FROM marts.incidents WHERE started_at < ? AND ended_at > ?",
            [_naive(inc.end) + FIVE_MINUTES, _naive(inc.start) - FIVE_MINUTES],
        ).fetchone()[0]
        assert overlapping == 0, inc


# --------------------------------------------------------------------------- collection gaps


def test_the_silent_collector_and_the_reboot_are_the_only_gaps(con, truth) -> None:
    (silence,) = truth.of_kind("silent_collector")
    resets = truth.of_kind("counter_reset")
    assert silence.host == "app-2" and [r.host for r in resets] == ["worker-1"]
    gaps = _rows(con, "SELECT * FROM marts.collection_gaps ORDER BY gap_start")
    expected = sorted(
        [
            # the last scrape before [start, end) is one interval before start; the next is at end
            (silence.host, _naive(silence.start) - SCRAPE, _naive(silence.end)),
            *[(r.host, _naive(r.start) - SCRAPE, _naive(r.end)) for r in resets],
        ],
        key=lambda g: g[1],
    )
    assert [(g["host"], g["gap_start"], g["gap_end"]) for g in gaps] == expected
    by_host = {g["host"]: g for g in gaps}
    assert by_host["app-2"]["gap_minutes"] == 20.25  # 20 minutes + the interval before
    assert by_host["app-2"]["missed_scrapes"] == 80
    assert by_host["worker-1"]["gap_minutes"] == 1.25 and by_host["worker-1"]["missed_scrapes"] == 4


def test_stale_components_summarise_the_silence(con, truth) -> None:
    rows = {r["host"]: r for r in _rows(con, "SELECT * FROM marts.stale_components")}
    assert set(rows) == {h.name for h in HOSTS}
    (last_scrape,) = con.execute("SELECT max(ts) FROM intermediate.int_host_resources").fetchone()
    for name, row in rows.items():
        assert row["as_of"] == last_scrape
        # the silence ended long before the end of the data: nobody is stale now
        assert row["is_stale"] is False and row["minutes_since_last_sample"] == 0
        assert row["expected_samples_last_hour"] == 240
        assert row["samples_last_hour"] >= 238, row  # a corrupt line may cost a scrape
        assert row["gaps"] == {"app-2": 1, "worker-1": 1}.get(name, 0)
    assert rows["app-2"]["longest_gap_minutes"] == 20.25
    assert rows["app-2"]["last_gap_end"] == _naive(truth.of_kind("silent_collector")[0].end)


# --------------------------------------------------------------------------- metric anomalies


def test_metric_anomalies_flag_app1_cpu_during_the_saturation(con, truth) -> None:
    (sat,) = truth.of_kind("cpu_saturation")
    critical = _rows(
        con,
        "SELECT * FROM marts.metric_anomalies WHERE alert_message LIKE 'CRITICAL%' "
        "ORDER BY window_start",
    )
    # exactly the 5-minute windows that lie in the saturation (05:45 and 05:50)
    start, end = _naive(sat.start), _naive(sat.end)
    windows = []
    w = start.replace(minute=start.minute - start.minute % 5)
    while w < end:
        if w >= start and w + FIVE_MINUTES <= end:
            windows.append(w)
        w += FIVE_MINUTES
    assert [(r["host"], r["metric"], r["window_start"]) for r in critical] == [
        (sat.host, "cpu_usage", w) for w in windows
    ]
    assert all(r["alert_message"] == "CRITICAL: CPU Overload" for r in critical)
    assert critical[0]["z_score"] > 10 and critical[0]["trend_direction"] == "INCREASING"
    # no disk, memory or latency threshold is crossed anywhere in the two days
    others = con.execute(
        "SELECT count(*) FROM marts.metric_anomalies WHERE alert_message IN "
        "('CRITICAL: Memory Exhaustion', 'WARNING: Disk Space Low', 'WARNING: High Latency')"
    ).fetchone()[0]
    assert others == 0


def test_response_time_spikes_only_in_the_api_incident(con, truth) -> None:
    (api,) = truth.of_kind("api_error_latency")
    spikes = con.execute(
        "SELECT window_start FROM marts.metric_anomalies "
        "WHERE metric = 'response_time' AND is_anomaly ORDER BY window_start"
    ).fetchall()
    assert spikes, "the slow endpoint raises the gateways' mean latency"
    for (w,) in spikes:
        assert _naive(api.start) - FIVE_MINUTES <= w < _naive(api.end), w


def test_rolling_statistics_match_a_direct_computation(con, truth) -> None:
    (sat,) = truth.of_kind("cpu_saturation")
    start = _naive(sat.start)
    series = dict(
        con.execute(
            "SELECT window_start, avg_cpu_pct FROM marts.host_resource_usage_5m "
            "WHERE host = ? AND window_start BETWEEN ? AND ?",
            [sat.host, start - dt.timedelta(minutes=60), start],
        ).fetchall()
    )
    previous = [v for w, v in series.items() if w < start]
    assert len(previous) == 12
    row = _rows(
        con,
        "SELECT * FROM marts.metric_anomalies "
        "WHERE host = ? AND metric = 'cpu_usage' AND window_start = ?",
        [sat.host, start],
    )[0]
    assert row["current_value"] == series[start]
    assert row["rolling_mean"] == pytest.approx(statistics.mean(previous), abs=1e-6)
    assert row["rolling_stddev"] == pytest.approx(statistics.stdev(previous), abs=1e-6)


# --------------------------------------------------------------------------- capacity


def test_disk_forecast_matches_the_simulated_fill(con) -> None:
    rows = _rows(
        con,
        "SELECT * FROM marts.capacity_forecast WHERE resource = 'disk' "
        "AND day = (SELECT max(day) FROM marts.capacity_forecast)",
    )
    assert {r["host"] for r in rows} == {h.name for h in HOSTS}
    for host in HOSTS:
        row = next(r for r in rows if r["host"] == host.name)
        # the last window's scrapes average to the use at its middle (the fill is linear)
        mid = row["measured_at"].replace(tzinfo=dt.UTC).timestamp() - 150 + 7.5
        since_cleanup = (mid - host.boot_anchor_s) % DISK_CLEANUP_S
        assert since_cleanup > 86400, "a clean-up in the last day would cut the fit"
        used_pct = 100 * (host.disk_used_base + host.disk_fill_per_day * since_cleanup / 86400)
        assert row["current_pct"] == pytest.approx(used_pct, abs=0.01)
        assert row["slope_pct_per_day"] == pytest.approx(100 * host.disk_fill_per_day, rel=0.01)
        expected_days = (100 - used_pct) / (100 * host.disk_fill_per_day)
        assert row["days_until_full"] == pytest.approx(expected_days, rel=0.01)
        # 0.25-0.85 points a day: between ~50 days (db-1) and ~240 days
        assert 40 < row["days_until_full"] < 260


# --------------------------------------------------------------------------- alerts + quality


def test_active_alerts_builds_empty_without_an_alert_engine(con) -> None:
    assert con.execute("SELECT count(*) FROM marts.active_alerts").fetchone()[0] == 0


def test_cross_suites_pass_on_the_scenario_marts(con) -> None:
    from orchestration.quality.gx_runner import run_suite
    from orchestration.quality.suites import load_suites

    names = [
        "incidents",
        "collection_gaps",
        "stale_components",
        "metric_anomalies",
        "capacity_forecast",
        "active_alerts",
    ]
    suites = {s.name: s for s in load_suites()}
    for name in names:
        frame = con.execute(f"SELECT * FROM marts.{name}").df()
        result = run_suite(suites[f"mart_{name}"], frame)
        assert result.success, (name, result.failed_labels)


def test_active_alerts_from_an_exported_history(tmp_path: Path) -> None:
    from orchestration.alerts.export import export_alert_history
    from orchestration.alerts.store import AlertStore
    from orchestration.settings import paths
    from tests.integration.scenario import run_dbt

    home = tmp_path / "opsdw"
    t0 = dt.datetime(2026, 11, 2, 14, 25)

    def record(store: AlertStore, fp: str, labels: dict, status: str, at: dt.datetime) -> None:
        with store.transaction():
            store.insert_history(
                rule="HostCpuSaturation" if "host" in labels else "EndpointHighErrorRate",
                fingerprint_=fp,
                labels=labels,
                status=status,
                severity="critical",
                value=0.4,
                threshold=0.05,
                starts_at=t0,
                ends_at=at if status == "resolved" else None,
                summary=f"{fp} {status}",
                description="",
                now=at,
                channels=("outbox",),
            )

    with AlertStore(paths(home).alert_db) as store:
        record(store, "f1", {"endpoint": "/api/v1/orders", "method": "POST"}, "firing", t0)
        record(store, "f2", {"component": "app-server", "host": "app-1"}, "firing", t0)
        record(store, "f2", {"component": "app-server", "host": "app-1"}, "resolved", t0)
    evaluated = t0 + dt.timedelta(minutes=30)
    export_alert_history(home, now=evaluated)

    proc = run_dbt(
        home,
        "build",
        "--select",
        "stg_alerts__history",
        "int_cross_alert_activations",
        "active_alerts",
        "--exclude-resource-type",
        "unit_test",
        target=tmp_path / "target",
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        rows = _rows(con, "SELECT * FROM marts.active_alerts")
    finally:
        con.close()
    assert len(rows) == 1
    (alert,) = rows
    assert (alert["rule"], alert["fingerprint"]) == ("EndpointHighErrorRate", "f1")
    assert (alert["endpoint"], alert["method"], alert["host"]) == ("/api/v1/orders", "POST", None)
    assert json.loads(alert["labels"]) == {"endpoint": "/api/v1/orders", "method": "POST"}
    assert alert["active_since"] == t0 and alert["fired_at"] == t0
    assert alert["evaluated_at"] == evaluated and alert["age_minutes"] == 30
