"""Simulated database statistics: db_activity (see plugins.py for the contract, db_topology.py for the
servers and databases, db_activity_model.py for the state behind the snapshots).

One JSON object per line, keys named like the PostgreSQL views' (and pgbouncer's SHOW POOLS)
columns, plus the collector's `ts` (the snapshot's now()) and `server`. One file per server per
hour, one snapshot a minute:

- db_database_stats  pg_stat_database, one row per database per snapshot;
- db_connections     pg_stat_activity counted per state, plus the database's pgbouncer pool;
- db_locks           ungranted pg_locks joined with pg_stat_activity, one row per waiting lock
                     (an hour without lock waits writes no file);
- db_replication     pg_stat_replication, one row per replica per snapshot (lags in seconds).
"""

from __future__ import annotations

import json

import numpy as np

from orchestration.sources.simulator import db_activity_model as m
from orchestration.sources.simulator._util import US, from_epoch_s, iso_z
from orchestration.sources.simulator.incidents import Incident
from orchestration.sources.simulator.plugins import SimSource

# pg_stat_database's cumulative columns, in the view's order
PG_STAT_DATABASE_COUNTERS: tuple[str, ...] = (
    "xact_commit", "xact_rollback", "blks_read", "blks_hit", "tup_returned", "tup_fetched",
    "tup_inserted", "tup_updated", "tup_deleted", "conflicts", "temp_files", "temp_bytes",
    "deadlocks", "blk_read_time", "blk_write_time", "sessions", "sessions_abandoned",
    "sessions_fatal", "sessions_killed",
)  # fmt: skip


def _iso(t: float) -> str:
    return iso_z(from_epoch_s(round(t * US) / US))


def _ts_us(times: list[float]) -> np.ndarray:
    return np.array([round(t * US) for t in times], dtype=np.int64)


def _dump(record: dict) -> str:
    return json.dumps(record, separators=(",", ":"))


def database_stats_hour(
    seed: int, scale: float, file_key: str, hour: int, scenario: list[Incident]
) -> tuple[list[str], np.ndarray]:
    scn = tuple(scenario)
    state = m.hour_state(seed, hour, scn)
    per_db = {db: m.counters(seed, scale, hour, scn, db) for db in m.DATABASES}
    lines, times = [], []
    for i, t in enumerate(state.ts.tolist()):
        for db in m.DATABASES:
            c = per_db[db][i]
            record = {
                "ts": _iso(t),
                "server": file_key,
                "datid": m.DATID[db],
                "datname": db,
                "numbackends": state.dbs[db][i].numbackends,
                **{k: c[k] for k in PG_STAT_DATABASE_COUNTERS},
                "stats_reset": _iso(float(c["stats_reset"])),
            }
            lines.append(_dump(record))
            times.append(t)
    return lines, _ts_us(times)


def connections_hour(
    seed: int, scale: float, file_key: str, hour: int, scenario: list[Incident]
) -> tuple[list[str], np.ndarray]:
    state = m.hour_state(seed, hour, tuple(scenario))
    lines, times = [], []
    for i, t in enumerate(state.ts.tolist()):
        for db in m.DATABASES:
            s = state.dbs[db][i]
            record = {
                "ts": _iso(t),
                "server": file_key,
                "datname": db,
                "active": s.active,
                "idle": s.idle,
                "idle_in_transaction": s.idle_in_transaction,
                "waiting_on_lock": s.waiting_on_lock,
                "longest_transaction_seconds": s.longest_transaction_seconds,
                "transactions_over_60s": s.transactions_over_60s,
                "max_connections": m.MAX_CONNECTIONS,
                "pool_mode": "transaction",
                "pool_size": s.pool_size,
                "cl_active": s.cl_active,
                "cl_waiting": s.cl_waiting,
                "sv_active": s.sv_active,
                "sv_idle": s.sv_idle,
                "sv_used": s.sv_used,
                "maxwait": s.maxwait,
                "maxwait_us": s.maxwait_us,
            }
            lines.append(_dump(record))
            times.append(t)
    return lines, _ts_us(times)


def locks_hour(
    seed: int, scale: float, file_key: str, hour: int, scenario: list[Incident]
) -> tuple[list[str], np.ndarray]:
    state = m.hour_state(seed, hour, tuple(scenario))
    lines, times = [], []
    for i, t in enumerate(state.ts.tolist()):
        for db in m.DATABASES:
            for w, age in sorted(state.dbs[db][i].locks, key=lambda x: x[0].pid):
                record = {
                    "ts": _iso(t),
                    "server": file_key,
                    "datname": w.datname,
                    "relation": w.relation,
                    "locktype": w.locktype,
                    "mode": w.mode,
                    "granted": False,
                    "pid": w.pid,
                    "blocking_pid": w.blocking_pid,
                    "waitstart": _iso(w.waitstart),
                    "wait_seconds": round(age, 3),
                    "wait_event_type": "Lock",
                    "wait_event": w.locktype,
                    "state": "active",
                    "application_name": "orders-api",
                    "query": w.query,
                }
                lines.append(_dump(record))
                times.append(t)
    return lines, _ts_us(times)


def replication_hour(
    seed: int, scale: float, file_key: str, hour: int, scenario: list[Incident]
) -> tuple[list[str], np.ndarray]:
    scn = tuple(scenario)
    state = m.hour_state(seed, hour, scn)
    per_replica = {r: m.replication(seed, hour, scn, r) for r in m.REPLICAS}
    lines, times = [], []
    for i, t in enumerate(state.ts.tolist()):
        for n, replica in enumerate(m.REPLICAS):
            r = per_replica[replica][i]
            record = {
                "ts": _iso(t),
                "server": file_key,
                "pid": 3100 + n,
                "usename": "replicator",
                "application_name": replica,
                "client_addr": r["client_addr"],
                "backend_start": _iso(float(r["backend_start"])),
                "state": "streaming",
                "sent_lsn": r["sent_lsn"],
                "write_lsn": r["write_lsn"],
                "flush_lsn": r["flush_lsn"],
                "replay_lsn": r["replay_lsn"],
                "write_lag": r["write_lag"],
                "flush_lag": r["flush_lag"],
                "replay_lag": r["replay_lag"],
                "sync_priority": 0,
                "sync_state": "async",
                "reply_time": _iso(t - 0.002),
            }
            lines.append(_dump(record))
            times.append(t)
    return lines, _ts_us(times)


SIM_SOURCES: tuple[SimSource, ...] = (
    SimSource("db_database_stats", "jsonl", (m.SERVER,), database_stats_hour),
    SimSource("db_connections", "jsonl", (m.SERVER,), connections_hour),
    SimSource("db_locks", "jsonl", (m.SERVER,), locks_hour),
    SimSource("db_replication", "jsonl", (m.SERVER,), replication_hour),
)
