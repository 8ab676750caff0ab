"""GX validations land in the lake: one row per expectation and day, latest replaced, history
appended (orchestration/quality/gx_history.py)."""

from __future__ import annotations

import duckdb

from orchestration.quality.gx_history import latest_gx_path, observed_number, record_gx_result
from orchestration.quality.gx_runner import ExpectationResult, SuiteResult
from orchestration.quality.suites import ExpectationSpec, Suite
from orchestration.settings import paths

SUITE = Suite(
    name="raw_api_requests",
    asset=("raw", "api_requests"),
    blocking=True,
    expectations=(
        ExpectationSpec("expect_table_row_count_to_be_between", {"min_value": 1}),
        ExpectationSpec(
            "expect_column_values_to_be_between", {"column": "latency_ms", "min_value": 0}
        ),  # fmt: skip
    ),
)


def _result(latency_ok: bool) -> SuiteResult:
    rows = ExpectationResult("expect_table_row_count_to_be_between", None, {"min_value": 1},
                             True, {"observed_value": 1200})  # fmt: skip
    latency = ExpectationResult(
        "expect_column_values_to_be_between", "latency_ms", {"column": "latency_ms", "min_value": 0},
        latency_ok,
        {"unexpected_count": 0 if latency_ok else 60,
         "unexpected_percent": 0.0 if latency_ok else 5.0,
         "partial_unexpected_list": [] if latency_ok else [-250.0]},
    )  # fmt: skip
    return SuiteResult(SUITE.name, list(SUITE.asset), latency_ok, 1200, 2, (rows, latency))


def _read(pattern: str) -> list[tuple]:
    con = duckdb.connect()
    try:
        return con.execute(
            "SELECT event_date::VARCHAR, expectation, passed, observed, unexpected_count, "
            f"severity, partitions, layer, dataset FROM read_parquet('{pattern}') ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()


def test_a_range_validation_lands_under_each_day_and_a_rerun_replaces_it(opsdw_home):
    layout = paths()
    written = record_gx_result(SUITE, _result(False), ["2026-11-02", "2026-11-03"],
                               run_name="r1")  # fmt: skip
    assert written == [latest_gx_path(layout, SUITE.name, d) for d in ("2026-11-02", "2026-11-03")]
    day = str(latest_gx_path(layout, SUITE.name, "2026-11-02"))
    latency = "expect_column_values_to_be_between(latency_ms)"
    assert _read(day) == [
        ("2026-11-02", latency, False, 5.0, 60, "error", 2, "raw", "api_requests"),
        ("2026-11-02", "expect_table_row_count_to_be_between", True, 1200.0, None, "error", 2,
         "raw", "api_requests"),
    ]  # fmt: skip

    # the fixed data is validated again for one day: that day's latest is replaced, the other
    # day keeps its verdict, and the history holds all three validations (2 + 2 + 2 rows)
    record_gx_result(SUITE, _result(True), ["2026-11-02"], run_name="r2")
    assert [r[2] for r in _read(day)] == [True, True]
    assert _read(day)[0][3] == 0.0 and _read(day)[0][6] == 1
    other = str(latest_gx_path(layout, SUITE.name, "2026-11-03"))
    assert [r[2] for r in _read(other)] == [False, True]
    history = str(layout.lake / "quality" / "gx_history" / "*" / "*.parquet")
    assert len(_read(history)) == 6


def test_observed_number_prefers_the_observed_value_then_the_unexpected_share():
    def e(observed):
        return ExpectationResult("t", None, {}, True, observed)

    assert observed_number(e({"observed_value": 3})) == 3.0
    assert observed_number(e({"observed_value": "a", "unexpected_percent": 2.5})) == 2.5
    assert observed_number(e({"observed_value": True})) is None  # a bool is not a measure
    assert observed_number(e({"observed_value": float("nan")})) is None
    assert observed_number(e({})) is None


def test_status_reports_a_failed_raw_suite_until_it_passes(opsdw_home):
    from orchestration.status import collect_status

    record_gx_result(SUITE, _result(True), ["2026-11-01"])
    record_gx_result(SUITE, _result(False), ["2026-11-02"])
    status = collect_status()
    gx = [e for e in status.errors if "GX suite" in e]
    assert gx == [
        "data quality api_requests 2026-11-02: GX suite raw_api_requests failed "
        "expect_column_values_to_be_between(latency_ms) — the partition is kept out of the marts"
    ]
    assert status.quality["gx_failures"][0]["day"] == "2026-11-02"
    # the re-landed, fixed partition passes: nothing to report
    record_gx_result(SUITE, _result(True), ["2026-11-02"])
    assert [e for e in collect_status().errors if "GX suite" in e] == []
