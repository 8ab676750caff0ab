"""Readers: short-lived read-only connections to the served snapshot (never the warehouse)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import duckdb

from orchestration.settings import Paths, paths


class NoSnapshotError(FileNotFoundError):
    """Nothing has been built and published yet."""


@contextlib.contextmanager
def serving_connection(
    layout: Paths | None = None, retries: int = 20
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to serving.duckdb.

    The snapshot is replaced by rename, so an open connection keeps a consistent snapshot; the
    short retry only covers the instant of a rename on filesystems that expose it.
    """
    layout = layout or paths()
    target = layout.serving
    if not target.exists():
        raise NoSnapshotError(f"no served warehouse at {target}: run `make demo` or a build first")
    last: Exception | None = None
    for attempt in range(retries):
        try:
            con = duckdb.connect(str(target), read_only=True)
            break
        except duckdb.IOException as exc:  # pragma: no cover - timing dependent
            last = exc
            time.sleep(0.05 * (attempt + 1))
    else:
        raise last  # type: ignore[misc]
    try:
        yield con
    finally:
        con.close()
