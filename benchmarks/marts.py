"""Mart query latency and incremental-build cost, on simulated telemetry at scale.

    .venv/bin/python benchmarks/marts.py                      # ~10M raw events over 15 days
    .venv/bin/python benchmarks/marts.py --events 2000000 --days 5 --repeat 30
    .venv/bin/python benchmarks/marts.py --dir /tmp/opsdw-bench-marts --skip-build

1. **Data.** Simulates `--days` whole UTC days (default 15) of every source with the default
   scenarios, at the request scale that makes the total about `--events` raw events (the metric
   scrapes do not scale with traffic: ~645k samples a day), and lands every day. Cached in
   `--dir` by (days, scale, seed); the landing time is printed, not judged here.
2. **Builds** (dbt subprocesses on a scratch copy of the project's target, models only; the
   window goes in the environment, as Dagster passes it):
   * start-up: a `dbt run` that selects nothing (interpreter, dbt import, manifest, adapter,
     artifacts): the fixed cost of any invocation, whatever the data;
   * full: `dbt run --full-refresh` over all days;
   * incremental: `dbt run --full-refresh` over the first `days - 1` days (not timed), then
     `dbt run` of the last day alone, timed `--build-repeat` times (a re-run replaces the same
     window: idempotent), median.
   `ratio = incremental / full` (target <= 0.25), printed three ways: wall; net of the start-up;
   models only (sum of run_results' execution times: dbt's per-model work and its SQL).
   Then the data tests as Dagster runs them (`dbt test`): over the last day's window, and with
   no window (the whole history), since a partitioned run tests its window only.
3. **Queries.** Seed 000's four use cases (system dashboard, API performance analytics,
   predictive alerts, incident analysis) against the marts of the served snapshot, each run
   `--repeat` times after a warm-up, in one DuckDB connection, as a dashboard would. p50 and p95
   are printed against the 50 ms target; the baseline is the same question answered from the
   staging views over the raw lake in the same process (`speed-up = raw p50 / mart p50`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

START = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
METRIC_SAMPLES_PER_DAY = 645_000  # node_exporter samples a day at any scale (6 hosts, 15 s)
REQUESTS_PER_DAY_AT_SCALE_1 = 690_000
TARGET_P95_MS = 50.0
TARGET_INCREMENTAL_RATIO = 0.25
TOP: dict[str, list[tuple[str, float]]] = {}  # the slowest models of each dbt invocation

# --- the four use cases: (name, over the marts, the same answer from the raw lake) -----------
# {t} is the dashboards' "now" (query_times): every question looks back from it, never past it.
QUERIES: list[tuple[str, str, str]] = [
    (
        "system dashboard",
        """
        WITH latest AS (
            SELECT * FROM marts.system_health
            WHERE window_start = (SELECT max(window_start) FROM marts.system_health
                                  WHERE window_start <= TIMESTAMP '{t}')
        ), errors AS (
            SELECT component, sum(error_count) AS error_count FROM marts.error_summary
            WHERE event_date = CAST(TIMESTAMP '{t}' AS DATE) GROUP BY component
        )
        SELECT l.component, l.high_cpu_alerts, l.high_memory_alerts, l.avg_response_time_ms,
               e.error_count, l.failed_runs, l.health_status
        FROM latest l LEFT JOIN errors e USING (component)
        ORDER BY l.health_status DESC, l.component
        """,
        """
        WITH m AS (
            SELECT component, count(*) FILTER (WHERE metric = 'node_load1') AS samples
            FROM staging.stg_system_metrics__samples
            WHERE ts >= TIMESTAMP '{t}' - INTERVAL 5 MINUTE AND ts < TIMESTAMP '{t}' + INTERVAL 5 MINUTE
            GROUP BY component
        ), errors AS (
            SELECT component, count(*) AS error_count FROM staging.stg_error_logs__events
            WHERE CAST(ts AS DATE) = CAST(TIMESTAMP '{t}' AS DATE) GROUP BY component
        )
        SELECT m.component, m.samples, e.error_count
        FROM m LEFT JOIN errors e USING (component) ORDER BY m.component
        """,
    ),
    (
        "API performance analytics",
        """
        WITH day AS (
            SELECT endpoint, sum(requests) AS total_requests,
                   sum(requests * avg_latency_ms) / sum(requests) AS avg_response_time,
                   sum(client_errors + server_errors) AS error_count
            FROM marts.api_performance_hourly
            WHERE hour >= TIMESTAMP '{t}' - INTERVAL 24 HOUR AND hour <= TIMESTAMP '{t}'
            GROUP BY endpoint
        )
        SELECT endpoint, total_requests, avg_response_time, error_count,
               100.0 * error_count / total_requests AS error_rate,
               CASE WHEN 100.0 * error_count / total_requests > 5 THEN 'HIGH ERROR RATE'
                    WHEN avg_response_time > 2000 THEN 'SLOW RESPONSE'
                    WHEN total_requests < 10 THEN 'LOW USAGE' ELSE 'HEALTHY' END,
               rank() OVER (ORDER BY total_requests DESC) AS usage_rank
        FROM day WHERE total_requests > 0 ORDER BY error_rate DESC, avg_response_time DESC
        """,
        """
        WITH day AS (
            SELECT endpoint, count(*) AS total_requests, avg(latency_ms) AS avg_response_time,
                   count(*) FILTER (WHERE status >= 400) AS error_count
            FROM staging.stg_api_requests__requests
            WHERE ts >= TIMESTAMP '{t}' - INTERVAL 24 HOUR AND ts < TIMESTAMP '{t}' + INTERVAL 1 HOUR
            GROUP BY endpoint
        )
        SELECT endpoint, total_requests, avg_response_time, error_count,
               100.0 * error_count / total_requests AS error_rate,
               rank() OVER (ORDER BY total_requests DESC) AS usage_rank
        FROM day ORDER BY error_rate DESC, avg_response_time DESC
        """,
    ),
    (
        "predictive alerts",
        """
        SELECT * FROM (
            SELECT *, row_number() OVER (PARTITION BY host, metric ORDER BY window_start DESC) AS rn
            FROM marts.metric_anomalies
            WHERE window_start >= TIMESTAMP '{t}' - INTERVAL 2 HOUR AND window_start <= TIMESTAMP '{t}'
        ) WHERE rn = 1 AND alert_message <> 'INFO: Normal Operation'
        """,
        """
        SELECT * FROM (
            SELECT host, metric, value,
                   avg(value) OVER w60 AS avg_last_hour,
                   value - lag(value, 5) OVER w AS trend,
                   row_number() OVER (PARTITION BY host, metric ORDER BY ts DESC) AS rn
            FROM staging.stg_system_metrics__samples
            WHERE ts >= TIMESTAMP '{t}' - INTERVAL 2 HOUR AND ts < TIMESTAMP '{t}' + INTERVAL 5 MINUTE
              AND metric IN ('node_load1', 'node_memory_MemAvailable_bytes')
            WINDOW w AS (PARTITION BY host, metric ORDER BY ts),
                   w60 AS (PARTITION BY host, metric ORDER BY ts
                           ROWS BETWEEN 60 PRECEDING AND 1 PRECEDING)
        ) WHERE rn = 1
        """,
    ),
    (
        "incident analysis",
        """
        SELECT * FROM marts.incidents
        WHERE ended_at >= TIMESTAMP '{t}' - INTERVAL 24 HOUR AND started_at <= TIMESTAMP '{t}'
        ORDER BY started_at DESC
        """,
        """
        SELECT date_trunc('minute', e.ts) AS incident_window,
               count(DISTINCT e.component) AS affected_components, count(*) AS total_errors
        FROM staging.stg_error_logs__events e
        WHERE e.ts >= TIMESTAMP '{t}' - INTERVAL 24 HOUR AND e.ts < TIMESTAMP '{t}' + INTERVAL 5 MINUTE
          AND e.level IN ('ERROR', 'CRITICAL')
        GROUP BY 1 HAVING count(*) > 5 ORDER BY 1 DESC
        """,
    ),
]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def scale_for(events: int, days: int) -> float:
    requests = max(events - METRIC_SAMPLES_PER_DAY * days, 0)
    return max(round(requests / (REQUESTS_PER_DAY_AT_SCALE_1 * days), 3), 0.02)


def prepare(home: Path, days: int, scale: float, seed: int) -> dict:
    """Simulate and land (cached by a stamp file holding the parameters)."""
    stamp = home / "bench-data.json"
    params = {"days": days, "scale": scale, "seed": seed, "start": START.isoformat(), "v": 1}
    if stamp.exists() and json.loads(stamp.read_text()).get("params") == params:
        return json.loads(stamp.read_text())
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    os.environ["OPSDW_HOME"] = str(home)
    from orchestration.landing.land import land_partition
    from orchestration.sources.catalog import SOURCES
    from orchestration.sources.simulator import simulate

    t = time.perf_counter()
    sim = simulate(home, START, START + dt.timedelta(days=days), seed=seed, scale=scale)
    sim_s = time.perf_counter() - t
    day_keys = sorted({p.parent.name for paths in sim.files.values() for p in paths})
    t = time.perf_counter()
    read = landed = 0
    for source in SOURCES.values():
        for day in day_keys:
            report = land_partition(source, day, home)
            read += report.rows_read
            landed += report.rows_landed
    info = {
        "params": params,
        "days": day_keys,
        "rows_read": read,
        "rows_landed": landed,
        "simulate_s": round(sim_s, 1),
        "land_s": round(time.perf_counter() - t, 1),
    }
    stamp.write_text(json.dumps(info, indent=2))
    return info


def dbt(
    home: Path, target: Path, *args: str, window: tuple[str, str] | None = None, label: str = ""
) -> tuple[float, float]:
    """Run dbt; return (wall seconds, models-only seconds from run_results.json). The window goes
    in the environment, as Dagster passes it (orchestration/assets/dbt.py: --vars would force a
    full re-parse whenever the window changes)."""
    env = dict(os.environ, OPSDW_HOME=str(home), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    if window:
        env.update(OPSDW_WINDOW_MIN_DATE=window[0], OPSDW_WINDOW_MAX_DATE=window[1])
    exe = Path(sys.executable).parent / "dbt"
    cmd = [
        str(exe), *args, "--project-dir", str(REPO / "dbt_project"),
        "--profiles-dir", str(REPO / "dbt_project"), "--target-path", str(target),
        "--log-path", str(home / "dbt-logs"), "--quiet",
    ]  # fmt: skip
    out = target / "run_results.json"
    out.unlink(missing_ok=True)  # a run that selects nothing writes none
    t = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(
            f"dbt {' '.join(args)} failed:\n{proc.stdout[-4000:]}{proc.stderr[-2000:]}"
        )
    results = json.loads(out.read_text()) if out.exists() else {}
    models = sum(r.get("execution_time", 0.0) for r in results.get("results", []))
    slowest = sorted(results.get("results", []), key=lambda r: -r.get("execution_time", 0.0))[:6]
    TOP[label or " ".join(args[:2])] = [
        (r["unique_id"].split(".")[2], round(r.get("execution_time", 0.0), 2)) for r in slowest
    ]
    return wall, models


def builds(home: Path, days: list[str], repeat: int) -> dict:
    target = home / "dbt-target"
    first, last = days[0], days[-1]
    after_last = (dt.date.fromisoformat(last) + dt.timedelta(days=1)).isoformat()
    (home / "warehouse.duckdb").unlink(missing_ok=True)
    dbt(home, target, "seed")  # thresholds (not timed: the same for both builds)
    startup = [
        dbt(home, target, "run", "--select", "path:no-such-model", label="start-up")[0]
        for _ in range(2)
    ]
    full = dbt(home, target, "run", "--full-refresh", window=(first, after_last), label="full")
    (home / "warehouse.duckdb").unlink(missing_ok=True)
    dbt(home, target, "seed")
    dbt(home, target, "run", "--full-refresh", window=(first, last))
    runs = [dbt(home, target, "run", window=(last, after_last), label="run, last day")
            for _ in range(repeat)]  # fmt: skip
    incr = (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs))
    tests_day = dbt(home, target, "test", "--exclude-resource-type", "unit_test",
                    window=(last, after_last), label="test, last day")  # fmt: skip
    tests_all = dbt(home, target, "test", "--exclude-resource-type", "unit_test",
                    label="test, whole history")  # fmt: skip
    return {
        "startup": min(startup),
        "full": full,
        "incremental": incr,
        "incremental_runs": runs,
        "tests_day": tests_day,
        "tests_all": tests_all,
    }


def query_times(con: duckdb.DuckDBPyConnection) -> dict[str, dt.datetime]:
    """The dashboards' "now": the end of the data (usually calm), and the middle of the latest
    incident (so the incident and predictive-alert questions have rows to return)."""
    times = {"now": con.execute("SELECT max(window_start) FROM marts.system_health").fetchone()[0]}
    incident = con.execute(
        "SELECT started_at + (ended_at - started_at) / 2 FROM marts.incidents "
        "ORDER BY started_at DESC LIMIT 1"
    ).fetchone()
    if incident:
        times["incident"] = incident[0]
    return times


def queries(home: Path, repeat: int) -> list[dict]:
    import duckdb

    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    out = []
    for label, at in query_times(con).items():
        for name, mart_sql, raw_sql in QUERIES:
            row = {"query": name, "at": label, "t": str(at)}
            for kind, sql in (("mart", mart_sql), ("raw", raw_sql)):
                text = sql.format(t=at)
                try:
                    con.execute(text).fetchall()  # warm-up
                except duckdb.Error as exc:
                    row[kind] = {"error": str(exc).splitlines()[0]}
                    continue
                times = []
                for _ in range(repeat if kind == "mart" else max(3, repeat // 10)):
                    t = time.perf_counter()
                    rows = con.execute(text).fetchall()
                    times.append((time.perf_counter() - t) * 1000)
                row[kind] = {
                    "p50_ms": statistics.median(times),
                    "p95_ms": _pct(times, 0.95),
                    "rows": len(rows),
                    "runs": len(times),
                }
            out.append(row)
    con.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--events", type=int, default=10_000_000, help="raw events in total")
    ap.add_argument("--days", type=int, default=15)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=50, help="runs per mart query")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/opsdw-bench-marts"))
    ap.add_argument("--build-repeat", type=int, default=3, help="timed incremental runs")
    ap.add_argument("--skip-build", action="store_true", help="reuse the last warehouse")
    ap.add_argument("--json", action="store_true", help="print the results as JSON too")
    args = ap.parse_args()

    scale = scale_for(args.events, args.days)
    home = args.dir.resolve()
    print(f"data: {args.days} days, request scale {scale}, seed {args.seed} in {home}")
    info = prepare(home, args.days, scale, args.seed)
    print(
        f"  raw events read {info['rows_read']:,}, landed {info['rows_landed']:,} "
        f"(simulate {info['simulate_s']} s, land {info['land_s']} s)"
    )
    result: dict = {"data": info}
    if not args.skip_build:
        b = builds(home, info["days"], args.build_repeat)
        (full, full_m), (incr, incr_m), start = b["full"], b["incremental"], b["startup"]
        ratios = {
            "wall": incr / full,
            "net of start-up": (incr - start) / (full - start),
            "models only": incr_m / full_m,
        }
        print("builds (dbt run):")
        print(f"  dbt start-up (selects nothing) {start:7.1f} s wall")
        print(f"  full rebuild of {len(info['days'])} days       {full:7.1f} s wall  "
              f"{full_m:7.1f} s models")  # fmt: skip
        print(f"  incremental last day           {incr:7.1f} s wall  {incr_m:7.1f} s models  "
              f"(median of {len(b['incremental_runs'])}: "
              + ", ".join(f"{w:.1f}" for w, _ in b["incremental_runs"]) + " s)")  # fmt: skip
        for label, value in ratios.items():
            verdict = "ok" if value <= TARGET_INCREMENTAL_RATIO else "OVER TARGET"
            print(f"  ratio incremental/full, {label:16s} {value:6.3f}  "
                  f"(target <= {TARGET_INCREMENTAL_RATIO}: {verdict})")  # fmt: skip
        (day_w, day_m), (all_w, all_m) = b["tests_day"], b["tests_all"]
        print(f"  dbt test, last day's window    {day_w:7.1f} s wall  {day_m:7.1f} s tests")
        print(f"  dbt test, whole history        {all_w:7.1f} s wall  {all_m:7.1f} s tests")
        result["builds"] = {**b, "ratios": ratios}
        for label, top in TOP.items():
            print(f"  slowest ({label}): " + ", ".join(f"{n} {t}s" for n, t in top))
    q = queries(home, args.repeat)
    print(f"queries (p50 / p95 over {args.repeat} runs; raw = the same question from the lake):")
    for row in q:
        m, r = row["mart"], row["raw"]
        where = f"{row['query']} @{row['at']}"
        if "error" in m:
            print(f"  {where:36s} ERROR {m['error']}")
            continue
        verdict = "ok" if m["p95_ms"] <= TARGET_P95_MS else "OVER TARGET"
        speed = f"{r['p50_ms'] / m['p50_ms']:6.1f}x" if "p50_ms" in r else f"n/a ({r.get('error')})"
        print(
            f"  {where:36s} {m['p50_ms']:7.2f} / {m['p95_ms']:7.2f} ms  "
            f"rows {m['rows']:5d}  raw p50 {r.get('p50_ms', float('nan')):8.1f} ms  "
            f"speed-up {speed}  ({verdict})"
        )
    print("  (" + ", ".join(f"@{r['at']} = {r['t']}" for r in q[:: len(QUERIES)]) + ")")
    result["queries"] = q
    if args.json:
        print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
