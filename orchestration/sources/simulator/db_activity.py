"""Simulated database statistics: db_activity (see plugins.py for the contract, db_topology.py for the
servers and databases)."""

from __future__ import annotations

from orchestration.sources.simulator.plugins import SimSource

SIM_SOURCES: tuple[SimSource, ...] = ()
