"""Simulated database statistics sources: activity and objects, one module each."""

from __future__ import annotations

from orchestration.sources.simulator import db_activity, db_objects
from orchestration.sources.simulator.plugins import SimSource

SIM_SOURCES: tuple[SimSource, ...] = (*db_activity.SIM_SOURCES, *db_objects.SIM_SOURCES)
