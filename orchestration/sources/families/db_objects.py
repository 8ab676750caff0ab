"""Database statistics sources: db_objects (see db_stats.py)."""

from __future__ import annotations

from orchestration.sources.model import Source

SOURCES: tuple[Source, ...] = ()
