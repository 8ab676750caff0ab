"""The alert history export: the Parquet file dbt reads (schema, contents, atomic replace, empty
case) and its call at the end of every evaluation."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

from orchestration.alerts import engine, export
from orchestration.alerts.store import AlertStore
from orchestration.settings import paths
from tests.unit.test_alert_engine import NOW, api_row, fire_and_resolve_rows, rule, write_marts

T = datetime(2024, 3, 1, 10, 0)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "opsdw"


def _record(store: AlertStore, status: str, ends_at: datetime | None, now: datetime) -> None:
    with store.transaction():
        store.insert_history(
            rule="HostCpuSaturation",
            fingerprint_="f1",
            labels={"host": "app-1", "component": "app-server"},
            status=status,
            severity="critical",
            value=97.5 if status == "firing" else 40.0,
            threshold=90.0,
            starts_at=T,
            ends_at=ends_at,
            summary=f"app-1 {status}",
            description="d",
            now=now,
            channels=("outbox",),
        )


def test_without_an_alert_store_the_file_is_empty_with_the_schema(home: Path) -> None:
    path = export.export_alert_history(home, now=NOW)
    assert path == home.resolve() / "lake" / "alerts" / "alert_history.parquet"
    table = pq.read_table(path)
    assert table.num_rows == 0
    assert table.schema.equals(export.SCHEMA)
    assert not paths(home).alert_db.exists()  # the export never creates the store
    # DuckDB (what dbt uses) reads the empty file with its types
    con = duckdb.connect()
    described = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()
    types = {row[0]: row[1] for row in described}
    assert types["starts_at"] == "TIMESTAMP" and types["value"] == "DOUBLE"
    assert types["id"] == "BIGINT" and types["labels"] == "VARCHAR"


def test_history_rows_in_id_order_with_utc_timestamps(home: Path) -> None:
    with AlertStore(paths(home).alert_db) as store:
        _record(store, "firing", None, datetime(2024, 3, 1, 10, 6))
        _record(store, "resolved", datetime(2024, 3, 1, 10, 30), datetime(2024, 3, 1, 10, 31))
    path = export.export_alert_history(home, now=datetime(2024, 3, 1, 11, 0))
    rows = duckdb.connect().execute(f"SELECT * FROM read_parquet('{path}') ORDER BY id").fetchall()
    cols = [f.name for f in export.SCHEMA]
    got = [dict(zip(cols, r, strict=True)) for r in rows]
    assert [(r["id"], r["status"]) for r in got] == [(1, "firing"), (2, "resolved")]
    first, second = got
    assert json.loads(first["labels"]) == {"component": "app-server", "host": "app-1"}
    assert (first["value"], first["threshold"], first["severity"]) == (97.5, 90.0, "critical")
    assert first["starts_at"] == T and first["ends_at"] is None
    assert first["recorded_at"] == datetime(2024, 3, 1, 10, 6)
    assert second["ends_at"] == datetime(2024, 3, 1, 10, 30)
    assert {r["exported_at"] for r in got} == {datetime(2024, 3, 1, 11, 0)}


def test_a_failed_write_leaves_the_previous_file_and_no_temporary(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with AlertStore(paths(home).alert_db) as store:
        _record(store, "firing", None, datetime(2024, 3, 1, 10, 6))
    path = export.export_alert_history(home, now=NOW)
    before = path.read_bytes()
    with AlertStore(paths(home).alert_db) as store:
        _record(store, "resolved", datetime(2024, 3, 1, 10, 30), datetime(2024, 3, 1, 10, 31))

    def half_written(table: Any, where: Any, **kwargs: Any) -> None:
        Path(where).write_bytes(b"PAR1 half a file")
        raise OSError("disk full")

    monkeypatch.setattr(export.pq, "write_table", half_written)
    with pytest.raises(OSError, match="disk full"):
        export.export_alert_history(home, now=NOW)
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["alert_history.parquet"]


def test_evaluate_and_deliver_exports_after_each_evaluation(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "load_rules", lambda: [rule()])
    # before any serving database: the evaluation reports it, the export writes the empty file
    report = engine.evaluate_and_deliver(home, NOW)
    assert pq.read_table(export.export_path(home)).num_rows == 0
    assert not [e for e in report.errors if "export" in e]

    write_marts(home, api_performance_5m=fire_and_resolve_rows())
    report = engine.evaluate_and_deliver(home, NOW)
    assert report.firing == 1
    table = pq.read_table(export.export_path(home)).to_pylist()
    assert [(r["rule"], r["status"]) for r in table] == [("TestErrorRate", "firing")]

    write_marts(home, api_performance_5m=[api_row(15)])  # completes the 10:10 window
    later = datetime(2024, 3, 2, 0, 5)
    report = engine.evaluate_and_deliver(home, later)
    assert report.resolved == 1
    table = pq.read_table(export.export_path(home)).to_pylist()
    assert [(r["id"], r["status"]) for r in table] == [(1, "firing"), (2, "resolved")]
    assert {r["exported_at"] for r in table} == {later}


def test_an_export_failure_is_reported_not_raised(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "load_rules", lambda: [rule()])
    write_marts(home, api_performance_5m=fire_and_resolve_rows())

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError("read-only file system")

    monkeypatch.setattr(export, "export_alert_history", broken)
    report = engine.evaluate_and_deliver(home, NOW)  # must not raise
    assert report.firing == 1
    assert "alert history export failed: read-only file system" in report.all_errors
