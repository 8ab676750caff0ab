"""Sources of the db_stats family (see orchestration/sources/catalog.py)."""

from __future__ import annotations

from orchestration.sources.model import Source

SOURCES: tuple[Source, ...] = ()
