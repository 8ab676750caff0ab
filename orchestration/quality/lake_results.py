"""Quality results as Parquet in the lake: typed columns, written atomically (temp + rename).

Shared by the SLA results (orchestration/quality/sla.py) and the GX results
(orchestration/quality/gx_history.py); pure DuckDB and pandas, no Dagster, no GX.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb

from orchestration.landing.parsers.base import sql_str

Columns = Sequence[tuple[str, str]]  # (name, DuckDB type)


def write_results(rows: Iterable[Sequence], columns: Columns, path: Path) -> None:
    """Write `rows` (tuples in `columns` order) to `path` with exactly `columns`' types; readers
    see the old file or the new one, never a partial one."""
    import pandas as pd

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    frame = pd.DataFrame(list(rows), columns=[n for n, _ in columns], dtype=object)
    select = ", ".join(f"CAST({n} AS {t}) AS {n}" for n, t in columns)
    con = duckdb.connect()
    try:
        con.register("frame", frame)
        con.execute(f"COPY (SELECT {select} FROM frame) TO {sql_str(str(tmp))} (FORMAT parquet)")
    finally:
        con.close()
    os.replace(tmp, path)
