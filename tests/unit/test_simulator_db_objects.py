"""The db_objects simulator: real keys, deterministic hours, counters that only restart at the
weekly maintenance, and scenarios that act on their target only."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from orchestration.sources.catalog import SOURCES
from orchestration.sources.simulator.db_objects import (
    RESET_OFFSET_S,
    SIM_SOURCES,
    WEEK_S,
    reset_at,
    week_of,
)
from orchestration.sources.simulator.db_objects_catalog import INDEXES, STATEMENTS, TABLES
from orchestration.sources.simulator.incidents import Incident

GEN = {s.name: s.generate_hour for s in SIM_SOURCES}
# 2026-11-03 (a Tuesday): the maintenance resets every counter at 04:02:30
RESET_DAY = dt.datetime(2026, 11, 3, tzinfo=dt.UTC)
H0 = int(RESET_DAY.timestamp()) // 3600


def _records(source: str, hours: range, scenario: list[Incident] | None = None) -> pd.DataFrame:
    lines = []
    for h in hours:
        recs, ts_us = GEN[source](7, 1.0, "db-1", h, scenario or [])
        assert list(ts_us) == sorted(ts_us)
        assert all(h * 3600 * 10**6 <= t < (h + 1) * 3600 * 10**6 for t in ts_us)
        lines += recs
    df = pd.DataFrame([json.loads(line) for line in lines])
    df["ts"] = pd.to_datetime(df["ts"])
    return df


def _incident(kind: str, target: str, start: dt.datetime, hours: float) -> Incident:
    return Incident(
        id=kind,
        kind=kind,
        start=start,
        end=start + dt.timedelta(hours=hours),
        component="database",
        host="db-1",
        target=target,
    )


def test_weekly_reset_is_tuesday_0402_utc():
    t = reset_at(week_of(RESET_DAY.timestamp() + 5 * 3600))
    assert dt.datetime.fromtimestamp(t, dt.UTC) == RESET_DAY.replace(hour=4, minute=2, second=30)
    assert (t - RESET_OFFSET_S) % WEEK_S == 0


@pytest.mark.parametrize("source", sorted(GEN))
def test_keys_are_the_registry_columns(source):
    df = _records(source, range(H0 + 10, H0 + 11))
    assert list(df.columns) == [c for c, _ in SOURCES[source].columns]
    assert set(df["server"]) == {"db-1"}
    assert GEN[source](7, 1.0, "web-1", H0, []) == ([], pytest.approx([]))  # one file key


@pytest.mark.parametrize("source", sorted(GEN))
def test_an_hour_is_the_same_whatever_else_is_generated(source):
    first = GEN[source](7, 1.0, "db-1", H0 + 30, [])
    GEN[source](7, 1.0, "db-1", H0 - 200, [])  # another week, filling the caches
    again = GEN[source](7, 1.0, "db-1", H0 + 30, [])
    assert first[0] == again[0] and list(first[1]) == list(again[1])
    assert GEN[source](8, 1.0, "db-1", H0 + 30, [])[0] != first[0]


COUNTERS = {
    "db_statements": (["datname", "queryid"], ["calls", "total_exec_time", "rows"], "stats_reset"),
    "db_tables": (["datname", "relname"], ["seq_scan", "idx_scan", "heap_blks_hit"], "stats_reset"),
    "db_indexes": (["datname", "indexrelname"], ["idx_scan", "idx_blks_hit"], "stats_reset"),
    "db_query_cache": (
        ["datname"],
        ["Query_Cache_count_GET", "Query_Cache_count_GET_OK", "Query_Cache_Purged"],
        "ProxySQL_Uptime",
    ),
}


@pytest.mark.parametrize("source", sorted(GEN))
def test_counters_only_go_down_at_the_weekly_reset(source):
    keys, counters, marker = COUNTERS[source]
    df = _records(source, range(H0 + 2, H0 + 7)).sort_values([*keys, "ts"])
    reset = RESET_DAY + dt.timedelta(hours=4, minutes=2, seconds=30)
    for _, g in df.groupby(keys):
        before, after = g[g["ts"] < reset], g[g["ts"] > reset]
        assert len(before) and len(after)
        for part in (before, after):
            for c in counters:
                assert part[c].is_monotonic_increasing, (source, c)
            if marker == "stats_reset":
                assert part[marker].nunique() == 1
        # restarted near 0 (an index never scanned stays at 0)
        first = counters[0]
        assert after[first].iloc[0] < before[first].iloc[-1] or before[first].iloc[-1] == 0
    if marker == "ProxySQL_Uptime":
        assert df[df["ts"] > reset]["ProxySQL_Uptime"].min() < 300


def test_table_index_counters_are_their_indexes_sums():
    tables = _records("db_tables", range(H0 + 10, H0 + 11))
    indexes = _records("db_indexes", range(H0 + 10, H0 + 11))
    indexes["t"] = indexes["ts"].dt.floor("min")
    tables["t"] = tables["ts"].dt.floor("min")
    summed = indexes.groupby(["t", "datname", "relname"])[["idx_scan", "idx_blks_hit"]].sum()
    joined = tables.set_index(["t", "datname", "relname"]).join(summed, rsuffix="_sum", how="inner")
    assert len(joined) == 4 * len(TABLES)  # every 15 minutes, every table
    assert (joined["idx_scan"] == joined["idx_scan_sum"]).all()
    assert (joined["idx_blks_hit"] == joined["idx_blks_hit_sum"]).all()


def test_unused_index_scenario_idles_its_target_only():
    start = RESET_DAY + dt.timedelta(hours=8)
    idle = [_incident("unused_index", "app.idx_orders_legacy_status", start, 3)]
    calm = _records("db_indexes", range(H0 + 8, H0 + 11)).set_index(["ts", "indexrelname"])
    hit = _records("db_indexes", range(H0 + 8, H0 + 11), idle).set_index(["ts", "indexrelname"])
    diff = (hit["idx_scan"] - calm["idx_scan"]).groupby(level="indexrelname").agg(["min", "max"])
    assert diff.loc["idx_orders_legacy_status", "max"] == 0
    scans = hit.xs("idx_orders_legacy_status", level="indexrelname")["idx_scan"]
    assert scans.nunique() == 1  # no scan in the window
    assert calm.xs("idx_orders_legacy_status", level="indexrelname")["idx_scan"].nunique() > 1
    assert (diff.drop(index="idx_orders_legacy_status") == 0).all().all()


def test_regression_multiplies_its_statements_mean_time():
    start = RESET_DAY + dt.timedelta(hours=8)
    reg = [_incident("slow_query_regression", "orders_by_customer", start, 4)]
    df = _records("db_statements", range(H0 + 8, H0 + 12), reg).sort_values("ts")
    stmt = next(s for s in STATEMENTS if s.label == "orders_by_customer")
    g = df[df["queryid"] == stmt.queryid]
    mean = (g["total_exec_time"].diff() / g["calls"].diff()).dropna()
    assert mean.mean() == pytest.approx(10 * stmt.mean_ms, rel=0.1)
    other = df[df["queryid"] == STATEMENTS[1].queryid]
    other_mean = (other["total_exec_time"].diff() / other["calls"].diff()).dropna()
    assert other_mean.mean() == pytest.approx(STATEMENTS[1].mean_ms, rel=0.1)


@pytest.mark.parametrize(
    ("kind", "target"),
    [
        ("unused_index", "app.no_such_index"),
        ("slow_query_regression", "no_such_statement"),
        ("cache_hit_drop", "no_such_database"),
    ],
)
def test_unknown_targets_are_refused(kind, target):
    bad = [_incident(kind, target, RESET_DAY, 1)]
    with pytest.raises(ValueError, match="unknown"):
        GEN["db_indexes"](7, 1.0, "db-1", H0, bad)


def test_catalog_has_what_the_scenarios_need():
    names = {i.key for i in INDEXES}
    assert "app.idx_orders_legacy_status" in names
    assert len({s.queryid for s in STATEMENTS}) == len(STATEMENTS)
