"""The GX suites in expectations/: each passes on clean data and names what fails on dirty data.

GX runs for real (ephemeral context, cached per process): importing it takes ~8 s, each suite run
~0.2 s after that.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from orchestration.quality.suites import SuiteError, load_suite, load_suites, parse_suite
from orchestration.sources.catalog import HTTP_METHODS, LOG_LEVELS, SOURCES

PROJECT_ROOT = Path(__file__).resolve().parents[2]

RAW_SUITES = {"raw_api_requests", "raw_system_metrics", "raw_error_logs"}
MART_SUITES = {
    "mart_api_performance_5m",
    "mart_api_performance_hourly",
    "mart_host_resource_usage_5m",
    "mart_system_health",
    "mart_error_summary",
    "mart_error_counts_1m",
}

T0 = pd.Timestamp("2024-03-05 10:00:00")


def ts(minutes: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(minutes=minutes)


# --------------------------------------------------------------------------- clean frames


def _raw_frame(source: str, values: dict[str, list]) -> pd.DataFrame:
    """Columns in the registry's raw order; framework columns filled in."""
    n = len(next(iter(values.values())))
    key = f"{source}/2024-03-05/file-10"
    values = {
        "event_id": [f"{key}:{i + 1}" for i in range(n)],
        "source_file": [f"{key}.log"] * n,
        "line_number": list(range(1, n + 1)),
        **values,
    }
    return pd.DataFrame({c: values[c] for c, _ in SOURCES[source].raw_columns})


def clean_raw_api_requests() -> pd.DataFrame:
    return _raw_frame(
        "api_requests",
        {
            "ts": [ts(0), ts(1), ts(2)],
            "host": ["web-1", "web-1", "web-2"],
            "client_pseudo": ["c1", "c2", "c1"],
            "user_pseudo": ["u1", None, None],
            "method": ["GET", "POST", "DELETE"],
            "endpoint": ["/users/{id}", "/orders", "/users/{id}"],
            "protocol": ["HTTP/1.1"] * 3,
            "status": [200, 404, 503],
            "bytes_sent": [512, 0, 128],
            "referer": [None, "https://example.test/", None],
            "user_agent": ["curl/8.0", "Mozilla/5.0", "curl/8.0"],
            "request_time_ms": [12.5, 0.0, 2500.0],
        },
    )


def clean_raw_system_metrics() -> pd.DataFrame:
    return _raw_frame(
        "system_metrics",
        {
            "ts": [ts(0), ts(0), ts(0.25), ts(0.25)],
            "host": ["app-1", "app-1", "db-1", "db-1"],
            "component": ["app-server", "app-server", "database", None],
            "metric": [
                "node_cpu_seconds_total",
                "http_request_duration_seconds_bucket",
                "node_memory_MemAvailable_bytes",
                "http_request_duration_seconds_sum",
            ],
            "family": [
                "node_cpu_seconds_total",
                "http_request_duration_seconds",
                "node_memory_MemAvailable_bytes",
                "http_request_duration_seconds",
            ],
            "metric_type": ["counter", "histogram", "gauge", "histogram"],
            "labels": [{"cpu": "0", "mode": "idle"}, {"le": "+Inf"}, {}, {}],
            # Prometheus values may be NaN and +/-Inf: the suite must not range-check `value`.
            "value": [123.5, math.inf, math.nan, -math.inf],
        },
    )


def clean_raw_error_logs() -> pd.DataFrame:
    return _raw_frame(
        "error_logs",
        {
            "ts": [ts(0), ts(3), ts(4)],
            "level": ["WARNING", "ERROR", "CRITICAL"],
            "component": ["app-server", "database", "worker"],
            "host": ["app-1", "db-1", "worker-1"],
            "logger": ["app.api", "postgres", "worker.jobs"],
            "error_code": ["E1001", None, "W42"],
            "message": ["slow upstream", "deadlock detected", "job crashed"],
            "stack_trace": [None, None, "Traceback ..."],
            "request_id": ["r1", None, None],
            "user_pseudo": ["u1", None, None],
        },
    )


def _api_metrics(n: int) -> dict[str, list]:
    return {
        "requests": [100, 5, 40][:n],
        "client_errors": [3, 0, 1][:n],
        "server_errors": [2, 0, 0][:n],
        "error_count": [5, 0, 1][:n],
        "error_rate": [0.05, 0.0, 0.025][:n],
        "server_error_rate": [0.02, 0.0, 0.0][:n],
        "avg_latency_ms": [120.0, 15.0, 2100.0][:n],
        "p50_latency_ms": [100.0, 12.0, 2000.0][:n],
        "p95_latency_ms": [300.0, 20.0, 2900.0][:n],
        "p99_latency_ms": [450.0, 21.0, 2990.0][:n],
        "max_latency_ms": [800.0, 21.0, 3000.0][:n],
    }


def clean_mart_api_performance_5m() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "window_start": [ts(0), ts(0), ts(5)],
            "window_end": [ts(5), ts(5), ts(10)],
            "endpoint": ["/users/{id}", "/users/{id}", "/users/{id}"],
            "method": ["GET", "POST", "GET"],
            **_api_metrics(3),
        }
    )


def clean_mart_api_performance_hourly() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "hour": [ts(0), ts(0), ts(60)],
            "endpoint": ["/users/{id}", "/orders", "/users/{id}"],
            "method": ["GET", "GET", "GET"],
            **_api_metrics(3),
            "performance_status": ["HEALTHY", "LOW USAGE", "SLOW RESPONSE"],
            "usage_rank": [1, 2, 1],
        }
    )


def clean_mart_host_resource_usage_5m() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "window_start": [ts(0), ts(0), ts(5)],
            "window_end": [ts(5), ts(5), ts(10)],
            "host": ["app-1", "db-1", "app-1"],
            "component": ["app-server", "database", "app-server"],
            "samples": [20, 20, 20],
            "avg_cpu_pct": [35.0, 90.0, 0.0],
            "max_cpu_pct": [60.0, 100.0, 0.0],
            "min_cpu_pct": [10.0, 75.0, 0.0],
            "avg_mem_pct": [50.0, 86.0, 51.0],
            "max_mem_pct": [55.0, 90.0, 52.0],
            "avg_disk_pct": [40.0, 70.0, 40.0],
            "max_disk_pct": [40.0, 70.5, 40.0],
            "high_cpu_samples": [0, 18, 0],
            "high_memory_samples": [0, 12, 0],
        }
    )


def clean_mart_system_health() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "window_start": [ts(0), ts(0), ts(0), ts(5)],
            "window_end": [ts(5), ts(5), ts(5), ts(10)],
            "component": ["api-gateway", "app-server", "database", "api-gateway"],
            "hosts": [2, 2, 1, 2],
            "samples": [40, 40, 20, 40],
            "high_cpu_alerts": [0, 0, 3, 0],
            "high_memory_alerts": [0, 0, 0, 0],
            "avg_cpu_pct": [20.0, 40.0, 85.0, 21.0],
            "max_cpu_pct": [30.0, 60.0, 99.0, 25.0],
            "avg_mem_pct": [40.0, 60.0, 70.0, 41.0],
            "max_mem_pct": [45.0, 65.0, 80.0, 42.0],
            "avg_response_time_ms": [120.0, None, None, 1500.0],  # NULL: serves no requests
            "requests": [500, 0, 0, 480],
            "error_count": [0, 12, 1, 0],
            "critical_count": [0, 2, 1, 0],
            "failed_runs": [0, 0, 0, 0],
            "health_status": ["HEALTHY", "WARNING", "CRITICAL", "DEGRADED"],
        }
    )


def clean_mart_error_summary() -> pd.DataFrame:
    day = dt.date(2024, 3, 5)
    return pd.DataFrame(
        {
            "event_date": [day, day, day],
            "component": ["app-server", "app-server", "database"],
            "level": ["ERROR", "ERROR", "CRITICAL"],
            "error_code": ["E1001", None, None],  # NULL code is its own group
            "error_count": [7, 2, 1],
            "first_seen": [ts(0), ts(1), ts(30)],
            "last_seen": [ts(50), ts(1), ts(30)],
            "hosts": [2, 1, 1],
            "recent_messages": ["timeout | refused", "oops", "deadlock detected"],
        }
    )


def clean_mart_error_counts_1m() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "minute_start": [ts(0), ts(0), ts(1)],
            "component": ["app-server", "app-server", "worker"],
            "level": ["ERROR", "CRITICAL", "CRITICAL"],
            "error_count": [4, 1, 0],
        }
    )


def _with_data_ok(build: Callable[[], pd.DataFrame]) -> Callable[[], pd.DataFrame]:
    """The telemetry marts carry data_ok (SLA verdict of the window; NULL when not judged)."""

    def f() -> pd.DataFrame:
        df = build()
        return df.assign(data_ok=[True, None, *[False] * (len(df) - 2)][: len(df)])

    return f


CLEAN: dict[str, Callable[[], pd.DataFrame]] = {
    "raw_api_requests": clean_raw_api_requests,
    "raw_system_metrics": clean_raw_system_metrics,
    "raw_error_logs": clean_raw_error_logs,
    "mart_api_performance_5m": _with_data_ok(clean_mart_api_performance_5m),
    "mart_api_performance_hourly": _with_data_ok(clean_mart_api_performance_hourly),
    "mart_host_resource_usage_5m": _with_data_ok(clean_mart_host_resource_usage_5m),
    "mart_system_health": _with_data_ok(clean_mart_system_health),
    "mart_error_summary": _with_data_ok(clean_mart_error_summary),
    "mart_error_counts_1m": _with_data_ok(clean_mart_error_counts_1m),
}


# --------------------------------------------------------------------------- dirty variants


def setv(column: str, row: int, value) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def f(df: pd.DataFrame) -> pd.DataFrame:
        df = df.copy()
        if value is None:
            df[column] = df[column].astype(object)
        df.at[row, column] = value
        return df

    return f


def drop(column: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    return lambda df: df.drop(columns=[column])


def add_column(column: str, value) -> Callable[[pd.DataFrame], pd.DataFrame]:
    return lambda df: df.assign(**{column: value})


def duplicate_row(row: int) -> Callable[[pd.DataFrame], pd.DataFrame]:
    return lambda df: pd.concat([df, df.iloc[[row]]], ignore_index=True)


def empty(df: pd.DataFrame) -> pd.DataFrame:
    return df.iloc[0:0]


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
    # raw_api_requests
    ("raw_api_requests", "status_700", setv("status", 0, 700), {f"{BETWEEN}(status)"}),
    ("raw_api_requests", "negative_latency", setv("request_time_ms", 1, -3.0), {f"{BETWEEN}(request_time_ms)"}),
    ("raw_api_requests", "method_bogus", setv("method", 2, "BOGUS"), {f"{IN_SET}(method)"}),
    ("raw_api_requests", "duplicate_event_id", duplicate_row(1), {f"{UNIQUE}(event_id)"}),
    ("raw_api_requests", "null_host", setv("host", 0, None), {f"{NOT_NULL}(host)"}),
    ("raw_api_requests", "bad_event_id", setv("event_id", 0, "no-line-number"), {f"{REGEX}(event_id)"}),
    ("raw_api_requests", "missing_column", drop("request_time_ms"), {COLUMNS, f"{NOT_NULL}(request_time_ms)", f"{BETWEEN}(request_time_ms)"}),
    ("raw_api_requests", "extra_column", add_column("event_date", "2024-03-05"), {COLUMNS}),
    ("raw_api_requests", "empty", empty, {ROWS}),
    # raw_system_metrics
    ("raw_system_metrics", "metric_type_bogus", setv("metric_type", 0, "gaugee"), {f"{IN_SET}(metric_type)"}),
    ("raw_system_metrics", "null_ts", setv("ts", 1, None), {f"{NOT_NULL}(ts)"}),
    ("raw_system_metrics", "null_metric", setv("metric", 1, None), {f"{NOT_NULL}(metric)"}),
    ("raw_system_metrics", "bad_metric_name", setv("metric", 2, "9bad-name"), {f"{REGEX}(metric)"}),
    ("raw_system_metrics", "duplicate_event_id", duplicate_row(0), {f"{UNIQUE}(event_id)"}),
    ("raw_system_metrics", "missing_host", drop("host"), {COLUMNS, f"{NOT_NULL}(host)"}),
    # raw_error_logs
    ("raw_error_logs", "level_bogus", setv("level", 0, "BOGUS"), {f"{IN_SET}(level)"}),
    ("raw_error_logs", "null_level", setv("level", 1, None), {f"{NOT_NULL}(level)"}),
    ("raw_error_logs", "duplicate_event_id", duplicate_row(2), {f"{UNIQUE}(event_id)"}),
    ("raw_error_logs", "line_number_0", setv("line_number", 0, 0), {f"{BETWEEN}(line_number)"}),
    # mart_api_performance_5m
    ("mart_api_performance_5m", "error_rate_1_5", setv("error_rate", 0, 1.5), {f"{BETWEEN}(error_rate)"}),
    ("mart_api_performance_5m", "negative_latency", setv("p95_latency_ms", 1, -1.0), {f"{BETWEEN}(p95_latency_ms)"}),
    ("mart_api_performance_5m", "duplicate_grain", duplicate_row(0), {f"{GRAIN}(window_start,endpoint,method)"}),
    ("mart_api_performance_5m", "window_reversed", setv("window_end", 0, ts(-5)), {f"{PAIR}(window_end,window_start)"}),
    ("mart_api_performance_5m", "errors_exceed_requests", setv("error_count", 1, 9), {f"{PAIR}(requests,error_count)"}),
    ("mart_api_performance_5m", "method_bogus", setv("method", 0, "FETCH"), {f"{IN_SET}(method)"}),
    ("mart_api_performance_5m", "missing_column", drop("server_error_rate"), {COLUMNS, f"{NOT_NULL}(server_error_rate)", f"{BETWEEN}(server_error_rate)"}),
    # mart_api_performance_hourly
    ("mart_api_performance_hourly", "status_bogus", setv("performance_status", 0, "FINE"), {f"{IN_SET}(performance_status)"}),
    ("mart_api_performance_hourly", "rank_0", setv("usage_rank", 0, 0), {f"{BETWEEN}(usage_rank)"}),
    ("mart_api_performance_hourly", "null_hour", setv("hour", 2, None), {f"{NOT_NULL}(hour)"}),
    ("mart_api_performance_hourly", "duplicate_grain", duplicate_row(2), {f"{GRAIN}(hour,endpoint,method)"}),
    # mart_host_resource_usage_5m
    ("mart_host_resource_usage_5m", "cpu_250", setv("max_cpu_pct", 0, 250.0), {f"{BETWEEN}(max_cpu_pct)"}),
    ("mart_host_resource_usage_5m", "mem_negative", setv("avg_mem_pct", 2, -5.0), {f"{BETWEEN}(avg_mem_pct)"}),
    ("mart_host_resource_usage_5m", "disk_inf", setv("avg_disk_pct", 1, math.inf), {f"{BETWEEN}(avg_disk_pct)"}),
    ("mart_host_resource_usage_5m", "high_cpu_exceeds_samples", setv("high_cpu_samples", 1, 21), {f"{PAIR}(samples,high_cpu_samples)"}),
    ("mart_host_resource_usage_5m", "duplicate_grain", duplicate_row(1), {f"{GRAIN}(window_start,host)"}),
    # mart_system_health
    ("mart_system_health", "status_bogus", setv("health_status", 0, "OK"), {f"{IN_SET}(health_status)"}),
    ("mart_system_health", "mem_101", setv("avg_mem_pct", 1, 101.0), {f"{BETWEEN}(avg_mem_pct)"}),
    ("mart_system_health", "negative_latency", setv("avg_response_time_ms", 0, -1.0), {f"{BETWEEN}(avg_response_time_ms)"}),
    ("mart_system_health", "null_component", setv("component", 2, None), {f"{NOT_NULL}(component)"}),
    ("mart_system_health", "duplicate_grain", duplicate_row(3), {f"{GRAIN}(window_start,component)"}),
    ("mart_system_health", "missing_status", drop("health_status"), {COLUMNS, f"{NOT_NULL}(health_status)", f"{IN_SET}(health_status)"}),
    # mart_error_summary
    ("mart_error_summary", "level_bogus", setv("level", 0, "BOGUS"), {f"{IN_SET}(level)"}),
    ("mart_error_summary", "count_0", setv("error_count", 1, 0), {f"{BETWEEN}(error_count)"}),
    ("mart_error_summary", "last_before_first", setv("last_seen", 0, ts(-1)), {f"{PAIR}(last_seen,first_seen)"}),
    ("mart_error_summary", "duplicate_null_code_group", duplicate_row(2), {f"{GRAIN}(event_date,component,level,error_code)"}),
    # mart_error_counts_1m
    ("mart_error_counts_1m", "level_bogus", setv("level", 1, "BOGUS"), {f"{IN_SET}(level)"}),
    ("mart_error_counts_1m", "negative_count", setv("error_count", 0, -1), {f"{BETWEEN}(error_count)"}),
    ("mart_error_counts_1m", "null_component", setv("component", 0, None), {f"{NOT_NULL}(component)"}),
    ("mart_error_counts_1m", "duplicate_grain", duplicate_row(0), {f"{GRAIN}(minute_start,component,level)"}),
    ("mart_error_counts_1m", "empty", empty, {ROWS}),
]
# fmt: on


# --------------------------------------------------------------------------- fixtures


# the `suites` and `run` fixtures come from tests/unit/conftest.py


# --------------------------------------------------------------------------- suite files


def test_every_asset_has_one_suite(suites):
    # every registered source and every mart model has exactly one suite, and nothing else does
    raw = {f"raw_{s}" for s in SOURCES}
    marts = {f"mart_{p.stem}" for p in (PROJECT_ROOT / "dbt_project/models/marts").rglob("*.sql")}
    assert raw >= RAW_SUITES and marts >= MART_SUITES
    assert set(suites) == raw | marts
    for name in raw:
        source = name.removeprefix("raw_")
        assert suites[name].asset == ("raw", source)
        assert suites[name].blocking is True
    for name in marts:
        assert suites[name].asset == (name.removeprefix("mart_"),)
        assert suites[name].blocking is False
    assert all(s.path is not None and s.path.name == f"{s.name}.json" for s in suites.values())


@pytest.mark.parametrize("name", sorted(RAW_SUITES))
def test_raw_suite_columns_follow_the_registry(suites, name):
    (spec,) = [e for e in suites[name].expectations if e.type == COLUMNS]
    source = SOURCES[name.removeprefix("raw_")]
    assert spec.kwargs["column_set"] == [c for c, _ in source.raw_columns]
    assert spec.kwargs["exact_match"] is True


def test_allowed_values_follow_the_registry(suites):
    def value_set(suite: str, column: str) -> list:
        (spec,) = [e for e in suites[suite].expectations if e.type == IN_SET and e.column == column]
        return spec.kwargs["value_set"]

    assert value_set("raw_api_requests", "method") == list(HTTP_METHODS)
    assert value_set("raw_error_logs", "level") == list(LOG_LEVELS)
    assert value_set("mart_error_counts_1m", "level") == list(LOG_LEVELS)


def test_system_metrics_value_is_not_range_checked(suites):
    assert not [e for e in suites["raw_system_metrics"].expectations if e.column == "value"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "top level must be a JSON object"),
        (
            '{"name": "bad", "asset": ["x"], "blocking": true}',
            "missing required key 'expectations'",
        ),
        (
            '{"name": "other", "asset": ["x"], "blocking": true, "expectations": [{"type": "expect_x"}]}',
            "file is named",
        ),
        (
            '{"name": "bad", "asset": "x", "blocking": true, "expectations": [{"type": "expect_x"}]}',
            "'asset' must be",
        ),
        (
            '{"name": "bad", "asset": ["x"], "blocking": "yes", "expectations": [{"type": "expect_x"}]}',
            "'blocking' must be",
        ),
        ('{"name": "bad", "asset": ["x"], "blocking": true, "expectations": []}', "non-empty list"),
        ('{"name": "bad", "asset": ["x"], "blocking": true, "expectation": []}', "unknown keys"),
        (
            '{"name": "bad", "asset": ["x"], "blocking": true, "expectations": [{"type": "ExpectColumnToExist"}]}',
            "snake_case",
        ),
        (
            '{"name": "bad", "asset": ["x"], "blocking": true, "expectations": [{"type": "expect_x", "kwarg": {}}]}',
            "unknown keys",
        ),
        (
            '{"name": "bad", "asset": ["x"], "blocking": true, "expectations": [{"type": "expect_x", "kwargs": []}]}',
            "'kwargs' must be",
        ),
    ],
)
def test_malformed_suite_names_the_file(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(SuiteError, match=message) as exc:
        load_suite(path)
    assert str(path) in str(exc.value)


def test_unknown_expectation_is_reported_when_run(tmp_path, run):
    from orchestration.quality.gx_runner import run_suite

    path = tmp_path / "typo.json"
    path.write_text(
        json.dumps(
            {
                "name": "typo",
                "asset": ["x"],
                "blocking": False,
                "expectations": [
                    {"type": "expect_column_values_to_be_notnull", "kwargs": {"column": "a"}}
                ],
            }
        )
    )
    suite = load_suite(path)  # shape is fine: GX names are only checked when running
    with pytest.raises(
        SuiteError, match=r"typo\.json.*no expectation named 'expect_column_values_to_be_notnull'"
    ):
        run_suite(suite, pd.DataFrame({"a": [1]}))


def test_bad_kwargs_are_reported_when_run(run):
    from orchestration.quality.gx_runner import run_suite

    suite = parse_suite(
        {
            "name": "kw",
            "asset": ["x"],
            "blocking": False,
            "expectations": [{"type": BETWEEN, "kwargs": {"column": "a", "minimum": 0}}],
        }
    )
    with pytest.raises(SuiteError, match=r"expectations\[0\].*GX rejects the kwargs"):
        run_suite(suite, pd.DataFrame({"a": [1]}))


# --------------------------------------------------------------------------- running the suites


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_clean_frame_passes(run, name):
    result = run(name, CLEAN[name]())
    assert result.success, result.failed_labels
    assert result.evaluated == len(result.expectations) > 0


@pytest.mark.parametrize(
    ("name", "mutate", "expected"),
    [pytest.param(n, m, e, id=f"{n}-{case}") for n, case, m, e in DIRTY],
)
def test_dirty_frame_fails_naming_the_expectation(run, name, mutate, expected):
    result = run(name, mutate(CLEAN[name]()))
    assert not result.success
    assert set(result.failed_labels) == expected


def test_every_suite_has_a_failing_case():
    assert {d[0] for d in DIRTY} == set(CLEAN)


def test_result_records_threshold_and_observed_values(run):
    df = setv("max_cpu_pct", 0, 250.0)(CLEAN["mart_host_resource_usage_5m"]())
    result = run("mart_host_resource_usage_5m", df)
    (cpu,) = result.failed
    assert cpu.type == BETWEEN and cpu.column == "max_cpu_pct"
    assert cpu.kwargs == {"column": "max_cpu_pct", "min_value": 0, "max_value": 100}
    assert cpu.observed["unexpected_count"] == 1
    assert cpu.observed["partial_unexpected_list"] == [250.0]
    assert cpu.why
    rows = next(e for e in result.expectations if e.type == ROWS)
    assert rows.observed["observed_value"] == 3
    assert result.to_dict()["failed"] == [f"{BETWEEN}(max_cpu_pct)"]


def test_infinite_observed_values_are_strict_json(run):
    df = setv("avg_disk_pct", 1, math.inf)(CLEAN["mart_host_resource_usage_5m"]())
    (disk,) = run("mart_host_resource_usage_5m", df).failed
    assert disk.observed["partial_unexpected_list"] == ["Infinity"]


def test_missing_column_reports_the_gx_error(run):
    result = run("mart_error_counts_1m", drop("level")(CLEAN["mart_error_counts_1m"]()))
    not_null = next(e for e in result.failed if e.type == NOT_NULL and e.column == "level")
    assert "level" in (not_null.error or "")


# --------------------------------------------------------------------------- Dagster checks


def test_checks_are_built_one_per_suite(suites):
    from dagster import AssetKey

    from orchestration.quality.checks import build_gx_asset_checks

    checks = build_gx_asset_checks(lambda context, suite: pd.DataFrame())
    specs = {spec.name: spec for c in checks for spec in c.check_specs}
    assert set(specs) == {f"gx_{n}" for n in suites}
    for name, suite in suites.items():
        spec = specs[f"gx_{name}"]
        assert spec.asset_key == AssetKey(list(suite.asset))
        assert spec.blocking is suite.blocking
        assert spec.description and name in spec.description


def test_blocking_raw_check_runs_for_the_partition_and_stops_downstream():
    import dagster as dg

    from orchestration.quality.checks import build_gx_asset_checks, check_partition_keys

    daily = dg.DailyPartitionsDefinition(start_date="2024-03-01")
    raw_key = dg.AssetKey(["raw", "api_requests"])
    frames = {
        "2024-03-05": clean_raw_api_requests(),
        "2024-03-06": setv("status", 0, 700)(clean_raw_api_requests()),
    }
    asked: list[tuple[str, list[str] | None]] = []

    @dg.asset(key=raw_key, partitions_def=daily)
    def raw_api_requests() -> None:
        return None

    @dg.asset(deps=[raw_key], partitions_def=daily)
    def downstream() -> None:
        return None

    def load_frame(context, suite):
        keys = check_partition_keys(context)
        asked.append((suite.name, keys))
        return pd.concat([frames[k] for k in keys], ignore_index=True)

    suites = [s for s in load_suites() if s.name == "raw_api_requests"]
    (check,) = build_gx_asset_checks(load_frame, suites=suites, partitions_defs={raw_key: daily})

    good = dg.materialize([raw_api_requests, downstream, check], partition_key="2024-03-05")
    (ev,) = good.get_asset_check_evaluations()
    assert ev.passed and ev.partition == "2024-03-05"
    assert asked == [("raw_api_requests", ["2024-03-05"])]
    built = {e.asset_key for e in good.get_asset_materialization_events()}
    assert built == {raw_key, dg.AssetKey(["downstream"])}

    bad = dg.materialize(
        [raw_api_requests, downstream, check], partition_key="2024-03-06", raise_on_error=False
    )
    (ev,) = bad.get_asset_check_evaluations()
    assert not ev.passed
    assert ev.severity == dg.AssetCheckSeverity.ERROR
    assert ev.partition == "2024-03-06"
    assert ev.metadata["failed"].value == [f"{BETWEEN}(status)"]
    assert ev.metadata["failed_expectations"].value == 1
    status = next(
        r for r in ev.metadata["results"].value if r["column"] == "status" and r["type"] == BETWEEN
    )
    assert status["kwargs"] == {"column": "status", "min_value": 100, "max_value": 599}
    assert status["observed"]["partial_unexpected_list"] == [700]
    assert "700" in ev.metadata["summary"].value
    materialized = {e.asset_key for e in bad.get_asset_materialization_events()}
    assert materialized == {raw_key}  # the failed blocking check kept downstream from building


def test_mart_check_warns():
    import dagster as dg

    from orchestration.quality.checks import build_gx_asset_checks

    @dg.asset(key=["error_counts_1m"])
    def error_counts_1m() -> None:
        return None

    suites = [s for s in load_suites() if s.name == "mart_error_counts_1m"]
    dirty = setv("level", 0, "BOGUS")(clean_mart_error_counts_1m())
    (check,) = build_gx_asset_checks(lambda context, suite: dirty, suites=suites)
    result = dg.materialize([error_counts_1m, check])
    (ev,) = result.get_asset_check_evaluations()
    assert not ev.passed and ev.severity == dg.AssetCheckSeverity.WARN
    assert ev.metadata["partition"].value == "(unpartitioned)"


# --------------------------------------------------------------------------- import cost


def test_importing_suites_and_checks_does_not_import_gx():
    code = textwrap.dedent(
        """
        import sys
        import orchestration.quality.suites
        assert "dagster" not in sys.modules, "suites imports dagster"
        import orchestration.quality.gx_runner
        import orchestration.quality.checks
        orchestration.quality.suites.load_suites()
        leaked = sorted(m for m in sys.modules if m.split(".")[0] == "great_expectations")
        assert not leaked, leaked[:5]
        """
    )
    subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, check=True, timeout=120)
