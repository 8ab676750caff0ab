"""The dbt marts on a tiny raw lake: numbers against an independent pandas computation, and
partition-window replacement (a re-run is idempotent, an empty window leaves other days alone)."""

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from orchestration.sources.catalog import SOURCES
from tests.integration.scenario import run_dbt

pytestmark = pytest.mark.slow

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"

DAY = "2026-11-21"
WINDOW = {"min_date": "2026-11-21", "max_date": "2026-11-22"}
EMPTY_WINDOW = {"min_date": "2026-11-23", "max_date": "2026-11-24"}
MIDNIGHT = datetime(2026, 11, 21)

# Each mart and the columns of its grain (used to sort snapshots).
MARTS: dict[str, list[str]] = {
    "api_performance_5m": ["window_start", "endpoint", "method"],
    "api_performance_hourly": ["hour", "endpoint", "method"],
    "host_resource_usage_5m": ["window_start", "host"],
    "system_health": ["window_start", "component"],
    "error_summary": ["event_date", "component", "level", "error_code"],
    "error_counts_1m": ["minute_start", "component", "level"],
}

TIME_COLUMNS = ("window_start", "window_end", "hour", "minute_start", "event_date",
                "first_seen", "last_seen")  # fmt: skip

HOSTS = {"web-1": "api-gateway", "app-1": "app-server", "db-1": "database"}
MEM_TOTAL = 8_000_000_000.0
DISK_SIZE = 100_000_000_000.0


# --------------------------------------------------------------------------------------------
# The tiny lake (one partition, event_date=2026-11-21)
# --------------------------------------------------------------------------------------------


def _at(hh: int, mm: int, ss: float = 0.0) -> datetime:
    return MIDNIGHT + timedelta(hours=hh, minutes=mm, seconds=ss)


def _cpu_busy(host: str, minute: int) -> float:
    """Fraction of CPU time busy over the minute ending at scrape `minute`."""
    if host == "db-1":
        return 0.2 if minute < 5 else 0.9  # window 00:05 is CRITICAL
    if host == "app-1":
        return 0.5 + 0.01 * minute
    return 0.3


def _mem_used(host: str, minute: int) -> float:
    if host == "db-1" and minute == 7:
        return 0.9  # one high-memory sample
    return 0.5 + 0.02 * minute


def make_metrics() -> pd.DataFrame:
    """Scrapes every minute from 2026-11-20 23:59 (lookback only) to 00:09 for three hosts.

    db-1's CPU counters reset at 00:04 (each restarts at the minute's increment, as if the
    process restarted right after the 00:03 scrape).
    """
    rows = []

    def sample(ts, host, component, metric, labels, value, metric_type="gauge", family=None):
        rows.append((ts, host, component, metric, family or metric, metric_type, labels, value))

    counters: dict[tuple[str, str, str], float] = {}
    for k in range(-1, 10):
        ts = _at(0, k) if k >= 0 else MIDNIGHT - timedelta(minutes=1)
        for host, component in HOSTS.items():
            busy = _cpu_busy(host, k)
            for cpu in ("0", "1"):
                increments = {"idle": 60 * (1 - busy), "user": 40 * busy, "system": 20 * busy}
                for mode, inc in increments.items():
                    key = (host, cpu, mode)
                    if host == "db-1" and k == 4:
                        counters[key] = inc
                    else:
                        counters[key] = counters.get(key, 1000.0 + 7 * int(cpu)) + inc
                    labels = {"cpu": cpu, "mode": mode}
                    sample(ts, host, component, "node_cpu_seconds_total", labels, counters[key],
                           "counter")  # fmt: skip
            mem_available = MEM_TOTAL * (1 - _mem_used(host, k))
            sample(ts, host, component, "node_memory_MemAvailable_bytes", {}, mem_available)
            sample(ts, host, component, "node_memory_MemTotal_bytes", {}, MEM_TOTAL)
            for mountpoint, used in (("/", 0.40 + 0.001 * k), ("/boot", 0.99)):
                labels = {"device": "sda1", "fstype": "ext4", "mountpoint": mountpoint}
                avail = DISK_SIZE * (1 - used)
                sample(ts, host, component, "node_filesystem_avail_bytes", labels, avail)
                sample(ts, host, component, "node_filesystem_size_bytes", labels, DISK_SIZE)
        # a histogram sample the resource model must ignore (NaN included)
        sample(ts, "app-1", "app-server", "http_request_duration_seconds_bucket", {"le": "+Inf"},
               float("nan"), "histogram", "http_request_duration_seconds")  # fmt: skip
    cols = ["ts", "host", "component", "metric", "family", "metric_type", "labels", "value"]
    return pd.DataFrame(rows, columns=cols)


def make_requests() -> pd.DataFrame:
    rows = []

    def add(ts, endpoint, method, status, latency, host="web-1"):
        rows.append((ts, host, "c1", None, method, endpoint, "HTTP/1.1", status, 512, None,
                     "curl/8", latency))  # fmt: skip

    for i in range(12):  # HEALTHY: 12 requests, 100..1200 ms, two gateway hosts
        host = "web-1" if i % 2 else "web-2"
        add(_at(0, 0, 5 + 20 * i), "/users/{id}", "GET", 200, 100.0 * (i + 1), host=host)
    for i in range(12):  # HIGH ERROR RATE: 2 × 5xx + 1 × 4xx of 12
        status = {3: 500, 7: 503, 9: 404}.get(i, 201)
        add(_at(0, 1, 15 * i), "/orders", "POST", status, 50.0 * (i + 1) + 0.5)
    for i, latency in enumerate((2500.0, 3000.0, 12000.0)):  # SLOW RESPONSE (and < 10)
        add(_at(0, 2, 30 * i), "/reports/{id}", "GET", 200, latency)
    for i in range(2):  # LOW USAGE
        add(_at(0, 3, 30 + 30 * i), "/health", "GET", 200, 1.0 + i)
    for i in range(3):  # another hour
        add(_at(1, 10, i), "/users/{id}", "GET", 200, 100.0 * (i + 1))
    add(MIDNIGHT - timedelta(seconds=10), "/users/{id}", "GET", 500, 5.0)  # day before: excluded
    cols = ["ts", "host", "client_pseudo", "user_pseudo", "method", "endpoint", "protocol",
            "status", "bytes_sent", "referer", "user_agent", "request_time_ms"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def make_logs() -> pd.DataFrame:
    rows = []

    def add(ts, level, component, host, code, message):
        rows.append((ts, level, component, host, "app.main", code, message, None, None, None))

    for i in range(11):  # app-server: 11 ERROR in window 00:00 -> WARNING
        code = "E_DB_TIMEOUT" if i % 2 == 0 else "E_UPSTREAM"
        add(_at(0, 1, 10 * i), "ERROR", "app-server", "app-1", code, f"timeout (attempt {i % 5})")
    add(_at(0, 3), "ERROR", "app-server", "app-2", "E_UPSTREAM", "upstream reset")
    add(_at(0, 2), "WARNING", "worker", "worker-1", "W_RETRY", "retrying job 7")
    add(_at(0, 6), "CRITICAL", "database", "db-1", "E_DISK_FULL", "disk full")
    add(_at(0, 6, 30), "ERROR", "database", "db-1", None, "checkpoint slow")
    add(_at(0, 6, 45), "CRITICAL", "database", "db-1", "E_DISK_FULL", "disk full")
    cols = ["ts", "level", "component", "host", "logger", "error_code", "message",
            "stack_trace", "request_id", "user_pseudo"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def write_raw(
    home: Path, source: str, df: pd.DataFrame, file_key: str, id_key: str | None = None
) -> None:
    """Write rows as one raw Parquet file, typed as catalog.py says, with DuckDB.

    event_id is '<id_key or file_key>:<line_number>': passing another file's key re-lands rows
    with event_ids that already exist, which staging must deduplicate.
    """
    df = df.copy()
    df["line_number"] = range(1, len(df) + 1)
    df["event_id"] = [f"{id_key or file_key}:{n}" for n in df["line_number"]]
    df["source_file"] = f"{source}/{DAY}/{file_key}"
    if "labels" in df:
        df["labels"] = df["labels"].map(json.dumps)
    selects = []
    for name, dtype in SOURCES[source].raw_columns:
        if dtype.startswith("MAP"):  # dicts travel as JSON text, then become a MAP
            selects.append(f'cast(cast("{name}" as json) as {dtype}) as "{name}"')
        else:
            selects.append(f'cast("{name}" as {dtype}) as "{name}"')
    out = home / "lake" / "raw" / source / f"event_date={DAY}" / f"{file_key}.parquet"
    out.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        con.register("rows_df", df)
        con.sql(f"select {', '.join(selects)} from rows_df").write_parquet(str(out))


def build_lake(home: Path) -> dict[str, pd.DataFrame]:
    """Write the tiny lake; return the distinct raw rows of each source."""
    metrics, requests, logs = make_metrics(), make_requests(), make_logs()
    write_raw(home, "system_metrics", metrics, "metrics-00")
    write_raw(home, "api_requests", requests, "web-00")
    write_raw(home, "api_requests", requests.iloc[:2], "web-00-copy", id_key="web-00")
    write_raw(home, "error_logs", logs, "app-00")
    return {"system_metrics": metrics, "api_requests": requests, "error_logs": logs}


# --------------------------------------------------------------------------------------------
# The same marts, computed independently in pandas from the rows above
# --------------------------------------------------------------------------------------------


def _in_window(df: pd.DataFrame, start: datetime, end: datetime) -> pd.DataFrame:
    return df[(df["ts"] >= start) & (df["ts"] < end)].copy()


def _gauge(scrape: pd.DataFrame, metric: str, mountpoint: str | None = None) -> float:
    sel = scrape[scrape["metric"] == metric]
    if mountpoint:
        sel = sel[sel["labels"].map(lambda d: d.get("mountpoint")) == mountpoint]
    return sel["value"].max()


def expected_host_resources(metrics: pd.DataFrame, start: datetime, end: datetime) -> pd.DataFrame:
    """One row per host and scrape of node metrics; CPU from counter deltas (reset = new value)."""
    m = _in_window(metrics, start - timedelta(minutes=10), end)  # the 10-minute lookback
    m = m[m["metric"].str.startswith("node_") & np.isfinite(m["value"])]
    cpu = m[m["metric"] == "node_cpu_seconds_total"].copy()
    cpu["cpu"] = cpu["labels"].map(lambda d: d["cpu"])
    cpu["mode"] = cpu["labels"].map(lambda d: d["mode"])
    cpu = cpu.sort_values("ts")
    prev = cpu.groupby(["host", "cpu", "mode"])["value"].shift()
    cpu["delta"] = np.where(
        prev.isna(), np.nan, np.where(cpu["value"] >= prev, cpu["value"] - prev, cpu["value"])
    )
    rows = []
    for (ts, host), g in m.groupby(["ts", "host"]):
        if not start <= ts < end:
            continue
        c = cpu[(cpu["ts"] == ts) & (cpu["host"] == host)]
        total, idle = c["delta"].sum(), c.loc[c["mode"] == "idle", "delta"].sum()
        cpu_pct = (
            100 * (1 - idle / total)
            if len(c) and c["delta"].notna().all() and total > 0
            else np.nan
        )

        mem_pct = 100 * (
            1
            - _gauge(g, "node_memory_MemAvailable_bytes") / _gauge(g, "node_memory_MemTotal_bytes")
        )
        disk_pct = 100 * (
            1
            - _gauge(g, "node_filesystem_avail_bytes", "/")
            / _gauge(g, "node_filesystem_size_bytes", "/")
        )
        rows.append((ts, host, g["component"].max(), cpu_pct, mem_pct, disk_pct))
    return pd.DataFrame(rows, columns=["ts", "host", "component", "cpu_pct", "mem_pct", "disk_pct"])


def _request_stats(g: pd.DataFrame) -> dict:
    n = len(g)
    errors = int((g["status"] >= 400).sum())
    server = int(g["status"].between(500, 599).sum())
    lat = g["request_time_ms"].to_numpy()
    return {
        "requests": n,
        "client_errors": int(g["status"].between(400, 499).sum()),
        "server_errors": server,
        "error_count": errors,
        "error_rate": errors / n,
        "server_error_rate": server / n,
        "avg_latency_ms": lat.mean(),
        "p50_latency_ms": np.quantile(lat, 0.50),  # numpy's default is linear interpolation
        "p95_latency_ms": np.quantile(lat, 0.95),
        "p99_latency_ms": np.quantile(lat, 0.99),
        "max_latency_ms": lat.max(),
    }


def expected_marts(
    raw: dict[str, pd.DataFrame], start: datetime, end: datetime
) -> dict[str, pd.DataFrame]:
    req = _in_window(raw["api_requests"], start, end)
    logs = _in_window(raw["error_logs"], start, end)
    res = expected_host_resources(raw["system_metrics"], start, end)
    req["window_start"] = req["ts"].dt.floor("5min")
    req["hour"] = req["ts"].dt.floor("h")
    logs["window_start"] = logs["ts"].dt.floor("5min")
    res["window_start"] = res["ts"].dt.floor("5min")
    out: dict[str, pd.DataFrame] = {}

    rows = []
    for (ws, ep, me), g in req.groupby(["window_start", "endpoint", "method"]):
        rows.append(
            {
                "window_start": ws,
                "window_end": ws + timedelta(minutes=5),
                "endpoint": ep,
                "method": me,
                **_request_stats(g),
            }
        )
    out["api_performance_5m"] = pd.DataFrame(rows)

    rows = []
    for (hour, ep, me), g in req.groupby(["hour", "endpoint", "method"]):
        s = _request_stats(g)
        if s["error_rate"] > 0.05:
            status = "HIGH ERROR RATE"
        elif s["avg_latency_ms"] > 2000:
            status = "SLOW RESPONSE"
        elif s["requests"] < 10:
            status = "LOW USAGE"
        else:
            status = "HEALTHY"
        rows.append({"hour": hour, "endpoint": ep, "method": me, **s, "performance_status": status})
    hourly = pd.DataFrame(rows)
    hourly["usage_rank"] = (
        hourly.groupby("hour")["requests"].rank(method="min", ascending=False).astype(int)
    )
    out["api_performance_hourly"] = hourly

    rows = []
    for (ws, host), g in res.groupby(["window_start", "host"]):
        rows.append(
            {
                "window_start": ws,
                "window_end": ws + timedelta(minutes=5),
                "host": host,
                "component": g["component"].max(),
                "samples": len(g),
                "avg_cpu_pct": g["cpu_pct"].mean(),
                "max_cpu_pct": g["cpu_pct"].max(),
                "min_cpu_pct": g["cpu_pct"].min(),
                "avg_mem_pct": g["mem_pct"].mean(),
                "max_mem_pct": g["mem_pct"].max(),
                "avg_disk_pct": g["disk_pct"].mean(),
                "max_disk_pct": g["disk_pct"].max(),
                "high_cpu_samples": int((g["cpu_pct"] > 80).sum()),
                "high_memory_samples": int((g["mem_pct"] > 85).sum()),
            }
        )
    out["host_resource_usage_5m"] = pd.DataFrame(rows)

    req["component"] = "api-gateway"
    keys = pd.concat([d[["window_start", "component", "host"]] for d in (res, req, logs)])
    rows = []
    for (ws, comp), k in keys.groupby(["window_start", "component"]):
        m = res[(res["window_start"] == ws) & (res["component"] == comp)]
        r = req[(req["window_start"] == ws) & (req["component"] == comp)]
        lg = logs[(logs["window_start"] == ws) & (logs["component"] == comp)]
        high_cpu, high_mem = int((m["cpu_pct"] > 80).sum()), int((m["mem_pct"] > 85).sum())
        errors = int(lg["level"].isin(["ERROR", "CRITICAL"]).sum())
        avg_rt = r["request_time_ms"].mean() if len(r) else np.nan
        if high_cpu > 0 or high_mem > 0:
            status = "CRITICAL"
        elif errors > 10:
            status = "WARNING"
        elif len(r) and avg_rt > 1000:
            status = "DEGRADED"
        else:
            status = "HEALTHY"
        rows.append(
            {
                "window_start": ws,
                "window_end": ws + timedelta(minutes=5),
                "component": comp,
                "hosts": k["host"].nunique(),
                "samples": len(m),
                "high_cpu_alerts": high_cpu,
                "high_memory_alerts": high_mem,
                "avg_cpu_pct": m["cpu_pct"].mean(),
                "max_cpu_pct": m["cpu_pct"].max(),
                "avg_mem_pct": m["mem_pct"].mean(),
                "max_mem_pct": m["mem_pct"].max(),
                "avg_response_time_ms": avg_rt,
                "requests": len(r),
                "error_count": errors,
                "critical_count": int((lg["level"] == "CRITICAL").sum()),
                "failed_runs": 0,
                "health_status": status,
            }
        )
    out["system_health"] = pd.DataFrame(rows)

    logs["event_date"] = logs["ts"].dt.floor("D")
    rows = []
    groups = logs.groupby(["event_date", "component", "level", "error_code"], dropna=False)
    for (day, comp, level, code), g in groups:
        last_by_message = g.groupby("message")["ts"].max().reset_index()
        recent = sorted(
            zip(last_by_message["ts"], last_by_message["message"], strict=True),
            key=lambda t: (-t[0].value, t[1]),
        )[:3]
        rows.append(
            {
                "event_date": day,
                "component": comp,
                "level": level,
                "error_code": None if pd.isna(code) else code,
                "error_count": len(g),
                "first_seen": g["ts"].min(),
                "last_seen": g["ts"].max(),
                "hosts": g["host"].nunique(),
                "recent_messages": " | ".join(m for _, m in recent),
            }
        )
    out["error_summary"] = pd.DataFrame(rows)

    logs["minute_start"] = logs["ts"].dt.floor("min")
    counts = (
        logs.groupby(["minute_start", "component", "level"])
        .size()
        .rename("error_count")
        .reset_index()
    )
    out["error_counts_1m"] = counts
    return out


# --------------------------------------------------------------------------------------------
# Running dbt
# --------------------------------------------------------------------------------------------


def dbt_build(home: Path, window: dict[str, str], *extra: str) -> None:
    env = {**os.environ, "OPSDW_HOME": str(home), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    cmd = [str(DBT), "build", "--project-dir", str(DBT_PROJECT_DIR),
           "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(home / "target"),
           "--log-path", str(home / "logs"), "--vars", json.dumps(window), *extra]  # fmt: skip
    proc = subprocess.run(
        cmd, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]


def snapshot(home: Path) -> dict[str, pd.DataFrame]:
    """Every mart, sorted by its grain, read through a short-lived read-only connection."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return {
            mart: _normalise(con.sql(f"select * from marts.{mart}").df(), keys)
            for mart, keys in MARTS.items()
        }


def _normalise(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    df = df.copy()
    for col in df.columns:
        if col in TIME_COLUMNS:
            df[col] = pd.to_datetime(df[col]).astype("datetime64[ns]")
    return df.sort_values(keys, na_position="first").reset_index(drop=True)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Build the window, build it again, then build an empty day; snapshot the marts each time."""
    home = tmp_path_factory.mktemp("opsdw_home")
    raw = build_lake(home)
    # the other registered sources have an empty day (what landing writes when an inbox day
    # has no files), so every dbt source is readable
    from orchestration.landing.land import land_partition

    for name, source in SOURCES.items():
        if not (home / "lake" / "raw" / name).exists():
            land_partition(source, DAY, home)
    dbt_build(home, WINDOW)
    first = snapshot(home)
    # the re-runs skip the unit tests (they do not depend on the window), as Dagster's runs do
    dbt_build(home, WINDOW, "--exclude-resource-type", "unit_test")
    second = snapshot(home)
    dbt_build(home, EMPTY_WINDOW, "--exclude-resource-type", "unit_test")
    third = snapshot(home)
    return {"raw": raw, "first": first, "second": second, "empty_day": third, "home": home}


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mart", list(MARTS))
def test_mart_matches_independent_computation(runs: dict, mart: str) -> None:
    start, end = (
        datetime.fromisoformat(WINDOW["min_date"]),
        datetime.fromisoformat(WINDOW["max_date"]),
    )
    expected = _normalise(expected_marts(runs["raw"], start, end)[mart], MARTS[mart])
    actual = runs["first"][mart].copy()
    # no SLA was evaluated on this lake: data_ok is unknown (NULL), never a guessed true
    assert actual.pop("data_ok").isna().all()
    assert list(actual.columns) == list(expected.columns)  # the contract's columns, in order
    pd.testing.assert_frame_equal(
        actual, expected, check_dtype=False, check_exact=False, rtol=1e-9, atol=1e-9
    )


def test_known_answers(runs: dict) -> None:
    """Answers worked out by hand from the rows in make_*()."""
    marts = runs["first"]
    hourly = marts["api_performance_hourly"]
    h0 = hourly[hourly["hour"] == pd.Timestamp("2026-11-21 00:00")].set_index("endpoint")
    assert h0["performance_status"].to_dict() == {
        "/users/{id}": "HEALTHY",
        "/orders": "HIGH ERROR RATE",
        "/reports/{id}": "SLOW RESPONSE",
        "/health": "LOW USAGE",
    }
    assert h0["usage_rank"].to_dict() == {
        "/users/{id}": 1,
        "/orders": 1,
        "/reports/{id}": 3,
        "/health": 4,
    }
    # 12 distinct requests (the two re-landed copies are deduplicated), 100..1200 ms:
    # p95 at position 0.95 × 11 = 10.45 -> 1100 + 0.45 × 100 = 1145
    users = h0.loc["/users/{id}"]
    assert (users["requests"], users["p95_latency_ms"]) == (12, pytest.approx(1145.0))
    orders = h0.loc["/orders"]
    assert (orders["client_errors"], orders["server_errors"], orders["error_rate"]) == (1, 2, 0.25)

    health = marts["system_health"].set_index(["window_start", "component"])["health_status"]
    assert health.to_dict() == {
        (pd.Timestamp("2026-11-21 00:00"), "api-gateway"): "DEGRADED",  # 29209 ms / 29 = 1007.2
        (pd.Timestamp("2026-11-21 00:00"), "app-server"): "WARNING",  # 12 ERROR events
        (pd.Timestamp("2026-11-21 00:00"), "database"): "HEALTHY",  # 20 % across the reset
        (pd.Timestamp("2026-11-21 00:00"), "worker"): "HEALTHY",  # one WARNING only
        (pd.Timestamp("2026-11-21 00:05"), "api-gateway"): "HEALTHY",
        (pd.Timestamp("2026-11-21 00:05"), "app-server"): "HEALTHY",
        (pd.Timestamp("2026-11-21 00:05"), "database"): "CRITICAL",  # 90 % CPU
        (pd.Timestamp("2026-11-21 01:10"), "api-gateway"): "HEALTHY",
    }
    hosts = marts["host_resource_usage_5m"].set_index(["window_start", "host"])
    web = hosts.loc[(pd.Timestamp("2026-11-21 00:00"), "web-1")]
    # the 00:00 scrape takes its delta from the 23:59 scrape of the day before (lookback)
    assert (web["samples"], web["min_cpu_pct"], web["max_cpu_pct"]) == (
        5,
        pytest.approx(30),
        pytest.approx(30),
    )
    db = hosts.loc[(pd.Timestamp("2026-11-21 00:05"), "db-1")]
    assert (db["high_cpu_samples"], db["high_memory_samples"]) == (5, 1)
    db0 = hosts.loc[(pd.Timestamp("2026-11-21 00:00"), "db-1")]
    assert db0["min_cpu_pct"] == pytest.approx(20)  # the reset at 00:04 counts the new value

    summary = marts["error_summary"].set_index(["component", "error_code"])
    assert summary.loc[("app-server", "E_DB_TIMEOUT"), "recent_messages"] == (
        "timeout (attempt 0) | timeout (attempt 3) | timeout (attempt 1)"
    )
    assert summary.loc[("app-server", "E_UPSTREAM"), "hosts"] == 2
    assert summary["error_count"].sum() == marts["error_counts_1m"]["error_count"].sum() == 16


def test_rebuilding_the_window_is_idempotent(runs: dict) -> None:
    for mart in MARTS:
        pd.testing.assert_frame_equal(runs["second"][mart], runs["first"][mart])


def test_empty_window_leaves_other_days_untouched(runs: dict) -> None:
    for mart in MARTS:
        assert len(runs["first"][mart]) > 0
        pd.testing.assert_frame_equal(runs["empty_day"][mart], runs["first"][mart])


def dbt_test(
    home: Path, window: dict[str, str] | None, *select: str, command: str = "test"
) -> tuple[int, set[str], Path]:
    """`dbt test` (or `command`) of `select` with the window in the environment, as Dagster passes
    it; returns the exit code, the names of the failed tests and the compiled-SQL folder."""
    target = home / "target"
    shutil.rmtree(target / "compiled", ignore_errors=True)
    args = [command, "--select", *select]
    if command == "test":
        args += ["--exclude-resource-type", "unit_test"]
    proc = run_dbt(home, *args, target=target, window=window)
    results = json.loads((target / "run_results.json").read_text())["results"]
    assert results, proc.stdout[-3000:]
    failed = {r["unique_id"].split(".")[2] for r in results if r["status"] == "fail"}
    return proc.returncode, failed, target / "compiled" / "opsdw"


def test_data_tests_look_at_the_run_window_only(runs: dict, tmp_path: Path) -> None:
    """A partitioned run tests the rows of its window; a run without a window tests everything
    (macros/test_window.sql). The bad rows sit on a day outside WINDOW: a log line with an unknown
    level in the lake (a staging view, filtered on its event_date partitions) and a duplicated
    error_summary row (an incremental mart, filtered on its window column)."""
    home = tmp_path / "home"
    shutil.copytree(runs["home"], home)
    bad_day = EMPTY_WINDOW["min_date"]
    logs = home / "lake" / "raw" / "error_logs"
    (logs / f"event_date={bad_day}").mkdir()
    with duckdb.connect() as con:
        con.execute(
            f"""copy (select * replace ('BOGUS' as level, event_id || '-late' as event_id,
                                        ts + interval 2 day as ts)
                      from read_parquet('{logs}/event_date={DAY}/app-00.parquet'))
                to '{logs}/event_date={bad_day}/app-late.parquet' (format parquet)"""
        )
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        for _ in range(2):  # the same rows twice: a duplicate (event_date, component, ...) key
            con.execute(
                f"insert into marts.error_summary select * replace "
                f"(date '{bad_day}' as event_date) from marts.error_summary "
                f"where event_date = date '{DAY}'"
            )
    select = ("stg_error_logs__events", "error_summary", "incidents")
    # the copied staging view still reads the original lake: point it at this one
    assert dbt_test(home, None, "stg_error_logs__events", command="run")[0] == 0
    bad = {
        "accepted_values_stg_error_logs__events_level__DEBUG__INFO__WARNING__ERROR__CRITICAL",
        "unique_combination_error_summary_event_date__component__level__error_code",
    }

    code, failed, compiled = dbt_test(home, WINDOW, *select)
    assert (code, failed) == (0, set())
    tests_sql = {p.parent.name + "/" + p.stem: p.read_text() for p in compiled.rglob("*.sql")}
    staging = [t for n, t in tests_sql.items() if "unique_stg_error_logs__events_event_id" in n]
    assert staging and f"event_date >= cast('{DAY}' as timestamp)" in staging[0]
    whole = [t for n, t in tests_sql.items() if "_incidents_" in n]
    assert whole and not any("dbt_subquery" in t for t in whole)  # a table mart: tested whole

    code, failed, _ = dbt_test(home, EMPTY_WINDOW, *select)
    assert code == 1 and failed == bad

    code, failed, _ = dbt_test(home, None, *select)
    assert code == 1 and failed == bad
