"""Every GX suite validation in the lake, one row per expectation, for `data_quality_sla`.

    lake/quality/gx/suite=<name>/event_date=<d>/results.parquet     latest validation (replaced)
    lake/quality/gx_history/evaluated_date=<d>/<suite>-<hms>-<id>.parquet   every one (appended)

A validation over several days (a single-run backfill validates the range at once) is the verdict
for each of them: its rows are written under each day, with `partitions` saying how many days it
covered. An unpartitioned validation lands under event_date=unpartitioned with a NULL event_date.

Takes the runner's `SuiteResult` (plain dataclasses): no GX import here.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestration.quality.lake_results import write_results
from orchestration.settings import Paths, paths

if TYPE_CHECKING:
    from orchestration.quality.gx_runner import ExpectationResult, SuiteResult
    from orchestration.quality.suites import Suite

GX_COLUMNS = (
    ("suite", "VARCHAR"), ("asset", "VARCHAR"), ("layer", "VARCHAR"), ("dataset", "VARCHAR"),
    ("event_date", "DATE"), ("partitions", "INTEGER"), ("expectation", "VARCHAR"),
    ("expectation_type", "VARCHAR"), ("column_name", "VARCHAR"), ("passed", "BOOLEAN"),
    ("observed", "DOUBLE"), ("unexpected_count", "BIGINT"), ("detail", "VARCHAR"),
    ("severity", "VARCHAR"), ("rows_validated", "BIGINT"), ("run_name", "VARCHAR"),
    ("evaluated_at", "TIMESTAMP"),
)  # fmt: skip


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def observed_number(e: ExpectationResult) -> float | None:
    """The expectation's observed value when it is a number (a row count, a mean), else the
    unexpected percentage of a row-level expectation, else None."""
    number = _number(e.observed.get("observed_value"))
    return number if number is not None else _number(e.observed.get("unexpected_percent"))


def _detail(e: ExpectationResult, limit: int = 300) -> str:
    if e.error:
        text = f"error: {e.error}"
    else:
        shown = {k: v for k, v in e.observed.items() if v not in (None, [], {})}
        text = json.dumps(shown, default=str, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def gx_rows(
    suite: Suite,
    result: SuiteResult,
    days: Sequence[str | None],
    *,
    run_name: str | None,
    evaluated_at: dt.datetime,
) -> list[tuple]:
    """One row per expectation and day, in GX_COLUMNS order."""
    layer = "raw" if suite.asset[0] == "raw" else "mart"
    out = []
    for day in days:
        for e in result.expectations:
            unexpected = e.observed.get("unexpected_count")
            out.append(
                (
                    suite.name,
                    "/".join(suite.asset),
                    layer,
                    suite.asset[-1],
                    day,
                    len(days) if days != [None] else 0,
                    e.label,
                    e.type,
                    e.column,
                    e.success,
                    observed_number(e),
                    unexpected if isinstance(unexpected, int) else None,
                    _detail(e),
                    "error" if suite.blocking else "warn",
                    result.rows,
                    run_name,
                    evaluated_at,
                )  # fmt: skip
            )
    return out


def latest_gx_path(layout: Paths, suite: str, day: str | None) -> Path:
    return (layout.lake / "quality" / "gx" / f"suite={suite}"
            / f"event_date={day or 'unpartitioned'}" / "results.parquet")  # fmt: skip


def record_gx_result(
    suite: Suite,
    result: SuiteResult,
    partitions: Sequence[str] | None,
    *,
    run_name: str | None = None,
    layout: Paths | None = None,
) -> list[Path]:
    """Land one validation: append it to the history, replace each day's latest."""
    layout = layout or paths()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    days: list[str | None] = list(partitions) if partitions else [None]
    rows = gx_rows(suite, result, days, run_name=run_name, evaluated_at=now)
    hist = (layout.lake / "quality" / "gx_history" / f"evaluated_date={now:%Y-%m-%d}"
            / f"{suite.name}-{now:%H%M%S}-{uuid.uuid4().hex[:6]}.parquet")  # fmt: skip
    write_results(rows, GX_COLUMNS, hist)
    written = []
    for day in days:
        latest = latest_gx_path(layout, suite.name, day)
        write_results([r for r in rows if r[4] == day], GX_COLUMNS, latest)
        written.append(latest)
    return written
