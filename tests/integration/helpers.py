"""Helpers for the end-to-end tests: run the main job in-process and read the served marts."""

from __future__ import annotations

from typing import Any

import duckdb


def run_main_job(first: str, last: str | None = None, instance: Any = None) -> Any:
    """Execute opsdw_main over [first, last] in-process; returns the ExecuteInProcessResult."""
    from dagster import DagsterInstance

    from orchestration.definitions import build_definitions
    from orchestration.jobs import MAIN_JOB

    job = build_definitions().resolve_job_def(MAIN_JOB)
    tags = {
        "dagster/asset_partition_range_start": first,
        "dagster/asset_partition_range_end": last or first,
    }
    return job.execute_in_process(
        instance=instance or DagsterInstance.ephemeral(), tags=tags, raise_on_error=False
    )


# when a check ran is not data: two builds of the same inputs differ only there
VOLATILE_COLUMNS = {"evaluated_at", "exported_at"}


def mart_snapshot(db_path: str) -> dict[str, list[tuple]]:
    """Every mart's rows (without VOLATILE_COLUMNS), sorted, from a DuckDB file (read-only)."""
    con = duckdb.connect(db_path, read_only=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'marts' ORDER BY 1"
            ).fetchall()
        ]
        out = {}
        for name in names:
            cols = [
                r[0]
                for r in con.execute(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema = 'marts' AND table_name = ? ORDER BY ordinal_position",
                    [name],
                ).fetchall()
                if r[0] not in VOLATILE_COLUMNS
            ]
            select = ", ".join(f'"{c}"' for c in cols)
            rows = con.execute(f'SELECT {select} FROM marts."{name}"').fetchall()
            out[name] = sorted(rows, key=lambda r: tuple(str(v) for v in r))
        return out
    finally:
        con.close()
