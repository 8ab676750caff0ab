"""The one time partitioning every raw and dbt asset shares: UTC days."""

from __future__ import annotations

import datetime as dt

import dagster as dg

PARTITIONS_START = "2025-01-01"

# end_offset=1: today's (still filling) partition exists, so a schedule can keep it fresh.
daily_partitions = dg.DailyPartitionsDefinition(
    start_date=PARTITIONS_START, end_offset=1, timezone="UTC"
)


def days_in_window(start: dt.datetime, end: dt.datetime) -> list[str]:
    """Partition keys of the UTC days [start, end) touches."""
    first = start.date()
    last = (end - dt.timedelta(microseconds=1)).date()
    return [(first + dt.timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]
