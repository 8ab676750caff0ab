"""The database-activity GX suites: each passes on clean data (and on a simulated, landed
partition) and names exactly what fails on dirty data. GX runs for real (~8 s to import)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
import pytest

from orchestration.sources.catalog import SOURCES
from orchestration.sources.families.db_activity import DATABASE_COUNTERS, REPLICATION_STATES
from tests.unit.test_quality_suites import _raw_frame, drop, duplicate_row, empty, setv

T0 = pd.Timestamp("2024-03-05 10:00:00")
RAW = ("db_database_stats", "db_connections", "db_locks", "db_replication")
MARTS = ("transaction_analytics", "connection_pool_analytics", "replication_health")


def ts(minutes: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(minutes=minutes)


# --------------------------------------------------------------------------- clean frames


def clean_raw_db_database_stats() -> pd.DataFrame:
    n = 3
    counters = {c: [100 * (i + 1) for i in range(n)] for c, t in DATABASE_COUNTERS if t == "BIGINT"}
    return _raw_frame(
        "db_database_stats",
        {
            "ts": [ts(0), ts(0), ts(1)],
            "server": ["db-1"] * n,
            "datid": [16384, 16385, 16384],
            "datname": ["app", "analytics", "app"],
            "numbackends": [7, 0, 8],  # 0 is a valid count
            **counters,
            "deadlocks": [0, 0, 1],
            "blk_read_time": [12.5, 0.0, 13.25],
            "blk_write_time": [1.0, 0.0, 1.5],
            "stats_reset": [ts(-600), ts(-5), ts(-600)],
        },
    )


def clean_raw_db_connections() -> pd.DataFrame:
    return _raw_frame(
        "db_connections",
        {
            "ts": [ts(0), ts(0), ts(1)],
            "server": ["db-1"] * 3,
            "datname": ["app", "analytics", "app"],
            "active": [5, 1, 20],
            "idle": [6, 14, 0],
            "idle_in_transaction": [0, 0, 3],
            "waiting_on_lock": [0, 0, 2],
            "longest_transaction_seconds": [1.2, 30.0, 840.5],
            "transactions_over_60s": [0, 0, 2],
            "max_connections": [100] * 3,
            "pool_mode": ["transaction", "transaction", "session"],
            "pool_size": [20, 25, 20],
            "cl_active": [48, 6, 20],
            "cl_waiting": [0, 0, 28],
            "sv_active": [5, 1, 20],
            "sv_idle": [5, 13, 0],
            "sv_used": [1, 1, 0],
            "maxwait": [0, 0, 14],
            "maxwait_us": [0, 0, 250000],
        },
    )


def clean_raw_db_locks() -> pd.DataFrame:
    return _raw_frame(
        "db_locks",
        {
            "ts": [ts(0), ts(0), ts(1)],
            "server": ["db-1"] * 3,
            "datname": ["app"] * 3,
            "relation": ["public.orders", "public.orders", None],  # transactionid: no relation
            "locktype": ["tuple", "relation", "transactionid"],
            "mode": ["ExclusiveLock", "RowExclusiveLock", "ShareLock"],
            "granted": [False] * 3,
            "pid": [2001, 2002, 2001],
            "blocking_pid": [1999, 1999, 1999],
            "waitstart": [ts(-0.5), ts(-0.1), ts(0.9)],
            "wait_seconds": [30.0, 6.0, 6.0],
            "wait_event_type": ["Lock"] * 3,
            "wait_event": ["tuple", "relation", "transactionid"],
            "state": ["active"] * 3,
            "application_name": ["orders-api"] * 3,
            "query": ["SELECT 1 FOR UPDATE", "INSERT INTO order_items ...", "UPDATE orders ..."],
        },
    )


def clean_raw_db_replication() -> pd.DataFrame:
    return _raw_frame(
        "db_replication",
        {
            "ts": [ts(0), ts(1), ts(1)],
            "server": ["db-1"] * 3,
            "pid": [3100, 3100, 3101],
            "usename": ["replicator"] * 3,
            "application_name": ["replica-1", "replica-1", "replica-2"],
            "client_addr": ["10.0.3.12", "10.0.3.12", "10.0.3.13"],
            "backend_start": [ts(-9000)] * 3,
            "state": ["streaming", "streaming", "catchup"],
            "sent_lsn": ["16/B374D848", "16/B3800000", "16/B3800000"],
            "write_lsn": ["16/B374D848", "16/B37FF000", "16/A0000000"],
            "flush_lsn": ["16/B374D000", "16/B37FF000", "16/A0000000"],
            "replay_lsn": ["16/B3740000", "16/B37F0000", "16/9F000000"],
            "write_lag": [0.0005, 0.001, None],  # NULL lags: the replica is idle
            "flush_lag": [0.001, 0.002, None],
            "replay_lag": [0.01, 42.5, None],
            "sync_priority": [0, 0, 0],
            "sync_state": ["async", "async", "potential"],
            "reply_time": [ts(0), ts(1), ts(1)],
        },
    )


def clean_mart_transaction_analytics() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "hour": [ts(0), ts(0), ts(60)],
            "server": ["db-1"] * 3,
            "database_name": ["app", "analytics", "app"],
            "counter_snapshots": [60, 60, 0],
            "activity_snapshots": [60, 60, 1],
            "stats_resets": [0, 1, 0],
            "commits": [48000, 3000, None],  # NULL: no counters that hour
            "rollbacks": [600, 10, None],
            "rollback_ratio": [0.012346, 0.003322, None],
            "transactions_per_second": [13.5, 0.85, None],
            "deadlocks": [3, 0, None],
            "lock_waits": [60, 0, 0],
            "lock_wait_observations": [66, 0, 0],
            "max_lock_wait_seconds": [136.0, None, None],
            "blocking_sessions": [12, 0, 0],
            "max_sessions_waiting_on_locks": [8, 0, 0],
            "longest_transaction_seconds": [840.3, 40.0, 2.0],
            "max_transactions_over_60s": [3, 0, 0],
            "snapshots_with_long_transactions": [14, 0, 0],
            "max_idle_in_transaction": [8, 1, 0],
            "avg_idle_in_transaction": [1.6167, 0.1, 0.0],
        }
    )


def clean_mart_connection_pool_analytics() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "hour": [ts(0), ts(0), ts(60), ts(60)],
            "server": ["db-1"] * 4,
            "database_name": ["app", "analytics", "app", "analytics"],
            "snapshots": [60] * 4,
            "max_connections": [100] * 4,
            "avg_backends": [12.3, 17.4, 7.0, 17.0],
            "max_backends": [22, 19, 9, 18],
            "connection_utilization": [0.123, 0.174, 0.07, 0.17],
            "max_connection_utilization": [0.22, 0.19, 0.09, 0.18],
            "pool_mode": ["transaction"] * 4,
            "pool_size": [20, 25, 20, 25],
            "avg_active": [10.15, 2.35, 3.6, 2.0],
            "max_active": [20, 7, 9, 5],
            "avg_idle": [1.9, 14.8, 3.3, 15.0],
            "avg_waiting": [7.5, 0.0, 0.0, 0.0],
            "max_waiting": [43, 0, 0, 0],
            "max_wait_seconds": [16.2, 0.0, 0.0, 0.0],
            "pool_utilization": [0.5075, 0.094, 0.18, 0.08],
            "max_pool_utilization": [1.0, 0.28, 0.45, 0.2],
            "connection_errors": [5, 0, 12, 0],
            "pool_status": ["undersized", "oversized", "optimal", "oversized"],
            "recommended_pool_size": [24, 8, 10, 6],
            "recommendation": [
                "increase_pool_size",
                "decrease_pool_size",
                "connection_issues",
                "decrease_pool_size",
            ],
            "recommendation_text": ["raise", "lower", "check clients", "lower"],
        }
    )


def clean_mart_replication_health() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "window_start": [ts(0), ts(5), ts(5)],
            "window_end": [ts(5), ts(10), ts(10)],
            "server": ["db-1"] * 3,
            "replica": ["replica-1", "replica-1", "replica-2"],
            "client_addr": ["10.0.3.12", "10.0.3.12", "10.0.3.13"],
            "snapshots": [5, 5, 5],
            "not_streaming_snapshots": [0, 0, 2],
            "last_state": ["streaming", "streaming", "catchup"],
            "sync_state": ["async"] * 3,
            "last_replay_lsn": ["16/B3740000", "16/B37F0000", "16/9F000000"],
            "avg_replay_lag_seconds": [0.05, 30.2, None],  # NULL: no lag reported
            "max_replay_lag_seconds": [0.2, 54.6, None],
            "max_write_lag_seconds": [0.001, 0.002, None],
            "max_flush_lag_seconds": [0.002, 0.003, None],
            "max_replay_lag_bytes": [290000, 100806899, 0],
            "lag_over_threshold": [False, True, False],
            "sync_status": ["in_sync", "lagging", "error"],
        }
    )


CLEAN: dict[str, Callable[[], pd.DataFrame]] = {
    "raw_db_database_stats": clean_raw_db_database_stats,
    "raw_db_connections": clean_raw_db_connections,
    "raw_db_locks": clean_raw_db_locks,
    "raw_db_replication": clean_raw_db_replication,
    "mart_transaction_analytics": clean_mart_transaction_analytics,
    "mart_connection_pool_analytics": clean_mart_connection_pool_analytics,
    "mart_replication_health": clean_mart_replication_health,
}

BETWEEN = "expect_column_values_to_be_between"
NOT_NULL = "expect_column_values_to_not_be_null"
IN_SET = "expect_column_values_to_be_in_set"
UNIQUE = "expect_column_values_to_be_unique"
GRAIN = "expect_compound_columns_to_be_unique"
COLUMNS = "expect_table_columns_to_match_set"
ROWS = "expect_table_row_count_to_be_between"
PAIR = "expect_column_pair_values_a_to_be_greater_than_b"
REGEX = "expect_column_values_to_match_regex"

# (suite, case id, mutation, exactly the expectations that must fail)
# fmt: off
DIRTY = [
    ("raw_db_database_stats", "negative_counter", setv("xact_rollback", 1, -5), {f"{BETWEEN}(xact_rollback)"}),
    ("raw_db_database_stats", "negative_read_time", setv("blk_read_time", 0, -0.5), {f"{BETWEEN}(blk_read_time)"}),
    ("raw_db_database_stats", "null_datname", setv("datname", 2, None), {f"{NOT_NULL}(datname)"}),
    ("raw_db_database_stats", "null_commits", setv("xact_commit", 0, None), {f"{NOT_NULL}(xact_commit)"}),
    ("raw_db_database_stats", "duplicate_event_id", duplicate_row(0), {f"{UNIQUE}(event_id)"}),
    ("raw_db_database_stats", "missing_deadlocks", drop("deadlocks"), {COLUMNS, f"{BETWEEN}(deadlocks)"}),
    ("raw_db_database_stats", "empty", empty, {ROWS}),
    ("raw_db_connections", "negative_waiting", setv("cl_waiting", 2, -1), {f"{BETWEEN}(cl_waiting)"}),
    ("raw_db_connections", "pool_size_0", setv("pool_size", 0, 0), {f"{BETWEEN}(pool_size)"}),
    ("raw_db_connections", "pool_mode_bogus", setv("pool_mode", 1, "pooled"), {f"{IN_SET}(pool_mode)"}),
    ("raw_db_connections", "null_server", setv("server", 1, None), {f"{NOT_NULL}(server)"}),
    ("raw_db_connections", "bad_event_id", setv("event_id", 0, "no-line"), {f"{REGEX}(event_id)"}),
    ("raw_db_locks", "granted", setv("granted", 0, True), {f"{IN_SET}(granted)"}),
    ("raw_db_locks", "locktype_bogus", setv("locktype", 1, "row"), {f"{IN_SET}(locktype)"}),
    ("raw_db_locks", "mode_bogus", setv("mode", 2, "WriteLock"), {f"{IN_SET}(mode)"}),
    ("raw_db_locks", "negative_wait", setv("wait_seconds", 0, -1.0), {f"{BETWEEN}(wait_seconds)"}),
    ("raw_db_locks", "null_pid", setv("pid", 1, None), {f"{NOT_NULL}(pid)"}),
    ("raw_db_locks", "line_number_0", setv("line_number", 0, 0), {f"{BETWEEN}(line_number)"}),
    ("raw_db_replication", "state_bogus", setv("state", 0, "connected"), {f"{IN_SET}(state)"}),
    ("raw_db_replication", "lsn_decimal", setv("replay_lsn", 1, "123456"), {f"{REGEX}(replay_lsn)"}),
    ("raw_db_replication", "negative_lag", setv("replay_lag", 0, -0.1), {f"{BETWEEN}(replay_lag)"}),
    ("raw_db_replication", "sync_state_bogus", setv("sync_state", 2, "semi"), {f"{IN_SET}(sync_state)"}),
    ("raw_db_replication", "null_replica", setv("application_name", 0, None), {f"{NOT_NULL}(application_name)"}),
    ("raw_db_replication", "empty", empty, {ROWS}),
    ("mart_transaction_analytics", "ratio_above_1", setv("rollback_ratio", 0, 1.2), {f"{BETWEEN}(rollback_ratio)"}),
    ("mart_transaction_analytics", "negative_commits", setv("commits", 1, -10), {f"{BETWEEN}(commits)"}),
    ("mart_transaction_analytics", "waits_exceed_observations", setv("lock_waits", 0, 70), {f"{PAIR}(lock_wait_observations,lock_waits)"}),
    ("mart_transaction_analytics", "duplicate_grain", duplicate_row(2), {f"{GRAIN}(hour,server,database_name)"}),
    ("mart_transaction_analytics", "null_lock_waits", setv("lock_waits", 2, None), {f"{NOT_NULL}(lock_waits)", f"{PAIR}(lock_wait_observations,lock_waits)"}),
    ("mart_connection_pool_analytics", "status_bogus", setv("pool_status", 0, "exhausted"), {f"{IN_SET}(pool_status)"}),
    ("mart_connection_pool_analytics", "recommendation_bogus", setv("recommendation", 1, "resize"), {f"{IN_SET}(recommendation)"}),
    ("mart_connection_pool_analytics", "utilization_above_1", setv("pool_utilization", 2, 1.5), {f"{BETWEEN}(pool_utilization)"}),
    ("mart_connection_pool_analytics", "max_below_avg", setv("max_active", 3, 1), {f"{PAIR}(max_active,avg_active)"}),
    ("mart_connection_pool_analytics", "missing_status", drop("pool_status"), {COLUMNS, f"{NOT_NULL}(pool_status)", f"{IN_SET}(pool_status)"}),
    ("mart_replication_health", "status_bogus", setv("sync_status", 0, "ok"), {f"{IN_SET}(sync_status)"}),
    ("mart_replication_health", "negative_lag", setv("max_replay_lag_seconds", 1, -2.0), {f"{BETWEEN}(max_replay_lag_seconds)"}),
    ("mart_replication_health", "window_reversed", setv("window_end", 0, ts(-5)), {f"{PAIR}(window_end,window_start)"}),
    ("mart_replication_health", "duplicate_grain", duplicate_row(1), {f"{GRAIN}(window_start,server,replica)"}),
    ("mart_replication_health", "null_flag", setv("lag_over_threshold", 2, None), {f"{NOT_NULL}(lag_over_threshold)"}),
    ("mart_replication_health", "empty", empty, {ROWS}),
]
# fmt: on


# the `suites` and `run` fixtures come from tests/unit/conftest.py


def test_suites_exist_with_their_assets(suites):
    for source in RAW:
        suite = suites[f"raw_{source}"]
        assert suite.asset == ("raw", source) and suite.blocking is True
        (cols,) = [e for e in suite.expectations if e.type == COLUMNS]
        assert cols.kwargs["column_set"] == [c for c, _ in SOURCES[source].raw_columns]
    for mart in MARTS:
        suite = suites[f"mart_{mart}"]
        assert suite.asset == (mart,) and suite.blocking is False
    assert suites["mart_replication_health"].window_column == "window_start"
    assert suites["mart_transaction_analytics"].window_column == "hour"
    assert suites["mart_connection_pool_analytics"].window_column == "hour"
    # a day without lock waits is normal: no row-count floor on raw_db_locks
    assert not [e for e in suites["raw_db_locks"].expectations if e.type == ROWS]
    (states,) = [
        e
        for e in suites["raw_db_replication"].expectations
        if e.type == IN_SET and e.column == "state"
    ]
    assert states.kwargs["value_set"] == list(REPLICATION_STATES)


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_clean_frame_passes(run, name):
    result = run(name, CLEAN[name]())
    assert result.success, result.failed_labels
    assert result.evaluated == len(result.expectations) > 0


@pytest.mark.parametrize(
    ("name", "mutate", "expected"),
    [pytest.param(n, m, e, id=f"{n}-{case}") for n, case, m, e in DIRTY],
)
def test_dirty_frame_fails_naming_the_expectation(run, name, mutate, expected):
    result = run(name, mutate(CLEAN[name]()))
    assert not result.success
    assert set(result.failed_labels) == expected


def test_every_suite_has_a_failing_case():
    assert {d[0] for d in DIRTY} == set(CLEAN)


def test_empty_lock_partition_passes(run):
    # the landing writes an empty file for a day without lock waits: the suite must not block it
    assert run("raw_db_locks", empty(clean_raw_db_locks())).success


def test_simulated_landed_partitions_pass(run, opsdw_home):
    """Two simulated hours (the lock_contention scenario in them), landed for real: every raw
    db_activity suite passes on what the landing wrote."""
    from orchestration.landing.land import land_partition
    from orchestration.quality.wiring import load_raw_partitions
    from orchestration.sources.simulator import simulate
    from orchestration.sources.simulator.incidents import Incident

    start = dt.datetime(2026, 11, 2, 5, tzinfo=dt.UTC)
    contention = Incident(
        id="lc",
        kind="lock_contention",
        start=start + dt.timedelta(minutes=40),
        end=start + dt.timedelta(minutes=70),
        component="database",
        host="db-1",
        target="app",
    )
    simulate(opsdw_home, start, start + dt.timedelta(hours=2), incidents=[contention], sources=RAW)
    for source in RAW:
        report = land_partition(source, "2026-11-02", opsdw_home)
        assert report.rows_landed > 0
        assert report.rows_read == report.rows_landed + report.rows_rejected
        result = run(f"raw_{source}", load_raw_partitions(source, ["2026-11-02"]))
        assert result.success, (source, result.failed_labels)
