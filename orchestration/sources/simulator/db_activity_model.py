"""The state behind the simulated db_activity snapshots of the primary on db-1.

A collector snapshots pg_stat_database, pg_stat_activity (aggregated), pgbouncer's SHOW POOLS,
ungranted pg_locks and pg_stat_replication once a minute in one transaction, so every row of a
snapshot carries the same `ts` (its now()): SNAPSHOT_INTERVAL_S apart, a fraction of a second
after the minute. No snapshots while db-1 is down (its scheduled rebuild or a `counter_reset`
incident on db-1, as in system_metrics).

Cumulative counters are closed-form functions of time since the database's last statistics
reset (a diurnal rate integrated exactly, plus what incidents add over their window, plus a
per-snapshot jitter smaller than the smallest increment), so every hour is generated on its own
and consecutive hours agree. Resets:

- every day at STATS_RESET_AT_S (05:00 UTC) a cron job runs `pg_stat_reset()` in
  STATS_RESET_DATABASE (`analytics`): its counters restart from 0 and `stats_reset` changes;
- a (re)boot of db-1 resets every database (stats_reset = the boot).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from orchestration.sources.simulator._util import DAY_S, HOUR_S, stream
from orchestration.sources.simulator.db_topology import DATABASES, REPLICAS, SERVER
from orchestration.sources.simulator.incidents import Incident
from orchestration.sources.simulator.system_metrics import HostModel
from orchestration.sources.simulator.topology import host

STREAM = "db_activity"
SNAPSHOT_INTERVAL_S = 60
# pg_stat_reset() in `analytics` every day at 05:00 UTC; the call lands this long after the tick
STATS_RESET_DATABASE = "analytics"
STATS_RESET_AT_S = 5 * HOUR_S
STATS_RESET_DELAY_S = 0.137218
MAX_CONNECTIONS = 100
DATID: dict[str, int] = {"app": 16384, "analytics": 16385}
# pgbouncer (pool_mode transaction): per database pool_size, min_pool_size, connected clients
POOLS: dict[str, tuple[int, int, int]] = {"app": (20, 5, 48), "analytics": (25, 15, 6)}
# share of the pool busy on average (before the diurnal swing)
POOL_LOAD: dict[str, float] = {"app": 0.27, "analytics": 0.08}
# diurnal swing of the load: (amplitude, UTC hour of the peak)
DIURNAL: dict[str, tuple[float, float]] = {"app": (0.35, 14.0), "analytics": (0.20, 2.0)}
# median / cap of the longest running transaction in calm snapshots, seconds
LONGEST_TX: dict[str, tuple[float, float]] = {"app": (1.5, 40.0), "analytics": (8.0, 50.0)}

# pg_stat_database counters: mean rate per second at scale 1 (before the diurnal swing)
RATE_COUNTERS: tuple[str, ...] = (
    "xact_commit", "xact_rollback", "blks_read", "blks_hit", "tup_returned", "tup_fetched",
    "tup_inserted", "tup_updated", "tup_deleted", "conflicts", "temp_files", "blk_read_time",
    "blk_write_time", "sessions", "sessions_abandoned", "sessions_fatal", "sessions_killed",
)  # fmt: skip
MS_COUNTERS: frozenset[str] = frozenset({"blk_read_time", "blk_write_time"})  # ms, 3 decimals
RATES: dict[str, dict[str, float]] = {
    "app": {
        "xact_commit": 40.0, "xact_rollback": 0.12, "blks_read": 18.0, "blks_hit": 6000.0,
        "tup_returned": 30000.0, "tup_fetched": 4200.0, "tup_inserted": 60.0,
        "tup_updated": 45.0, "tup_deleted": 6.0, "conflicts": 0.0, "temp_files": 1 / 3600,
        "blk_read_time": 2.7, "blk_write_time": 1.1, "sessions": 1 / 30,
        "sessions_abandoned": 2 / 3600, "sessions_fatal": 1 / (6 * 3600), "sessions_killed": 0.0,
    },
    "analytics": {
        "xact_commit": 3.0, "xact_rollback": 0.01, "blks_read": 12.0, "blks_hit": 2500.0,
        "tup_returned": 90000.0, "tup_fetched": 800.0, "tup_inserted": 5.0,
        "tup_updated": 0.5, "tup_deleted": 0.2, "conflicts": 0.0, "temp_files": 30 / 3600,
        "blk_read_time": 3.0, "blk_write_time": 0.3, "sessions": 1 / 60,
        "sessions_abandoned": 1 / 3600, "sessions_fatal": 1 / (12 * 3600), "sessions_killed": 0.0,
    },
}  # fmt: skip
# temp file k (1-based since the reset) is TEMP_BASE + ((k * 7919) % 17) * TEMP_STEP bytes
TEMP_BASE, TEMP_STEP = 4 * 1024 * 1024, 256 * 1024
# per-snapshot noise of a counter, as a fraction of its smallest increment between snapshots
JITTER = 0.3

# --- scenarios -------------------------------------------------------------------------------
# lock_contention: waits arrive at this rate (per s) on the target database; each lasts
# ~Exp(mean) s, ends before the window does; the batch holding the locks started at `start`;
# the 3 deadlocks happen at these fractions of the window
LOCK_ARRIVALS_PER_S = 0.15
LOCK_WAIT_MEAN_S = 25.0
DEADLOCK_AT: tuple[float, ...] = (0.25, 0.5, 0.75)
# extra counter rates (per s, at scale 1) a scenario adds over its window on its target database
EXTRA_RATES: dict[str, dict[str, float]] = {
    "lock_contention": {"xact_rollback": 1.2, "tup_updated": 350.0, "blk_write_time": 4.0},
    "pool_exhaustion": {"xact_rollback": 0.25, "sessions_abandoned": 0.4 / 60},
    # cache_hit_drop: blks_read also rises by CACHE_DROP_READS x the calm blks_hit rate, each
    # read costing CACHE_DROP_READ_MS of blk_read_time: hit ratio ~ 1 / 1.18 = 85 %
    "cache_hit_drop": {},
}
CACHE_DROP_READS = 0.18
CACHE_DROP_READ_MS = 0.25
# replication_lag: replay lag (s) over the window = base + peak * sin(pi * fraction) + U(0, 2)
REPLAY_LAG_BASE_S, REPLAY_LAG_PEAK_S = 8.0, 45.0
WAL_BYTES_PER_S = 1.6e6
REPLICA_ADDR: dict[str, str] = {"replica-1": "10.0.3.12"}

_OMEGA = 2 * math.pi / DAY_S


def _diurnal(db: str, t: np.ndarray | float) -> np.ndarray | float:
    amp, peak = DIURNAL[db]
    return 1 + amp * np.sin(_OMEGA * (t - peak * HOUR_S) + math.pi / 2)


def _diurnal_integral(db: str, a: float, b: float) -> float:
    """Integral of _diurnal over [a, b] (seconds)."""
    amp, peak = DIURNAL[db]
    c = _OMEGA * peak * HOUR_S - math.pi / 2
    return (b - a) + amp / _OMEGA * (math.cos(_OMEGA * a - c) - math.cos(_OMEGA * b - c))


def _overlap(inc: Incident, a: float, b: float) -> float:
    return max(0.0, min(b, inc.end.timestamp()) - max(a, inc.start.timestamp()))


def _targets(scenario: tuple[Incident, ...], kind: str, target: str) -> list[Incident]:
    return [i for i in scenario if i.kind == kind and i.target == target]


def deadlock_times(inc: Incident) -> list[float]:
    s, e = inc.start.timestamp(), inc.end.timestamp()
    return [s + f * (e - s) for f in DEADLOCK_AT]


@dataclass(frozen=True)
class LockWait:
    datname: str
    relation: str
    locktype: str
    mode: str
    pid: int
    blocking_pid: int
    waitstart: float  # epoch seconds
    until: float
    query: str


_LOCK_KINDS = (  # (locktype, mode, query, probability)
    ("transactionid", "ShareLock", "UPDATE orders SET status = $1, updated_at = now() WHERE id = $2", 0.6),
    ("tuple", "ExclusiveLock", "SELECT id, status FROM orders WHERE id = $1 FOR UPDATE", 0.3),
    ("relation", "RowExclusiveLock", "INSERT INTO order_items (order_id, sku, quantity) VALUES ($1, $2, $3)", 0.1),
)  # fmt: skip


@functools.lru_cache(maxsize=32)
def lock_waits(seed: int, inc: Incident) -> tuple[int, tuple[LockWait, ...]]:
    """(pid of the batch holding the locks, every lock wait of a lock_contention incident)."""
    rng = stream(seed, STREAM, "locks", inc.id)
    s, e = inc.start.timestamp(), inc.end.timestamp()
    batch_pid = int(rng.integers(20_000, 60_000))
    waits: list[LockWait] = []
    t = s + float(rng.exponential(1 / LOCK_ARRIVALS_PER_S))
    pids = {batch_pid}
    probs = np.array([k[3] for k in _LOCK_KINDS])
    while t < e - 2:
        pid = int(rng.integers(20_000, 60_000))
        while pid in pids:
            pid += 1
        pids.add(pid)
        locktype, mode, query, _ = _LOCK_KINDS[int(rng.choice(len(_LOCK_KINDS), p=probs))]
        relation = "public.order_items" if locktype == "relation" else "public.orders"
        duration = min(1.0 + float(rng.exponential(LOCK_WAIT_MEAN_S)), e - 1 - t)
        waiting = [w for w in waits if w.waitstart <= t < w.until]
        blocker = batch_pid
        if waiting and rng.random() < 0.2:
            blocker = waiting[int(rng.integers(0, len(waiting)))].pid
        waits.append(
            LockWait(
                inc.target or "", relation, locktype, mode, pid, blocker, t, t + duration, query
            )
        )
        t += float(rng.exponential(1 / LOCK_ARRIVALS_PER_S))
    return batch_pid, tuple(waits)


@dataclass(frozen=True)
class DbSnapshot:
    """One database at one snapshot: pg_stat_activity states and its pgbouncer pool."""

    active: int
    idle: int
    idle_in_transaction: int
    waiting_on_lock: int
    longest_transaction_seconds: float
    transactions_over_60s: int
    pool_size: int
    cl_active: int
    cl_waiting: int
    sv_active: int
    sv_idle: int
    sv_used: int
    maxwait: int
    maxwait_us: int
    locks: tuple[tuple[LockWait, float], ...]  # (wait, wait_seconds) in progress at the snapshot

    @property
    def numbackends(self) -> int:
        return self.active + self.idle + self.idle_in_transaction


@dataclass(frozen=True)
class HourState:
    ts: np.ndarray  # snapshot times, epoch seconds (float), ascending
    dbs: dict[str, tuple[DbSnapshot, ...]]  # per database, one per snapshot
    boot: np.ndarray  # the last boot of db-1 at each snapshot (epoch seconds)


def _model(seed: int, scenario: tuple[Incident, ...]) -> HostModel:
    return HostModel(seed, 1.0, host(SERVER), list(scenario))


@functools.lru_cache(maxsize=256)
def hour_state(seed: int, hour: int, scenario: tuple[Incident, ...]) -> HourState:
    """Every snapshot of `hour`: its time, and each database's connections, pool and lock waits."""
    model = _model(seed, scenario)
    rng = stream(seed, STREAM, SERVER, "snapshots", hour)
    offsets = 0.05 + 0.85 * rng.random(HOUR_S // SNAPSHOT_INTERVAL_S)
    grid = hour * HOUR_S + np.arange(0, HOUR_S, SNAPSHOT_INTERVAL_S)
    up = np.array([not model.is_down(int(g)) for g in grid])
    ts = (grid + offsets)[up]
    boot = np.array([float(model.boot_before(int(t))) for t in ts])
    dbs = {db: tuple(_db_snapshots(seed, hour, db, ts, scenario)) for db in DATABASES}
    return HourState(ts, dbs, boot)


def _db_snapshots(
    seed: int, hour: int, db: str, ts: np.ndarray, scenario: tuple[Incident, ...]
) -> list[DbSnapshot]:
    rng = stream(seed, STREAM, SERVER, "connections", db, hour)
    pool_size, min_pool, clients = POOLS[db]
    n = len(ts)
    load = pool_size * POOL_LOAD[db] * _diurnal(db, ts)
    busy = rng.poisson(load)
    in_tx = rng.binomial(1, 0.15, n)  # calm: a session between statements, now and then
    used = rng.binomial(1, 0.3, n)
    spare = rng.poisson(2.0, n)
    median, cap = LONGEST_TX[db]
    longest = np.minimum(median * np.exp(0.7 * rng.standard_normal(n)), cap)
    u = rng.random((n, 4))
    contention = _targets(scenario, "lock_contention", db)
    exhaustion = _targets(scenario, "pool_exhaustion", db)
    reports = _targets(scenario, "cache_hit_drop", db)
    out = []
    for i, t in enumerate(ts.tolist()):
        sv_active = min(int(busy[i]), pool_size - 1)
        idle_tx = min(int(in_tx[i]), sv_active)
        waiting = 0
        long_tx = 0
        longest_s = float(longest[i])
        cl_waiting, maxwait_s = 0, 0.0
        locks: list[tuple[LockWait, float]] = []
        for inc in contention:
            s, e = inc.start.timestamp(), inc.end.timestamp()
            if s <= t < e:
                _, waits = lock_waits(seed, inc)
                now = [(w, t - w.waitstart) for w in waits if w.waitstart <= t < w.until]
                locks += now
                waiting += len(now)
                held = 4 + int(u[i, 0] * 5)  # sessions holding row locks between statements
                idle_tx = max(idle_tx, held)
                sv_active = sv_active + len(now) + 1 + held
                longest_s = max(longest_s, t - s)
                long_tx += int(t - s >= 60) + sum(1 for _, age in now if age + 0.5 >= 60)
        for inc in reports:
            s, e = inc.start.timestamp(), inc.end.timestamp()
            if s <= t < e:  # the full-table report runs for the whole window
                sv_active += 1
                longest_s = max(longest_s, t - s + 20)
                long_tx += int(t - s + 20 >= 60)
        for inc in exhaustion:
            s, e = inc.start.timestamp(), inc.end.timestamp()
            if s <= t < e:
                frac = (t - s) / (e - s)
                sv_active = pool_size
                idle_tx = max(idle_tx, 1 + int(u[i, 1] * 3))
                cl_waiting = max(1, round(8 + 30 * math.sin(math.pi * frac) + 6 * u[i, 2]))
                maxwait_s = 1.0 + 14.0 * math.sin(math.pi * frac) + 2 * u[i, 3]
                longest_s = max(longest_s, 5 + 15 * u[i, 3])
        sv_active = min(sv_active, pool_size)
        idle_tx = min(idle_tx, sv_active - waiting)
        active = sv_active - idle_tx
        sv_used = 0 if sv_active >= pool_size else min(int(used[i]), pool_size - sv_active)
        sv_idle = min(max(min_pool - sv_active, 0) + int(spare[i]), pool_size - sv_active - sv_used)
        if cl_waiting:
            sv_used, sv_idle = 0, 0
        out.append(
            DbSnapshot(
                active=active,
                idle=sv_idle + sv_used,
                idle_in_transaction=idle_tx,
                waiting_on_lock=waiting,
                longest_transaction_seconds=round(longest_s, 3),
                transactions_over_60s=long_tx,
                pool_size=pool_size,
                cl_active=clients - cl_waiting,
                cl_waiting=cl_waiting,
                sv_active=sv_active,
                sv_idle=sv_idle,
                sv_used=sv_used,
                maxwait=int(maxwait_s),
                maxwait_us=int(round((maxwait_s - int(maxwait_s)) * 1e6)) % 1_000_000,
                locks=tuple(locks),
            )
        )
    return out


# --- cumulative counters -----------------------------------------------------------------------
def last_reset(db: str, t: float, boot: float) -> float:
    """When `db`'s statistics were last reset before t (a boot, or the daily pg_stat_reset)."""
    reset = boot
    if db == STATS_RESET_DATABASE:
        daily = (t - STATS_RESET_AT_S - STATS_RESET_DELAY_S) // DAY_S * DAY_S
        reset = max(reset, daily + STATS_RESET_AT_S + STATS_RESET_DELAY_S)
    return reset


def _extra_rates(inc: Incident, db: str, scale: float) -> dict[str, float]:
    if inc.target != db or inc.kind not in EXTRA_RATES:
        return {}
    out = {k: v * scale for k, v in EXTRA_RATES[inc.kind].items()}
    if inc.kind == "cache_hit_drop":
        reads = CACHE_DROP_READS * RATES[db]["blks_hit"] * scale
        out["blks_read"] = out.get("blks_read", 0.0) + reads
        out["blk_read_time"] = out.get("blk_read_time", 0.0) + reads * CACHE_DROP_READ_MS
    return out


def _temp_bytes(n: int) -> int:
    cycles, rest = divmod(n, 17)
    residues = cycles * 136 + sum((k * 7919) % 17 for k in range(17 * cycles + 1, n + 1))
    return n * TEMP_BASE + residues * TEMP_STEP


def counters(
    seed: int, scale: float, hour: int, scenario: tuple[Incident, ...], db: str
) -> list[dict[str, float | int]]:
    """pg_stat_database's cumulative counters of `db` at every snapshot of `hour` (with
    `stats_reset` as epoch seconds)."""
    state = hour_state(seed, hour, scenario)
    rng = stream(seed, STREAM, SERVER, "counters", db, hour)
    jitter = rng.random((len(state.ts), len(RATE_COUNTERS)))
    amp = DIURNAL[db][0]
    extras = [(inc, _extra_rates(inc, db, scale)) for inc in scenario]
    extras = [(inc, r) for inc, r in extras if r]
    deadlocks = [
        d for inc in _targets(scenario, "lock_contention", db) for d in deadlock_times(inc)
    ]
    out = []
    for i, (t, boot) in enumerate(zip(state.ts.tolist(), state.boot.tolist(), strict=True)):
        r = last_reset(db, t, boot)
        base = _diurnal_integral(db, r, t)
        row: dict[str, float | int] = {"stats_reset": r}
        for j, name in enumerate(RATE_COUNTERS):
            rate = RATES[db][name] * scale
            value = rate * base + sum(x.get(name, 0.0) * _overlap(inc, r, t) for inc, x in extras)
            # below the smallest increment between two snapshots (so the counter never goes
            # down), and growing from 0 over the first interval after a reset
            ramp = min(1.0, (t - r) / SNAPSHOT_INTERVAL_S)
            value += jitter[i, j] * JITTER * ramp * rate * (1 - amp) * (SNAPSHOT_INTERVAL_S - 1)
            row[name] = round(value, 3) if name in MS_COUNTERS else int(math.floor(value))
        row["deadlocks"] = sum(1 for d in deadlocks if r < d <= t)
        row["temp_bytes"] = _temp_bytes(int(row["temp_files"]))
        out.append(row)
    return out


# --- replication ---------------------------------------------------------------------------------
def wal_lsn(t: float, boot: float) -> int:
    """Bytes of WAL the primary has written by t since the cluster's (re)install at `boot`."""
    return 0x1000000 + int(WAL_BYTES_PER_S * _diurnal_integral("app", boot, t))


def lsn_text(pos: int) -> str:
    return f"{pos >> 32:X}/{pos & 0xFFFFFFFF:X}"


def replication(
    seed: int, hour: int, scenario: tuple[Incident, ...], replica: str
) -> list[dict[str, float | int | str]]:
    """pg_stat_replication of `replica` at every snapshot of `hour` (lags in seconds)."""
    state = hour_state(seed, hour, scenario)
    rng = stream(seed, STREAM, SERVER, "replication", replica, hour)
    n = len(state.ts)
    write_lag = 0.0004 + 0.0011 * rng.random(n)
    flush_lag = write_lag + 0.0003 + 0.0015 * rng.random(n)
    replay = flush_lag + 0.0005 + np.minimum(rng.exponential(0.08, n), 0.6)
    extra = 2 * rng.random(n)
    lagging = _targets(scenario, "replication_lag", replica)
    out = []
    for i, (t, boot) in enumerate(zip(state.ts.tolist(), state.boot.tolist(), strict=True)):
        replay_lag = float(replay[i])
        for inc in lagging:
            s, e = inc.start.timestamp(), inc.end.timestamp()
            if s <= t < e:
                frac = (t - s) / (e - s)
                lag = REPLAY_LAG_BASE_S + REPLAY_LAG_PEAK_S * math.sin(math.pi * frac) + extra[i]
                replay_lag = max(replay_lag, lag)
        sent = wal_lsn(t, boot)
        out.append(
            {
                "backend_start": boot + 1.5,
                "sent_lsn": lsn_text(sent),
                "write_lsn": lsn_text(wal_lsn(t - float(write_lag[i]), boot)),
                "flush_lsn": lsn_text(wal_lsn(t - float(flush_lag[i]), boot)),
                "replay_lsn": lsn_text(wal_lsn(t - replay_lag, boot)),
                "write_lag": round(float(write_lag[i]), 6),
                "flush_lag": round(float(flush_lag[i]), 6),
                "replay_lag": round(replay_lag, 6),
                "client_addr": REPLICA_ADDR.get(replica, "10.0.3.99"),
            }
        )
    return out


__all__ = [
    "DATABASES",
    "REPLICAS",
    "SERVER",
    "HourState",
    "counters",
    "hour_state",
    "lock_waits",
    "replication",
]
