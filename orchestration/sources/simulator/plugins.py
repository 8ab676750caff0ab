"""Simulated sources beyond the three telemetry logs: one line per record, JSON lines.

Each area module (`ops.py`, `db_stats.py`) exposes `SIM_SOURCES: tuple[SimSource, ...]`. The
core loop (`core.simulate`) treats a SimSource like the built-in ones: one file per
(file_key, hour) at `inbox/<source>/<YYYY-MM-DD>/<file_key>-<HH>.<extension>`, deterministic
corrupt lines, and the records kept to the simulated window by their event time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from orchestration.sources.simulator.incidents import Incident

# generate_hour(seed, scale, file_key, hour since the epoch, scenario)
#   -> (records: one line each, ts_us: their event time in µs, ascending)
HourGenerator = Callable[[int, float, str, int, list[Incident]], tuple[list[str], np.ndarray]]


@dataclass(frozen=True)
class SimSource:
    name: str  # the catalog Source it feeds
    extension: str  # file extension, e.g. "jsonl"
    file_keys: tuple[str, ...]  # one file per key per hour (a host, a runner, a database server)
    generate_hour: HourGenerator


def sim_sources() -> tuple[SimSource, ...]:
    from orchestration.sources.simulator import db_stats, ops

    return (*ops.SIM_SOURCES, *db_stats.SIM_SOURCES)
