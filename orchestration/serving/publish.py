"""Writers: one at a time (an OS file lock), and a read-only snapshot published after each build.

DuckDB lets one process open a database file read-write, and then no other process can open it
at all. So dbt builds `warehouse.duckdb` under an exclusive lock, and readers (alert sensors, the
CLI, BI tools) never open that file: after each successful build the warehouse is copied to a new
file beside `serving.duckdb` and renamed onto it. A rename is atomic: open readers keep the old
snapshot, new readers get the new one, and nobody ever sees a half-written file or a lock error.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.settings import Paths


@contextlib.contextmanager
def writer_lock(layout: Paths, timeout_s: float = 3600.0) -> Iterator[None]:
    """Hold the warehouse's exclusive writer lock (blocks other writers, never readers)."""
    layout.home.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout_s
    with open(layout.writer_lock, "a+") as fh:
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"another writer holds {layout.writer_lock}") from None
                time.sleep(0.2)
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(f"{os.getpid()}\n")
            fh.flush()
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@dataclass(frozen=True)
class Snapshot:
    path: Path
    bytes: int
    seconds: float
    tables: dict[str, int]  # marts.<table> -> rows


def publish_serving(layout: Paths) -> Snapshot:
    """Copy the (closed) warehouse to a fresh file and rename it onto serving.duckdb.

    Call with the writer lock held and no connection open on the warehouse.
    """
    started = time.perf_counter()
    src = layout.warehouse
    if not src.exists():
        raise FileNotFoundError(f"no warehouse to publish at {src}; build it first")
    # fold the write-ahead log into the file so a byte copy is complete
    con = duckdb.connect(str(src))
    try:
        con.execute("CHECKPOINT")
    finally:
        con.close()
    tmp = layout.serving.with_name(f".{layout.serving.name}.{os.getpid()}.tmp")
    shutil.copyfile(src, tmp)
    ro = duckdb.connect(str(tmp), read_only=True)
    try:
        tables = {
            name: int(ro.execute(f'SELECT count(*) FROM marts."{name}"').fetchone()[0])
            for (name,) in ro.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'marts' AND table_type = 'BASE TABLE' ORDER BY 1"
            ).fetchall()
        }
    finally:
        ro.close()
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, layout.serving)
    return Snapshot(
        path=layout.serving,
        bytes=layout.serving.stat().st_size,
        seconds=round(time.perf_counter() - started, 3),
        tables=tables,
    )
