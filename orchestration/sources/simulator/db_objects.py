"""Simulated database object statistics on db-1 (see plugins.py for the contract,
db_objects_catalog.py for the objects and db_topology.py for the server and databases).

Four JSON-lines snapshot sources, one file per server per hour, keys as the collector reads them:

- db_statements   pg_stat_statements joined to pg_database and pg_stat_statements_info, every 5 min;
- db_tables       pg_stat_user_tables + pg_statio_user_tables + sizes, every 5 min;
- db_indexes      pg_stat_user_indexes + pg_statio_user_indexes + pg_index flags + sizes, every 15 min;
- db_query_cache  the query cache in front of each database (ProxySQL's Query_Cache_* status
                  variables, one ProxySQL per database pool), every 60 s.

Counters are cumulative since the weekly maintenance (Tuesdays 04:02:30 UTC), which runs
pg_stat_statements_reset() and pg_stat_reset() in both databases and restarts the ProxySQLs: every
counter restarts near 0 and stats_reset / ProxySQL_Uptime tell. A week's increments are drawn from
one RNG stream (seed, source, week), so an hour's snapshot depends only on the seed and the
incidents, never on the simulated window. Scenarios: unused_index (its target index gets no scans),
slow_query_regression (the target statement's mean time x10 from start), cache_hit_drop (15 % of
blocks read from outside shared buffers in the target database).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

import numpy as np

from orchestration.sources.simulator import api_requests
from orchestration.sources.simulator._util import DAY_S, HOUR_S, US, stream
from orchestration.sources.simulator.db_objects_catalog import (
    CACHE_DROP_MISS,
    CALM_HEAP_MISS,
    CALM_INDEX_MISS,
    GROWTH_ANCHOR_S,
    GROWTH_PER_DAY,
    INDEXES,
    PAGE,
    QUERY_CACHES,
    REGRESSION_FACTOR,
    STATEMENTS,
    TABLES,
    Index,
    Table,
    check_database,
    index_by_key,
    statement_by_label,
    table,
)
from orchestration.sources.simulator.db_topology import SERVER
from orchestration.sources.simulator.incidents import Incident
from orchestration.sources.simulator.plugins import SimSource

WEEK_S = 7 * DAY_S
# the weekly maintenance that resets every statistics counter: Tuesday 04:02:30.481207 UTC
# (1970-01-06 was a Tuesday)
RESET_OFFSET_S = 5 * DAY_S + 4 * HOUR_S + 2 * 60 + 30
RESET_FRACTION_US = 481_207
STEP_S = {"db_statements": 300, "db_tables": 300, "db_indexes": 900, "db_query_cache": 60}
KINDS = ("unused_index", "slow_query_regression", "cache_hit_drop")
DIURNAL = 0.6 * api_requests.AMPLITUDE  # the database's load swings less than the API's


# --------------------------------------------------------------------------- time helpers


def week_of(t_s: float) -> int:
    """The maintenance week holding t: counters at t count from reset_at(week_of(t))."""
    return math.floor((t_s - RESET_OFFSET_S) / WEEK_S)


def reset_at(week: int) -> int:
    """Epoch seconds of week's maintenance reset (the .481207 s fraction left out)."""
    return RESET_OFFSET_S + week * WEEK_S


def _pg_ts(t_s: float, fraction_us: int = 0) -> str:
    """A timestamptz as row_to_json writes it: 2026-11-03T04:02:30.481207+00:00."""
    value = datetime.fromtimestamp(int(t_s), UTC).replace(microsecond=fraction_us)
    return value.isoformat()


def _iso_z(t_us: int) -> str:
    value = datetime.fromtimestamp(t_us // US, UTC).replace(microsecond=t_us % US)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _load(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Seconds of mean load in (a, b]: the integral of 1 + DIURNAL cos(Ω (t − peak))."""
    om, peak = api_requests.OMEGA, api_requests.PEAK_S
    return (b - a) + DIURNAL / om * (np.sin(om * (b - peak)) - np.sin(om * (a - peak)))


def _overlap(a: np.ndarray, b: np.ndarray, start: float, end: float) -> np.ndarray:
    """Fraction of each interval (a, b] inside [start, end)."""
    return np.clip(np.minimum(b, end) - np.maximum(a, start), 0, None) / (b - a)


def live_rows(t: Table, t_s: float) -> int:
    days = (t_s - GROWTH_ANCHOR_S) / DAY_S
    return max(1, round(t.rows * max(0.5, 1 + GROWTH_PER_DAY * days)))


def _pages(n_bytes: float) -> int:
    return max(1, math.ceil(n_bytes / PAGE))


# --------------------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class _Effects:
    """The scenario windows that touch one maintenance week (hashable: the week cache key)."""

    idle: tuple[tuple[str, float, float], ...] = ()  # (index key, start, end)
    regression: tuple[tuple[str, float, float], ...] = ()  # (statement label, start, end)
    cache_drop: tuple[tuple[str, float, float], ...] = ()  # (database, start, end)


def _effects(scenario: list[Incident], week: int) -> _Effects:
    lo, hi = reset_at(week), reset_at(week + 1)
    idle, regression, drop = [], [], []
    for inc in scenario:
        if inc.kind not in KINDS:
            continue
        s, e = inc.start.timestamp(), inc.end.timestamp()
        target = inc.target or ""
        # validate whatever the week, so a bad target fails on the first hour generated
        if inc.kind == "unused_index":
            index_by_key(target)
        elif inc.kind == "slow_query_regression":
            statement_by_label(target)
        else:
            check_database(target)
        if e <= lo or s >= hi:
            continue
        {"unused_index": idle, "slow_query_regression": regression, "cache_hit_drop": drop}[
            inc.kind
        ].append((target, s, e))
    return _Effects(tuple(sorted(idle)), tuple(sorted(regression)), tuple(sorted(drop)))


def _factor(a, b, windows, target: str, factor: float) -> np.ndarray:
    """1 + (factor − 1) × (fraction of each interval inside the target's windows)."""
    out = np.ones_like(a)
    for name, s, e in windows:
        if name == target:
            out += (factor - 1.0) * _overlap(a, b, s, e)
    return out


def _miss(a, b, drops, datname: str, calm: float) -> np.ndarray:
    out = np.full_like(a, calm)
    for name, s, e in drops:
        if name == datname:
            out += (CACHE_DROP_MISS - calm) * _overlap(a, b, s, e)
    return out


# --------------------------------------------------------------------------- week models


def _grid(week: int, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Interval bounds (a, b] of the week: a[0] is the reset, b are the snapshot times."""
    lo, hi = reset_at(week), reset_at(week + 1)
    b = np.arange((lo // step + 1) * step, hi // step * step + 1, step, dtype=np.float64)
    a = np.concatenate([[float(lo)], b[:-1]])
    return a, b


def _cum_floor(x: np.ndarray) -> np.ndarray:
    """Cumulative integer counter from non-negative expected increments (axis 0)."""
    return np.floor(np.cumsum(x, axis=0) + 1e-9).astype(np.int64)


def _inc(cum: np.ndarray) -> np.ndarray:
    return np.diff(cum, axis=0, prepend=np.zeros((1, *cum.shape[1:]), dtype=cum.dtype))


@dataclass(frozen=True)
class _StatementsWeek:
    b: np.ndarray
    calls: np.ndarray  # (n, statements)
    total_ms: np.ndarray
    sumsq: np.ndarray
    max_ms: np.ndarray
    min_ms: np.ndarray
    rows: np.ndarray
    blks_hit: np.ndarray
    blks_read: np.ndarray


@lru_cache(maxsize=8)
def _statements_week(seed: int, week: int, fx: _Effects) -> _StatementsWeek:
    a, b = _grid(week, STEP_S["db_statements"])
    n, m = len(b), len(STATEMENTS)
    rng = stream(seed, "db_statements", "week", week)
    noise_calls = rng.gamma(30.0, 1 / 30.0, size=(n, m))
    noise_mean = rng.gamma(200.0, 1 / 200.0, size=(n, m))
    u_max, u_min = rng.random((n, m)), rng.random((n, m))
    noise_miss = rng.gamma(30.0, 1 / 30.0, size=(n, m))
    load = _load(a, b)
    exp_calls = np.stack([s.calls_per_s * load for s in STATEMENTS], axis=1) * noise_calls
    calls = _cum_floor(exp_calls)
    inc = _inc(calls).astype(np.float64)
    reg = np.stack(
        [_factor(a, b, fx.regression, s.label, REGRESSION_FACTOR) for s in STATEMENTS], axis=1
    )
    mean = np.array([s.mean_ms for s in STATEMENTS]) * reg * noise_mean
    cv = np.array([s.cv for s in STATEMENTS])
    touched = inc * np.array([s.blks_per_call for s in STATEMENTS]) * reg
    miss = np.stack([_miss(a, b, fx.cache_drop, s.datname, s.miss) for s in STATEMENTS], axis=1)
    miss = np.minimum(miss * noise_miss, 1.0)
    called = inc > 0
    max_i = np.where(called, mean * (1 + cv * (2.5 + 1.5 * u_max)), 0.0)
    min_i = np.where(called, mean * (0.15 + 0.2 * u_min), np.inf)
    return _StatementsWeek(
        b=b,
        calls=calls,
        total_ms=np.cumsum(inc * mean, axis=0),
        sumsq=np.cumsum(inc * mean**2 * (1 + cv**2), axis=0),
        max_ms=np.maximum.accumulate(max_i, axis=0),
        min_ms=np.minimum.accumulate(min_i, axis=0),
        rows=_cum_floor(inc * np.array([s.rows_per_call for s in STATEMENTS])),
        blks_hit=_cum_floor(touched * (1 - miss)),
        blks_read=_cum_floor(touched * miss),
    )


@dataclass(frozen=True)
class _ObjectsWeek:
    b: np.ndarray
    idx_scan: np.ndarray  # (n, indexes)
    idx_tup_read: np.ndarray
    idx_tup_fetch: np.ndarray
    idx_blks_read: np.ndarray
    idx_blks_hit: np.ndarray
    seq_scan: np.ndarray  # (n, tables)
    seq_tup_read: np.ndarray
    n_tup_ins: np.ndarray
    n_tup_upd: np.ndarray
    n_tup_del: np.ndarray
    heap_blks_read: np.ndarray
    heap_blks_hit: np.ndarray


def _index_size(i: Index, t_s: float) -> int:
    return _pages(live_rows(table(i.datname, i.relname), t_s) * i.entry_bytes) * PAGE


def _table_size(t: Table, t_s: float) -> int:
    return _pages(live_rows(t, t_s) * t.row_bytes) * PAGE


@lru_cache(maxsize=8)
def _objects_week(seed: int, week: int, fx: _Effects) -> _ObjectsWeek:
    """Tables and indexes on one 5-minute grid, so a table's idx_* are its indexes' sums."""
    a, b = _grid(week, STEP_S["db_tables"])
    n, ni, nt = len(b), len(INDEXES), len(TABLES)
    rng = stream(seed, "db_objects", "week", week)
    noise_scan = rng.gamma(20.0, 1 / 20.0, size=(n, ni))
    noise_tup = rng.gamma(10.0, 1 / 10.0, size=(n, ni))
    noise_seq = rng.gamma(20.0, 1 / 20.0, size=(n, nt))
    noise_dml = rng.gamma(20.0, 1 / 20.0, size=(n, nt, 3))
    noise_idx_miss = rng.gamma(30.0, 1 / 30.0, size=(n, ni))
    noise_heap_miss = rng.gamma(30.0, 1 / 30.0, size=(n, nt))
    load = _load(a, b)

    exp_scans = np.empty((n, ni))
    for j, ix in enumerate(INDEXES):
        idle = _factor(a, b, fx.idle, ix.key, 0.0)
        exp_scans[:, j] = ix.scans_per_h / HOUR_S * load * noise_scan[:, j] * idle
        if ix.nightly_scan_at_h is not None:
            first_day = math.floor(a[0] / DAY_S)
            for day in range(first_day, first_day + 9):
                at = day * DAY_S + ix.nightly_scan_at_h * HOUR_S
                k = int(np.searchsorted(b, at, side="left"))  # the interval (a, b] holding it
                if k < n and a[k] < at:
                    exp_scans[k, j] += 1.0
    idx_scan = _cum_floor(exp_scans)
    scans = _inc(idx_scan).astype(np.float64)
    tup = scans * np.array([ix.tup_per_scan for ix in INDEXES]) * noise_tup
    fetch = tup * np.array([ix.fetch_fraction for ix in INDEXES])
    blocks_per_scan = np.array([3 + ix.tup_per_scan / 200 for ix in INDEXES])
    idx_miss = np.stack(
        [_miss(a, b, fx.cache_drop, ix.datname, CALM_INDEX_MISS) for ix in INDEXES], axis=1
    )
    idx_miss = np.minimum(idx_miss * noise_idx_miss, 1.0)
    idx_touched = scans * blocks_per_scan

    exp_seq = np.empty((n, nt))
    dml = np.empty((n, nt, 3))
    live = np.empty((n, nt))
    pages = np.empty((n, nt))
    for j, t in enumerate(TABLES):
        exp_seq[:, j] = t.seq_scans_per_h / HOUR_S * load * noise_seq[:, j]
        for d, rate in enumerate((t.ins_per_s, t.upd_per_s, t.del_per_s)):
            dml[:, j, d] = rate * load * noise_dml[:, j, d]
        live[:, j] = [live_rows(t, x) for x in b]
        pages[:, j] = np.ceil(live[:, j] * t.row_bytes / PAGE)
    # cache_hit_drop: a full-table report scans the target database's largest table once
    for datname, s, _e in fx.cache_drop:
        j = max(
            (j for j, t in enumerate(TABLES) if t.datname == datname), key=lambda j: TABLES[j].rows
        )
        k = int(np.searchsorted(b, s, side="left"))
        if k < n and a[k] <= s:
            exp_seq[k, j] += 1.0
    seq_scan = _cum_floor(exp_seq)
    seq = _inc(seq_scan).astype(np.float64)
    n_tup = _cum_floor(dml)
    writes = _inc(n_tup).sum(axis=2).astype(np.float64)

    heap_touched = seq * pages + writes
    for j, ix in enumerate(INDEXES):
        t = next(
            k for k, tb in enumerate(TABLES) if (tb.datname, tb.relname) == (ix.datname, ix.relname)
        )
        per_scan = np.minimum(ix.tup_per_scan * ix.fetch_fraction, pages[:, t])
        heap_touched[:, t] += scans[:, j] * per_scan
    heap_miss = np.stack(
        [_miss(a, b, fx.cache_drop, t.datname, CALM_HEAP_MISS) for t in TABLES], axis=1
    )
    heap_miss = np.minimum(heap_miss * noise_heap_miss, 1.0)
    return _ObjectsWeek(
        b=b,
        idx_scan=idx_scan,
        idx_tup_read=_cum_floor(tup),
        idx_tup_fetch=_cum_floor(fetch),
        idx_blks_read=_cum_floor(idx_touched * idx_miss),
        idx_blks_hit=_cum_floor(idx_touched * (1 - idx_miss)),
        seq_scan=seq_scan,
        seq_tup_read=np.cumsum((seq * live).astype(np.int64), axis=0),
        n_tup_ins=n_tup[:, :, 0],
        n_tup_upd=n_tup[:, :, 1],
        n_tup_del=n_tup[:, :, 2],
        heap_blks_read=_cum_floor(heap_touched * heap_miss),
        heap_blks_hit=_cum_floor(heap_touched * (1 - heap_miss)),
    )


@dataclass(frozen=True)
class _CacheWeek:
    b: np.ndarray
    get: np.ndarray  # (n, caches)
    get_ok: np.ndarray
    set: np.ndarray
    purged: np.ndarray


@lru_cache(maxsize=8)
def _cache_week(seed: int, week: int) -> _CacheWeek:
    a, b = _grid(week, STEP_S["db_query_cache"])
    n, m = len(b), len(QUERY_CACHES)
    rng = stream(seed, "db_query_cache", "week", week)
    noise_get = rng.gamma(50.0, 1 / 50.0, size=(n, m))
    noise_hit = rng.gamma(400.0, 1 / 400.0, size=(n, m))
    noise_purge = rng.gamma(50.0, 1 / 50.0, size=(n, m))
    load = _load(a, b)
    get = _cum_floor(np.stack([c.lookups_per_s * load for c in QUERY_CACHES], axis=1) * noise_get)
    lookups = _inc(get).astype(np.float64)
    hits = np.minimum(lookups, lookups * np.array([c.hit_ratio for c in QUERY_CACHES]) * noise_hit)
    sets = (lookups - hits) * np.array([c.insert_fraction for c in QUERY_CACHES])
    purged = np.minimum(
        sets, sets * np.array([c.purge_fraction for c in QUERY_CACHES]) * noise_purge
    )
    return _CacheWeek(
        b=b, get=get, get_ok=_cum_floor(hits), set=_cum_floor(sets), purged=_cum_floor(purged)
    )


# --------------------------------------------------------------------------- snapshots


def _snapshots(seed: int, source: str, hour: int) -> list[tuple[int, int]]:
    """(grid second, collector timestamp µs) of the source's snapshots in the hour."""
    step = STEP_S[source]
    rng = stream(seed, source, SERVER, hour)
    grid = range(hour * HOUR_S, (hour + 1) * HOUR_S, step)
    jitter = rng.uniform(0.05, 0.9, size=len(grid))
    return [(g, g * US + int(j * US)) for g, j in zip(grid, jitter, strict=True)]


def _dump(record: dict) -> str:
    return json.dumps(record, separators=(",", ":"))


def _at(model_b: np.ndarray, g: int) -> int:
    k = int(np.searchsorted(model_b, g))
    if k >= len(model_b) or model_b[k] != g:
        raise AssertionError(f"snapshot {g} is not on the week's grid")
    return k


def generate_statements(
    seed: int, scale: float, file_key: str, hour: int, scenario: list[Incident]
):
    records, times = [], []
    if file_key != SERVER:
        return records, np.array(times, dtype=np.int64)
    for g, ts_us in _snapshots(seed, "db_statements", hour):
        week = week_of(g)
        w = _statements_week(seed, week, _effects(scenario, week))
        k = _at(w.b, g)
        reset = _pg_ts(reset_at(week), RESET_FRACTION_US)
        for j, s in enumerate(STATEMENTS):
            calls = int(w.calls[k, j])
            if calls == 0:  # pg_stat_statements has no entry before the first call
                continue
            total = float(w.total_ms[k, j])
            mean = total / calls
            var = max(float(w.sumsq[k, j]) / calls - mean * mean, 0.0)
            records.append(
                _dump(
                    {
                        "ts": _iso_z(ts_us),
                        "server": SERVER,
                        "datname": s.datname,
                        "queryid": s.queryid,
                        "query": s.query,
                        "calls": calls,
                        "total_exec_time": round(total, 6),
                        "min_exec_time": round(float(w.min_ms[k, j]), 6),
                        "max_exec_time": round(float(w.max_ms[k, j]), 6),
                        "mean_exec_time": round(mean, 6),
                        "stddev_exec_time": round(math.sqrt(var), 6),
                        "rows": int(w.rows[k, j]),
                        "shared_blks_hit": int(w.blks_hit[k, j]),
                        "shared_blks_read": int(w.blks_read[k, j]),
                        "stats_reset": reset,
                    }
                )
            )
            times.append(ts_us)
    return records, np.array(times, dtype=np.int64)


def _vacuum_times(
    t: Table, g: float
) -> tuple[str | None, str | None, str | None, str | None, float]:
    """(last_vacuum, last_autovacuum, last_analyze, last_autoanalyze, seconds since autovacuum)."""
    period = t.autovacuum_every_h * HOUR_S
    phase = t.autovacuum_phase_h * HOUR_S
    auto = math.floor((g - phase) / period) * period + phase
    auto_analyze = auto + 37  # autoanalyze follows autovacuum in the same worker run
    if auto_analyze > g:
        auto_analyze -= period
    # the maintenance runs VACUUM ANALYZE by hand on the week's reset morning
    manual = reset_at(week_of(g)) - 120
    return (
        _pg_ts(manual),
        _pg_ts(auto, 215_004),
        _pg_ts(manual + 60),
        _pg_ts(auto_analyze),
        g - auto,
    )


def generate_tables(seed: int, scale: float, file_key: str, hour: int, scenario: list[Incident]):
    records, times = [], []
    if file_key != SERVER:
        return records, np.array(times, dtype=np.int64)
    for g, ts_us in _snapshots(seed, "db_tables", hour):
        week = week_of(g)
        w = _objects_week(seed, week, _effects(scenario, week))
        k = _at(w.b, g)
        reset = _pg_ts(reset_at(week), RESET_FRACTION_US)
        for j, t in enumerate(TABLES):
            mine = [
                i
                for i, ix in enumerate(INDEXES)
                if (ix.datname, ix.relname) == (t.datname, t.relname)
            ]
            vac, autovac, analyze, autoanalyze, since = _vacuum_times(t, g)
            live = live_rows(t, g)
            size = _table_size(t, g)
            records.append(
                _dump(
                    {
                        "ts": _iso_z(ts_us),
                        "server": SERVER,
                        "datname": t.datname,
                        "schemaname": t.schemaname,
                        "relname": t.relname,
                        "seq_scan": int(w.seq_scan[k, j]),
                        "seq_tup_read": int(w.seq_tup_read[k, j]),
                        "idx_scan": int(w.idx_scan[k, mine].sum()),
                        "idx_tup_fetch": int(w.idx_tup_fetch[k, mine].sum()),
                        "n_tup_ins": int(w.n_tup_ins[k, j]),
                        "n_tup_upd": int(w.n_tup_upd[k, j]),
                        "n_tup_del": int(w.n_tup_del[k, j]),
                        "n_live_tup": live,
                        "n_dead_tup": int((t.upd_per_s + t.del_per_s) * since),
                        "heap_blks_read": int(w.heap_blks_read[k, j]),
                        "heap_blks_hit": int(w.heap_blks_hit[k, j]),
                        "idx_blks_read": int(w.idx_blks_read[k, mine].sum()),
                        "idx_blks_hit": int(w.idx_blks_hit[k, mine].sum()),
                        "last_vacuum": vac,
                        "last_autovacuum": autovac,
                        "last_analyze": analyze,
                        "last_autoanalyze": autoanalyze,
                        "table_size_bytes": size,
                        "total_relation_size_bytes": size
                        + sum(_index_size(INDEXES[i], g) for i in mine),
                        "stats_reset": reset,
                    }
                )
            )
            times.append(ts_us)
    return records, np.array(times, dtype=np.int64)


def generate_indexes(seed: int, scale: float, file_key: str, hour: int, scenario: list[Incident]):
    records, times = [], []
    if file_key != SERVER:
        return records, np.array(times, dtype=np.int64)
    for g, ts_us in _snapshots(seed, "db_indexes", hour):
        week = week_of(g)
        w = _objects_week(seed, week, _effects(scenario, week))
        k = _at(w.b, g)
        reset = _pg_ts(reset_at(week), RESET_FRACTION_US)
        for j, ix in enumerate(INDEXES):
            records.append(
                _dump(
                    {
                        "ts": _iso_z(ts_us),
                        "server": SERVER,
                        "datname": ix.datname,
                        "schemaname": ix.schemaname,
                        "relname": ix.relname,
                        "indexrelname": ix.indexrelname,
                        "idx_scan": int(w.idx_scan[k, j]),
                        "idx_tup_read": int(w.idx_tup_read[k, j]),
                        "idx_tup_fetch": int(w.idx_tup_fetch[k, j]),
                        "idx_blks_read": int(w.idx_blks_read[k, j]),
                        "idx_blks_hit": int(w.idx_blks_hit[k, j]),
                        "index_size_bytes": _index_size(ix, g),
                        "indisunique": ix.is_unique,
                        "indisprimary": ix.is_primary,
                        "index_columns": ix.columns,
                        "leading_column_n_distinct": ix.n_distinct,
                        "stats_reset": reset,
                    }
                )
            )
            times.append(ts_us)
    return records, np.array(times, dtype=np.int64)


def generate_query_cache(
    seed: int, scale: float, file_key: str, hour: int, scenario: list[Incident]
):
    records, times = [], []
    if file_key != SERVER:
        return records, np.array(times, dtype=np.int64)
    for g, ts_us in _snapshots(seed, "db_query_cache", hour):
        week = week_of(g)
        w = _cache_week(seed, week)
        k = _at(w.b, g)
        uptime = g - reset_at(week)
        for j, c in enumerate(QUERY_CACHES):
            limit = c.size_mb * 1024 * 1024
            # the hot result sets are cached again within minutes of the restart
            warm = 1 - math.exp(-uptime / 300)
            wobble = 1 + 0.01 * math.sin(2 * math.pi * g / 5400 + j)
            used = int(min(limit, limit * c.fill * warm * wobble))
            records.append(
                _dump(
                    {
                        "ts": _iso_z(ts_us),
                        "server": SERVER,
                        "datname": c.datname,
                        "ProxySQL_Uptime": int(uptime),
                        "Query_Cache_count_GET": int(w.get[k, j]),
                        "Query_Cache_count_GET_OK": int(w.get_ok[k, j]),
                        "Query_Cache_count_SET": int(w.set[k, j]),
                        "Query_Cache_Purged": int(w.purged[k, j]),
                        "Query_Cache_Entries": used // c.entry_bytes,
                        "Query_Cache_Memory_bytes": used,
                        "query_cache_size_MB": c.size_mb,
                    }
                )
            )
            times.append(ts_us)
    return records, np.array(times, dtype=np.int64)


SIM_SOURCES: tuple[SimSource, ...] = (
    SimSource("db_statements", "jsonl", (SERVER,), generate_statements),
    SimSource("db_tables", "jsonl", (SERVER,), generate_tables),
    SimSource("db_indexes", "jsonl", (SERVER,), generate_indexes),
    SimSource("db_query_cache", "jsonl", (SERVER,), generate_query_cache),
)
