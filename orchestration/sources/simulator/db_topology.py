"""The PostgreSQL server the simulator plays: one primary on db-1 with two databases and a
streaming replica. The collector writes one file per server per hour (file key = server)."""

from __future__ import annotations

SERVER = "db-1"  # the host the primary runs on (also a system_metrics host)
DATABASES: tuple[str, ...] = ("app", "analytics")
REPLICAS: tuple[str, ...] = ("replica-1",)
