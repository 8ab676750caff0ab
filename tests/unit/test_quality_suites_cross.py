"""The GX suites of the cross-cutting marts: each passes on clean data and names what fails on
dirty data (GX runs for real; importing it takes ~8 s)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
import pytest

from orchestration.quality.suites import Suite, load_suites
from tests.unit.test_quality_suites import drop, duplicate_row, empty, setv, ts

CROSS_SUITES = {
    "mart_incidents",
    "mart_collection_gaps",
    "mart_stale_components",
    "mart_metric_anomalies",
    "mart_capacity_forecast",
    "mart_active_alerts",
}


# --------------------------------------------------------------------------- clean frames


def clean_mart_incidents() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "incident_id": ["INC-20240305-1000", "INC-20240305-1100"],
            "started_at": [ts(0), ts(60)],
            "ended_at": [ts(15), ts(70)],
            "duration_minutes": [15, 10],
            "probable_origin": ["app-server", "app-server"],
            "probable_origin_host": [None, "app-1"],
            "origin_signal": ["error_burst", "cpu_saturation"],
            "components": [["api-gateway", "app-server"], ["app-server"]],
            "affected_components": [2, 1],
            "endpoints": [["POST /api/v1/orders"], []],
            "affected_endpoints": [1, 0],
            "hosts": [[], ["app-1"]],
            "signal_kinds": [["endpoint_5xx", "error_burst"], ["cpu_saturation"]],
            "signal_minutes": [30, 10],
            "errors": [380, 0],
            "critical_errors": [300, 0],
            "peak_errors_per_minute": [34.0, None],
            "peak_error_rate": [0.43, None],
            "peak_cpu_pct": [None, 98.4],
            "peak_mem_pct": [None, None],
            "alert_count": [2, 0],
            "alerts": [
                ["EndpointHighErrorRate: POST /api/v1/orders: 41%", "CriticalErrorBurst: x"],
                [],
            ],
        }
    )


def clean_mart_collection_gaps() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "host": ["app-2", "worker-1"],
            "component": ["app-server", "worker"],
            "gap_start": [ts(0), ts(30)],
            "gap_end": [ts(20.25), ts(31.25)],
            "gap_minutes": [20.25, 1.25],
            "expected_interval_s": [15, 15],
            "missed_scrapes": [80, 4],
        }
    )


def clean_mart_stale_components() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "host": ["app-1", "app-2", "db-1"],
            "component": ["app-server", "app-server", "database"],
            "first_sample_at": [ts(-600)] * 3,
            "last_sample_at": [ts(0), ts(0), ts(-30)],
            "as_of": [ts(0)] * 3,
            "minutes_since_last_sample": [0.0, 0.0, 30.0],
            "expected_interval_s": [15, 15, 15],
            "samples_last_hour": [240, 240, 120],
            "expected_samples_last_hour": [240, 240, 240],
            "collection_rate_last_hour": [1.0, 1.0, 0.5],
            "is_stale": [False, False, True],
            "gaps": [0, 1, 0],
            "missed_scrapes": [0, 80, 0],
            "longest_gap_minutes": [None, 20.25, None],
            "last_gap_start": [None, ts(-100), None],
            "last_gap_end": [None, ts(-79.75), None],
        }
    )


def clean_mart_metric_anomalies() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "window_start": [ts(0), ts(0), ts(5)],
            "window_end": [ts(5), ts(5), ts(10)],
            "host": ["app-1", "app-1", "web-1"],
            "component": ["app-server", "app-server", "api-gateway"],
            "metric": ["cpu_usage", "memory_usage", "response_time"],
            "current_value": [95.0, 60.0, 82.0],
            "rolling_windows": [12, 0, 12],
            "rolling_mean": [31.3, None, 80.0],
            "rolling_stddev": [3.05, None, 4.0],
            "z_score": [20.8, None, 0.5],
            "value_5_back": [31.1, None, 85.0],
            "trend_direction": ["INCREASING", "STABLE", "DECREASING"],
            "alert_message": [
                "CRITICAL: CPU Overload",
                "INFO: Normal Operation",
                "INFO: Normal Operation",
            ],
            "is_anomaly": [True, False, False],
        }
    )


def clean_mart_capacity_forecast() -> pd.DataFrame:
    day = dt.date(2024, 3, 5)
    return pd.DataFrame(
        {
            "day": [day, day],
            "host": ["db-1", "db-1"],
            "component": ["database", "database"],
            "resource": ["disk", "memory"],
            "measured_at": [ts(840), ts(840)],
            "current_pct": [56.03, 64.2],
            "day_avg_pct": [55.6, 62.7],
            "day_max_pct": [56.03, 72.9],
            "fit_start": [ts(-1440), ts(-1440)],
            "fit_points": [576, 576],
            "slope_pct_per_day": [0.85, -1.1],
            "days_until_full": [51.7, None],
        }
    )


def clean_mart_active_alerts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "alert_id": [7],
            "rule": ["HostCpuSaturation"],
            "severity": ["critical"],
            "fingerprint": ["0123456789abcdef"],
            "component": ["app-server"],
            "host": ["app-1"],
            "endpoint": [None],
            "method": [None],
            "labels": ['{"component": "app-server", "host": "app-1"}'],
            "value": [97.4],
            "threshold": [90.0],
            "summary": ["app-1 (app-server): CPU 97.4% over 5 minutes"],
            "active_since": [ts(0)],
            "fired_at": [ts(6)],
            "evaluated_at": [ts(36.5)],
            "age_minutes": [30.5],
        }
    )


CLEAN: dict[str, Callable[[], pd.DataFrame]] = {
    "mart_incidents": clean_mart_incidents,
    "mart_collection_gaps": clean_mart_collection_gaps,
    "mart_stale_components": clean_mart_stale_components,
    "mart_metric_anomalies": clean_mart_metric_anomalies,
    "mart_capacity_forecast": clean_mart_capacity_forecast,
    "mart_active_alerts": clean_mart_active_alerts,
}

BETWEEN = "expect_column_values_to_be_between"
NOT_NULL = "expect_column_values_to_not_be_null"
IN_SET = "expect_column_values_to_be_in_set"
UNIQUE = "expect_column_values_to_be_unique"
GRAIN = "expect_compound_columns_to_be_unique"
COLUMNS = "expect_table_columns_to_match_set"
ROWS = "expect_table_row_count_to_be_between"
PAIR = "expect_column_pair_values_a_to_be_greater_than_b"
REGEX = "expect_column_values_to_match_regex"

# (suite, case id, mutation, exactly the expectations that must fail)
# fmt: off
DIRTY = [
    ("mart_incidents", "bad_id", setv("incident_id", 0, "INC-1"), {f"{REGEX}(incident_id)"}),
    ("mart_incidents", "duplicate_id", duplicate_row(1), {f"{UNIQUE}(incident_id)"}),
    ("mart_incidents", "ends_before_start", setv("ended_at", 1, ts(59)), {f"{PAIR}(ended_at,started_at)"}),
    ("mart_incidents", "criticals_exceed_errors", setv("critical_errors", 0, 381), {f"{PAIR}(errors,critical_errors)"}),
    ("mart_incidents", "error_rate_1_2", setv("peak_error_rate", 0, 1.2), {f"{BETWEEN}(peak_error_rate)"}),
    ("mart_incidents", "null_origin", setv("probable_origin", 1, None), {f"{NOT_NULL}(probable_origin)"}),
    ("mart_incidents", "missing_alerts", drop("alerts"), {COLUMNS}),
    ("mart_collection_gaps", "half_minute_gap", setv("gap_minutes", 1, 0.5), {f"{BETWEEN}(gap_minutes)"}),
    ("mart_collection_gaps", "duplicate_grain", duplicate_row(0), {f"{GRAIN}(host,gap_start)"}),
    ("mart_collection_gaps", "end_before_start", setv("gap_end", 0, ts(-1)), {f"{PAIR}(gap_end,gap_start)"}),
    ("mart_collection_gaps", "no_missed_scrape", setv("missed_scrapes", 1, 0), {f"{BETWEEN}(missed_scrapes)"}),
    ("mart_stale_components", "too_many_samples", setv("samples_last_hour", 0, 300), {f"{PAIR}(expected_samples_last_hour,samples_last_hour)"}),
    ("mart_stale_components", "duplicate_host", duplicate_row(2), {f"{UNIQUE}(host)"}),
    ("mart_stale_components", "as_of_before_last", setv("as_of", 2, ts(-31)), {f"{PAIR}(as_of,last_sample_at)"}),
    ("mart_stale_components", "empty", empty, {ROWS}),
    ("mart_metric_anomalies", "message_bogus", setv("alert_message", 1, "INFO: fine"), {f"{IN_SET}(alert_message)"}),
    ("mart_metric_anomalies", "thirteen_windows", setv("rolling_windows", 0, 13), {f"{BETWEEN}(rolling_windows)"}),
    ("mart_metric_anomalies", "metric_bogus", setv("metric", 2, "latency"), {f"{IN_SET}(metric)"}),
    ("mart_metric_anomalies", "duplicate_grain", duplicate_row(0), {f"{GRAIN}(window_start,host,metric)"}),
    ("mart_metric_anomalies", "null_value", setv("current_value", 1, None), {f"{NOT_NULL}(current_value)"}),
    ("mart_capacity_forecast", "pct_101", setv("current_pct", 0, 101.0), {f"{BETWEEN}(current_pct)", f"{PAIR}(day_max_pct,current_pct)"}),
    ("mart_capacity_forecast", "resource_bogus", setv("resource", 1, "cpu"), {f"{IN_SET}(resource)"}),
    ("mart_capacity_forecast", "negative_days", setv("days_until_full", 0, -1.0), {f"{BETWEEN}(days_until_full)"}),
    ("mart_capacity_forecast", "duplicate_grain", duplicate_row(1), {f"{GRAIN}(day,host,resource)"}),
    ("mart_active_alerts", "negative_age", setv("age_minutes", 0, -1.0), {f"{BETWEEN}(age_minutes)"}),
    ("mart_active_alerts", "duplicate_id", duplicate_row(0), {f"{UNIQUE}(alert_id)"}),
    ("mart_active_alerts", "fired_after_evaluation", setv("fired_at", 0, ts(40)), {f"{PAIR}(evaluated_at,fired_at)"}),
    ("mart_active_alerts", "null_rule", setv("rule", 0, None), {f"{NOT_NULL}(rule)"}),
]
# fmt: on


@pytest.fixture(scope="module")
def suites() -> dict[str, Suite]:
    return {s.name: s for s in load_suites() if s.name in CROSS_SUITES}


# `run` comes from tests/unit/conftest.py (it uses this module's `suites`)


def test_cross_suites_exist_and_warn_only(suites):
    assert set(suites) == CROSS_SUITES
    for name, suite in suites.items():
        assert suite.asset == (name.removeprefix("mart_"),)
        assert suite.blocking is False
    # incremental marts are checked on the rebuilt window; whole-table marts whole
    windows = {name: s.window_column for name, s in suites.items()}
    assert windows == {
        "mart_incidents": None,
        "mart_collection_gaps": "gap_end",
        "mart_stale_components": None,
        "mart_metric_anomalies": "window_start",
        "mart_capacity_forecast": "day",
        "mart_active_alerts": None,
    }


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_clean_frame_passes(run, name):
    result = run(name, CLEAN[name]())
    assert result.success, result.failed_labels
    assert result.evaluated == len(result.expectations) > 0


@pytest.mark.parametrize("name", ["mart_incidents", "mart_collection_gaps", "mart_active_alerts"])
def test_empty_is_valid_where_nothing_happened(run, name):
    # a calm period has no incident, no gap and no firing alert
    result = run(name, empty(CLEAN[name]()))
    assert result.success, result.failed_labels


@pytest.mark.parametrize(
    ("name", "mutate", "expected"),
    [pytest.param(n, m, e, id=f"{n}-{case}") for n, case, m, e in DIRTY],
)
def test_dirty_frame_fails_naming_the_expectation(run, name, mutate, expected):
    result = run(name, mutate(CLEAN[name]()))
    assert not result.success
    assert set(result.failed_labels) == expected


def test_every_suite_has_a_failing_case():
    assert {d[0] for d in DIRTY} == set(CLEAN) == CROSS_SUITES
