"""The database-objects scenarios surface in the marts that should show them, and nowhere else.

Reads the session's scenario warehouse (two simulated days, default scenarios; see
tests/integration/scenario.py). Numbers are checked against an independent computation: the
raw landed snapshots re-diffed in pandas, and the simulator's own parameters.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from orchestration.landing.land import read_manifest
from orchestration.sources.simulator.db_objects import STEP_S
from orchestration.sources.simulator.db_objects_catalog import (
    CACHE_DROP_MISS,
    REGRESSION_FACTOR,
    index_by_key,
    statement_by_label,
)

SOURCES = ("db_statements", "db_tables", "db_indexes", "db_query_cache")


@pytest.fixture(scope="module")
def db(scenario_warehouse):
    con = duckdb.connect(str(scenario_warehouse.db), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def truth(scenario_warehouse):
    return scenario_warehouse.truth


def _one(truth, kind):
    (inc,) = truth.of_kind(kind)
    return inc


def _raw(scenario_warehouse, source: str) -> pd.DataFrame:
    lake = scenario_warehouse.home / "lake" / "raw" / source
    return duckdb.sql(
        f"select * from read_parquet('{lake}/*/*.parquet', hive_partitioning = true)"
    ).df()


def _rediff(df: pd.DataFrame, keys: list[str], counters: list[str], reset: str) -> pd.DataFrame:
    """Reset-safe deltas, computed in pandas: the new value after a reset, else the difference."""
    df = df.sort_values([*keys, "ts"]).reset_index(drop=True)
    prev = df.groupby(keys)[[*counters, reset, "ts"]].shift()
    is_reset = df[reset].ne(prev[reset]) & prev["ts"].notna()
    for c in counters:
        is_reset |= df[c] < prev[c]
    out = df[[*keys, "ts"]].copy()
    for c in counters:
        out[c] = df[c].where(is_reset, df[c] - prev[c]).where(prev["ts"].notna())
    out["is_reset"] = is_reset
    return out


# --------------------------------------------------------------------------- landing


@pytest.mark.parametrize("source", SOURCES)
def test_landed_plus_rejected_is_read(scenario_warehouse, truth, source):
    rejected = 0
    for day in scenario_warehouse.days:
        manifest = read_manifest(source, day, scenario_warehouse.home)
        assert manifest is not None, (source, day)
        assert manifest["rows_landed"] + manifest["rows_rejected"] == manifest["rows_read"]
        assert manifest["rows_landed"] > 0
        rejected += manifest["rows_rejected"]
        assert set(manifest["reject_reasons"]) <= {"not a JSON object"}
    # every injected corrupt line, and nothing else, was rejected with its reason
    assert rejected == truth.corrupt_lines[source] > 0


# --------------------------------------------------------------------------- unused_index


def test_idle_index_is_unused_with_its_drop_statement(db, truth):
    inc = _one(truth, "unused_index")
    ix = index_by_key(inc.target)
    rows = db.execute(
        "select indexrelname, idx_scan, index_size_bytes, drop_statement, recommendation "
        "from marts.index_effectiveness where index_status = 'unused'"
    ).fetchall()
    statement = f"DROP INDEX CONCURRENTLY {ix.schemaname}.{ix.indexrelname};"
    # ~64 MiB, never scanned, and the only unused one
    assert len(rows) == 1
    name, scans, size, drop, recommendation = rows[0]
    assert (name, scans, drop, recommendation) == (ix.indexrelname, 0, statement, statement)
    assert 60 * 2**20 < size < 70 * 2**20


def test_small_and_unique_idle_indexes_are_not_unused(db):
    rows = dict(
        (r[0], r[1:])
        for r in db.execute(
            "select indexrelname, idx_scan, index_size_bytes, is_unique, index_status, "
            "recommendation from marts.index_effectiveness"
        ).fetchall()
    )
    # both were never scanned either: only the size rule and the uniqueness spare them
    scans, size, unique, status, rec = rows["idx_customers_referral_code"]
    assert (scans, unique, status) == (0, False, "rarely_used") and size < 10 * 2**20
    scans, size, unique, status, rec = rows["customers_email_key"]
    assert (scans, unique, status, rec) == (0, True, "rarely_used", "Keep: enforces uniqueness")
    assert size >= 10 * 2**20
    # one index per remaining class of seed 002 §5
    assert rows["idx_customers_full_name_trgm"][3] == "oversized"
    assert rows["idx_payments_settled_at"][3] == "rarely_used"
    assert rows["idx_payments_settled_at"][0] == 2  # the two nightly reconciliation scans
    assert rows["idx_events_kind"][3] == "low_selectivity"


def test_duplicate_index_is_flagged_and_no_other(db):
    rows = db.execute(
        "select indexrelname, duplicate_of, drop_statement from marts.index_effectiveness "
        "where is_duplicate"
    ).fetchall()
    assert rows == [
        (
            "idx_orders_customer",
            "idx_orders_customer_created",
            "DROP INDEX CONCURRENTLY public.idx_orders_customer;",
        )
    ]


def test_index_scans_match_an_independent_rediff(scenario_warehouse, db):
    raw = _raw(scenario_warehouse, "db_indexes")
    keys = ["server", "datname", "schemaname", "indexrelname"]
    deltas = _rediff(raw, keys, ["idx_scan"], "stats_reset")
    # the weekly maintenance reset (Tuesday 04:02:30) is inside the window, once per index
    assert deltas.groupby("indexrelname")["is_reset"].sum().eq(1).all()
    expected = deltas.groupby("indexrelname")["idx_scan"].sum(min_count=1).astype("int64")
    got = db.execute("select indexrelname, idx_scan from marts.index_effectiveness").df()
    assert got.set_index("indexrelname")["idx_scan"].sort_index().to_dict() == (
        expected.sort_index().to_dict()
    )


# --------------------------------------------------------------------------- slow_query_regression


def test_regression_shows_for_its_statement_on_the_deploy_day_only(db, truth):
    inc = _one(truth, "slow_query_regression")
    stmt = statement_by_label(inc.target)
    rows = db.execute(
        "select stat_date, database_name, queryid from marts.query_performance where is_regression"
    ).fetchall()
    assert rows == [(inc.start.date(), stmt.datname, stmt.queryid)]
    days = db.execute(
        "select stat_date, mean_exec_time_ms, is_slow, mean_time_ratio from marts.query_performance "
        "where queryid = ? order by stat_date",
        [stmt.queryid],
    ).fetchall()
    assert [d[0] for d in days] == [dt.date(2026, 11, 2), dt.date(2026, 11, 3)]
    (_, before, slow_before, _), (_, after, slow_after, ratio) = days
    # the catalog's 4 ms before the deploy; after it, x10 for the part of the day it covers
    assert before == pytest.approx(stmt.mean_ms, rel=0.05)
    assert not slow_before and slow_after
    day_start = dt.datetime.combine(inc.start.date(), dt.time(), tzinfo=dt.UTC)
    after_share = 1 - (inc.start - day_start) / dt.timedelta(days=1)  # ~0.9 of the day
    expected_ratio = (1 - after_share) + REGRESSION_FACTOR * after_share
    assert ratio == pytest.approx(expected_ratio, rel=0.1)


def test_daily_statement_numbers_match_an_independent_rediff(scenario_warehouse, db):
    raw = _raw(scenario_warehouse, "db_statements")
    keys = ["server", "datname", "queryid"]
    deltas = _rediff(raw, keys, ["calls", "total_exec_time"], "stats_reset")
    deltas["stat_date"] = deltas["ts"].dt.date
    expected = deltas.groupby(["stat_date", "datname", "queryid"]).agg(
        calls=("calls", "sum"), total=("total_exec_time", "sum")
    )
    expected = expected[expected["calls"] > 0]
    got = db.execute(
        "select stat_date, database_name as datname, queryid, calls, total_exec_time_ms as total, "
        "total_time_share from marts.query_performance"
    ).df()
    got["stat_date"] = pd.to_datetime(got["stat_date"]).dt.date
    got = got.set_index(["stat_date", "datname", "queryid"]).sort_index()
    assert list(got.index) == list(expected.sort_index().index)
    assert (
        got["calls"].astype("int64").tolist()
        == expected.sort_index()["calls"].astype("int64").tolist()
    )
    assert got["total"].tolist() == pytest.approx(expected.sort_index()["total"].tolist(), abs=1e-2)
    assert got.groupby(level="stat_date")["total_time_share"].sum().tolist() == pytest.approx(
        [1.0, 1.0], abs=1e-5
    )


def test_statement_counters_reset_at_the_weekly_maintenance(db):
    rows = db.execute(
        "select min(ts), max(ts), count(distinct queryid) from intermediate.int_db_statement_deltas "
        "where is_counter_reset"
    ).fetchone()
    # the first snapshot after Tuesday 04:02:30 for every statement (a rare one may wait for
    # its first call); never a negative delta anywhere
    assert rows[0] >= dt.datetime(2026, 11, 3, 4, 5) and rows[1] < dt.datetime(2026, 11, 3, 5)
    assert rows[2] == 15
    negative = db.execute(
        "select count(*) from intermediate.int_db_statement_deltas "
        "where calls < 0 or total_exec_time_ms < 0 or shared_blks_read < 0"
    ).fetchone()[0]
    assert negative == 0


# --------------------------------------------------------------------------- cache_hit_drop


def _hours_touched(start: dt.datetime, end: dt.datetime, step_s: int) -> set[dt.datetime]:
    """Hours of the snapshots whose interval (ts − step, ts] overlaps [start, end)."""
    t = start.replace(minute=0, second=0, microsecond=0)
    out = set()
    while t < end + dt.timedelta(seconds=step_s):
        if t - dt.timedelta(seconds=step_s) < end and t > start:
            out.add(t.replace(minute=0, tzinfo=None))
        t += dt.timedelta(seconds=step_s)
    return out


def test_cache_drop_shows_for_its_database_in_those_hours_only(db, truth):
    inc = _one(truth, "cache_hit_drop")
    low = db.execute(
        "select hour, database_name, buffer_hit_ratio, index_cache_status "
        "from marts.cache_effectiveness where buffer_cache_status = 'low'"
    ).fetchall()
    hours = _hours_touched(inc.start, inc.end, STEP_S["db_tables"])
    assert {(r[0], r[1]) for r in low} == {(h, inc.target) for h in hours}
    assert all(r[2] < 0.95 and r[3] == "low" for r in low)
    calm = db.execute(
        "select min(buffer_hit_ratio), min(index_hit_ratio), count(*) from marts.cache_effectiveness "
        "where buffer_cache_status = 'good'"
    ).fetchone()
    assert calm[0] >= 0.99 and calm[1] >= 0.99 and calm[2] == 2 * 48 - len(hours)


def test_cache_drop_hit_ratio_inside_the_window_is_about_85_percent(db, truth):
    inc = _one(truth, "cache_hit_drop")
    ratio = db.execute(
        "select sum(heap_blks_hit) / sum(heap_blks_hit + heap_blks_read) "
        "from intermediate.int_db_table_deltas "
        "where database_name = ? and previous_ts >= ? and ts < ?",
        [inc.target, inc.start.replace(tzinfo=None), inc.end.replace(tzinfo=None)],
    ).fetchone()[0]
    # the miss rate is noisy per 5-minute interval: ~85 % over the five intervals inside the window
    assert ratio == pytest.approx(1 - CACHE_DROP_MISS, abs=0.03)


def test_query_cache_classes_are_steady(db):
    rows = db.execute(
        "select database_name, cache_performance, cache_recommendation, count(*) "
        "from marts.cache_effectiveness group by all order by all"
    ).fetchall()
    # app's cache is healthy all along (the weekly ProxySQL restart included); analytics' cache
    # is too small for its working set all along: a standing finding, not an incident
    assert rows == [
        ("analytics", "good", "cache_too_small", 48),
        ("app", "excellent", "optimal", 48),
    ]


# --------------------------------------------------------------------------- table scans


def test_the_sequentially_scanned_table_is_the_only_hotspot(scenario_warehouse, db):
    rows = db.execute(
        "select stat_date, relname, seq_scan, idx_scan, index_usage_ratio "
        "from marts.table_scan_hotspots order by stat_date"
    ).fetchall()
    assert [(r[0], r[1]) for r in rows] == [
        (dt.date(2026, 11, 2), "audit_log"),
        (dt.date(2026, 11, 3), "audit_log"),
    ]
    # independently: the day's seq_scan / idx_scan deltas of audit_log from the raw snapshots
    raw = _raw(scenario_warehouse, "db_tables")
    raw = raw[raw["relname"] == "audit_log"]
    deltas = _rediff(raw, ["relname"], ["seq_scan", "idx_scan"], "stats_reset")
    daily = deltas.groupby(deltas["ts"].dt.date)[["seq_scan", "idx_scan"]].sum()
    for day, _, seq, idx, usage in rows:
        assert (seq, idx) == (daily.loc[day, "seq_scan"], daily.loc[day, "idx_scan"])
        assert usage == pytest.approx(idx / (seq + idx), abs=1e-6) and usage < 0.5
