"""Simulated ops sources (see plugins.py for the contract)."""

from __future__ import annotations

from orchestration.sources.simulator.plugins import SimSource

SIM_SOURCES: tuple[SimSource, ...] = ()
