"""Database statistics sources: db_objects (statements, tables, indexes, query cache).

JSON-lines snapshots whose keys are the real views' column names (pg_stat_statements,
pg_stat_user_tables + pg_statio_user_tables, pg_stat_user_indexes + pg_statio_user_indexes +
pg_index) or, for the query cache, ProxySQL's Query_Cache_* status variables. Counters are
cumulative; the intermediate models turn them into reset-safe deltas.
"""

from __future__ import annotations

from orchestration.sources.model import Source


def _non_negative(*columns: str) -> tuple[tuple[str, str], ...]:
    return tuple((f"{c} >= 0", f"negative {c}") for c in columns)


_RESET_BEFORE_TS = ("stats_reset <= ts", "stats_reset after the snapshot")

DB_STATEMENTS = Source(
    name="db_statements",
    description=(
        "pg_stat_statements snapshots (joined to pg_database for datname and to "
        "pg_stat_statements_info for stats_reset), one row per statement, every 5 minutes"
    ),
    file_glob="*.jsonl",
    parser="jsonl_records",
    columns=(
        ("ts", "TIMESTAMP"),  # when the collector read the view
        ("server", "VARCHAR"),  # the PostgreSQL server polled
        ("datname", "VARCHAR"),
        ("queryid", "BIGINT"),
        ("query", "VARCHAR"),  # normalised text ($1, $2 for constants)
        ("calls", "BIGINT"),  # cumulative since stats_reset
        ("total_exec_time", "DOUBLE"),  # ms, cumulative
        ("min_exec_time", "DOUBLE"),  # ms, since stats_reset
        ("max_exec_time", "DOUBLE"),  # ms, since stats_reset
        ("mean_exec_time", "DOUBLE"),  # ms, since stats_reset
        ("stddev_exec_time", "DOUBLE"),  # ms, since stats_reset
        ("rows", "BIGINT"),  # cumulative
        ("shared_blks_hit", "BIGINT"),  # cumulative
        ("shared_blks_read", "BIGINT"),  # cumulative
        ("stats_reset", "TIMESTAMP"),  # pg_stat_statements_info.stats_reset
    ),
    required=("ts", "server", "datname", "queryid", "query", "calls", "total_exec_time"),
    checks=(
        *_non_negative(
            "calls",
            "total_exec_time",
            "mean_exec_time",
            "rows",
            "shared_blks_hit",
            "shared_blks_read",
        ),  # fmt: skip
        ("max_exec_time >= min_exec_time", "max_exec_time below min_exec_time"),
        _RESET_BEFORE_TS,
    ),
    family="db_stats",
)

DB_TABLES = Source(
    name="db_tables",
    description=(
        "pg_stat_user_tables + pg_statio_user_tables snapshots with pg_relation_size and "
        "pg_total_relation_size, one row per table, every 5 minutes"
    ),
    file_glob="*.jsonl",
    parser="jsonl_records",
    columns=(
        ("ts", "TIMESTAMP"),
        ("server", "VARCHAR"),  # the PostgreSQL server polled
        ("datname", "VARCHAR"),
        ("schemaname", "VARCHAR"),
        ("relname", "VARCHAR"),
        ("seq_scan", "BIGINT"),  # cumulative counters from here to idx_blks_hit
        ("seq_tup_read", "BIGINT"),
        ("idx_scan", "BIGINT"),  # NULL for a table without indexes
        ("idx_tup_fetch", "BIGINT"),
        ("n_tup_ins", "BIGINT"),
        ("n_tup_upd", "BIGINT"),
        ("n_tup_del", "BIGINT"),
        ("n_live_tup", "BIGINT"),  # gauge
        ("n_dead_tup", "BIGINT"),  # gauge
        ("heap_blks_read", "BIGINT"),
        ("heap_blks_hit", "BIGINT"),
        ("idx_blks_read", "BIGINT"),
        ("idx_blks_hit", "BIGINT"),
        ("last_vacuum", "TIMESTAMP"),
        ("last_autovacuum", "TIMESTAMP"),
        ("last_analyze", "TIMESTAMP"),
        ("last_autoanalyze", "TIMESTAMP"),
        ("table_size_bytes", "BIGINT"),  # pg_relation_size(relid)
        ("total_relation_size_bytes", "BIGINT"),  # pg_total_relation_size(relid)
        ("stats_reset", "TIMESTAMP"),  # pg_stat_database.stats_reset of datname
    ),
    required=("ts", "server", "datname", "schemaname", "relname", "seq_scan", "n_live_tup"),
    checks=(
        *_non_negative(
            "seq_scan",
            "seq_tup_read",
            "idx_scan",
            "idx_tup_fetch",
            "n_tup_ins",
            "n_tup_upd",
            "n_tup_del",
            "n_live_tup",
            "n_dead_tup",
            "heap_blks_read",
            "heap_blks_hit",
            "idx_blks_read",
            "idx_blks_hit",
            "table_size_bytes",
            "total_relation_size_bytes",
        ),  # fmt: skip
        _RESET_BEFORE_TS,
    ),
    family="db_stats",
)

DB_INDEXES = Source(
    name="db_indexes",
    description=(
        "pg_stat_user_indexes + pg_statio_user_indexes snapshots with pg_index's flags, the "
        "index's column list, pg_relation_size and pg_stats.n_distinct of its leading column, "
        "one row per index, every 15 minutes"
    ),
    file_glob="*.jsonl",
    parser="jsonl_records",
    columns=(
        ("ts", "TIMESTAMP"),
        ("server", "VARCHAR"),  # the PostgreSQL server polled
        ("datname", "VARCHAR"),
        ("schemaname", "VARCHAR"),
        ("relname", "VARCHAR"),
        ("indexrelname", "VARCHAR"),
        ("idx_scan", "BIGINT"),  # cumulative counters from here to idx_blks_hit
        ("idx_tup_read", "BIGINT"),
        ("idx_tup_fetch", "BIGINT"),
        ("idx_blks_read", "BIGINT"),
        ("idx_blks_hit", "BIGINT"),
        ("index_size_bytes", "BIGINT"),  # pg_relation_size(indexrelid)
        ("indisunique", "BOOLEAN"),
        ("indisprimary", "BOOLEAN"),
        ("index_columns", "VARCHAR"),  # indkey as column names, comma-separated, in order
        ("leading_column_n_distinct", "DOUBLE"),  # pg_stats.n_distinct (< 0: −fraction of rows)
        ("stats_reset", "TIMESTAMP"),  # pg_stat_database.stats_reset of datname
    ),
    required=(
        "ts",
        "server",
        "datname",
        "schemaname",
        "relname",
        "indexrelname",
        "idx_scan",
        "index_size_bytes",
        "indisunique",
        "indisprimary",
        "index_columns",
    ),  # fmt: skip
    checks=(
        *_non_negative(
            "idx_scan",
            "idx_tup_read",
            "idx_tup_fetch",
            "idx_blks_read",
            "idx_blks_hit",
            "index_size_bytes",
        ),  # fmt: skip
        ("NOT indisprimary OR indisunique", "primary index not unique"),
        _RESET_BEFORE_TS,
    ),
    family="db_stats",
)

DB_QUERY_CACHE = Source(
    name="db_query_cache",
    description=(
        "query-cache snapshots of the ProxySQL in front of each database: its Query_Cache_* "
        "status variables, ProxySQL_Uptime and query_cache_size_MB, one row per database, "
        "every 60 s"
    ),
    file_glob="*.jsonl",
    parser="jsonl_records",
    columns=(
        ("ts", "TIMESTAMP"),
        ("server", "VARCHAR"),  # the PostgreSQL server behind the ProxySQL
        ("datname", "VARCHAR"),  # the database whose pool this ProxySQL fronts
        ("ProxySQL_Uptime", "BIGINT"),  # seconds since start: a restart resets every counter
        ("Query_Cache_count_GET", "BIGINT"),  # lookups, cumulative
        ("Query_Cache_count_GET_OK", "BIGINT"),  # hits, cumulative
        ("Query_Cache_count_SET", "BIGINT"),  # inserts, cumulative
        ("Query_Cache_Purged", "BIGINT"),  # entries evicted (expired or purged), cumulative
        ("Query_Cache_Entries", "BIGINT"),  # gauge
        ("Query_Cache_Memory_bytes", "BIGINT"),  # gauge
        ("query_cache_size_MB", "BIGINT"),  # the configured limit
    ),
    required=("ts", "server", "datname", "Query_Cache_count_GET", "Query_Cache_count_GET_OK"),
    checks=(
        *_non_negative(
            "ProxySQL_Uptime",
            "Query_Cache_count_GET",
            "Query_Cache_count_GET_OK",
            "Query_Cache_count_SET",
            "Query_Cache_Purged",
            "Query_Cache_Entries",
            "Query_Cache_Memory_bytes",
            "query_cache_size_MB",
        ),  # fmt: skip
        ("Query_Cache_count_GET_OK <= Query_Cache_count_GET", "cache hits exceed lookups"),
    ),
    family="db_stats",
)

SOURCES: tuple[Source, ...] = (DB_STATEMENTS, DB_TABLES, DB_INDEXES, DB_QUERY_CACHE)
