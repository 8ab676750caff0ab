"""The ops GX suites (raw pipeline_runs, job_runs, handler_metrics, executions and their four
marts): each passes on a clean frame and names exactly what fails on a dirty one. GX runs for
real (imports take ~8 s)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pandas as pd
import pytest

from orchestration.sources.catalog import SOURCES
from orchestration.sources.families.ops import JOB_STATUSES, PIPELINE_STATUSES
from tests.unit.test_quality_suites import (
    BETWEEN,
    COLUMNS,
    GRAIN,
    IN_SET,
    NOT_NULL,
    PAIR,
    REGEX,
    ROWS,
    UNIQUE,
    _raw_frame,
    drop,
    duplicate_row,
    empty,
    setv,
    ts,
)

OPS_SOURCES = ("pipeline_runs", "job_runs", "handler_metrics", "executions")
OPS_MARTS = ("pipeline_health", "handler_performance", "job_status", "execution_performance")


# --------------------------------------------------------------------------- clean frames


def clean_raw_pipeline_runs() -> pd.DataFrame:
    return _raw_frame(
        "pipeline_runs",
        {
            "ts": [ts(2), ts(3), ts(20)],
            "run_id": ["r-1", "r-2", "r-3"],
            "pipeline_name": ["orders_etl", "events_ingest", "orders_etl"],
            "status": ["SUCCESS", "FAILURE", "CANCELED"],
            "start_time": [ts(0), ts(2.5), ts(15)],
            "end_time": [ts(2), ts(3), ts(20)],
            "rows_processed": [4000, 0, 0],
            "error_message": [None, "ConnectionResetError: reset by peer", None],
            "scheduled_execution_time": [ts(0), ts(2.5), None],  # NULL: a manual run
        },
    )


def clean_raw_job_runs() -> pd.DataFrame:
    return _raw_frame(
        "job_runs",
        {
            "ts": [ts(0.01), ts(2), ts(5.5)],
            "job_name": ["hourly_rollup", "hourly_rollup", "session_cleanup"],
            "schedule": ["5 * * * *", "5 * * * *", "*/10 * * * *"],
            "run_id": ["hourly_rollup:a", "hourly_rollup:a", "session_cleanup:b"],
            "status": ["running", "succeeded", "failed"],
            "scheduled_at": [ts(0), ts(0), ts(5)],
            "started_at": [ts(0.01), ts(0.01), ts(5)],  # on time to the microsecond is fine
            "finished_at": [None, ts(2), ts(5.5)],  # NULL while running
            "exit_code": [None, 0, 1],
            "host": ["worker-1"] * 3,
        },
    )


def clean_raw_handler_metrics() -> pd.DataFrame:
    return _raw_frame(
        "handler_metrics",
        {
            "ts": [ts(0), ts(1), ts(2)],
            "host": ["app-1", "app-2", "app-1"],
            "handler_name": ["postgres", "openai", "binance"],
            "handler_type": ["data", "ml", "data"],
            "operation": ["native_query", "predict", "select"],
            "duration_ms": [12.5, 1400.0, 0.0],
            "success": [True, True, False],
            "row_count": [120, 1, 0],
            "error_message": [None, None, "APIError(code=-1003): Too many requests"],
        },
    )


def clean_raw_executions() -> pd.DataFrame:
    return _raw_frame(
        "executions",
        {
            "ts": [ts(0), ts(1), ts(2)],
            "task_id": ["t-1", "t-2", "t-3"],
            "task_type": ["bug_fix", "testing", "code_review"],
            "repo": ["billing", "infra", "billing"],
            "file_count": [3, 12, 1],
            "estimated_tokens": [6000, 12000, 800],
            "model_tier": ["premium", "standard", "economy"],
            "pool_type": ["kubernetes", "mahavishnu", "session-buddy"],
            "swarm_topology": ["single", "mesh", "hierarchical"],
            "routing_confidence": [0.9, 1.0, 0.0],
            "complexity_score": [40, 70, 5],
            "success": [True, False, True],
            "duration_seconds": [80.5, 30.0, 0.0],
            "quality_score": [100, 20, 0],
            "cost_estimate": [0.09, 0.036, 0.0],
            "actual_cost": [0.36, 0.035, 0.0],
            "error_type": [None, "timeout", None],
            "error_message": [None, "task exceeded its time budget", None],
            "user_accepted": [True, None, False],
            "user_rating": [5, None, 1],
            "peak_memory_mb": [650.0, 380.0, 0.0],
            "cpu_time_seconds": [20.0, 3.0, 0.0],
        },
    )


def clean_mart_pipeline_health() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "hour": [ts(0), ts(0), ts(60)],
            "pipeline_name": ["orders_etl", "events_ingest", "orders_etl"],
            "runs": [4, 12, 4],
            "successes": [0, 11, 4],
            "failures": [4, 1, 0],
            "canceled": [0, 0, 0],
            "success_rate": [0.0, 0.916667, 1.0],
            "failure_rate": [1.0, 0.083333, 0.0],
            "rows_processed": [0, 145000, 16000],
            "avg_duration_s": [14.5, 50.0, 140.0],
            "max_duration_s": [23.9, 98.0, 150.0],
            "last_finished_at": [ts(45), ts(56), ts(107)],
            "last_status": ["FAILURE", "SUCCESS", "SUCCESS"],
            "last_error": ["UndefinedColumn", "ConnectionResetError", None],
            "pipeline_status": ["FAILING", "WARNING", "HEALTHY"],
        }
    )


def clean_mart_handler_performance() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "hour": [ts(0), ts(0), ts(60)],
            "handler_name": ["postgres", "openai", "postgres"],
            "operation": ["native_query", "predict", "native_query"],
            "handler_type": ["data", "ml", "data"],
            "calls": [250, 51, 1],
            "successes": [233, 50, 0],
            "failures": [17, 1, 1],
            "success_rate": [0.932, 0.980392, 0.0],
            "avg_duration_ms": [52.1, 1825.3, 100.0],
            "p50_duration_ms": [25.0, 1474.8, 100.0],
            "p95_duration_ms": [199.0, 4002.3, 100.0],
            "max_duration_ms": [728.5, 5566.3, 100.0],
            "rows_returned": [35031, 64, 0],
        }
    )


def clean_mart_job_status() -> pd.DataFrame:
    t0, t1 = ts(0), ts(2880)
    return pd.DataFrame(
        {
            "job_name": ["hourly_rollup", "orders_etl", "never_ran"],
            "cron": ["5 * * * *", "*/15 * * * *", "0 3 * * *"],
            "observed_from": [t0] * 3,
            "observed_to": [t1] * 3,
            "expected_runs": [48, 191, 0],
            "runs": [47, 192, 0],
            "missed_runs": [1, 0, 0],
            "last_missed_at": [ts(2165), None, None],
            "failed_runs": [0, 8, 0],
            "late_runs": [0, 0, 0],
            "last_scheduled_at": [ts(2825), ts(2865), None],
            "last_started_at": [ts(2825.01), ts(2865.02), None],
            "last_finished_at": [ts(2827), None, None],
            "last_status": ["succeeded", "running", None],
            "last_lateness_s": [0.8, 1.0, None],
            "avg_lateness_s": [1.0, 2.1, None],
            "max_lateness_s": [2.6, 36.0, None],
            "consecutive_failures": [0, 0, 0],
            "longest_failure_streak": [0, 8, 0],
            "job_health": ["MISSED RUNS", "HEALTHY", "HEALTHY"],
        }
    )


def clean_mart_execution_performance() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "hour": [ts(0), ts(0), ts(60)],
            "model_tier": ["premium", "economy", "economy"],
            "pool_type": ["kubernetes", "mahavishnu", "mahavishnu"],
            "task_type": ["testing", "documentation", "documentation"],
            "executions": [3, 1, 1],
            "successes": [2, 1, 1],
            "failures": [1, 0, 0],
            "success_rate": [0.666667, 1.0, 1.0],
            "avg_duration_s": [23.333, 5.0, 6.0],
            "p50_duration_s": [20.0, 5.0, 6.0],
            "p95_duration_s": [38.0, 5.0, 6.0],
            "p99_duration_s": [39.6, 5.0, 6.0],
            "total_cost_estimate": [Decimal("0.200000"), Decimal("0.010000"), Decimal("0")],
            "total_actual_cost": [Decimal("0.700000"), Decimal("0.015000"), Decimal("0")],
            "cost_ratio": [3.5, 1.5, None],  # NULL: zero estimate
            "avg_quality_score": [85.0, 70.0, None],
            "avg_peak_memory_mb": [200.0, 50.0, 60.0],
            "cost_status": ["OVER ESTIMATE", "ON ESTIMATE", "ON ESTIMATE"],
        }
    )


CLEAN: dict[str, Callable[[], pd.DataFrame]] = {
    "raw_pipeline_runs": clean_raw_pipeline_runs,
    "raw_job_runs": clean_raw_job_runs,
    "raw_handler_metrics": clean_raw_handler_metrics,
    "raw_executions": clean_raw_executions,
    "mart_pipeline_health": clean_mart_pipeline_health,
    "mart_handler_performance": clean_mart_handler_performance,
    "mart_job_status": clean_mart_job_status,
    "mart_execution_performance": clean_mart_execution_performance,
}

# (suite, case id, mutation, exactly the expectations that must fail)
# fmt: off
DIRTY = [
    # raw_pipeline_runs
    ("raw_pipeline_runs", "status_bogus", setv("status", 0, "DONE"), {f"{IN_SET}(status)"}),
    ("raw_pipeline_runs", "end_before_start", setv("end_time", 0, ts(-1)), {f"{PAIR}(end_time,start_time)"}),
    ("raw_pipeline_runs", "negative_rows", setv("rows_processed", 0, -5), {f"{BETWEEN}(rows_processed)"}),
    ("raw_pipeline_runs", "duplicate_run", setv("run_id", 1, "r-1"), {f"{UNIQUE}(run_id)"}),
    ("raw_pipeline_runs", "null_pipeline", setv("pipeline_name", 2, None), {f"{NOT_NULL}(pipeline_name)"}),
    ("raw_pipeline_runs", "duplicate_event_id", duplicate_row(0), {f"{UNIQUE}(event_id)", f"{UNIQUE}(run_id)"}),
    ("raw_pipeline_runs", "bad_event_id", setv("event_id", 1, "nope"), {f"{REGEX}(event_id)"}),
    ("raw_pipeline_runs", "missing_column", drop("rows_processed"), {COLUMNS, f"{BETWEEN}(rows_processed)"}),
    ("raw_pipeline_runs", "empty", empty, {ROWS}),
    # raw_job_runs
    ("raw_job_runs", "status_bogus", setv("status", 1, "success"), {f"{IN_SET}(status)"}),
    ("raw_job_runs", "started_before_slot", setv("started_at", 2, ts(4)), {f"{PAIR}(started_at,scheduled_at)"}),
    ("raw_job_runs", "finished_before_start", setv("finished_at", 1, ts(0)), {f"{PAIR}(finished_at,started_at)"}),
    ("raw_job_runs", "null_scheduled_at", setv("scheduled_at", 0, None), {f"{NOT_NULL}(scheduled_at)"}),
    ("raw_job_runs", "null_ts", setv("ts", 2, None), {f"{NOT_NULL}(ts)"}),
    ("raw_job_runs", "line_number_0", setv("line_number", 0, 0), {f"{BETWEEN}(line_number)"}),
    # raw_handler_metrics
    ("raw_handler_metrics", "negative_duration", setv("duration_ms", 0, -1.0), {f"{BETWEEN}(duration_ms)"}),
    ("raw_handler_metrics", "type_bogus", setv("handler_type", 1, "llm"), {f"{IN_SET}(handler_type)"}),
    ("raw_handler_metrics", "null_success", setv("success", 2, None), {f"{NOT_NULL}(success)"}),
    ("raw_handler_metrics", "negative_rows", setv("row_count", 0, -1), {f"{BETWEEN}(row_count)"}),
    ("raw_handler_metrics", "missing_operation", drop("operation"), {COLUMNS, f"{NOT_NULL}(operation)"}),
    # raw_executions
    ("raw_executions", "quality_101", setv("quality_score", 0, 101), {f"{BETWEEN}(quality_score)"}),
    ("raw_executions", "confidence_1_5", setv("routing_confidence", 1, 1.5), {f"{BETWEEN}(routing_confidence)"}),
    ("raw_executions", "rating_0", setv("user_rating", 0, 0), {f"{BETWEEN}(user_rating)"}),
    ("raw_executions", "negative_cost", setv("actual_cost", 2, -0.01), {f"{BETWEEN}(actual_cost)"}),
    ("raw_executions", "negative_duration", setv("duration_seconds", 0, -1.0), {f"{BETWEEN}(duration_seconds)"}),
    ("raw_executions", "duplicate_task", setv("task_id", 2, "t-1"), {f"{UNIQUE}(task_id)"}),
    ("raw_executions", "null_tier", setv("model_tier", 1, None), {f"{NOT_NULL}(model_tier)"}),
    # mart_pipeline_health
    ("mart_pipeline_health", "status_bogus", setv("pipeline_status", 0, "RED"), {f"{IN_SET}(pipeline_status)"}),
    ("mart_pipeline_health", "rate_1_5", setv("failure_rate", 1, 1.5), {f"{BETWEEN}(failure_rate)"}),
    ("mart_pipeline_health", "failures_exceed_runs", setv("failures", 1, 13), {f"{PAIR}(runs,failures)"}),
    ("mart_pipeline_health", "zero_runs", setv("runs", 2, 0), {f"{BETWEEN}(runs)"}),
    ("mart_pipeline_health", "last_status_bogus", setv("last_status", 1, "STARTED"), {f"{IN_SET}(last_status)"}),
    ("mart_pipeline_health", "duplicate_grain", duplicate_row(0), {f"{GRAIN}(hour,pipeline_name)"}),
    ("mart_pipeline_health", "missing_status", drop("pipeline_status"), {COLUMNS, f"{NOT_NULL}(pipeline_status)", f"{IN_SET}(pipeline_status)"}),
    # mart_handler_performance
    ("mart_handler_performance", "rate_negative", setv("success_rate", 0, -0.1), {f"{BETWEEN}(success_rate)"}),
    ("mart_handler_performance", "p95_below_p50", setv("p95_duration_ms", 0, 10.0), {f"{PAIR}(p95_duration_ms,p50_duration_ms)"}),
    ("mart_handler_performance", "p95_above_max", setv("p95_duration_ms", 1, 6000.0), {f"{PAIR}(max_duration_ms,p95_duration_ms)"}),
    ("mart_handler_performance", "null_operation", setv("operation", 2, None), {f"{NOT_NULL}(operation)"}),
    ("mart_handler_performance", "duplicate_grain", duplicate_row(1), {f"{GRAIN}(hour,handler_name,operation)"}),
    # mart_job_status
    ("mart_job_status", "health_bogus", setv("job_health", 0, "OK"), {f"{IN_SET}(job_health)"}),
    ("mart_job_status", "missed_exceed_expected", setv("missed_runs", 0, 49), {f"{PAIR}(expected_runs,missed_runs)"}),
    ("mart_job_status", "streak_below_current", setv("consecutive_failures", 1, 9), {f"{PAIR}(longest_failure_streak,consecutive_failures)"}),
    ("mart_job_status", "negative_lateness", setv("max_lateness_s", 0, -1.0), {f"{BETWEEN}(max_lateness_s)"}),
    ("mart_job_status", "duplicate_job", duplicate_row(2), {f"{UNIQUE}(job_name)"}),
    ("mart_job_status", "last_status_bogus", setv("last_status", 0, "queued"), {f"{IN_SET}(last_status)"}),
    # mart_execution_performance
    ("mart_execution_performance", "status_bogus", setv("cost_status", 0, "EXPENSIVE"), {f"{IN_SET}(cost_status)"}),
    ("mart_execution_performance", "quality_over_100", setv("avg_quality_score", 1, 100.5), {f"{BETWEEN}(avg_quality_score)"}),
    ("mart_execution_performance", "negative_ratio", setv("cost_ratio", 0, -3.5), {f"{BETWEEN}(cost_ratio)"}),
    ("mart_execution_performance", "p99_below_p95", setv("p99_duration_s", 0, 30.0), {f"{PAIR}(p99_duration_s,p95_duration_s)"}),
    ("mart_execution_performance", "null_pool", setv("pool_type", 0, None), {f"{NOT_NULL}(pool_type)"}),
    ("mart_execution_performance", "duplicate_grain", duplicate_row(2), {f"{GRAIN}(hour,model_tier,pool_type,task_type)"}),
    ("mart_execution_performance", "empty", empty, {ROWS}),
]
# fmt: on


# --------------------------------------------------------------------------- fixtures


# the `suites` and `run` fixtures come from tests/unit/conftest.py


# --------------------------------------------------------------------------- suite files


def test_every_ops_asset_has_its_suite(suites):
    for source in OPS_SOURCES:
        suite = suites[f"raw_{source}"]
        assert suite.asset == ("raw", source) and suite.blocking is True
        (cols,) = [e for e in suite.expectations if e.type == COLUMNS]
        assert cols.kwargs["column_set"] == [c for c, _ in SOURCES[source].raw_columns]
    for mart in OPS_MARTS:
        suite = suites[f"mart_{mart}"]
        assert suite.asset == (mart,) and suite.blocking is False
    windows = {m: suites[f"mart_{m}"].window_column for m in OPS_MARTS}
    assert windows == {
        "pipeline_health": "hour",
        "handler_performance": "hour",
        "execution_performance": "hour",
        "job_status": None,  # current-state table: checked whole
    }


def test_status_sets_follow_the_registry(suites):
    def value_set(suite: str, column: str) -> list:
        (spec,) = [e for e in suites[suite].expectations if e.type == IN_SET and e.column == column]
        return spec.kwargs["value_set"]

    assert value_set("raw_pipeline_runs", "status") == list(PIPELINE_STATUSES)
    assert value_set("mart_pipeline_health", "last_status") == list(PIPELINE_STATUSES)
    assert value_set("raw_job_runs", "status") == list(JOB_STATUSES)
    assert value_set("mart_job_status", "last_status") == list(JOB_STATUSES)


def test_every_ops_suite_has_a_failing_case():
    assert {d[0] for d in DIRTY} == set(CLEAN)


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


def test_job_runs_suite_accepts_a_running_event_without_finished_at(run):
    df = clean_raw_job_runs()
    assert df["finished_at"].isna().sum() == 1  # the 'running' event
    assert run("raw_job_runs", df).success
