"""Simulated handler calls (`handler_metrics`, one file per application host) and agent task
executions (`executions`, one file per runner host). Rates scale with `scale`.

Scenarios: `cost_spike` bills executions of its target model tier ~4x their estimate in
[start, end); `api_error_latency` (the orders database pool is exhausted) makes the postgres
handler's native queries ~6x slower, a third of them timing out, in [start, end).
"""

from __future__ import annotations

import json
import math
import uuid
from datetime import UTC, datetime

import numpy as np

from orchestration.sources.simulator._util import HOUR_S, US, stream
from orchestration.sources.simulator.incidents import Incident
from orchestration.sources.simulator.plugins import SimSource

APP_HOSTS = ("app-1", "app-2")


def iso_ms(us: int) -> str:
    """'2026-11-02T10:00:01.234Z' from epoch µs (the ops records carry milliseconds)."""
    t = datetime.fromtimestamp(us // US, UTC)
    return f"{t:%Y-%m-%dT%H:%M:%S}.{(us % US) // 1000:03d}Z"


RUNNERS = ("runner-1", "runner-2")

# ---------------------------------------------------------------------------- handler calls

CALLS_PER_HOUR = 600.0  # per application host at scale 1.0
# (handler, type, operation, weight, median ms, sigma, failure chance, median rows, error)
HANDLER_OPS: tuple[tuple[str, str, str, float, float, float, float, int, str], ...] = (
    ("postgres", "data", "native_query", 40, 18.0, 0.8, 0.002, 120,
     "psycopg.OperationalError: server closed the connection unexpectedly"),
    ("postgres", "data", "get_tables", 2, 9.0, 0.4, 0.0, 40, ""),
    ("postgres", "data", "connect", 4, 6.0, 0.5, 0.001, 0,
     "psycopg.OperationalError: connection timeout expired"),
    ("mysql", "data", "native_query", 10, 25.0, 0.7, 0.003, 80,
     "pymysql.err.OperationalError: (2013, 'Lost connection to MySQL server during query')"),
    ("binance", "data", "select", 16, 180.0, 0.5, 0.01, 500,
     "binance.exceptions.BinanceAPIException: APIError(code=-1003): Too many requests"),
    ("coingecko", "data", "select", 12, 240.0, 0.5, 0.015, 250,
     "requests.exceptions.HTTPError: 429 Client Error: Too Many Requests"),
    ("openai", "ml", "predict", 10, 1400.0, 0.6, 0.01, 1,
     "openai.APITimeoutError: Request timed out."),
    ("redis", "data", "native_query", 6, 1.2, 0.5, 0.0005, 1,
     "redis.exceptions.ConnectionError: Error 111 connecting to redis:6379"),
)  # fmt: skip
POOL_TIMEOUT_ERROR = (
    "psycopg_pool.PoolTimeout: couldn't get a connection after 5.00 sec (orders pool exhausted)"
)


def handler_metrics_hour(
    seed: int, scale: float, file_key: str, hour: int, scenario: list[Incident]
) -> tuple[list[str], np.ndarray]:
    rng = stream(seed, "handler_metrics", file_key, hour)
    n = int(rng.poisson(CALLS_PER_HOUR * scale))
    t_us = np.sort(hour * HOUR_S * US + (rng.random(n) * HOUR_S * 1000).astype(np.int64) * 1000)
    weights = np.array([op[3] for op in HANDLER_OPS], dtype=float)
    which = rng.choice(len(HANDLER_OPS), size=n, p=weights / weights.sum())
    u_dur, u_fail, u_rows = rng.standard_normal(n), rng.random(n), rng.standard_normal(n)
    outages = [
        (int(i.start.timestamp() * US), int(i.end.timestamp() * US))
        for i in scenario
        if i.kind == "api_error_latency"
    ]
    lines = []
    for k in range(n):
        name, htype, op, _, median, sigma, fail_p, rows, error = HANDLER_OPS[int(which[k])]
        duration = median * math.exp(sigma * float(u_dur[k]))
        pool_outage = any(a <= t_us[k] < b for a, b in outages)
        if name == "postgres" and op == "native_query" and pool_outage:
            duration *= 6.0
            fail_p, error = 0.33, POOL_TIMEOUT_ERROR
        ok = bool(u_fail[k] >= fail_p)
        row_count = int(round(rows * math.exp(0.6 * float(u_rows[k])))) if ok and rows else 0
        record = {
            "ts": iso_ms(int(t_us[k])),
            "host": file_key,
            "handler_name": name,
            "handler_type": htype,
            "operation": op,
            "duration_ms": round(duration, 3),
            "success": ok,
            "row_count": row_count,
            "error_message": None if ok else error,
        }
        lines.append(json.dumps(record))
    return lines, t_us


# ---------------------------------------------------------------------------- task executions

EXECUTIONS_PER_HOUR = 40.0  # per runner at scale 1.0
# (tier, weight, USD per 1k tokens, success chance, median-duration factor, quality mean)
TIERS: tuple[tuple[str, float, float, float, float, float], ...] = (
    ("economy", 0.45, 0.0006, 0.88, 0.6, 68.0),
    ("standard", 0.35, 0.003, 0.93, 1.0, 78.0),
    ("premium", 0.20, 0.015, 0.96, 1.7, 86.0),
)
POOLS: tuple[tuple[str, float, float], ...] = (  # (pool, weight, start-up seconds)
    ("mahavishnu", 0.5, 0.5),
    ("session-buddy", 0.3, 1.5),
    ("kubernetes", 0.2, 6.0),
)
TASK_TYPES: tuple[tuple[str, float, float], ...] = (  # (task type, weight, median seconds)
    ("code_generation", 0.25, 45.0),
    ("bug_fix", 0.20, 35.0),
    ("refactoring", 0.15, 60.0),
    ("testing", 0.15, 30.0),
    ("code_review", 0.15, 20.0),
    ("documentation", 0.10, 15.0),
)
REPOS = ("api-gateway", "billing", "web-frontend", "data-platform", "mobile-app", "infra")
TOPOLOGIES = (("single", 0.6), ("hierarchical", 0.25), ("mesh", 0.15))
ERRORS = (
    ("timeout", "task exceeded its time budget"),
    ("rate_limit", "model provider returned 429: rate limit exceeded"),
    ("validation_error", "generated patch failed the test suite"),
    ("tool_error", "tool call failed: file not found"),
    ("context_overflow", "prompt exceeds the model's context window"),
)
COST_SPIKE_FACTOR = 4.0


def _pick(rng: np.random.Generator, options: tuple, n: int, weight_index: int = 1) -> np.ndarray:
    w = np.array([o[weight_index] for o in options], dtype=float)
    return rng.choice(len(options), size=n, p=w / w.sum())


def executions_hour(
    seed: int, scale: float, file_key: str, hour: int, scenario: list[Incident]
) -> tuple[list[str], np.ndarray]:
    rng = stream(seed, "executions", file_key, hour)
    n = int(rng.poisson(EXECUTIONS_PER_HOUR * scale))
    t_us = np.sort(hour * HOUR_S * US + (rng.random(n) * HOUR_S * 1000).astype(np.int64) * 1000)
    tier, pool, task = _pick(rng, TIERS, n), _pick(rng, POOLS, n), _pick(rng, TASK_TYPES, n)
    topo = _pick(rng, TOPOLOGIES, n)
    spikes = [
        (i.target, int(i.start.timestamp() * US), int(i.end.timestamp() * US))
        for i in scenario
        if i.kind == "cost_spike"
    ]
    lines = []
    for k in range(n):
        r = stream(seed, "executions", file_key, hour, k)
        tier_name, _, price, success_p, dur_factor, quality_mean = TIERS[int(tier[k])]
        pool_name, _, startup = POOLS[int(pool[k])]
        task_name, _, task_median = TASK_TYPES[int(task[k])]
        tokens = int(r.lognormal(math.log(6000), 0.7))
        files = int(r.integers(1, 40))
        complexity = int(
            min(100, max(0, round(20 + 12 * math.log(tokens / 1000) + r.normal(0, 8))))
        )
        confidence = round(float(r.beta(8, 2)), 4)
        ok = bool(r.random() < success_p)
        duration = startup + task_median * dur_factor * float(r.lognormal(0, 0.5))
        quality = float(r.normal(quality_mean, 7) if ok else r.normal(35, 12))
        estimate = round(tokens / 1000 * price, 6)
        billed = estimate * float(r.lognormal(0, 0.08))
        spike_noise = float(r.lognormal(0, 0.04))
        if any(t == tier_name and a <= t_us[k] < b for t, a, b in spikes):
            billed = estimate * COST_SPIKE_FACTOR * spike_noise
        err = ERRORS[int(r.integers(0, len(ERRORS)))]
        reviewed, rated = bool(r.random() < 0.6), bool(r.random() < 0.3)
        accepted = bool(r.random() < (0.85 if ok else 0.1))
        rating = int(min(5, max(1, round(quality / 20 + r.normal(0, 0.6)))))
        memory = float(r.lognormal(math.log(650 if pool_name == "kubernetes" else 380), 0.4))
        cpu = duration * float(r.uniform(0.05, 0.6))
        record = {
            "ts": iso_ms(int(t_us[k])),
            "task_id": str(uuid.UUID(bytes=r.bytes(16), version=4)),
            "task_type": task_name,
            "repo": REPOS[int(r.integers(0, len(REPOS)))],
            "file_count": files,
            "estimated_tokens": tokens,
            "model_tier": tier_name,
            "pool_type": pool_name,
            "swarm_topology": TOPOLOGIES[int(topo[k])][0],
            "routing_confidence": confidence,
            "complexity_score": complexity,
            "success": ok,
            "duration_seconds": round(duration, 3),
            "quality_score": int(min(100, max(0, round(quality)))),
            "cost_estimate": estimate,
            "actual_cost": round(billed, 6),
            "error_type": None if ok else err[0],
            "error_message": None if ok else err[1],
            "user_accepted": accepted if reviewed else None,
            "user_rating": rating if rated else None,
            "peak_memory_mb": round(memory, 1),
            "cpu_time_seconds": round(cpu, 3),
        }
        lines.append(json.dumps(record))
    return lines, t_us


SIM_SOURCES: tuple[SimSource, ...] = (
    SimSource("handler_metrics", "jsonl", APP_HOSTS, handler_metrics_hour),
    SimSource("executions", "jsonl", RUNNERS, executions_hour),
)
