"""Database statistics sources (PostgreSQL statistics views as JSON-lines snapshots).

Two areas, one module each: activity (database counters, connections and pool, lock waits,
replication) and objects (statements, indexes, tables, the query cache).
"""

from __future__ import annotations

from orchestration.sources.families import db_activity, db_objects
from orchestration.sources.model import Source

SOURCES: tuple[Source, ...] = (*db_activity.SOURCES, *db_objects.SOURCES)
