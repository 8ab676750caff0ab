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
    ("mart_data_quality_sla", "more_failed_than_evaluated", setv("failed", 1, 30), {f"{PAIR}(evaluations,failed)"}),
    ("mart_data_quality_sla", "duplicate_grain", duplicate_row(0), {f"{GRAIN}(source,event_date)"}),
    ("mart_data_coverage_5m", "negative_coverage", setv("coverage_ratio", 2, -0.1), {f"{BETWEEN}(coverage_ratio)"}),
    ("mart_data_coverage_5m", "null_data_ok", setv("data_ok", 0, None), {f"{NOT_NULL}(data_ok)"}),
    ("mart_data_coverage_5m", "duplicate_grain", duplicate_row(1), {f"{GRAIN}(source,host,window_start)"}),
    ("mart_data_coverage_5m", "window_reversed", setv("window_end", 0, ts(-5)), {f"{PAIR}(window_end,window_start)"}),
]
# fmt: on


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
