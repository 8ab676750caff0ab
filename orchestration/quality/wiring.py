"""Where the GX checks get their data: a raw partition's Parquet, or a mart's partition window.

A raw check reads only the columns its suite's expectations name (`gx_runner.columns_used`):
every row of those columns is validated, and the other columns are present with their names and
order from the Parquet schema (that is what `expect_table_columns_to_match_set` checks) but hold
all-null placeholders (`null[pyarrow]`, no memory) instead of values nothing reads. Strings come
as Arrow-backed pandas strings (`string[pyarrow]`: 2.5x less memory than Python objects, same
values and nulls for every expectation the suites use), the other types through DuckDB's own
pandas conversion as before, with narrow integers widened to int64 (lossless; GX's
`expect_column_values_to_be_between` is vectorised for int64/float64 only and walks an int32
column value by value in Python). A suite with a type expectation (`TYPE_EXPECTATIONS`), or
that reads a column this loader cannot narrow (`columns_used` is None), gets the historical
frame: every column through DuckDB's `.df()`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

import duckdb
import numpy as np
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


def load_raw_partitions(
    source: str, days: list[str], columns: Collection[str] | None = None, *, fast: bool = True
) -> pd.DataFrame:
    """The landed rows of `source` for `days` (all landed days when `days` is empty).

    With `columns`, only those columns are read (see the module doc: the others are all-null
    placeholders, in the Parquet schema's order); `fast=False` keeps DuckDB's object strings and
    native integer widths for the columns read. Without `columns`, every column, as DuckDB
    converts it (the historical frame).
    """
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
    relation = (
        f"(SELECT * EXCLUDE (event_date) FROM read_parquet({listing}, hive_partitioning = true))"
    )
    con = duckdb.connect()
    try:
        if columns is None:
            return con.execute(f"SELECT * FROM {relation}").df()
        return _read_columns(con, relation, columns, fast=fast)
    finally:
        con.close()


def _quote(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _read_columns(
    con: duckdb.DuckDBPyConnection, relation: str, columns: Collection[str], *, fast: bool
) -> pd.DataFrame:
    """`relation` with every column of its schema, only `columns` read (see the module doc)."""
    import pyarrow as pa

    schema = [(r[0], r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]
    wanted = [name for name, _ in schema if name in set(columns)]
    selected = ", ".join(_quote(c) for c in wanted) or "NULL AS __opsdw_none"
    if not fast:
        read = con.execute(f"SELECT {selected} FROM {relation}").df()
    else:
        read = _arrow_strings_frame(con, f"SELECT {selected} FROM {relation}")
        for name in read.columns:
            dtype = read[name].dtype
            # numpy int8..int32 / uint8..uint32 (not the nullable Int32 DuckDB gives a column
            # with NULLs, and not uint64, which int64 cannot hold)
            if isinstance(dtype, np.dtype) and dtype.kind in "iu" and dtype.itemsize < 8:
                read[name] = read[name].astype("int64")
    rows = len(read)
    frame = {
        name: read[name]
        if name in read.columns
        else pd.Series(pd.arrays.ArrowExtensionArray(pa.nulls(rows)), index=read.index)
        for name, _ in schema
    }
    return pd.DataFrame(frame, index=read.index, columns=[name for name, _ in schema])


def _arrow_strings_frame(con: duckdb.DuckDBPyConnection, query: str) -> pd.DataFrame:
    """`query`'s result with VARCHAR columns as `string[pyarrow]` and every other column as
    DuckDB's `.df()` converts it (nullable integers, booleans, timestamps: as before).

    One read into an Arrow table; the non-string columns are converted by a DuckDB scan of that
    table, which keeps its row order (`preserve_insertion_order`, on by default and set here).
    """
    import pyarrow as pa

    result = con.execute(query)
    fetch = getattr(result, "to_arrow_table", None) or result.fetch_arrow_table
    table = fetch()
    strings = [
        f.name
        for f in table.schema
        if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
    ]
    others = [n for n in table.column_names if n not in strings]
    converted: dict[str, Any] = {}
    if others:
        scan = duckdb.connect()
        try:
            scan.execute("SET preserve_insertion_order = true")
            scan.register("opsdw_arrow", table.select(others))
            converted = dict(scan.execute("SELECT * FROM opsdw_arrow").df().items())
        finally:
            scan.close()
    string_dtype = pd.StringDtype("pyarrow")
    for name in strings:
        converted[name] = table.column(name).to_pandas(types_mapper=lambda _t: string_dtype)
    return pd.DataFrame({n: converted[n] for n in table.column_names})


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
    from orchestration.quality.gx_runner import TYPE_EXPECTATIONS, columns_used

    asset = list(suite.asset)
    days = check_partition_keys(context) or []
    if asset[0] == "raw":
        types = any(e.type in TYPE_EXPECTATIONS for e in suite.expectations)
        return load_raw_partitions(asset[1], days, columns_used(suite), fast=not types)
    return load_mart_window(asset[-1], days, getattr(suite, "window_column", None))


def build_quality_checks() -> list:
    """One GX check per suite. Results are recorded per asset (the checked partitions are in the
    metadata): Dagster's per-partition checks are a preview feature whose UI shows range runs as
    "skipped". Every validation lands in GX Data Docs under $OPSDW_HOME/docs/quality/
    (orchestration.quality.data_docs), linked from the check's metadata, and in the lake
    (orchestration.quality.gx_history), where dbt reads it into data_quality_sla."""
    from orchestration.quality.checks import build_gx_asset_checks

    return build_gx_asset_checks(load_frame, data_docs=True, history=True)
