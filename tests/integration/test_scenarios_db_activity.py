"""The database-activity scenarios of the default two-day window, each in the mart that should
show it and nowhere else, and the calm rest of the window showing nothing (scenario_warehouse:
seed 7, scale 0.5, 2026-11-02 .. 2026-11-04)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from orchestration.landing.land import read_manifest

RAW = ("db_database_stats", "db_connections", "db_locks", "db_replication")
HOUR = dt.timedelta(hours=1)
FIVE = dt.timedelta(minutes=5)


def _naive(t: dt.datetime) -> dt.datetime:
    return t.astimezone(dt.UTC).replace(tzinfo=None)


def _buckets(inc, size: dt.timedelta) -> set[dt.datetime]:
    """Starts of the `size` buckets (aligned to the epoch) that overlap [inc.start, inc.end)."""
    start, end = _naive(inc.start), _naive(inc.end)
    epoch = dt.datetime(1970, 1, 1)
    b = epoch + (start - epoch) // size * size
    out = set()
    while b < end:
        out.add(b)
        b += size
    return out


def _frame(w, sql: str) -> pd.DataFrame:
    con = duckdb.connect(str(w.db), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def _one(w, kind: str):
    (inc,) = w.truth.of_kind(kind)
    return inc


@pytest.fixture(scope="module")
def w(scenario_warehouse):
    return scenario_warehouse


def test_landed_plus_rejected_is_read(w):
    for source in RAW:
        rejected = 0
        for day in w.days:
            m = read_manifest(source, day, w.home)
            assert m is not None, (source, day)
            assert m["rows_read"] == m["rows_landed"] + m["rows_rejected"], (source, day)
            rejected += m["rows_rejected"]
            if source != "db_locks":  # a snapshot a minute, every minute of the day
                assert m["rows_landed"] > 1000, (source, day)
        # every corrupt line the simulator injected, and nothing else, was rejected
        assert rejected == w.truth.corrupt_lines.get(source, 0), source


def test_lock_contention_in_its_hours_only(w):
    inc = _one(w, "lock_contention")
    hours = _buckets(inc, HOUR)
    df = _frame(w, "select * from marts.transaction_analytics")
    hit = df[df.hour.isin(hours) & (df.database_name == inc.target)]
    rest = df[~(df.hour.isin(hours) & (df.database_name == inc.target))]
    assert len(hit) == len(hours) == 2
    # the scenario's three deadlocks, all of them, in its hours
    assert hit.deadlocks.sum() == 3
    assert (hit.lock_waits > 0).all() and hit.max_lock_wait_seconds.max() > 30
    assert (hit.blocking_sessions > 0).all()
    assert hit.max_transactions_over_60s.max() >= 1
    assert hit.longest_transaction_seconds.max() >= 60 * 15  # the batch runs the whole window
    assert hit.max_idle_in_transaction.min() >= 4
    # more rollbacks than in any other hour of the database
    same_db = rest[rest.database_name == inc.target]
    assert hit.rollback_ratio.min() > same_db.rollback_ratio.max()
    # everywhere else: no deadlock, no lock wait, no idle-in-transaction pile-up
    assert (rest.deadlocks.fillna(0) == 0).all()
    assert (rest.lock_waits == 0).all() and rest.max_lock_wait_seconds.isna().all()
    assert (rest.max_sessions_waiting_on_locks == 0).all()
    # (pool_exhaustion also leaves a few sessions idle in transaction, holding connections)
    pool = _one(w, "pool_exhaustion")
    in_pool = rest.hour.isin(_buckets(pool, HOUR)) & (rest.database_name == pool.target)
    assert (rest[~in_pool].max_idle_in_transaction <= 1).all()


def test_long_transactions_only_where_a_scenario_runs_one(w):
    # app: the lock_contention batch; analytics: the cache_hit_drop full-table report
    expected = {
        (h, i.target)
        for kind in ("lock_contention", "cache_hit_drop")
        for i in w.truth.of_kind(kind)
        for h in _buckets(i, HOUR)
    }
    df = _frame(
        w, "select hour, database_name, max_transactions_over_60s from marts.transaction_analytics"
    )
    long = {
        (r.hour.to_pydatetime(), r.database_name)
        for r in df.itertuples()
        if r.max_transactions_over_60s > 0
    }
    assert long == expected


def test_replication_lag_flagged_only_in_its_window(w):
    inc = _one(w, "replication_lag")
    windows = _buckets(inc, FIVE)
    df = _frame(w, "select * from marts.replication_health")
    df = df[df.replica == inc.target]
    flagged = {t.to_pydatetime() for t in df[df.lag_over_threshold].window_start}
    assert flagged == windows
    lagging = df[df.window_start.isin(windows)]
    assert (lagging.sync_status == "lagging").all()
    assert lagging.max_replay_lag_seconds.max() > 30  # tens of seconds
    calm = df[~df.window_start.isin(windows)]
    assert (calm.sync_status == "in_sync").all()
    assert calm.max_replay_lag_seconds.max() < 1
    # every 5-minute window of the two days has its row (a snapshot a minute)
    assert len(df) == 2 * 24 * 12


def test_pool_exhaustion_in_its_hour(w):
    inc = _one(w, "pool_exhaustion")
    hours = _buckets(inc, HOUR)
    df = _frame(w, "select * from marts.connection_pool_analytics")
    mine = df[df.database_name == inc.target]
    hit = mine[mine.hour.isin(hours)]
    assert len(hit) == len(hours) == 1
    (row,) = hit.itertuples()
    assert row.max_waiting > 0 and row.avg_waiting > 0 and row.max_wait_seconds > 5
    assert row.max_pool_utilization == 1.0  # every server connection busy
    assert row.pool_status == "undersized"
    assert row.recommendation == "increase_pool_size"
    assert row.recommended_pool_size > row.pool_size
    # no client waits anywhere else; app's pool is otherwise sized right, analytics' too big
    rest = df[~(df.hour.isin(hours) & (df.database_name == inc.target))]
    assert (rest.max_waiting == 0).all() and (rest.avg_waiting == 0).all()
    assert set(mine[~mine.hour.isin(hours)].pool_status) == {"optimal"}
    assert set(df[df.database_name == "analytics"].pool_status) == {"oversized"}


def test_cache_hit_drop_in_buffer_cache_for_its_database_only(w):
    inc = _one(w, "cache_hit_drop")
    hours = _buckets(inc, HOUR)
    df = _frame(
        w, "select * from intermediate.int_db_buffer_cache_hourly where hit_ratio is not null"
    )
    hit = df[df.hour.isin(hours) & (df.database_name == inc.target)]
    assert len(hit) == len(hours)
    assert (hit.hit_ratio < 0.95).all()
    rest = df[~(df.hour.isin(hours) & (df.database_name == inc.target))]
    assert (rest.hit_ratio >= 0.99).all()
    # both databases, every hour of the two days
    assert len(df) == 2 * 48


def test_daily_pg_stat_reset_is_a_reset_not_a_negative_rate(w):
    df = _frame(
        w,
        "select ts, database_name, is_reset from intermediate.int_db_database_deltas where is_reset",
    )
    # pg_stat_reset() in analytics at 05:00 UTC each day; the first snapshot after it
    assert list(zip(df.database_name, df.ts.dt.strftime("%d %H:%M"), strict=True)) == [
        ("analytics", "02 05:00"),
        ("analytics", "03 05:00"),
    ]
    df = _frame(w, "select * from marts.transaction_analytics where stats_resets > 0")
    assert set(df.database_name) == {"analytics"} and (df.commits > 0).all()


def test_mart_sums_match_an_independent_computation_from_the_lake(w):
    """Commits and buffer hits per hour recomputed in pandas from the raw cumulative counters
    (segments between resets: last − first, plus the first value after a reset)."""
    lake = w.home / "lake" / "raw" / "db_database_stats"
    con = duckdb.connect()
    raw = con.execute(
        f"select ts, datname, xact_commit, blks_hit, stats_reset from read_parquet('{lake}/*/*.parquet')"
    ).df()
    con.close()
    raw = raw.drop_duplicates(["datname", "ts"]).sort_values(["datname", "ts"])
    expected = {}
    for db, g in raw.groupby("datname"):
        prev = None
        for r in g.itertuples():
            if prev is not None:
                reset = r.stats_reset != prev.stats_reset
                for c in ("xact_commit", "blks_hit"):
                    inc = getattr(r, c) if reset else getattr(r, c) - getattr(prev, c)
                    key = (db, r.ts.floor("h"), c)
                    expected[key] = expected.get(key, 0) + inc
            prev = r
    ta = _frame(w, "select database_name, hour, commits from marts.transaction_analytics")
    bc = _frame(
        w, "select database_name, hour, blks_hit from intermediate.int_db_buffer_cache_hourly"
    )
    got = {(r.database_name, r.hour, "xact_commit"): r.commits for r in ta.itertuples()}
    got |= {(r.database_name, r.hour, "blks_hit"): r.blks_hit for r in bc.itertuples()}
    assert {k: int(v) for k, v in got.items()} == {k: int(v) for k, v in expected.items()}
