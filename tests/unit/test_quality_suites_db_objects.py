"""The database-objects GX suites: each passes on clean data and names what fails on dirty data.

GX runs for real (see test_quality_suites.py for the shared helpers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
import pytest

from orchestration.quality.suites import Suite, load_suites
from orchestration.sources.catalog import SOURCES
from tests.unit.test_quality_suites import _raw_frame, drop, duplicate_row, empty, setv

T0 = pd.Timestamp("2026-11-03 10:00:00")
RESET = pd.Timestamp("2026-11-03 04:02:30.481207")
MIB = 1024 * 1024


def ts(minutes: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(minutes=minutes)


# --------------------------------------------------------------------------- clean frames


def clean_raw_db_statements() -> pd.DataFrame:
    return _raw_frame(
        "db_statements",
        {
            "ts": [ts(0), ts(0), ts(5)],
            "server": ["db-1"] * 3,
            "datname": ["app", "app", "analytics"],
            "queryid": [-2251005033982311669, 42, 7],
            "query": ["SELECT * FROM orders WHERE id = $1", "SELECT $1", "INSERT INTO events ..."],
            "calls": [120, 0, 5],  # 0: a statement not called since the reset
            "total_exec_time": [36.0, 0.0, 1.5],
            "min_exec_time": [0.05, None, 0.2],
            "max_exec_time": [2.5, None, 0.5],
            "mean_exec_time": [0.3, 0.0, 0.3],
            "stddev_exec_time": [0.1, 0.0, 0.1],
            "rows": [120, 0, 5],
            "shared_blks_hit": [480, 0, 25],
            "shared_blks_read": [1, 0, 0],
            "stats_reset": [RESET] * 3,
        },
    )


def clean_raw_db_tables() -> pd.DataFrame:
    return _raw_frame(
        "db_tables",
        {
            "ts": [ts(0), ts(0), ts(5)],
            "server": ["db-1"] * 3,
            "datname": ["app", "app", "app"],
            "schemaname": ["public"] * 3,
            "relname": ["orders", "audit_log", "orders"],
            "seq_scan": [3, 120, 3],
            "seq_tup_read": [6_000_000, 360_000_000, 6_000_000],
            "idx_scan": [50_000, None, 50_400],  # NULL: a table without indexes
            "idx_tup_fetch": [60_000, None, 60_500],
            "n_tup_ins": [900, 1500, 910],
            "n_tup_upd": [600, 0, 605],
            "n_tup_del": [0, 0, 0],
            "n_live_tup": [2_001_000, 3_000_000, 2_001_010],
            "n_dead_tup": [1200, 0, 1210],
            "heap_blks_read": [10, 400, 11],
            "heap_blks_hit": [90_000, 1_500_000, 91_000],
            "idx_blks_read": [5, None, 5],
            "idx_blks_hit": [150_000, None, 151_000],
            "last_vacuum": [RESET, None, RESET],
            "last_autovacuum": [ts(-30), None, ts(-30)],
            "last_analyze": [RESET, None, RESET],
            "last_autoanalyze": [ts(-29), None, ts(-29)],
            "table_size_bytes": [410_206_208, 420_421_632, 410_206_208],
            "total_relation_size_bytes": [657_547_264, 483_000_000, 657_547_264],
            "stats_reset": [RESET] * 3,
        },
    )


def clean_raw_db_indexes() -> pd.DataFrame:
    return _raw_frame(
        "db_indexes",
        {
            "ts": [ts(0), ts(0), ts(15)],
            "server": ["db-1"] * 3,
            "datname": ["app"] * 3,
            "schemaname": ["public"] * 3,
            "relname": ["orders"] * 3,
            "indexrelname": ["orders_pkey", "idx_orders_customer_created", "orders_pkey"],
            "idx_scan": [13_630_870, 0, 13_640_000],
            "idx_tup_read": [13_570_964, 0, 13_580_000],
            "idx_tup_fetch": [13_570_964, 0, 13_580_000],
            "idx_blks_read": [81_921, 0, 81_930],
            "idx_blks_hit": [40_878_842, 0, 40_900_000],
            "index_size_bytes": [44_023_808, 80_044_032, 44_023_808],
            "indisunique": [True, False, True],
            "indisprimary": [True, False, True],
            "index_columns": ["id", "customer_id,created_at", "id"],
            "leading_column_n_distinct": [-1.0, 180_000.0, -1.0],
            "stats_reset": [RESET] * 3,
        },
    )


def clean_raw_db_query_cache() -> pd.DataFrame:
    return _raw_frame(
        "db_query_cache",
        {
            "ts": [ts(0), ts(0), ts(1)],
            "server": ["db-1"] * 3,
            "datname": ["app", "analytics", "app"],
            "ProxySQL_Uptime": [21_450, 21_450, 21_510],
            "Query_Cache_count_GET": [10_158_315, 1_014_196, 10_159_500],
            "Query_Cache_count_GET_OK": [8_939_482, 750_305, 8_940_530],
            "Query_Cache_count_SET": [1_096_949, 237_501, 1_097_060],
            "Query_Cache_Purged": [109_996, 154_301, 110_010],
            "Query_Cache_Entries": [21_474, 1_367, 21_480],
            "Query_Cache_Memory_bytes": [193_273_528, 65_643_358, 193_300_000],
            "query_cache_size_MB": [256, 64, 256],
        },
    )


DAY = dt.date(2026, 11, 3)


def clean_mart_query_performance() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "stat_date": [DAY, DAY, DAY],
            "server": ["db-1"] * 3,
            "database_name": ["app", "app", "analytics"],
            "queryid": [1, 2, 3],
            "query": ["SELECT $1", "SELECT * FROM audit_log WHERE ...", "INSERT ..."],
            "calls": [120, 420, 2_562_755],
            "total_exec_time_ms": [2640.0, 188_625.0, 770_000.0],
            "mean_exec_time_ms": [22.0, 449.1, 0.3],
            "max_exec_time_ms": [130.0, 1117.3, 1.04],
            "total_time_share": [0.003, 0.2, 0.797],
            "rows": [1200, 2520, 2_562_755],
            "rows_per_call": [10.0, 6.0, 1.0],
            "shared_blks_hit": [1800, 19_950_000, 12_800_000],
            "shared_blks_read": [200, 1_050_000, 38_000],
            "shared_blks_hit_ratio": [0.9, 0.95, None],
            "is_slow": [True, True, False],
            "previous_mean_exec_time_ms": [4.0, None, 0.3],
            "mean_time_ratio": [5.5, None, 1.0],
            "is_regression": [True, False, False],
        }
    )


def clean_mart_index_effectiveness() -> pd.DataFrame:
    start, end = pd.Timestamp("2026-11-02 00:00:00"), pd.Timestamp("2026-11-03 23:45:00")
    return pd.DataFrame(
        {
            "server": ["db-1"] * 3,
            "database_name": ["app"] * 3,
            "schemaname": ["public"] * 3,
            "relname": ["orders"] * 3,
            "indexrelname": ["idx_orders_legacy_status", "idx_orders_customer", "orders_pkey"],
            "index_columns": ["status", "customer_id", "id"],
            "is_unique": [False, False, True],
            "is_primary": [False, False, True],
            "observed_from": [start] * 3,
            "observed_to": [end] * 3,
            "observed_seconds": [171_900] * 3,
            "idx_scan": [0, 14_250, 4_587_849],
            "idx_tup_read": [0, 171_000, 4_587_849],
            "idx_tup_fetch": [0, 171_000, 4_587_849],
            "scans_per_second": [0.0, 0.0829, 26.689],
            "idx_blks_hit_ratio": [None, 0.998, 0.998],
            "index_size_bytes": [67_207_168, 56_025_088, 44_023_808],
            "table_size_bytes": [410_206_208] * 3,
            "n_live_tup": [2_001_000] * 3,
            "size_ratio": [0.164, 0.137, 0.107],
            "selectivity": [2.5e-06, 0.09, 1.0],
            "index_status": ["unused", "effective", "effective"],
            "is_duplicate": [False, True, False],
            "duplicate_of": [None, "idx_orders_customer_created", None],
            "drop_statement": [
                "DROP INDEX CONCURRENTLY public.idx_orders_legacy_status;",
                "DROP INDEX CONCURRENTLY public.idx_orders_customer;",
                None,
            ],
            "recommendation": [
                "DROP INDEX CONCURRENTLY public.idx_orders_legacy_status;",
                "DROP INDEX CONCURRENTLY public.idx_orders_customer; -- duplicate of "
                "idx_orders_customer_created",
                "No action needed",
            ],
        }
    )


def clean_mart_table_scan_hotspots() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "stat_date": [DAY, DAY],
            "server": ["db-1"] * 2,
            "database_name": ["app", "analytics"],
            "schemaname": ["public", "reporting"],
            "relname": ["audit_log", "events_archive"],
            "n_live_tup": [3_004_495, 10_000],
            "table_size_bytes": [420_634_624, 1_638_400],
            "seq_scan": [426, 4],
            "seq_tup_read": [1_279_618_000, 40_000],
            "idx_scan": [116, 0],
            "idx_tup_fetch": [117, 0],
            "index_usage_ratio": [0.214022, 0.0],
            "avg_rows_per_seq_scan": [3_003_799.1, 10_000.0],
        }
    )


def clean_mart_cache_effectiveness() -> pd.DataFrame:
    hour = pd.Timestamp("2026-11-02 19:00:00")
    return pd.DataFrame(
        {
            "hour": [hour, hour, hour + pd.Timedelta(hours=1)],
            "server": ["db-1"] * 3,
            "database_name": ["app", "analytics", "analytics"],
            "heap_blks_hit": [5_000_000, 900_000, None],
            "heap_blks_read": [15_000, 82_000, None],
            "buffer_hit_ratio": [0.997009, 0.916497, None],
            "buffer_cache_status": ["good", "low", None],
            "idx_blks_hit": [2_000_000, 90_000, None],
            "idx_blks_read": [4_000, 8_000, None],
            "index_hit_ratio": [0.998004, 0.918367, None],
            "index_cache_status": ["good", "low", None],
            "query_cache_hits": [63_000, 5_300, 5_400],
            "query_cache_misses": [9_000, 1_900, 1_800],
            "query_cache_inserts": [8_100, 1_710, 1_620],
            "query_cache_evictions": [810, 1_150, 1_050],
            "query_cache_hit_ratio": [0.875, 0.736111, 0.75],
            "query_cache_eviction_ratio": [0.1, 0.672515, 0.648148],
            "avg_cache_memory_mb": [184.3, 62.3, 61.8],
            "max_cache_memory_mb": [186.2, 62.7, 62.4],
            "cache_memory_limit_mb": [256.0, 64.0, 64.0],
            "cache_performance": ["excellent", "good", "good"],
            "cache_recommendation": ["optimal", "cache_too_small", "cache_too_small"],
        }
    )


CLEAN: dict[str, Callable[[], pd.DataFrame]] = {
    "raw_db_statements": clean_raw_db_statements,
    "raw_db_tables": clean_raw_db_tables,
    "raw_db_indexes": clean_raw_db_indexes,
    "raw_db_query_cache": clean_raw_db_query_cache,
    "mart_query_performance": clean_mart_query_performance,
    "mart_index_effectiveness": clean_mart_index_effectiveness,
    "mart_table_scan_hotspots": clean_mart_table_scan_hotspots,
    "mart_cache_effectiveness": clean_mart_cache_effectiveness,
}

# --------------------------------------------------------------------------- dirty variants

BETWEEN = "expect_column_values_to_be_between"
NOT_NULL = "expect_column_values_to_not_be_null"
IN_SET = "expect_column_values_to_be_in_set"
UNIQUE = "expect_column_values_to_be_unique"
GRAIN = "expect_compound_columns_to_be_unique"
COLUMNS = "expect_table_columns_to_match_set"
ROWS = "expect_table_row_count_to_be_between"
PAIR = "expect_column_pair_values_a_to_be_greater_than_b"
REGEX = "expect_column_values_to_match_regex"

STMT_GRAIN = f"{GRAIN}(server,datname,queryid,ts)"
TABLE_GRAIN = f"{GRAIN}(server,datname,schemaname,relname,ts)"
INDEX_GRAIN = f"{GRAIN}(server,datname,schemaname,indexrelname,ts)"
QC_GRAIN = f"{GRAIN}(server,datname,ts)"

# (suite, case id, mutation, exactly the expectations that must fail)
# fmt: off
DIRTY = [
    # raw_db_statements
    ("raw_db_statements", "negative_calls", setv("calls", 0, -1), {f"{BETWEEN}(calls)"}),
    ("raw_db_statements", "max_below_min", setv("max_exec_time", 0, 0.01), {f"{PAIR}(max_exec_time,min_exec_time)"}),
    ("raw_db_statements", "null_query", setv("query", 2, None), {f"{NOT_NULL}(query)"}),
    # rows 0 and 1 share a snapshot: the same queryid twice in it
    ("raw_db_statements", "statement_twice_in_a_snapshot", setv("queryid", 1, -2251005033982311669), {STMT_GRAIN}),
    ("raw_db_statements", "duplicate_line", duplicate_row(2), {f"{UNIQUE}(event_id)", STMT_GRAIN}),
    ("raw_db_statements", "missing_stats_reset", drop("stats_reset"), {COLUMNS}),
    ("raw_db_statements", "empty", empty, {ROWS}),
    # raw_db_tables
    ("raw_db_tables", "negative_dead_rows", setv("n_dead_tup", 1, -5), {f"{BETWEEN}(n_dead_tup)"}),
    ("raw_db_tables", "null_relname", setv("relname", 0, None), {f"{NOT_NULL}(relname)"}),
    ("raw_db_tables", "table_twice_in_a_snapshot", setv("relname", 1, "orders"), {TABLE_GRAIN}),
    ("raw_db_tables", "bad_event_id", setv("event_id", 0, "no-line-number"), {f"{REGEX}(event_id)"}),
    # raw_db_indexes
    ("raw_db_indexes", "empty_column_in_list", setv("index_columns", 1, "customer_id,,created_at"), {f"{REGEX}(index_columns)"}),
    ("raw_db_indexes", "null_indisprimary", setv("indisprimary", 0, None), {f"{NOT_NULL}(indisprimary)"}),
    ("raw_db_indexes", "negative_size", setv("index_size_bytes", 2, -8192), {f"{BETWEEN}(index_size_bytes)"}),
    ("raw_db_indexes", "index_twice_in_a_snapshot", setv("indexrelname", 1, "orders_pkey"), {INDEX_GRAIN}),
    # raw_db_query_cache
    ("raw_db_query_cache", "hits_above_lookups", setv("Query_Cache_count_GET_OK", 1, 2_000_000), {f"{PAIR}(Query_Cache_count_GET,Query_Cache_count_GET_OK)"}),
    ("raw_db_query_cache", "size_0", setv("query_cache_size_MB", 0, 0), {f"{BETWEEN}(query_cache_size_MB)"}),
    ("raw_db_query_cache", "negative_purged", setv("Query_Cache_Purged", 2, -1), {f"{BETWEEN}(Query_Cache_Purged)"}),
    ("raw_db_query_cache", "database_twice_in_a_snapshot", setv("datname", 1, "app"), {QC_GRAIN}),
    ("raw_db_query_cache", "null_datname", setv("datname", 2, None), {f"{NOT_NULL}(datname)"}),
    # mart_query_performance
    ("mart_query_performance", "calls_0", setv("calls", 0, 0), {f"{BETWEEN}(calls)"}),
    ("mart_query_performance", "share_1_2", setv("total_time_share", 2, 1.2), {f"{BETWEEN}(total_time_share)"}),
    ("mart_query_performance", "null_is_slow", setv("is_slow", 1, None), {f"{NOT_NULL}(is_slow)"}),
    ("mart_query_performance", "negative_ratio", setv("mean_time_ratio", 0, -1.0), {f"{BETWEEN}(mean_time_ratio)"}),
    ("mart_query_performance", "duplicate_grain", duplicate_row(1), {f"{GRAIN}(stat_date,server,database_name,queryid)"}),
    ("mart_query_performance", "missing_column", drop("rows_per_call"), {COLUMNS}),
    # mart_index_effectiveness
    ("mart_index_effectiveness", "status_bogus", setv("index_status", 1, "zombie"), {f"{IN_SET}(index_status)"}),
    ("mart_index_effectiveness", "drop_without_concurrently", setv("drop_statement", 0, "DROP INDEX public.idx_orders_legacy_status;"), {f"{REGEX}(drop_statement)"}),
    ("mart_index_effectiveness", "selectivity_2", setv("selectivity", 2, 2.0), {f"{BETWEEN}(selectivity)"}),
    ("mart_index_effectiveness", "null_recommendation", setv("recommendation", 2, None), {f"{NOT_NULL}(recommendation)"}),
    ("mart_index_effectiveness", "duplicate_grain", duplicate_row(0), {f"{GRAIN}(server,database_name,schemaname,indexrelname)"}),
    # mart_table_scan_hotspots
    ("mart_table_scan_hotspots", "usage_0_97", setv("index_usage_ratio", 0, 0.97), {f"{BETWEEN}(index_usage_ratio)"}),
    ("mart_table_scan_hotspots", "small_table", setv("n_live_tup", 1, 9_999), {f"{BETWEEN}(n_live_tup)"}),
    ("mart_table_scan_hotspots", "duplicate_grain", duplicate_row(0), {f"{GRAIN}(stat_date,server,database_name,schemaname,relname)"}),
    # mart_cache_effectiveness
    ("mart_cache_effectiveness", "ratio_1_5", setv("buffer_hit_ratio", 0, 1.5), {f"{BETWEEN}(buffer_hit_ratio)"}),
    ("mart_cache_effectiveness", "status_bogus", setv("buffer_cache_status", 1, "ok"), {f"{IN_SET}(buffer_cache_status)"}),
    ("mart_cache_effectiveness", "class_bogus", setv("cache_performance", 2, "great"), {f"{IN_SET}(cache_performance)"}),
    ("mart_cache_effectiveness", "duplicate_grain", duplicate_row(2), {f"{GRAIN}(hour,server,database_name)"}),
    ("mart_cache_effectiveness", "empty", empty, {ROWS}),
]
# fmt: on


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def suites() -> dict[str, Suite]:
    return {s.name: s for s in load_suites() if s.name in CLEAN}


# `run` comes from tests/unit/conftest.py (it uses this module's `suites`)


# --------------------------------------------------------------------------- tests


def test_one_suite_per_source_and_mart(suites):
    assert set(suites) == set(CLEAN)
    for name in ("db_statements", "db_tables", "db_indexes", "db_query_cache"):
        suite = suites[f"raw_{name}"]
        assert suite.blocking is True and suite.asset == ("raw", name)
        (spec,) = [e for e in suite.expectations if e.type == COLUMNS]
        assert spec.kwargs["column_set"] == [c for c, _ in SOURCES[name].raw_columns]
    windows = {"query_performance": "stat_date", "table_scan_hotspots": "stat_date"}
    windows |= {"cache_effectiveness": "hour", "index_effectiveness": None}
    for mart, window in windows.items():
        suite = suites[f"mart_{mart}"]
        assert suite.blocking is False and suite.asset == (mart,)
        assert suite.window_column == window


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


def test_a_day_without_hotspots_is_not_a_failure(run):
    # table_scan_hotspots only holds candidates: an empty window is a healthy one
    assert run("mart_table_scan_hotspots", empty(clean_mart_table_scan_hotspots())).success


def test_every_suite_has_a_failing_case():
    assert {d[0] for d in DIRTY} == set(CLEAN)
