"""`opsdw status`: one health verdict (OK / WARNING / ERROR / CRITICAL) over the served marts.

Fast path: reads only the serving snapshot (read-only) and the alert store; imports neither
Dagster nor Great Expectations.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from dataclasses import asdict, dataclass, field
from typing import Any

from orchestration.settings import Paths, paths

LEVELS = ("OK", "WARNING", "ERROR", "CRITICAL")

_M1, _M5, _H, _D = (dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(hours=1),
                    dt.timedelta(days=1))  # fmt: skip
# mart -> (time column, window length, warn after, error after): the age of the newest window end.
# Marts not listed (current-state tables) are reported with their row count only.
MART_FRESHNESS: dict[str, tuple[str, dt.timedelta, dt.timedelta, dt.timedelta]] = {
    "api_performance_5m": ("window_start", _M5, 30 * _M1, 2 * _H),
    "api_performance_hourly": ("hour", _H, 2 * _H, 6 * _H),
    "host_resource_usage_5m": ("window_start", _M5, 30 * _M1, 2 * _H),
    "system_health": ("window_start", _M5, 30 * _M1, 2 * _H),
    "error_counts_1m": ("minute_start", _M1, 30 * _M1, 2 * _H),
    "error_summary": ("event_date", _D, _D, 2 * _D),
    "data_coverage_5m": ("window_start", _M5, 30 * _M1, 2 * _H),
    "metric_anomalies": ("window_start", _M5, 30 * _M1, 2 * _H),
    "replication_health": ("window_start", _M5, 30 * _M1, 2 * _H),
    "pipeline_health": ("hour", _H, 3 * _H, 12 * _H),
    "handler_performance": ("hour", _H, 2 * _H, 6 * _H),
    "execution_performance": ("hour", _H, 3 * _H, 12 * _H),
    "transaction_analytics": ("hour", _H, 2 * _H, 6 * _H),
    "connection_pool_analytics": ("hour", _H, 2 * _H, 6 * _H),
    "cache_effectiveness": ("hour", _H, 2 * _H, 6 * _H),
    "query_performance": ("stat_date", _D, _D, 2 * _D),
    "capacity_forecast": ("day", _D, _D, 2 * _D),
    "database_health": ("day", _D, _D, 2 * _D),
    "data_quality_sla": ("event_date", _D, _D, 2 * _D),
}


@dataclass
class MartStatus:
    name: str
    rows: int | None
    latest_window_end: str | None
    age_minutes: float | None
    freshness: str  # OK | WARNING | ERROR, or n/a for marts without a time window


@dataclass
class Status:
    status: str
    timestamp: str
    warehouse: dict[str, Any]
    marts: list[MartStatus]
    alerts: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    quality: dict[str, Any] = field(default_factory=dict)  # data_quality_sla, silent collectors

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _worst(*levels: str) -> str:
    return max(levels, key=LEVELS.index) if levels else "OK"


def _as_datetime(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)
    return None


def _mart_statuses(
    layout: Paths, now: dt.datetime, warnings: list[str], errors: list[str]
) -> list[MartStatus]:
    import duckdb

    out: list[MartStatus] = []
    con = duckdb.connect(str(layout.serving), read_only=True)
    try:
        present = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'"
            ).fetchall()
        }
        for name in sorted(present - set(MART_FRESHNESS)):
            # current-state and summary marts: rows only (no window to be fresh or stale)
            rows = con.execute(f'SELECT count(*) FROM marts."{name}"').fetchone()[0]
            out.append(MartStatus(name, int(rows), None, None, "n/a"))
        for name, (column, length, warn_after, error_after) in MART_FRESHNESS.items():
            if name not in present:
                errors.append(f"mart {name} is missing from the served warehouse")
                out.append(MartStatus(name, None, None, None, "ERROR"))
                continue
            rows, latest = con.execute(
                f'SELECT count(*), max("{column}") FROM marts."{name}"'
            ).fetchone()
            latest_dt = _as_datetime(latest)
            if latest_dt is None:
                errors.append(f"mart {name} is empty")
                out.append(MartStatus(name, int(rows), None, None, "ERROR"))
                continue
            end = min(latest_dt + length, now)  # a daily window that is still open ends now
            age = now - end
            fresh = "OK"
            if age > error_after:
                fresh = "ERROR"
                errors.append(f"{name}: newest window ended {age} ago (error after {error_after})")
            elif age > warn_after:
                fresh = "WARNING"
                warnings.append(f"{name}: newest window ended {age} ago (warn after {warn_after})")
            out.append(
                MartStatus(
                    name, int(rows), end.isoformat(), round(age.total_seconds() / 60, 1), fresh
                )
            )
    finally:
        con.close()
    return sorted(out, key=lambda m: m.name)


def _gx_failures(layout: Paths, out: dict[str, Any], errors: list[str]) -> None:
    """Raw GX suites whose newest validated day failed (blocking: that day is not in the marts)."""
    import duckdb

    if not any(layout.lake.glob("quality/gx/suite=raw_*/event_date=*/results.parquet")):
        return
    pattern = layout.lake / "quality" / "gx" / "suite=raw_*" / "*" / "results.parquet"
    con = duckdb.connect()
    try:
        rows = con.execute(
            f"""
            WITH r AS (SELECT * FROM read_parquet('{pattern}') WHERE event_date IS NOT NULL),
            newest AS (SELECT suite, max(event_date) AS event_date FROM r GROUP BY suite)
            SELECT r.dataset, r.suite, r.event_date,
                   list(r.expectation ORDER BY r.expectation) FILTER (WHERE NOT r.passed)
            FROM r JOIN newest USING (suite, event_date)
            GROUP BY ALL HAVING count(*) FILTER (WHERE NOT r.passed) > 0 ORDER BY 1
            """
        ).fetchall()
    finally:
        con.close()
    for source, suite, day, failed in rows:
        out["gx_failures"].append(
            {"source": source, "suite": suite, "day": str(day), "failed": failed}
        )
        errors.append(
            f"data quality {source} {day}: GX suite {suite} failed {', '.join(failed)} — the "
            "partition is kept out of the marts"
        )


def data_quality(layout: Paths, warnings: list[str], errors: list[str]) -> dict[str, Any]:
    """The newest evaluated day's SLA verdict per source, read from the lake (so a partition the
    blocking check kept out of the marts is reported too), and the hosts whose collector is
    silent in their newest judged window."""
    import duckdb

    out: dict[str, Any] = {"sources": [], "silent": [], "gx_failures": []}
    _gx_failures(layout, out, errors)
    pattern = layout.lake / "quality" / "sla" / "*" / "*" / "results.parquet"
    if not any(layout.lake.glob("quality/sla/source=*/event_date=*/results.parquet")):
        return out
    con = duckdb.connect()
    try:
        con.execute(
            f"CREATE TEMP VIEW r AS SELECT * FROM read_parquet('{pattern}') WHERE source <> '_none'"
        )
        rows = con.execute(
            """
            WITH newest AS (
                SELECT source, max(event_date) AS event_date FROM r GROUP BY source
            )
            SELECT r.source, r.event_date,
                   count(*) AS evaluations,
                   count(*) FILTER (WHERE NOT passed) AS failed,
                   count(*) FILTER (WHERE NOT passed AND severity = 'error') AS failed_errors,
                   avg(observed) FILTER (WHERE check_name = 'completeness') AS collection_rate,
                   max(observed) FILTER (WHERE check_name = 'reject_rate') AS reject_rate,
                   list(DISTINCT check_name ORDER BY check_name) FILTER (WHERE NOT passed)
                       AS failed_checks
            FROM r JOIN newest USING (source, event_date)
            GROUP BY ALL ORDER BY 1
            """
        ).fetchall()
        for src, day, n, failed, failed_errors, rate, rej, checks in rows:
            status = "ERROR" if failed_errors else ("WARN" if failed else "OK")
            out["sources"].append(
                {"source": src, "day": str(day), "sla_status": status,
                 "pass_rate": (n - failed) / n if n else None, "collection_rate": rate,
                 "reject_rate": rej, "failed_checks": checks or []}
            )  # fmt: skip
            if status != "OK":
                parts = [f"failed {', '.join(checks)}", f"{failed} of {n} evaluations"]
                if rate is not None:
                    parts.append(f"collection rate {rate:.2%}")
                msg = f"data quality {src} {day}: SLA {status} ({'; '.join(parts)})"
                if status == "ERROR":
                    msg += " — the partition is kept out of the marts"
                (errors if status == "ERROR" else warnings).append(msg)
        silent = con.execute(
            """
            SELECT source, subject, window_start, observed FROM r
            WHERE check_name = 'completeness'
            QUALIFY row_number() OVER (PARTITION BY source, subject ORDER BY window_start DESC) = 1
                AND observed < 0.5
            ORDER BY 1, 2
            """
        ).fetchall()
        for src, host, start, ratio in silent:
            out["silent"].append({"source": src, "host": host, "window_start": str(start)})
            warnings.append(
                f"{host}: {src} collector silent in its newest judged window {start} "
                f"({ratio:.0%} of expected data)"
            )
    finally:
        con.close()
    return out


def _alerts(layout: Paths) -> dict[str, Any]:
    if not layout.alert_db.exists():
        return {"firing": [], "pending": 0, "history": 0}
    con = sqlite3.connect(f"file:{layout.alert_db}?mode=ro", uri=True, timeout=5)
    try:
        con.row_factory = sqlite3.Row
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "alert_state" not in tables:
            return {"firing": [], "pending": 0, "history": 0}
        firing = [
            dict(r)
            for r in con.execute(
                "SELECT s.rule, s.labels, s.active_since, s.last_value, "
                "(SELECT h.severity FROM alert_history h WHERE h.fingerprint = s.fingerprint "
                " ORDER BY h.id DESC LIMIT 1) AS severity "
                "FROM alert_state s WHERE s.state = 'firing' ORDER BY s.active_since"
            )
        ]
        pending = con.execute(
            "SELECT count(*) FROM alert_state WHERE state = 'pending'"
        ).fetchone()[0]
        history = con.execute("SELECT count(*) FROM alert_history").fetchone()[0]
    finally:
        con.close()
    for a in firing:
        with contextlib.suppress(TypeError, ValueError):
            a["labels"] = json.loads(a["labels"])
    return {"firing": firing, "pending": int(pending), "history": int(history)}


def collect_status(home: str | None = None, now: dt.datetime | None = None) -> Status:
    """The health verdict: worst of mart freshness, missing data and firing alerts."""
    layout = paths(home)
    now = now or dt.datetime.now(dt.UTC)
    warnings: list[str] = []
    errors: list[str] = []
    warehouse: dict[str, Any] = {"serving": str(layout.serving)}
    if not layout.serving.exists():
        # nothing served yet, but the SLA verdicts may say why (a blocked partition)
        quality = data_quality(layout, warnings, errors)
        return Status(
            status="CRITICAL",
            timestamp=now.isoformat(),
            warehouse=warehouse,
            marts=[],
            alerts=_alerts(layout),
            warnings=warnings,
            errors=["no served warehouse: nothing has been built (run `make demo`)", *errors],
            quality=quality,
        )
    stat = layout.serving.stat()
    warehouse.update(
        size_mb=round(stat.st_size / 1e6, 2),
        published_at=dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC).isoformat(timespec="seconds"),
    )
    marts = _mart_statuses(layout, now, warnings, errors)
    quality = data_quality(layout, warnings, errors)
    alerts = _alerts(layout)
    level = "ERROR" if errors else ("WARNING" if warnings else "OK")
    # (data-quality findings are in warnings/errors too: a source that went silent or was
    # blocked is never an all-clear)
    for a in alerts["firing"]:
        sev = (a.get("severity") or "warning").lower()
        level = _worst(level, "CRITICAL" if sev == "critical" else "WARNING")
        msg = f"alert firing: {a['rule']} {a.get('labels')}"
        (errors if sev == "critical" else warnings).append(msg)
    return Status(
        level, now.isoformat(timespec="seconds"), warehouse, marts, alerts, warnings, errors,
        quality,
    )  # fmt: skip


def render(status: Status) -> None:
    """Print the status as a small table (rich)."""
    from rich.table import Table

    from orchestration.console import make_console

    colour = {
        "OK": "green", "WARNING": "yellow", "ERROR": "red", "CRITICAL": "bold red",
        "n/a": "dim", "WARN": "yellow",
    }  # fmt: skip
    console = make_console()
    console.print(f"Status: [{colour[status.status]}]{status.status}[/]   at {status.timestamp}")
    if status.warehouse.get("size_mb") is not None:
        console.print(
            f"Served warehouse: {status.warehouse['serving']} "
            f"({status.warehouse['size_mb']} MB, published {status.warehouse['published_at']})"
        )
    if status.marts:
        table = Table(title="Marts")
        for col in ("mart", "rows", "newest window end", "age (min)", "freshness"):
            table.add_column(col)
        for m in status.marts:
            table.add_row(
                m.name,
                "-" if m.rows is None else f"{m.rows:,}",
                m.latest_window_end or "-",
                "-" if m.age_minutes is None else f"{m.age_minutes:,.0f}",
                f"[{colour[m.freshness]}]{m.freshness}[/]",
            )
        console.print(table)
    if status.quality.get("sources"):
        table = Table(title="Data quality (newest evaluated day per source, expectations/sla.yml)")
        for col in (
            "source",
            "day",
            "SLA",
            "pass rate",
            "collection rate",
            "reject rate",
            "failed",
        ):
            table.add_column(col)
        for q in status.quality["sources"]:
            rate = q["collection_rate"]
            table.add_row(
                q["source"], q["day"], f"[{colour.get(q['sla_status'], 'red')}]{q['sla_status']}[/]",
                f"{q['pass_rate']:.2%}", "-" if rate is None else f"{rate:.2%}",
                f"{q['reject_rate'] or 0:.3%}", ", ".join(q["failed_checks"]) or "-",
            )  # fmt: skip
        console.print(table)
    firing = status.alerts.get("firing", [])
    console.print(
        f"Alerts: {len(firing)} firing, {status.alerts.get('pending', 0)} pending, "
        f"{status.alerts.get('history', 0)} transitions recorded"
    )
    for a in firing:
        console.print(
            f"  [red]FIRING[/] {a['rule']} {a.get('labels')} since {a.get('active_since')}"
        )
    for w in status.warnings:
        console.print(f"[yellow]warning[/] {w}")
    for e in status.errors:
        console.print(f"[red]error[/] {e}")
