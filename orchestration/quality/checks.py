"""Dagster asset checks made from the GX suites in `expectations/`: one check per suite.

The checks are thin: a loader (injected, see `FrameLoader`) fetches the DataFrame the suite
validates, `gx_runner.run_suite` validates it, and the result becomes an `AssetCheckResult` whose
metadata records every expectation's threshold and observed value. GX itself is only imported when
a check runs, never when definitions load.
"""

# No `from __future__ import annotations`: Dagster inspects the check function's `context`
# annotation at definition time and does not resolve string annotations.

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    PartitionsDefinition,
    asset_check,
)

from orchestration.quality.gx_runner import SuiteResult, run_suite
from orchestration.quality.suites import Suite, load_suites

if TYPE_CHECKING:
    import pandas as pd

FrameLoader = Callable[[AssetCheckExecutionContext, Suite], "pd.DataFrame"]
"""`load_frame(context, suite) -> pandas.DataFrame`: the rows `suite` must validate.

Called once per check execution, with the check's context and the suite (`suite.asset` is the
asset key as a tuple, e.g. `("raw", "api_requests")` or `("api_performance_hourly",)`).

- Raw assets (daily-partitioned): return the rows of the partition(s) being checked —
  `check_partition_keys(context)` gives them (one day normally, several in a single-run backfill)
  — read from `lake/raw/<source>/event_date=<day>/*.parquet`, with exactly the columns of
  `Source.raw_columns` (the raw suites match that set exactly: read without hive partitioning,
  or drop `event_date`).
- Marts: return the mart's rows from the warehouse (a read-only connection), restricted to the
  partition window when `check_partition_keys(context)` is not None.

Raise if the data cannot be read (a missing partition is an error, not an empty frame); an empty
DataFrame is a valid answer and fails the suite's row-count expectation.
"""


def check_partition_keys(context: AssetCheckExecutionContext) -> list[str] | None:
    """The partition keys a check execution targets, or None when the run is not partitioned.

    Dagster 1.13 exposes the run's partition on `AssetCheckExecutionContext`
    (`has_partition_key` / `partition_key`, and `has_partition_key_range` / `partition_keys`
    for single-run backfills of a range); this works whether or not the check itself carries a
    `partitions_def`.
    """
    if context.has_partition_key_range:
        return list(context.partition_keys)
    if context.has_partition_key:
        return [context.partition_key]
    return None


def build_gx_asset_checks(
    load_frame: FrameLoader,
    *,
    suites: Sequence[Suite] | None = None,
    partitions_defs: Mapping[AssetKey, PartitionsDefinition] | None = None,
) -> list[AssetChecksDefinition]:
    """One `@asset_check` named `gx_<suite>` per suite (default: every suite in `expectations/`).

    `partitions_defs` gives the PartitionsDefinition of partitioned assets (keyed by AssetKey);
    a check on such an asset gets the same definition, so Dagster records its result per
    partition. Raw suites are blocking (severity ERROR: downstream assets do not build on a bad
    partition); mart suites warn.
    """
    suites = load_suites() if suites is None else suites
    partitions_defs = partitions_defs or {}
    return [
        _build_check(s, load_frame, partitions_defs.get(AssetKey(list(s.asset)))) for s in suites
    ]


def _build_check(
    suite: Suite, load_frame: FrameLoader, partitions_def: PartitionsDefinition | None
) -> AssetChecksDefinition:
    description = (
        f"Great Expectations suite {suite.name} ({len(suite.expectations)} expectations, "
        f"{'blocking' if suite.blocking else 'warning'}). {suite.description}"
    ).strip()
    static_metadata: dict[str, Any] = {"suite": suite.name, "expectations": len(suite.expectations)}
    if suite.path is not None:
        static_metadata["suite_file"] = str(suite.path)

    @asset_check(
        asset=AssetKey(list(suite.asset)),
        name=suite.check_name,
        description=description,
        blocking=suite.blocking,
        metadata=static_metadata,
        partitions_def=partitions_def,
    )
    def _gx_check(context: AssetCheckExecutionContext) -> AssetCheckResult:
        partitions = check_partition_keys(context)
        df = load_frame(context, suite)
        result = run_suite(suite, df)
        context.log.info(
            "%s: %d rows, %d of %d expectations failed%s",
            suite.check_name,
            result.rows,
            len(result.failed),
            len(result.expectations),
            f": {', '.join(result.failed_labels)}" if result.failed else "",
        )
        return to_check_result(suite, result, partitions)

    return _gx_check


def to_check_result(
    suite: Suite, result: SuiteResult, partitions: Sequence[str] | None = None
) -> AssetCheckResult:
    """The Dagster result of a suite run: pass/fail, severity, thresholds and observed values."""
    failed = result.failed
    metadata: dict[str, Any] = {
        "suite": suite.name,
        "partition": ", ".join(partitions) if partitions else "(unpartitioned)",
        "rows": result.rows,
        "evaluated_expectations": result.evaluated,
        "failed_expectations": len(failed),
        "failed": MetadataValue.json(result.failed_labels),
        "summary": MetadataValue.md(_markdown_table(result)),
        "results": MetadataValue.json([e.to_dict() for e in result.expectations]),
    }
    if result.success:
        text = f"all {len(result.expectations)} expectations passed on {result.rows} rows"
    else:
        text = (
            f"{len(failed)} of {len(result.expectations)} expectations failed on "
            f"{result.rows} rows: {', '.join(result.failed_labels)}"
        )
    return AssetCheckResult(
        passed=result.success,
        severity=AssetCheckSeverity.ERROR if suite.blocking else AssetCheckSeverity.WARN,
        metadata=metadata,
        description=text,
    )


def _markdown_table(result: SuiteResult) -> str:
    lines = [
        "| ok | expectation | threshold | observed |",
        "|---|---|---|---|",
    ]
    for e in sorted(result.expectations, key=lambda e: e.success):  # failures first
        threshold = {k: v for k, v in e.kwargs.items() if k not in ("column", "column_list")}
        lines.append(
            "| {} | {} | {} | {} |".format(
                "pass" if e.success else "**FAIL**",
                _cell(e.label),
                _cell(_short(threshold)),
                _cell(e.error or _short(_observed_summary(e.observed))),
            )
        )
    return "\n".join(lines)


def _observed_summary(observed: Mapping[str, Any]) -> Any:
    if "observed_value" in observed:
        return observed["observed_value"]
    keys = ("unexpected_count", "unexpected_percent", "partial_unexpected_list")
    return {k: observed[k] for k in keys if k in observed and observed[k] not in (None, [])}


def _short(value: Any, limit: int = 160) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
