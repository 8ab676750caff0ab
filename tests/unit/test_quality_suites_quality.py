"""GX suites of the data-quality marts: clean frames pass, dirty ones fail on the named check."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.unit.test_quality_suites import duplicate_row, setv, ts

BETWEEN = "expect_column_values_to_be_between"
NOT_NULL = "expect_column_values_to_not_be_null"
IN_SET = "expect_column_values_to_be_in_set"
GRAIN = "expect_compound_columns_to_be_unique"
PAIR = "expect_column_pair_values_a_to_be_greater_than_b"


def clean_sla() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": ["system_metrics", "api_requests"],
            "event_date": [ts(0).date(), ts(0).date()],
            "evaluations": [1759, 27],
            "passed": [1758, 27],
            "failed": [1, 0],
            "pass_rate": [0.999431, 1.0],
            "sla_attainment": [0.996528, 1.0],
            "freshness_failures": [0, 0],
            "completeness_windows": [1728, 0],
            "completeness_attainment": [0.999421, None],
            "collection_rate": [0.999884, None],
            "volume_hours_judged": [0, 0],
            "volume_anomalies": [0, 0],
            "reject_rate": [0.000009, 0.000017],
            "sla_status": ["WARN", "OK"],
            "gx_expectations": [12, 0],
            "gx_failed": [0, 0],
            "gx_pass_rate": [1.0, None],
            "gx_failed_expectations": [None, None],
            "gx_status": ["OK", None],
            "evaluated_at": [ts(60), ts(60)],
        }
    )


def clean_coverage() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": ["system_metrics"] * 3,
            "host": ["app-1", "app-2", "app-2"],
            "window_start": [ts(0), ts(0), ts(5)],
            "window_end": [ts(5), ts(5), ts(10)],
            "coverage_ratio": [1.0, 0.0, 0.8],
            "min_ratio": [0.995] * 3,
            "detail": ["20 of 20 expected", "0 of 20 expected", "16 of 20 expected"],
            "data_ok": [True, False, False],
            "failed_checks": [None, "completeness,freshness", "completeness"],
            "evaluated_at": [ts(60)] * 3,
        }
    )


CLEAN = {"mart_data_quality_sla": clean_sla, "mart_data_coverage_5m": clean_coverage}
# fmt: off
DIRTY = [
    ("mart_data_quality_sla", "pass_rate_1_5", setv("pass_rate", 0, 1.5), {f"{BETWEEN}(pass_rate)"}),
    ("mart_data_quality_sla", "status_bogus", setv("sla_status", 1, "FINE"), {f"{IN_SET}(sla_status)"}),
    ("mart_data_quality_sla", "gx_pass_rate_2", setv("gx_pass_rate", 0, 2.0), {f"{BETWEEN}(gx_pass_rate)"}),
    ("mart_data_quality_sla", "gx_status_warn", setv("gx_status", 0, "WARN"), {f"{IN_SET}(gx_status)"}),
    ("mart_data_quality_sla", "more_failed_than_evaluated", setv("failed", 1, 30), {f"{PAIR}(evaluations,failed)"}),
    ("mart_data_quality_sla", "duplicate_grain", duplicate_row(0), {f"{GRAIN}(source,event_date)"}),
    ("mart_data_coverage_5m", "negative_coverage", setv("coverage_ratio", 2, -0.1), {f"{BETWEEN}(coverage_ratio)"}),
    ("mart_data_coverage_5m", "null_data_ok", setv("data_ok", 0, None), {f"{NOT_NULL}(data_ok)"}),
    ("mart_data_coverage_5m", "duplicate_grain", duplicate_row(1), {f"{GRAIN}(source,host,window_start)"}),
    ("mart_data_coverage_5m", "window_reversed", setv("window_end", 0, ts(-5)), {f"{PAIR}(window_end,window_start)"}),
]
# fmt: on


def clean_health() -> pd.DataFrame:
    row = {
        "day": ts(0).date(), "server": "db-1", "database_name": "app", "health_score": 79.5,
        "performance_score": 99.9, "reliability_score": 57.0, "efficiency_score": 95.0,
        "maintenance_score": 57.6, "slow_query_ratio": 0.001, "regressions": 0, "deadlocks": 3,
        "lock_waits": 12, "rollback_ratio": 0.02, "max_transactions_over_60s": 2,
        "cache_hit_ratio": 0.998, "index_hit_ratio": 0.999, "worst_hour_hit_ratio": 0.996,
        "hours_with_waiting_clients": 1, "max_pool_utilization": 1.0,
        "max_replication_lag_seconds": 31.0, "lag_breach_windows": 4, "index_bloat": 0.21,
        "droppable_indexes": 2, "scan_hotspots": 1,
        "risk_factors": [{"factor": "deadlocks", "severity": "high", "impact": "3", "mitigation": "x"}],
        "recommendations": [], "security_score": None, "backup_recency_hours": None,
        "health_grade": "fair",
    }  # fmt: skip
    other = {**row, "database_name": "analytics", "health_score": 99.7, "health_grade": "healthy"}
    return pd.DataFrame([row, other])


CLEAN["mart_database_health"] = clean_health
DIRTY += [
    ("mart_database_health", "score_120", setv("health_score", 0, 120.0), {f"{BETWEEN}(health_score)"}),
    ("mart_database_health", "grade_bogus", setv("health_grade", 1, "great"), {f"{IN_SET}(health_grade)"}),
    ("mart_database_health", "negative_component", setv("efficiency_score", 1, -5.0), {f"{BETWEEN}(efficiency_score)"}),
    ("mart_database_health", "duplicate_grain", duplicate_row(0), {f"{GRAIN}(day,server,database_name)"}),
]  # fmt: skip


@pytest.fixture(scope="module")
def run():
    from orchestration.quality.gx_runner import run_suite
    from orchestration.quality.suites import load_suites

    suites = {s.name: s for s in load_suites()}
    return lambda name, df: run_suite(suites[name], df)


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_clean_frames_pass(run, name):
    result = run(name, CLEAN[name]())
    assert result.success, result.failed_labels


@pytest.mark.parametrize(("name", "case", "mutate", "expected"), DIRTY, ids=[d[1] for d in DIRTY])
def test_dirty_frames_fail_on_the_named_expectation(run, name, case, mutate, expected):
    result = run(name, mutate(CLEAN[name]()))
    assert set(result.failed_labels) == expected
