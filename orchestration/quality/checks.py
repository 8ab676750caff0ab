"""Dagster asset checks made from the GX suites in `expectations/`: one check per suite.

The checks are thin: a loader (injected, see `FrameLoader`) fetches the DataFrame the suite
validates, `gx_runner.run_suite` validates it, and the result becomes an `AssetCheckResult` whose
metadata records every expectation's threshold and observed value. GX itself is only imported when
a check runs, never when definitions load.

With `data_docs=True` every check also hands its GX result to the run's Data Docs recorder (the
`opsdw_gx_data_docs` resource, orchestration.quality.data_docs): the check's metadata links the
validation's page (`data_docs`, `data_docs_url`) and the site's index (`data_docs_index`), and the
resource builds the site once when the run's steps are done.
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
    InitResourceContext,
    MetadataValue,
    PartitionsDefinition,
    asset_check,
    resource,
)

from orchestration.quality.gx_runner import SuiteResult, run_suite
from orchestration.quality.suites import Suite, load_suites

if TYPE_CHECKING:
    import pandas as pd

    from orchestration.quality.data_docs import DocsPage

DATA_DOCS_RESOURCE = "opsdw_gx_data_docs"

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


@resource(
    description="Collects the run's GX validations and builds GX Data Docs "
    "($OPSDW_HOME/docs/quality/) once the run's steps are done."
)
def gx_data_docs_resource(init_context: InitResourceContext):
    """One `DataDocsRecorder` per run (in-process executor); its teardown builds the site.

    A failure to build the docs is logged, never turned into a failed run: the checks' results
    are in Dagster either way.
    """
    from orchestration.quality.data_docs import DataDocsRecorder

    recorder = DataDocsRecorder()
    try:
        yield recorder
    finally:
        try:
            index = recorder.flush()
        except Exception as exc:  # noqa: BLE001
            init_context.log.warning(f"GX Data Docs were not built: {type(exc).__name__}: {exc}")
        else:
            if index is not None:
                init_context.log.info(
                    f"GX Data Docs built in {recorder.last_build_seconds:.1f}s: {index}"
                )


def build_gx_asset_checks(
    load_frame: FrameLoader,
    *,
    suites: Sequence[Suite] | None = None,
    partitions_defs: Mapping[AssetKey, PartitionsDefinition] | None = None,
    data_docs: bool = False,
    history: bool = False,
) -> list[AssetChecksDefinition]:
    """One `@asset_check` named `gx_<suite>` per suite (default: every suite in `expectations/`).

    `partitions_defs` gives the PartitionsDefinition of partitioned assets (keyed by AssetKey);
    a check on such an asset gets the same definition, so Dagster records its result per
    partition. Raw suites are blocking (severity ERROR: downstream assets do not build on a bad
    partition); mart suites warn. `data_docs=True` records every validation in GX Data Docs
    under $OPSDW_HOME/docs/quality/ (see orchestration.quality.data_docs); `history=True` lands
    every validation in the lake (orchestration.quality.gx_history) for `data_quality_sla`.
    """
    suites = load_suites() if suites is None else suites
    partitions_defs = partitions_defs or {}
    return [
        _build_check(
            s, load_frame, partitions_defs.get(AssetKey(list(s.asset))), data_docs, history
        )
        for s in suites
    ]


def _build_check(
    suite: Suite,
    load_frame: FrameLoader,
    partitions_def: PartitionsDefinition | None,
    data_docs: bool = False,
    history: bool = False,
) -> AssetChecksDefinition:
    description = (
        f"Great Expectations suite {suite.name} ({len(suite.expectations)} expectations, "
        f"{'blocking' if suite.blocking else 'warning'}). {suite.description}"
    ).strip()
    static_metadata: dict[str, Any] = {"suite": suite.name, "expectations": len(suite.expectations)}
    if suite.path is not None:
        static_metadata["suite_file"] = str(suite.path)

    docs_resources: dict[str, Any] = (
        {
            "required_resource_keys": {DATA_DOCS_RESOURCE},
            "resource_defs": {DATA_DOCS_RESOURCE: gx_data_docs_resource},
        }
        if data_docs
        else {}
    )

    @asset_check(
        asset=AssetKey(list(suite.asset)),
        name=suite.check_name,
        description=description,
        blocking=suite.blocking,
        metadata=static_metadata,
        partitions_def=partitions_def,
        **docs_resources,
    )
    def _gx_check(context: AssetCheckExecutionContext) -> AssetCheckResult:
        from orchestration.quality.data_docs import run_name_for

        partitions = check_partition_keys(context)
        df = load_frame(context, suite)
        run_name = run_name_for(partitions)
        result = run_suite(suite, df, run_name=run_name)
        del df
        if history:  # a lake that cannot be written is an error, not a silent gap
            from orchestration.quality.gx_history import record_gx_result

            record_gx_result(suite, result, partitions, run_name=run_name)
        context.log.info(
            "%s: %d rows, %d of %d expectations failed%s",
            suite.check_name,
            result.rows,
            len(result.failed),
            len(result.expectations),
            f": {', '.join(result.failed_labels)}" if result.failed else "",
        )
        page = None
        if data_docs:
            try:
                page = getattr(context.resources, DATA_DOCS_RESOURCE).record(suite, result)
            except Exception as exc:  # noqa: BLE001 - the docs must not change the check's outcome
                context.log.warning(f"{suite.check_name}: not recorded in GX Data Docs: {exc}")
        return to_check_result(suite, result, partitions, docs=page)

    return _gx_check


def to_check_result(
    suite: Suite,
    result: SuiteResult,
    partitions: Sequence[str] | None = None,
    docs: "DocsPage | None" = None,
) -> AssetCheckResult:
    """The Dagster result of a suite run: pass/fail, severity, thresholds and observed values,
    and (with `docs`) the links to the validation's GX Data Docs page and the site's index."""
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
    if docs is not None:
        metadata["data_docs"] = MetadataValue.path(str(docs.page))
        metadata["data_docs_url"] = MetadataValue.url(docs.url)
        metadata["data_docs_index"] = MetadataValue.path(str(docs.index))
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
