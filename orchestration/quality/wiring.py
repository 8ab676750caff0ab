"""Where the GX checks get their data: a raw partition's Parquet, or a mart's partition window."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pandas as pd

from orchestration.landing.parsers.base import sql_str
from orchestration.settings import paths

# The time column of each mart, used to check only the window a run rebuilt.
MART_TIME_COLUMNS: dict[str, str] = {
    "api_performance_5m": "window_start",
    "api_performance_hourly": "hour",
    "host_resource_usage_5m": "window_start",
    "system_health": "window_start",
    "error_summary": "event_date",
    "error_counts_1m": "minute_start",
}


def load_raw_partitions(source: str, days: list[str]) -> pd.DataFrame:
    """The landed rows of `source` for `days` (all landed days when `days` is empty)."""
    layout = paths()
    if days:
        files = [
            str(p) for d in days for p in sorted(layout.raw_partition(source, d).glob("*.parquet"))
        ]
    else:
        files = [str(p) for p in sorted((layout.raw / source).glob("*/*.parquet"))]
    if not files:
        raise FileNotFoundError(f"no landed Parquet for {source} {days or '(any day)'}")
    listing = "[" + ", ".join(sql_str(f) for f in files) + "]"
    con = duckdb.connect()
    try:
        return con.execute(
            f"SELECT * EXCLUDE (event_date) FROM read_parquet({listing}, hive_partitioning = true)"
        ).df()
    finally:
        con.close()


def load_mart_window(mart: str, days: list[str], column: str | None = None) -> pd.DataFrame:
    """The rows of `marts.<mart>` in the partition window `days` (whole table when empty, or
    when the mart has no time column: a current-state mart is checked whole)."""
    layout = paths()
    con = duckdb.connect(str(layout.warehouse), read_only=True)
    try:
        column = column or MART_TIME_COLUMNS.get(mart)
        if not days or column is None:
            return con.execute(f'SELECT * FROM marts."{mart}"').df()
        lo = min(dt.date.fromisoformat(d) for d in days)
        hi = max(dt.date.fromisoformat(d) for d in days) + dt.timedelta(days=1)
        return con.execute(
            f'SELECT * FROM marts."{mart}" WHERE "{column}" >= ? AND "{column}" < ?',
            [lo, hi],
        ).df()
    finally:
        con.close()


def load_frame(context: Any, suite: Any) -> pd.DataFrame:
    """Loader for `build_gx_asset_checks`: raw suites read Parquet, mart suites the warehouse."""
    from orchestration.quality.checks import check_partition_keys

    asset = list(suite.asset)
    days = check_partition_keys(context) or []
    if asset[0] == "raw":
        return load_raw_partitions(asset[1], days)
    return load_mart_window(asset[-1], days, getattr(suite, "window_column", None))


def build_quality_checks() -> list:
    """One GX check per suite. Results are recorded per asset (the checked partitions are in the
    metadata): Dagster's per-partition checks are a preview feature whose UI shows range runs as
    "skipped"."""
    from orchestration.quality.checks import build_gx_asset_checks

    return build_gx_asset_checks(load_frame)
