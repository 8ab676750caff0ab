"""Database statistics sources: db_activity (see db_stats.py).

JSON-lines snapshots a collector takes once a minute on each PostgreSQL server, keys named like
the views' columns (pg_stat_database, pg_stat_activity, pgbouncer SHOW POOLS, pg_locks,
pg_stat_replication) plus `ts` (the snapshot's now()) and `server` (the server polled). One file
per server per hour: `inbox/<source>/<YYYY-MM-DD>/<server>-<HH>.jsonl`.
"""

from __future__ import annotations

from orchestration.sources.model import Source

# pg_stat_database's cumulative counters (reset by pg_stat_reset() or a crash restart)
DATABASE_COUNTERS: tuple[tuple[str, str], ...] = (
    ("xact_commit", "BIGINT"),
    ("xact_rollback", "BIGINT"),
    ("blks_read", "BIGINT"),
    ("blks_hit", "BIGINT"),
    ("tup_returned", "BIGINT"),
    ("tup_fetched", "BIGINT"),
    ("tup_inserted", "BIGINT"),
    ("tup_updated", "BIGINT"),
    ("tup_deleted", "BIGINT"),
    ("conflicts", "BIGINT"),
    ("temp_files", "BIGINT"),
    ("temp_bytes", "BIGINT"),
    ("deadlocks", "BIGINT"),
    ("blk_read_time", "DOUBLE"),  # ms (track_io_timing)
    ("blk_write_time", "DOUBLE"),  # ms
    ("sessions", "BIGINT"),
    ("sessions_abandoned", "BIGINT"),
    ("sessions_fatal", "BIGINT"),
    ("sessions_killed", "BIGINT"),
)


def _non_negative(columns: list[str], reason: str) -> tuple[str, str]:
    return (" AND ".join(f"{c} >= 0" for c in columns), reason)


DB_DATABASE_STATS = Source(
    name="db_database_stats",
    description="pg_stat_database snapshots: one row per database per minute, cumulative counters",
    file_glob="*.jsonl",
    parser="jsonl_records",
    columns=(
        ("ts", "TIMESTAMP"),  # snapshot time (the collector's now())
        ("server", "VARCHAR"),  # the PostgreSQL server polled
        ("datid", "BIGINT"),
        ("datname", "VARCHAR"),
        ("numbackends", "INTEGER"),  # gauge: backends connected to the database
        *DATABASE_COUNTERS,
        ("stats_reset", "TIMESTAMP"),  # when the counters last restarted from 0
    ),
    required=("ts", "server", "datname", "xact_commit", "xact_rollback", "blks_read", "blks_hit"),
    checks=(
        _non_negative(
            ["numbackends", *(c for c, _ in DATABASE_COUNTERS)], "negative counter or gauge"
        ),
        ("stats_reset <= ts", "stats_reset after the snapshot"),
    ),
    family="db_stats",
)

DB_CONNECTIONS = Source(
    name="db_connections",
    description=(
        "pg_stat_activity counted per state and the database's pgbouncer pool (SHOW POOLS): "
        "one row per database per minute"
    ),
    file_glob="*.jsonl",
    parser="jsonl_records",
    columns=(
        ("ts", "TIMESTAMP"),
        ("server", "VARCHAR"),
        ("datname", "VARCHAR"),
        ("active", "INTEGER"),  # backends in state 'active'
        ("idle", "INTEGER"),  # state 'idle'
        ("idle_in_transaction", "INTEGER"),  # state 'idle in transaction' (and '(aborted)')
        ("waiting_on_lock", "INTEGER"),  # wait_event_type = 'Lock'
        ("longest_transaction_seconds", "DOUBLE"),  # max(now() - xact_start)
        ("transactions_over_60s", "INTEGER"),  # count(now() - xact_start >= 60 s)
        ("max_connections", "INTEGER"),  # the server setting
        ("pool_mode", "VARCHAR"),  # pgbouncer: session | transaction | statement
        ("pool_size", "INTEGER"),  # pgbouncer SHOW DATABASES pool_size
        ("cl_active", "INTEGER"),  # SHOW POOLS: clients linked to a server or idle
        ("cl_waiting", "INTEGER"),  # clients waiting for a server connection
        ("sv_active", "INTEGER"),  # server connections linked to a client
        ("sv_idle", "INTEGER"),  # server connections idle, ready
        ("sv_used", "INTEGER"),  # server connections idle, to be checked
        ("maxwait", "INTEGER"),  # seconds the oldest waiting client has waited
        ("maxwait_us", "INTEGER"),  # microsecond part of maxwait
    ),
    required=("ts", "server", "datname", "active", "idle", "max_connections", "pool_size"),
    checks=(
        _non_negative(
            [
                "active",
                "idle",
                "idle_in_transaction",
                "waiting_on_lock",
                "longest_transaction_seconds",
                "transactions_over_60s",
                "cl_active",
                "cl_waiting",
                "sv_active",
                "sv_idle",
                "sv_used",
                "maxwait",
                "maxwait_us",
            ],
            "negative count",
        ),  # fmt: skip
        ("max_connections > 0 AND pool_size > 0", "max_connections and pool_size must be > 0"),
        ("maxwait_us < 1000000", "maxwait_us is the sub-second part (< 1000000)"),
    ),
    family="db_stats",
)

DB_LOCKS = Source(
    name="db_locks",
    description=(
        "ungranted pg_locks joined with pg_stat_activity: one row per waiting lock per minute "
        "(a snapshot without lock waits writes nothing)"
    ),
    file_glob="*.jsonl",
    parser="jsonl_records",
    columns=(
        ("ts", "TIMESTAMP"),
        ("server", "VARCHAR"),
        ("datname", "VARCHAR"),
        ("relation", "VARCHAR"),  # relation::regclass, NULL for a transactionid lock on no table
        ("locktype", "VARCHAR"),
        ("mode", "VARCHAR"),
        ("granted", "BOOLEAN"),
        ("pid", "INTEGER"),  # the waiting backend
        ("blocking_pid", "INTEGER"),  # pg_blocking_pids(pid)[1]
        ("waitstart", "TIMESTAMP"),  # pg_locks.waitstart (PostgreSQL 14+)
        ("wait_seconds", "DOUBLE"),  # now() - waitstart
        ("wait_event_type", "VARCHAR"),
        ("wait_event", "VARCHAR"),
        ("state", "VARCHAR"),
        ("application_name", "VARCHAR"),
        ("query", "VARCHAR"),
    ),
    required=("ts", "server", "datname", "locktype", "mode", "pid", "wait_seconds"),
    checks=(
        ("NOT granted", "a granted lock is not a lock wait"),
        ("wait_seconds >= 0", "negative wait_seconds"),
        ("waitstart <= ts", "waitstart after the snapshot"),
    ),
    family="db_stats",
)

REPLICATION_STATES = ("startup", "catchup", "streaming", "backup", "stopping")

DB_REPLICATION = Source(
    name="db_replication",
    description="pg_stat_replication snapshots: one row per replica (WAL sender) per minute",
    file_glob="*.jsonl",
    parser="jsonl_records",
    columns=(
        ("ts", "TIMESTAMP"),
        ("server", "VARCHAR"),  # the primary
        ("pid", "INTEGER"),
        ("usename", "VARCHAR"),
        ("application_name", "VARCHAR"),  # the replica's cluster_name
        ("client_addr", "VARCHAR"),
        ("backend_start", "TIMESTAMP"),
        ("state", "VARCHAR"),
        ("sent_lsn", "VARCHAR"),  # 'X/Y' hexadecimal
        ("write_lsn", "VARCHAR"),
        ("flush_lsn", "VARCHAR"),
        ("replay_lsn", "VARCHAR"),
        ("write_lag", "DOUBLE"),  # seconds (extract(epoch from write_lag))
        ("flush_lag", "DOUBLE"),
        ("replay_lag", "DOUBLE"),
        ("sync_priority", "INTEGER"),
        ("sync_state", "VARCHAR"),
        ("reply_time", "TIMESTAMP"),
    ),
    required=("ts", "server", "application_name", "state"),
    checks=(
        (
            "state IN (" + ", ".join(f"'{s}'" for s in REPLICATION_STATES) + ")",
            "unknown replication state",
        ),
        (
            " AND ".join(
                f"regexp_full_match({c}, '[0-9A-F]{{1,8}}/[0-9A-F]{{1,8}}')"
                for c in ("sent_lsn", "write_lsn", "flush_lsn", "replay_lsn")
            ),
            "LSN is not 'X/Y' hexadecimal",
        ),
        ("write_lag >= 0 AND flush_lag >= 0 AND replay_lag >= 0", "negative lag"),
    ),
    family="db_stats",
)

SOURCES: tuple[Source, ...] = (DB_DATABASE_STATS, DB_CONNECTIONS, DB_LOCKS, DB_REPLICATION)
