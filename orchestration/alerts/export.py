"""Export the alert store's history as Parquet for dbt: `$OPSDW_HOME/lake/alerts/alert_history.parquet`.

The engine calls `export_after_evaluation` at the end of every `evaluate_and_deliver`; the file is
the whole `alert_history` table (one row per firing/resolved transition) plus `exported_at`, and
is replaced atomically (a temporary file beside it, then `os.replace`), so dbt never reads a
half-written file. Without an alert database yet, the file is written empty, with the schema.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.alerts.store import BUSY_TIMEOUT_MS, from_iso, to_iso, utc_now
from orchestration.settings import paths

SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("rule", pa.string()),
        ("fingerprint", pa.string()),
        ("labels", pa.string()),  # JSON object, sorted keys
        ("status", pa.string()),  # firing | resolved
        ("severity", pa.string()),
        ("value", pa.float64()),
        ("threshold", pa.float64()),
        ("starts_at", pa.timestamp("us")),  # UTC
        ("ends_at", pa.timestamp("us")),
        ("summary", pa.string()),
        ("description", pa.string()),
        ("recorded_at", pa.timestamp("us")),
        ("exported_at", pa.timestamp("us")),
    ]
)
_COLUMNS = [f.name for f in SCHEMA if f.name != "exported_at"]
_TIMESTAMPS = {"starts_at", "ends_at", "recorded_at"}


def export_path(home: str | os.PathLike[str] | None = None) -> Path:
    return paths(home).lake / "alerts" / "alert_history.parquet"


def _read_history(alert_db: Path) -> dict[str, list]:
    columns: dict[str, list] = {name: [] for name in _COLUMNS}
    if not alert_db.exists():
        return columns
    # read-only: never creates the database, never takes the writer's lock
    conn = sqlite3.connect(
        f"{alert_db.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000
    )
    try:
        rows = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM alert_history ORDER BY id")
        for row in rows:
            for name, value in zip(_COLUMNS, row, strict=True):
                if name in _TIMESTAMPS and value is not None:
                    value = from_iso(value)
                columns[name].append(value)
    finally:
        conn.close()
    return columns


def export_alert_history(
    home: str | os.PathLike[str] | None = None, now: datetime | None = None
) -> Path:
    """Write the whole alert history to `export_path(home)` atomically; return the path."""
    p = paths(home)
    columns = _read_history(p.alert_db)
    exported_at = from_iso(to_iso(now)) if now is not None else utc_now()  # naive UTC
    columns["exported_at"] = [exported_at] * len(columns["id"])
    table = pa.table(columns, schema=SCHEMA)
    target = export_path(home)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def export_after_evaluation(
    home: str | os.PathLike[str] | None, now: datetime | None, errors: list[str]
) -> None:
    """`export_alert_history`, reporting a failure in `errors` instead of raising (alerting
    must not stop because the export could not be written)."""
    try:
        export_alert_history(home, now)
    except Exception as exc:  # noqa: BLE001 - reported on the evaluation report
        errors.append(f"alert history export failed: {exc}")
