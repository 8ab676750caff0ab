"""The database objects the db_objects simulator plays on db-1: tables, indexes, statements and
the query caches in front of the two databases, with their calm-period rates.

Rates are per second (or per hour where named), for the daily mean; the load follows the API's
daily shape. Sizes grow slowly from their values on GROWTH_ANCHOR_S (2026-11-01).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from orchestration.sources.simulator.db_topology import DATABASES

GROWTH_ANCHOR_S = 1_793_491_200  # 2026-11-01T00:00:00Z
GROWTH_PER_DAY = 0.0005  # live rows (and so sizes) grow by 0.05 % a day
PAGE = 8192


@dataclass(frozen=True)
class Table:
    datname: str
    schemaname: str
    relname: str
    rows: int  # n_live_tup on GROWTH_ANCHOR_S
    row_bytes: float  # heap bytes per live row (bloat included)
    seq_scans_per_h: float
    ins_per_s: float
    upd_per_s: float
    del_per_s: float
    autovacuum_every_h: float  # autovacuum (and autoanalyze) period
    autovacuum_phase_h: float


@dataclass(frozen=True)
class Index:
    datname: str
    schemaname: str
    relname: str
    indexrelname: str
    columns: str  # the indkey column list as text
    is_unique: bool
    is_primary: bool
    scans_per_h: float
    tup_per_scan: float  # idx_tup_read per scan
    fetch_fraction: float  # idx_tup_fetch / idx_tup_read
    entry_bytes: float  # index bytes per live row of its table
    n_distinct: float  # pg_stats.n_distinct of the leading column (< 0: minus a fraction of rows)
    nightly_scan_at_h: float | None = None  # a scheduled job scans it once a day at this UTC hour

    @property
    def key(self) -> str:
        return f"{self.datname}.{self.indexrelname}"


@dataclass(frozen=True)
class Statement:
    label: str  # what scenarios name it by (slow_query_regression's target)
    datname: str
    query: str  # normalised text, constants replaced by $n as pg_stat_statements shows it
    calls_per_s: float
    mean_ms: float
    cv: float  # stddev / mean of one execution's time
    rows_per_call: float
    blks_per_call: float  # shared blocks touched per call
    miss: float  # fraction of those blocks read from outside shared buffers

    @property
    def queryid(self) -> int:
        """A stable signed 64-bit id, like pg_stat_statements' queryid."""
        digest = hashlib.blake2b(f"{self.datname}\x1f{self.query}".encode(), digest_size=8)
        return int.from_bytes(digest.digest(), "big", signed=True)


@dataclass(frozen=True)
class QueryCache:
    datname: str  # the database whose pool the cache fronts
    lookups_per_s: float  # Query_Cache_count_GET
    hit_ratio: float
    insert_fraction: float  # misses whose result set gets cached (Query_Cache_count_SET)
    purge_fraction: float  # purged entries per insert (Query_Cache_Purged)
    size_mb: int  # query_cache_size_MB
    fill: float  # memory used / limit
    entry_bytes: int  # mean bytes per cached result set


# fmt: off
TABLES: tuple[Table, ...] = (
    Table("app", "public", "orders", 2_000_000, 205.0, 0.5, 3.0, 2.0, 0.0, 3.0, 0.4),
    Table("app", "public", "order_items", 6_000_000, 104.0, 0.2, 9.0, 0.3, 0.0, 6.0, 1.1),
    Table("app", "public", "customers", 200_000, 300.0, 1.0, 0.2, 0.5, 0.0, 8.0, 2.5),
    Table("app", "public", "payments", 1_500_000, 160.0, 0.3, 2.5, 1.0, 0.0, 4.0, 0.9),
    # read by entity without an index: the sequentially scanned one (a missing-index candidate)
    Table("app", "public", "audit_log", 3_000_000, 140.0, 18.0, 5.0, 0.0, 0.0, 12.0, 5.0),
    Table("app", "public", "settings", 40, 200.0, 3600.0, 0.0, 0.001, 0.0, 24.0, 3.0),
    Table("analytics", "reporting", "events", 8_000_000, 172.0, 0.1, 30.0, 0.0, 0.0, 2.0, 0.2),
    Table("analytics", "reporting", "daily_rollups", 50_000, 96.0, 2.0, 0.02, 1.0, 0.0, 6.0, 4.2),
)

INDEXES: tuple[Index, ...] = (
    Index("app", "public", "orders", "orders_pkey", "id", True, True, 97_200, 1, 1.0, 22.0, -1),
    Index("app", "public", "orders", "idx_orders_customer_created", "customer_id,created_at", False, False, 21_600, 12, 1.0, 40.0, 180_000),
    # duplicate: its columns are a leading prefix of idx_orders_customer_created's
    Index("app", "public", "orders", "idx_orders_customer", "customer_id", False, False, 300, 12, 1.0, 28.0, 180_000),
    # ~64 MiB on a status column; scanned 30 times an hour unless unused_index idles it
    Index("app", "public", "orders", "idx_orders_legacy_status", "status", False, False, 30, 2_000, 0.05, 33.6, 5),
    Index("app", "public", "order_items", "order_items_pkey", "id", True, True, 200, 1, 1.0, 22.0, -1),
    Index("app", "public", "order_items", "idx_order_items_order_id", "order_id", False, False, 72_000, 3, 1.0, 24.0, -0.33),
    Index("app", "public", "customers", "customers_pkey", "id", True, True, 54_000, 1, 1.0, 22.0, -1),
    # unique, never scanned (lookups go by id): it enforces uniqueness, it is not unused
    Index("app", "public", "customers", "customers_email_key", "email", True, False, 0, 1, 1.0, 64.0, -1),
    # never scanned but small (~8 MB): not worth calling unused
    Index("app", "public", "customers", "idx_customers_referral_code", "referral_code", False, False, 0, 1, 1.0, 40.0, -0.9),
    # a trigram index larger than half its table, scanned ~12 times an hour: oversized
    Index("app", "public", "customers", "idx_customers_full_name_trgm", "full_name", False, False, 12, 40, 0.5, 200.0, -0.95),
    Index("app", "public", "payments", "payments_pkey", "id", True, True, 100, 1, 1.0, 22.0, -1),
    Index("app", "public", "payments", "idx_payments_order_id", "order_id", False, False, 7_200, 1.2, 1.0, 24.0, -0.95),
    # scanned once a night by the reconciliation job: rarely used
    Index("app", "public", "payments", "idx_payments_settled_at", "settled_at", False, False, 0, 30_000, 1.0, 24.0, -0.8, nightly_scan_at_h=1.5),
    Index("app", "public", "audit_log", "audit_log_pkey", "id", True, True, 5, 1, 1.0, 22.0, -1),
    Index("app", "public", "settings", "settings_pkey", "key", True, True, 120, 1, 1.0, 400.0, -1),
    Index("analytics", "reporting", "events", "events_pkey", "id", True, True, 200, 1, 1.0, 22.0, -1),
    Index("analytics", "reporting", "events", "idx_events_occurred_at", "occurred_at", False, False, 12, 330_000, 1.0, 24.0, -0.6),
    # 8 distinct kinds in 8M rows: low selectivity
    Index("analytics", "reporting", "events", "idx_events_kind", "kind", False, False, 60, 40_000, 1.0, 16.0, 8),
    Index("analytics", "reporting", "daily_rollups", "daily_rollups_pkey", "day,metric", True, True, 600, 1, 1.0, 40.0, -1),
)

STATEMENTS: tuple[Statement, ...] = (
    Statement("orders_by_customer", "app",
              "SELECT o.id, o.status, o.total_cents, o.created_at FROM orders o WHERE o.customer_id = $1 "
              "AND o.created_at >= $2 ORDER BY o.created_at DESC LIMIT $3",
              6.0, 4.0, 0.5, 12, 40, 0.002),
    Statement("order_by_id", "app", "SELECT * FROM orders WHERE id = $1", 25.0, 0.3, 0.4, 1, 4, 0.001),
    Statement("insert_order", "app",
              "INSERT INTO orders (customer_id, status, total_cents, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
              3.0, 1.2, 0.5, 1, 12, 0.004),
    Statement("update_order_status", "app", "UPDATE orders SET status = $1, updated_at = now() WHERE id = $2",
              2.0, 0.8, 0.5, 1, 8, 0.003),
    Statement("items_by_order", "app", "SELECT * FROM order_items WHERE order_id = $1", 20.0, 0.5, 0.4, 3, 7, 0.002),
    Statement("customer_by_id", "app", "SELECT id, email, full_name FROM customers WHERE id = $1",
              15.0, 0.2, 0.4, 1, 4, 0.001),
    Statement("customer_search", "app", "SELECT id, full_name FROM customers WHERE full_name ILIKE $1 LIMIT $2",
              12 / 3600, 12.0, 0.8, 20, 300, 0.01),
    Statement("insert_payment", "app",
              "INSERT INTO payments (order_id, amount_cents, method, created_at) VALUES ($1, $2, $3, $4)",
              2.5, 1.5, 0.5, 1, 10, 0.004),
    # no index on (entity_type, entity_id): a sequential scan of audit_log each call
    Statement("audit_by_entity", "app",
              "SELECT * FROM audit_log WHERE entity_type = $1 AND entity_id = $2 ORDER BY created_at DESC",
              18 / 3600, 450.0, 0.3, 6, 50_000, 0.05),
    Statement("insert_audit", "app",
              "INSERT INTO audit_log (entity_type, entity_id, action, payload, created_at) VALUES ($1, $2, $3, $4, $5)",
              5.0, 0.4, 0.5, 1, 6, 0.003),
    Statement("settings_all", "app", "SELECT key, value FROM settings", 1.0, 0.05, 0.3, 40, 1, 0.0),
    Statement("events_by_kind", "analytics",
              "SELECT count(*) FROM events WHERE kind = $1 AND occurred_at >= $2", 60 / 3600, 15.0, 0.4, 1, 2_500, 0.003),
    # the nightly-style report, slow by nature (not a regression)
    Statement("daily_report", "analytics",
              "SELECT date_trunc($1, occurred_at) AS day, kind, count(*) FROM events WHERE occurred_at >= $2 "
              "GROUP BY 1, 2 ORDER BY 1",
              12 / 3600, 850.0, 0.3, 56, 90_000, 0.003),
    Statement("upsert_rollup", "analytics",
              "INSERT INTO daily_rollups (day, metric, value) VALUES ($1, $2, $3) ON CONFLICT (day, metric) "
              "DO UPDATE SET value = EXCLUDED.value",
              60 / 3600, 2.0, 0.5, 1, 8, 0.003),
    Statement("insert_event", "analytics", "INSERT INTO events (kind, payload, occurred_at) VALUES ($1, $2, $3)",
              30.0, 0.3, 0.5, 1, 5, 0.003),
)

QUERY_CACHES: tuple[QueryCache, ...] = (
    QueryCache("app", 20.0, 0.88, 0.9, 0.1, 256, 0.72, 9_000),
    # too small for its working set: most inserted entries are purged again
    QueryCache("analytics", 2.0, 0.74, 0.9, 0.65, 64, 0.97, 48_000),
)
# fmt: on

# cache_hit_drop: the fraction of blocks read from outside shared buffers in the target database
CACHE_DROP_MISS = 0.15
CALM_HEAP_MISS = 0.003
CALM_INDEX_MISS = 0.002
# slow_query_regression: the target statement's mean time (and blocks touched) multiplier
REGRESSION_FACTOR = 10.0


def table(datname: str, relname: str) -> Table:
    for t in TABLES:
        if (t.datname, t.relname) == (datname, relname):
            return t
    raise KeyError(f"no simulated table {datname}.{relname}")


def index_by_key(key: str) -> Index:
    """An index by '<database>.<index>' (unused_index's target)."""
    for i in INDEXES:
        if i.key == key:
            return i
    known = ", ".join(i.key for i in INDEXES)
    raise ValueError(f"unknown index {key!r} (expected '<database>.<index>'; known: {known})")


def statement_by_label(label: str) -> Statement:
    for s in STATEMENTS:
        if s.label == label:
            return s
    known = ", ".join(s.label for s in STATEMENTS)
    raise ValueError(f"unknown statement label {label!r}; known: {known}")


def check_database(name: str) -> str:
    if name not in DATABASES:
        raise ValueError(f"unknown database {name!r}; known: {', '.join(DATABASES)}")
    return name
