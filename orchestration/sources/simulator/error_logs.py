"""Application error log, JSON lines (python-json-logger style), one file per component per hour."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from orchestration.sources.simulator._util import HOUR_S, US, stream
from orchestration.sources.simulator.incidents import Incident
from orchestration.sources.simulator.topology import LOG_COMPONENTS

SOURCE = "error_logs"

# calm rates per component and hour (not scaled: they are the thresholds' reference)
WARNINGS_PER_HOUR = 30.0
ERRORS_PER_HOUR = 4.0
CRITICALS_PER_HOUR = 0.5 / 24  # ~one every two days per component
# api_error_latency: what the affected component logs per minute
INCIDENT_CRITICALS_PER_MIN = 20.0
INCIDENT_ERRORS_PER_MIN = 4.0
# cpu_saturation: the saturated host's component warns about event-loop lag
SATURATION_WARNINGS_PER_MIN = 3.0

Rng = np.random.Generator


# --- message and traceback templates -------------------------------------------------------
def _tb(frames: list[tuple[str, int, str, str]], exc: str) -> str:
    lines = ["Traceback (most recent call last):"]
    for path, line, func, code in frames:
        lines.append(f'  File "{path}", line {line}, in {func}')
        lines.append(f"    {code}")
    lines.append(exc)
    return "\n".join(lines)


SITE = "/srv/app/.venv/lib/python3.11/site-packages"


def _tb_db_timeout(r: Rng) -> str:
    ms = int(r.choice([3000, 5000, 10000]))
    return _tb(
        [
            (
                "/srv/app/app/api/orders.py",
                142,
                "get_order_items",
                "rows = await repo.items_for(order_id)",
            ),
            (
                "/srv/app/app/db/repo.py",
                77,
                "items_for",
                "result = await self.session.execute(stmt)",
            ),
            (
                f"{SITE}/sqlalchemy/ext/asyncio/session.py",
                461,
                "execute",
                "result = await greenlet_spawn(",
            ),
            (f"{SITE}/psycopg/cursor_async.py", 97, "execute", "raise ex.with_traceback(None)"),
        ],
        f"sqlalchemy.exc.OperationalError: (psycopg.errors.QueryCanceled) canceling statement due to "
        f"statement timeout\n[SQL: SELECT order_items.id, order_items.sku, order_items.quantity FROM "
        f"order_items WHERE order_items.order_id = %(order_id_1)s]\n(timeout: {ms} ms)",
    )


def _tb_upstream(r: Rng) -> str:
    service = str(r.choice(["inventory-service", "payment-service", "pricing-service"]))
    return _tb(
        [
            (
                "/srv/app/app/api/orders.py",
                88,
                "create_order",
                "reservation = await inventory.reserve(order.items)",
            ),
            (
                "/srv/app/app/clients/base.py",
                41,
                "post",
                "resp = await self._client.post(url, json=payload, timeout=self.timeout)",
            ),
            (f"{SITE}/httpx/_client.py", 1859, "post", "return await self.request("),
            (
                f"{SITE}/httpx/_transports/default.py",
                393,
                "handle_async_request",
                "with map_httpcore_exceptions():",
            ),
            (
                "/usr/lib/python3.11/contextlib.py",
                158,
                "__exit__",
                "self.gen.throw(typ, value, traceback)",
            ),
        ],
        f"httpx.ReadTimeout: timed out waiting for {service}",
    )


def _tb_pool(r: Rng) -> str:
    size = int(r.choice([20, 30]))
    return _tb(
        [
            ("/srv/app/app/api/orders.py", 61, "create_order", "async with db.begin() as session:"),
            (f"{SITE}/sqlalchemy/ext/asyncio/engine.py", 1063, "begin", "async with conn:"),
            (f"{SITE}/sqlalchemy/pool/base.py", 712, "checkout", "rec = pool._do_get()"),
            (f"{SITE}/sqlalchemy/pool/impl.py", 168, "_do_get", "raise exc.TimeoutError("),
        ],
        f"sqlalchemy.exc.TimeoutError: QueuePool limit of size {size} overflow 10 reached, "
        "connection timed out, timeout 5.00 (Background on this error at: https://sqlalche.me/e/20/3o7r)",
    )


def _tb_keyerror(r: Rng) -> str:
    key = str(r.choice(["sku", "unit_price", "warehouse_id"]))
    return _tb(
        [
            (
                f"{SITE}/starlette/middleware/errors.py",
                165,
                "__call__",
                "await self.app(scope, receive, _send)",
            ),
            (
                "/srv/app/app/api/orders.py",
                171,
                "list_items",
                "return [ItemOut.from_row(row) for row in rows]",
            ),
            ("/srv/app/app/api/schemas.py", 54, "from_row", f"sku=row['{key}'],"),
        ],
        f"KeyError: '{key}'",
    )


def _tb_redis(r: Rng) -> str:
    return _tb(
        [
            (
                "/srv/app/app/cache.py",
                33,
                "get_product",
                "raw = await self.redis.get(f'product:{product_id}')",
            ),
            (
                f"{SITE}/redis/asyncio/client.py",
                612,
                "execute_command",
                "conn = self.connection or await pool.get_connection(command_name)",
            ),
            (
                f"{SITE}/redis/asyncio/connection.py",
                284,
                "connect",
                "raise ConnectionError(self._error_message(e))",
            ),
        ],
        "redis.exceptions.ConnectionError: Error 111 connecting to redis-0.cache:6379. Connection refused.",
    )


def _tb_deadlock(r: Rng) -> str:
    pid = int(r.integers(10000, 60000))
    return _tb(
        [
            (
                "/opt/dbagent/dbagent/maintenance.py",
                203,
                "archive_orders",
                "await conn.execute(ARCHIVE_SQL, cutoff)",
            ),
            (
                f"{SITE}/asyncpg/connection.py",
                350,
                "execute",
                "result = await self._protocol.query(query, timeout)",
            ),
            ("asyncpg/protocol/protocol.pyx", 369, "query", "<cython>"),
        ],
        f"asyncpg.exceptions.DeadlockDetectedError: deadlock detected\nDETAIL:  Process {pid} waits "
        f"for ShareLock on transaction {int(r.integers(10**6, 10**7))}; blocked by process {pid + 17}.",
    )


def _tb_job(r: Rng) -> str:
    job = str(r.choice(["export_orders_csv", "send_receipts", "rebuild_search_index"]))
    return _tb(
        [
            (f"{SITE}/celery/app/trace.py", 453, "trace_task", "R = retval = fun(*args, **kwargs)"),
            (
                f"/srv/worker/worker/jobs/{job}.py",
                58,
                "run",
                "batch = client.fetch_page(cursor, limit=500)",
            ),
            ("/srv/worker/worker/clients/api.py", 29, "fetch_page", "resp.raise_for_status()"),
            (
                f"{SITE}/requests/models.py",
                1024,
                "raise_for_status",
                "raise HTTPError(http_error_msg, response=self)",
            ),
        ],
        "requests.exceptions.HTTPError: 503 Server Error: Service Unavailable for url: "
        "http://app.internal/api/v1/orders?cursor=" + f"{int(r.integers(10**8, 10**9))}",
    )


def _tb_disk(r: Rng) -> str:
    return _tb(
        [
            ("/srv/worker/worker/jobs/export_orders_csv.py", 91, "write_chunk", "fh.write(buf)"),
        ],
        "OSError: [Errno 28] No space left on device: '/var/lib/worker/tmp/export-"
        + f"{int(r.integers(10**5, 10**6))}.csv'",
    )


def _tb_serialization(r: Rng) -> str:
    return _tb(
        [
            (
                "/srv/worker/worker/jobs/send_receipts.py",
                44,
                "run",
                "payload = json.dumps(receipt)",
            ),
            (
                "/usr/lib/python3.11/json/encoder.py",
                180,
                "default",
                "raise TypeError(f'Object of type {o.__class__.__name__} '",
            ),
        ],
        "TypeError: Object of type Decimal is not JSON serializable",
    )


Message = Callable[[Rng], str]
Trace = Callable[[Rng], str] | None


@dataclass(frozen=True)
class Kind:
    code: str
    logger: str
    weight: float
    message: Message
    trace: Trace = None


def _ms(r: Rng, lo: int, hi: int) -> int:
    return int(r.integers(lo, hi))


# fmt: off
KINDS: dict[str, dict[str, tuple[Kind, ...]]] = {
    "app-server": {
        "WARNING": (
            Kind("SLOW_QUERY", "app.db", 0.25, lambda r: f"Slow query on orders_db: {_ms(r, 520, 2400)} ms (threshold 500 ms): SELECT ... FROM order_items WHERE order_id = $1"),
            Kind("VALIDATION_FAILED", "app.api.orders", 0.25, lambda r: f"Request validation failed for POST /api/v1/orders: items[{_ms(r, 0, 6)}].quantity must be >= 1"),
            Kind("RETRYING_UPSTREAM", "app.clients.inventory", 0.20, lambda r: f"Retrying POST inventory-service /internal/v1/reservations (attempt {_ms(r, 2, 4)}/3) after 502 Bad Gateway"),
            Kind("CACHE_MISS_STORM", "app.cache", 0.10, lambda r: f"Cache miss rate {_ms(r, 35, 70)} % for key prefix 'product:' over the last 60 s"),
            Kind("RATE_LIMITED", "app.middleware.ratelimit", 0.10, lambda r: f"Client exceeded rate limit: {_ms(r, 101, 180)} requests in 10 s on /api/v1/search"),
            Kind("DEPRECATED_PARAM", "app.api.users", 0.10, lambda r: "Deprecated query parameter 'fields' used by client ShopApp/4.12.1"),
        ),
        "ERROR": (
            Kind("DB_TIMEOUT", "app.db", 0.35, lambda r: "Query on orders_db cancelled by statement_timeout", _tb_db_timeout),
            Kind("UPSTREAM_TIMEOUT", "app.clients.inventory", 0.30, lambda r: f"Timed out after {r.choice([2.0, 5.0])} s calling inventory-service POST /internal/v1/reservations", _tb_upstream),
            Kind("UNHANDLED_EXCEPTION", "uvicorn.error", 0.20, lambda r: f"Exception in ASGI application: GET /api/v1/orders/{_ms(r, 4_100_000, 4_990_000)}/items", _tb_keyerror),
            Kind("CACHE_UNAVAILABLE", "app.cache", 0.15, lambda r: "Redis unavailable (redis-0.cache:6379); serving products from the database", _tb_redis),
        ),
        "CRITICAL": (
            Kind("DB_POOL_EXHAUSTED", "app.db.pool", 0.5, lambda r: "Database connection pool exhausted: no connection available within 5.00 s", _tb_pool),
            Kind("UPSTREAM_TIMEOUT", "app.clients.inventory", 0.5, lambda r: "Circuit breaker OPEN for inventory-service after 5 consecutive timeouts", _tb_upstream),
        ),
    },
    "database": {
        "WARNING": (
            Kind("SLOW_QUERY", "dbagent.monitor", 0.40, lambda r: f"Statement exceeded log_min_duration_statement: {_ms(r, 1000, 6000)} ms on orders_db (SELECT ... FROM orders WHERE customer_id = $1 ORDER BY created_at DESC)"),
            Kind("LOCK_WAIT", "dbagent.monitor", 0.25, lambda r: f"Process {_ms(r, 10000, 60000)} still waiting for ShareLock on transaction {_ms(r, 10**6, 10**7)} after 1000.{_ms(r, 10, 999):03d} ms"),
            Kind("CHECKPOINT_FREQUENT", "dbagent.monitor", 0.15, lambda r: f"Checkpoints are occurring too frequently ({_ms(r, 9, 29)} seconds apart); consider increasing max_wal_size"),
            Kind("AUTOVACUUM_LAG", "dbagent.vacuum", 0.20, lambda r: f"Table public.order_items has {_ms(r, 2, 9)}.{_ms(r, 0, 9)}M dead tuples; autovacuum has not run for {_ms(r, 3, 20)} h"),
        ),
        "ERROR": (
            Kind("DEADLOCK_DETECTED", "dbagent.maintenance", 0.40, lambda r: "Deadlock detected while archiving orders; transaction rolled back", _tb_deadlock),
            Kind("DB_TIMEOUT", "dbagent.monitor", 0.35, lambda r: "Health query timed out after 3000 ms", _tb_db_timeout),
            Kind("BACKUP_RETRY", "dbagent.backup", 0.25, lambda r: "WAL archive upload failed; will retry", _tb_upstream),
        ),
        "CRITICAL": (
            Kind("REPLICATION_BROKEN", "dbagent.replication", 0.6, lambda r: "Replica db-1-replica stopped streaming: requested WAL segment has already been removed", _tb_deadlock),
            Kind("DISK_PRESSURE", "dbagent.monitor", 0.4, lambda r: f"WAL volume {_ms(r, 91, 97)} % full", _tb_disk),
        ),
    },
    "worker": {
        "WARNING": (
            Kind("JOB_RETRY", "celery.worker", 0.40, lambda r: f"Task worker.jobs.send_receipts[{r.bytes(16).hex()}] retry: Retry in {_ms(r, 5, 60)}s"),
            Kind("QUEUE_BACKLOG", "worker.monitor", 0.25, lambda r: f"Queue 'exports' backlog is {_ms(r, 120, 900)} messages"),
            Kind("CACHE_MISS_STORM", "worker.cache", 0.15, lambda r: f"Cache miss rate {_ms(r, 35, 70)} % while warming search index"),
            Kind("SLOW_JOB", "worker.jobs.export_orders_csv", 0.20, lambda r: f"Export took {_ms(r, 61, 400)} s (budget 60 s)"),
        ),
        "ERROR": (
            Kind("JOB_FAILED", "celery.worker", 0.45, lambda r: "Task worker.jobs.export_orders_csv raised unexpected: HTTPError('503 Server Error')", _tb_job),
            Kind("UPSTREAM_TIMEOUT", "worker.clients.smtp", 0.30, lambda r: "SMTP relay smtp.internal:587 timed out after 30 s", _tb_upstream),
            Kind("SERIALIZATION_ERROR", "worker.jobs.send_receipts", 0.25, lambda r: "Could not serialise receipt payload", _tb_serialization),
        ),
        "CRITICAL": (
            Kind("DISK_PRESSURE", "worker.monitor", 0.7, lambda r: f"Scratch volume /var/lib/worker/tmp {_ms(r, 95, 99)} % full; pausing export jobs", _tb_disk),
            Kind("WORKER_LOST", "celery.worker", 0.3, lambda r: "Worker exited prematurely: signal 9 (SIGKILL) Job: 41.", None),
        ),
    },
}
# fmt: on

EVENT_LOOP_LAG = Kind(
    "EVENT_LOOP_LAG",
    "app.monitor",
    1.0,
    lambda r: f"Event loop blocked for {_ms(r, 180, 1900)} ms; CPU at {_ms(r, 95, 100)} %",
)
INCIDENT_CRITICAL = ("DB_POOL_EXHAUSTED", "UPSTREAM_TIMEOUT")
INCIDENT_ERROR = "UPSTREAM_TIMEOUT"


@dataclass
class HourLog:
    ts_us: np.ndarray
    lines: list[str]
    levels: list[str]


def _iso(us: int) -> str:
    sec, frac = divmod(us, US)
    return datetime.fromtimestamp(sec, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{frac:06d}Z"


def _pick(r: Rng, kinds: tuple[Kind, ...]) -> Kind:
    w = np.array([k.weight for k in kinds])
    return kinds[int(r.choice(len(kinds), p=w / w.sum()))]


def _kind(component: str, level: str, code: str) -> Kind:
    for k in KINDS[component][level]:
        if k.code == code:
            return k
    raise KeyError(code)


def _render(
    r: Rng, us: int, level: str, component: str, host: str, kind: Kind, endpoint_user: bool
) -> str:
    trace = kind.trace(r) if (kind.trace is not None and level != "WARNING") else None
    request_id = r.bytes(16).hex() if (component == "app-server" or r.random() < 0.3) else None
    user = f"user_{int(r.integers(1000, 6000))}" if endpoint_user and r.random() < 0.6 else None
    record = {
        "ts": _iso(us),
        "level": level,
        "component": component,
        "host": host,
        "logger": kind.logger,
        "error_code": kind.code,
        "message": kind.message(r),
        "stack_trace": trace,
        "request_id": request_id,
        "user_id": user,
    }
    return json.dumps(record)


def generate_hour(seed: int, component: str, hour: int, incidents: list[Incident]) -> HourLog:
    """Every log event `component` writes in `hour` (hours since the epoch), in time order."""
    hosts = LOG_COMPONENTS[component]
    rng = stream(seed, SOURCE, component, hour)
    t0 = hour * HOUR_S * US
    counts = {
        "WARNING": int(rng.poisson(WARNINGS_PER_HOUR)),
        "ERROR": int(rng.poisson(ERRORS_PER_HOUR)),
        "CRITICAL": int(rng.poisson(CRITICALS_PER_HOUR)),
    }
    events: list[tuple[int, int, str]] = []  # (ts_us, seq, line)
    levels_out: dict[int, str] = {}
    seq = 0
    for level, n in counts.items():
        times = t0 + rng.integers(0, HOUR_S * US, n)
        for us in times.tolist():
            host = hosts[int(rng.integers(0, len(hosts)))]
            kind = _pick(rng, KINDS[component][level])
            line = _render(rng, us, level, component, host, kind, component == "app-server")
            events.append((us, seq, line))
            levels_out[seq] = level
            seq += 1

    for inc in incidents:
        s_us = int(inc.start.timestamp() * US)
        e_us = int(inc.end.timestamp() * US)
        lo, hi = max(s_us, t0), min(e_us, t0 + HOUR_S * US)
        if lo >= hi:
            continue
        irng = stream(seed, SOURCE, component, hour, "incident", inc.id)
        minutes = range(lo // (60 * US), (hi - 1) // (60 * US) + 1)
        if inc.kind == "api_error_latency" and inc.component == component:
            for m in minutes:
                m_lo, m_hi = max(lo, m * 60 * US), min(hi, (m + 1) * 60 * US)
                frac = (m_hi - m_lo) / (60 * US)
                for level, rate in (
                    ("CRITICAL", INCIDENT_CRITICALS_PER_MIN),
                    ("ERROR", INCIDENT_ERRORS_PER_MIN),
                ):
                    n = int(irng.poisson(rate * frac))
                    for us in (m_lo + irng.integers(0, m_hi - m_lo, n)).tolist():
                        code = (
                            INCIDENT_CRITICAL[int(irng.integers(0, 2))]
                            if level == "CRITICAL"
                            else INCIDENT_ERROR
                        )
                        host = hosts[int(irng.integers(0, len(hosts)))]
                        kind = _kind(component, level, code)
                        line = _render(irng, us, level, component, host, kind, True)
                        events.append((us, seq, line))
                        levels_out[seq] = level
                        seq += 1
        elif inc.kind == "cpu_saturation" and inc.host in hosts:
            n = int(irng.poisson(SATURATION_WARNINGS_PER_MIN * (hi - lo) / (60 * US)))
            for us in (lo + irng.integers(0, hi - lo, n)).tolist():
                line = _render(irng, us, "WARNING", component, inc.host, EVENT_LOOP_LAG, False)
                events.append((us, seq, line))
                levels_out[seq] = "WARNING"
                seq += 1

    events.sort()
    return HourLog(
        np.array([e[0] for e in events], dtype=np.int64),
        [e[2] for e in events],
        [levels_out[e[1]] for e in events],
    )
