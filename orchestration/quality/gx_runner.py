"""Run a suite (orchestration.quality.suites) over a pandas DataFrame with Great Expectations 1.x.

GX is imported inside the functions that need it: the import takes 7-9 s, and sensors and the
CLI's fast paths import the quality package without ever validating anything. The ephemeral
context, its pandas data source and its whole-dataframe batch definition are built once per
process and reused; each run adds its suite and validation definition (named after the suite, so
the result and its Data Docs page carry the suite's name) under a process-wide lock and removes
them afterwards, with the result GX keeps in the context's in-memory store: the context does not
grow and concurrent runs do not collide.

Speed (docs/quality.md has the measurements): results are computed with GX's BASIC result format
(SUMMARY also computes the index list and a query of every unexpected row, which nothing here
reads), and GX's batch fingerprint — an md5 over `pandas.util.hash_pandas_object` of the whole
frame, stored as batch metadata and used by nothing — is switched off. `columns_used` tells the
loaders which columns a suite reads, so the other ones need not be converted to pandas at all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from orchestration.quality.suites import Suite, SuiteError

if TYPE_CHECKING:
    import pandas as pd

PARTIAL_VALUES = 5  # sample of unexpected values kept per expectation
RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": PARTIAL_VALUES}
_INDEX_META = "opsdw_index"  # meta key mapping GX results back to the suite's expectations
_OBSERVED_KEYS = (
    "observed_value",
    "element_count",
    "unexpected_count",
    "unexpected_percent",
    "missing_count",
    "partial_unexpected_list",
    "details",
)


@dataclass(frozen=True)
class ExpectationResult:
    """The outcome of one expectation: what was asked (kwargs) and what was seen (observed)."""

    type: str
    column: str | None
    kwargs: dict[str, Any]  # as written in the suite: the threshold
    success: bool
    observed: dict[str, Any]  # observed_value, unexpected_count/percent, a few unexpected values
    why: str | None = None
    error: str | None = None  # set when GX raised (e.g. the column does not exist)

    @property
    def label(self) -> str:
        return f"{self.type}({self.column})" if self.column else self.type

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "column": self.column,
            "kwargs": self.kwargs,
            "success": self.success,
            "observed": self.observed,
            "why": self.why,
            "error": self.error,
        }


@dataclass(frozen=True)
class SuiteResult:
    """The outcome of a suite over one DataFrame; `to_dict()` is JSON-serialisable."""

    suite: str
    asset: list[str]
    success: bool
    rows: int
    evaluated: int
    expectations: tuple[ExpectationResult, ...]
    # GX's own ExpectationSuiteValidationResult, kept for Data Docs (not part of to_dict())
    gx_result: Any = field(default=None, compare=False, repr=False)

    @property
    def failed(self) -> list[ExpectationResult]:
        return [e for e in self.expectations if not e.success]

    @property
    def failed_labels(self) -> list[str]:
        """`type(column)` of every failed expectation, e.g. `expect_column_values_to_be_between(status)`."""
        return [e.label for e in self.failed]

    @property
    def failed_types(self) -> list[str]:
        return [e.type for e in self.failed]

    def to_dict(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "asset": self.asset,
            "success": self.success,
            "rows": self.rows,
            "evaluated": self.evaluated,
            "failed": self.failed_labels,
            "expectations": [e.to_dict() for e in self.expectations],
        }


@dataclass
class _GxState:
    context: Any
    batch_definition: Any
    lock: threading.Lock


_state: _GxState | None = None
_state_lock = threading.Lock()


def _gx_state() -> _GxState:
    """The process's ephemeral GX context and batch definition, built on first use."""
    global _state
    with _state_lock:
        if _state is None:
            import great_expectations as gx
            from great_expectations.data_context.types.base import ProgressBarsConfig

            _skip_batch_fingerprint()
            context = gx.get_context(mode="ephemeral")
            context.variables.progress_bars = ProgressBarsConfig(globally=False)
            context.enable_analytics(False)
            source = context.data_sources.add_pandas("opsdw")
            asset = source.add_dataframe_asset("frame")
            batch_definition = asset.add_batch_definition_whole_dataframe("whole_frame")
            _state = _GxState(context, batch_definition, threading.Lock())
        return _state


def _skip_batch_fingerprint() -> None:
    """Stop GX hashing every validated DataFrame.

    `PandasExecutionEngine.get_batch_data_and_markers` stores `pandas_data_fingerprint` (md5 of
    `hash_pandas_object(df)`) in the batch markers of every frame under `HASH_THRESHOLD` bytes
    (1e9). On a 1.4M-row raw partition that is 5-6 s per suite run, and the value is never read
    (not by the expectations, not by Data Docs). A threshold of 0 skips it; the validation itself
    is unchanged. If a GX upgrade renames the constant this does nothing (and the test in
    tests/unit/test_gx_runner_speed.py says so).
    """
    from great_expectations.execution_engine import pandas_execution_engine

    if hasattr(pandas_execution_engine, "HASH_THRESHOLD"):
        pandas_execution_engine.HASH_THRESHOLD = 0


# Table-level expectations that read only the frame's column names and row count: a suite made of
# these and of column expectations only needs the columns its expectations name.
_NAMES_AND_COUNT_ONLY = frozenset(
    {
        "expect_table_row_count_to_be_between",
        "expect_table_row_count_to_equal",
        "expect_table_columns_to_match_set",
        "expect_table_columns_to_match_ordered_list",
        "expect_table_column_count_to_be_between",
        "expect_table_column_count_to_equal",
        "expect_column_to_exist",
    }
)
_COLUMN_KWARGS = ("column", "column_A", "column_B")
# Whose result depends on the pandas dtype of the column: those columns keep the loader's
# historical dtypes (see wiring.load_raw_partitions).
TYPE_EXPECTATIONS = frozenset(
    {"expect_column_values_to_be_of_type", "expect_column_values_to_be_in_type_list"}
)


def columns_used(suite: Suite) -> frozenset[str] | None:
    """The columns whose values `suite` reads, or None when it may read any column.

    Every expectation's `column`, `column_A`, `column_B` and `column_list`; table-level
    expectations in `_NAMES_AND_COUNT_ONLY` read no values. None (read everything) as soon as an
    expectation has a `row_condition` (a pandas query over any column) or is another table-level
    or multi-column expectation this function does not know.
    """
    used: set[str] = set()
    for spec in suite.expectations:
        kw = spec.kwargs
        if "row_condition" in kw:
            return None
        named = [kw[k] for k in _COLUMN_KWARGS if k in kw]
        if "column_list" in kw:
            if not isinstance(kw["column_list"], list | tuple):
                return None
            named.extend(kw["column_list"])
        if not named and spec.type not in _NAMES_AND_COUNT_ONLY:
            return None
        if not all(isinstance(c, str) for c in named):
            return None
        used.update(named)
    return frozenset(used)


def build_expectations(suite: Suite) -> list[Any]:
    """The suite's expectations as GX objects; SuiteError naming the file for unknown ones or bad kwargs."""
    from great_expectations.exceptions import ExpectationNotFoundError
    from great_expectations.expectations.registry import get_expectation_impl

    out = []
    for i, spec in enumerate(suite.expectations):
        where = f"{suite.source}: expectations[{i}] ({spec.type})"
        try:
            cls = get_expectation_impl(spec.type)
        except ExpectationNotFoundError:
            raise SuiteError(f"{where}: GX has no expectation named {spec.type!r}") from None
        try:
            out.append(cls(**spec.kwargs, meta={**spec.meta, _INDEX_META: i}))
        except (TypeError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
            raise SuiteError(f"{where}: GX rejects the kwargs {dict(spec.kwargs)}: {exc}") from None
    return out


def check_suite(suite: Suite) -> None:
    """Check a suite against GX without running it (unknown expectations, bad kwargs)."""
    build_expectations(suite)


def run_suite(suite: Suite, df: pd.DataFrame, *, run_name: str | None = None) -> SuiteResult:
    """Validate `df` against `suite`; never raises on bad data (that is a failed result).

    `run_name` names the validation in GX (its RunIdentifier: Data Docs files results under
    `<suite>/<run_name>/<run time>`); the checks pass the partition(s) validated.
    """
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    state = _gx_state()
    expectations = build_expectations(suite)
    run_id = RunIdentifier(run_name=run_name, run_time=dt.datetime.now(dt.UTC))
    with state.lock:
        context = state.context
        _forget(context, suite.name)
        gx_suite = context.suites.add(
            gx.ExpectationSuite(
                name=suite.name,
                expectations=expectations,
                meta={"notes": suite.description} if suite.description else {},
            )
        )
        try:
            validation = context.validation_definitions.add(
                gx.ValidationDefinition(
                    name=suite.name, data=state.batch_definition, suite=gx_suite
                )
            )
            result = validation.run(
                batch_parameters={"dataframe": df}, result_format=RESULT_FORMAT, run_id=run_id
            )
        finally:
            _forget(context, suite.name)

    by_index: dict[int, Any] = {}
    for r in result.results:
        idx = (r.expectation_config.meta or {}).get(_INDEX_META)
        if isinstance(idx, int):
            by_index[idx] = r

    outcomes = []
    for i, spec in enumerate(suite.expectations):
        r = by_index.get(i)
        if r is None:  # GX dropped it: report it as failed rather than silently passing
            outcomes.append(
                ExpectationResult(
                    type=spec.type,
                    column=spec.column,
                    kwargs=_jsonable(dict(spec.kwargs)),
                    success=False,
                    observed={},
                    why=_why(spec.meta),
                    error="GX returned no result for this expectation",
                )
            )
            continue
        raw = dict(r.result or {})
        observed = {k: _jsonable(raw[k]) for k in _OBSERVED_KEYS if k in raw}
        if "partial_unexpected_list" in observed:
            observed["partial_unexpected_list"] = observed["partial_unexpected_list"][
                :PARTIAL_VALUES
            ]
        outcomes.append(
            ExpectationResult(
                type=spec.type,
                column=spec.column,
                kwargs=_jsonable(dict(spec.kwargs)),
                success=bool(r.success),
                observed=observed,
                why=_why(spec.meta),
                error=_error_message(r.exception_info),
            )
        )
    stats = result.statistics or {}
    return SuiteResult(
        suite=suite.name,
        asset=list(suite.asset),
        success=all(o.success for o in outcomes),
        rows=len(df),
        evaluated=int(stats.get("evaluated_expectations", len(outcomes))),
        expectations=tuple(outcomes),
        gx_result=result,
    )


def _forget(context: Any, name: str) -> None:
    """Remove `name`'s validation definition and suite from the ephemeral context, and every
    result its in-memory validation results store kept (ValidationDefinition.run stores each)."""
    for factory in (context.validation_definitions, context.suites):
        with contextlib.suppress(Exception):  # not there: nothing to forget
            factory.delete(name)
    store = context.validation_results_store
    for key in store.list_keys():
        store.remove_key(key)


def _why(meta: Mapping[str, Any]) -> str | None:
    why = meta.get("why")
    return str(why) if why is not None else None


def _error_message(info: Any) -> str | None:
    """GX's exception_info is flat ({raised_exception, exception_message}) or keyed by metric."""
    if not isinstance(info, Mapping):
        return None
    if "raised_exception" in info:
        return str(info.get("exception_message")) if info.get("raised_exception") else None
    messages = [
        str(v.get("exception_message"))
        for v in info.values()
        if isinstance(v, Mapping) and v.get("raised_exception")
    ]
    return "; ".join(dict.fromkeys(messages)) or None


def _jsonable(value: Any) -> Any:
    """Plain JSON types only: numpy scalars unwrapped, timestamps ISO, NaN/Inf as strings."""
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, decimal.Decimal):
        return _jsonable(float(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):  # includes pandas.Timestamp and NaT
        text = value.isoformat()
        return None if text == "NaT" else text
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        try:
            return _jsonable(item())
        except (TypeError, ValueError):
            pass
    tolist = getattr(value, "tolist", None)  # numpy arrays
    if callable(tolist):
        return _jsonable(tolist())
    text = str(value)
    return None if text in ("NaT", "<NA>") else text
