"""The speed-ups of the GX checks keep every check: narrowed loads, no batch fingerprint, BASIC."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from orchestration.quality.gx_runner import columns_used
from orchestration.quality.suites import load_suites, parse_suite


def _suite(*expectations: dict) -> object:
    return parse_suite(
        {"name": "s", "asset": ["raw", "x"], "blocking": True, "expectations": list(expectations)}
    )


def test_columns_used_names_every_column_an_expectation_reads():
    suite = _suite(
        {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}},
        {"type": "expect_table_columns_to_match_set", "kwargs": {"column_set": ["a", "b", "c"]}},
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a"}},
        {
            "type": "expect_column_pair_values_a_to_be_greater_than_b",
            "kwargs": {"column_A": "b", "column_B": "c"},
        },  # fmt: skip
        {"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": ["a", "d"]}},
    )
    assert columns_used(suite) == {"a", "b", "c", "d"}


@pytest.mark.parametrize(
    "expectation",
    [
        {
            "type": "expect_column_values_to_be_between",
            "kwargs": {"column": "a", "min_value": 0, "row_condition": 'b=="x"'},
        },  # fmt: skip
        {
            "type": "expect_table_row_count_to_equal_other_table",
            "kwargs": {"other_table_name": "t"},
        },
    ],
)
def test_columns_used_reads_everything_when_unsure(expectation):
    assert columns_used(_suite(expectation)) is None


def test_every_suite_in_the_repo_is_narrowed():
    # a suite that falls back to the whole frame still works, only slower: say which one
    assert [s.name for s in load_suites() if columns_used(s) is None] == []


def test_narrowed_frame_still_fails_on_one_bad_row_and_checks_the_schema():
    from orchestration.quality.gx_runner import run_suite

    suite = _suite(
        {
            "type": "expect_table_columns_to_match_set",
            "kwargs": {"column_set": ["a", "b"], "exact_match": True},
        },  # fmt: skip
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "a", "min_value": 0}},
    )
    n = 50_000
    a = pd.Series(range(n), dtype="int32").astype("int64")
    a.iloc[n // 2] = -1
    placeholder = pd.Series(pd.arrays.ArrowExtensionArray(pa.nulls(n)))
    result = run_suite(suite, pd.DataFrame({"a": a, "b": placeholder}))
    assert result.failed_labels == ["expect_column_values_to_be_between(a)"]
    (between,) = result.failed
    assert between.observed["unexpected_count"] == 1
    assert between.observed["partial_unexpected_list"] == [-1]
    # the fingerprint GX would hash the frame for is off, and the result is GX's BASIC one
    from great_expectations.execution_engine import pandas_execution_engine

    assert pandas_execution_engine.HASH_THRESHOLD == 0
    assert "pandas_data_fingerprint" not in result.gx_result.meta.get("batch_markers", {})
    assert result.gx_result.suite_name == "s"


def test_data_docs_and_wiring_do_not_import_gx():
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys\n"
        "import orchestration.quality.data_docs, orchestration.quality.wiring\n"
        "leaked = [m for m in sys.modules if m.split('.')[0] == 'great_expectations']\n"
        "assert not leaked, leaked[:5]\n"
    )
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True, timeout=120)
