"""`dbt source freshness` on the raw lake (loaded_at_field: ts): a source whose newest event is
older than its warn_after / error_after reads warn / error, never pass."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from orchestration.settings import DBT_PROJECT_DIR

DBT = Path(sys.executable).parent / "dbt"


def _land(home: Path, source: str, newest: dt.datetime) -> None:
    """One raw partition whose events end at `newest` (only ts matters to freshness)."""
    day = newest.date().isoformat()
    part = home / "lake" / "raw" / source / f"event_date={day}"
    part.mkdir(parents=True)
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT ?::TIMESTAMP - to_minutes(i::BIGINT) AS ts FROM range(30) t(i)) "
        f"TO '{part / 'f.parquet'}' (FORMAT parquet)",
        [newest.replace(tzinfo=None)],
    )
    con.close()


def test_source_freshness_warns_and_errors_on_stale_raw_sources(opsdw_home, tmp_path):
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    # the thresholds in models/staging/_opsdw__sources.yml:
    _land(opsdw_home, "system_metrics", now - dt.timedelta(minutes=5))  # warn 15 min: pass
    _land(opsdw_home, "api_requests", now - dt.timedelta(hours=3))  # warn 2 h, error 6 h
    _land(opsdw_home, "error_logs", now - dt.timedelta(hours=13))  # error 12 h
    target = tmp_path / "target"
    proc = subprocess.run(
        [str(DBT), "source", "freshness", "--select", "source:opsdw_raw",
         "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(target)],
        capture_output=True, text=True, cwd=DBT_PROJECT_DIR, timeout=600,
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout[-3000:]  # an error_after breach fails the command
    results = json.loads((target / "sources.json").read_text())["results"]
    status = {r["unique_id"].rsplit(".", 1)[-1]: r["status"] for r in results}
    assert status == {"system_metrics": "pass", "api_requests": "warn", "error_logs": "error"}
    age = {r["unique_id"].rsplit(".", 1)[-1]: r["max_loaded_at_time_ago_in_s"] for r in results}
    assert 5 * 60 <= age["system_metrics"] < 15 * 60
    assert 3 * 3600 <= age["api_requests"] < 3 * 3600 + 600
