"""Where opsdw keeps its data: every path derives from OPSDW_HOME (default ./data), read lazily."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"


@dataclass(frozen=True)
class Paths:
    """The on-disk layout under one OPSDW_HOME."""

    home: Path

    @property
    def inbox(self) -> Path:
        return self.home / "inbox"

    @property
    def lake(self) -> Path:
        return self.home / "lake"

    @property
    def raw(self) -> Path:
        return self.lake / "raw"

    @property
    def rejects(self) -> Path:
        return self.lake / "rejects"

    @property
    def lake_tmp(self) -> Path:
        """Scratch space for partitions being written (outside every reader's glob)."""
        return self.lake / ".tmp"

    @property
    def warehouse(self) -> Path:
        """The DuckDB file dbt writes (one writer at a time)."""
        return self.home / "warehouse.duckdb"

    @property
    def serving(self) -> Path:
        """The read-only snapshot readers open (replaced atomically after each build)."""
        return self.home / "serving.duckdb"

    @property
    def writer_lock(self) -> Path:
        return self.home / "warehouse.lock"

    @property
    def alerts(self) -> Path:
        return self.home / "alerts"

    @property
    def outbox(self) -> Path:
        return self.alerts / "outbox.jsonl"

    @property
    def alert_db(self) -> Path:
        return self.alerts / "alerts.sqlite"

    @property
    def ground_truth(self) -> Path:
        return self.home / "simulator" / "incidents.json"

    @property
    def dagster_home(self) -> Path:
        return Path(os.environ.get("DAGSTER_HOME") or self.home / "dagster")

    def raw_partition(self, source: str, day: str) -> Path:
        return self.raw / source / f"event_date={day}"

    def rejects_partition(self, source: str, day: str) -> Path:
        return self.rejects / source / f"event_date={day}"

    def inbox_day(self, source: str, day: str) -> Path:
        return self.inbox / source / day


def opsdw_home() -> Path:
    return Path(os.environ.get("OPSDW_HOME") or (Path.cwd() / "data")).resolve()


def paths(home: str | os.PathLike[str] | None = None) -> Paths:
    """Paths for `home`, or for $OPSDW_HOME (default ./data) when not given."""
    return Paths(Path(home).resolve() if home is not None else opsdw_home())


NOW_ENV = "OPSDW_NOW"


def clock_now() -> dt.datetime:
    """The time the data-quality SLAs judge against: $OPSDW_NOW (ISO 8601, UTC when naive) when
    set — the demo replays a recorded window whose "now" is its end — else the wall clock."""
    value = os.environ.get(NOW_ENV, "").strip()
    if value:
        t = dt.datetime.fromisoformat(value)
        return t if t.tzinfo else t.replace(tzinfo=dt.UTC)
    return dt.datetime.now(dt.UTC)
