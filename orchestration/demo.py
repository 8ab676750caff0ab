"""`opsdw demo`: simulate telemetry, run the main job end to end, evaluate alerts, summarise.

The demo window is pinned in $OPSDW_HOME/demo.json on the first run (it ends at the current time,
floored to 5 minutes), so running the demo again rebuilds exactly the same data and marts.
`--fresh` moves the window to now.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from orchestration.settings import Paths, paths


@dataclass
class DemoWindow:
    start: dt.datetime
    end: dt.datetime
    seed: int
    scale: float

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "seed": self.seed,
            "scale": self.scale,
        }


@dataclass
class DemoReport:
    window: DemoWindow
    stage_seconds: dict[str, float] = field(default_factory=dict)
    sources: dict[str, dict[str, int]] = field(default_factory=dict)
    marts: dict[str, int] = field(default_factory=dict)
    checks: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    incidents: list[dict[str, Any]] = field(default_factory=list)
    quality: list[dict[str, Any]] = field(default_factory=list)  # data_quality_sla rows
    # partitions a blocking SLA or GX check kept out of the marts, read from the lake (the marts
    # cannot show a partition they were never built from)
    blocked: list[str] = field(default_factory=list)
    run_id: str | None = None
    success: bool = False
    failure: str | None = None


def pin_window(
    layout: Paths, days: float, seed: int, scale: float, fresh: bool, now: dt.datetime | None = None
) -> DemoWindow:
    """The demo's window: reuse the pinned one unless asked for a fresh one or other settings."""
    pin = layout.home / "demo.json"
    if pin.exists() and not fresh:
        saved = json.loads(pin.read_text())
        start, end = (
            dt.datetime.fromisoformat(saved["start"]),
            dt.datetime.fromisoformat(saved["end"]),
        )
        if (
            saved.get("seed") == seed
            and saved.get("scale") == scale
            and abs((end - start) / dt.timedelta(days=1) - days) < 1e-9
        ):
            return DemoWindow(start, end, seed, scale)
    now = now or dt.datetime.now(dt.UTC)
    end = now.replace(second=0, microsecond=0) - dt.timedelta(minutes=now.minute % 5)
    window = DemoWindow(end - dt.timedelta(days=days), end, seed, scale)
    layout.home.mkdir(parents=True, exist_ok=True)
    pin.write_text(json.dumps(window.to_json(), indent=2))
    return window


def _stage_of(step_key: str) -> str:
    if "gx_" in step_key:
        return "checks (GX)"
    if step_key.startswith("raw"):
        return "land"
    if "dbt" in step_key:
        return "dbt build + publish"
    return step_key


def _step_times(instance: Any, run_id: str) -> dict[str, float]:
    """Wall seconds per stage from the run's STEP_START / STEP_SUCCESS|FAILURE events."""
    from dagster import DagsterEventType

    starts: dict[str, float] = {}
    totals: dict[str, float] = defaultdict(float)
    for entry in instance.all_logs(run_id):
        ev = entry.dagster_event
        if ev is None or not ev.step_key:
            continue
        if ev.event_type == DagsterEventType.STEP_START:
            starts[ev.step_key] = entry.timestamp
        elif (
            ev.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE)
            and ev.step_key in starts
        ):
            totals[_stage_of(ev.step_key)] += entry.timestamp - starts.pop(ev.step_key)
    return dict(totals)


def match_incident(
    alert: dict[str, Any],
    incidents: list[dict[str, Any]],
    slack: dt.timedelta = dt.timedelta(minutes=15),
) -> str | None:
    """The id of the injected incident an alert belongs to: overlapping time and same subject."""
    labels = alert.get("labels") or {}
    starts = dt.datetime.fromisoformat(alert["starts_at"])
    for inc in incidents:
        lo = dt.datetime.fromisoformat(inc["start"]) - slack
        hi = dt.datetime.fromisoformat(inc["end"]) + slack
        if not (lo <= starts <= hi):
            continue
        subject = [labels.get(k) for k in ("endpoint", "host", "component") if labels.get(k)]
        wanted = {inc.get("endpoint"), inc.get("host"), inc.get("component")} - {None}
        if any(s in wanted for s in subject):
            return inc["id"]
    return None


def run_demo(
    days: float = 2.0,
    seed: int = 7,
    scale: float = 1.0,
    fresh: bool = False,
    console: Any = None,
) -> DemoReport:
    from orchestration.console import QUIET_RUN_CONFIG, make_console
    from orchestration.instance import ensure_dagster_home

    console = console or make_console()
    layout = paths()
    layout.home.mkdir(parents=True, exist_ok=True)
    ensure_dagster_home(layout)
    window = pin_window(layout, days, seed, scale, fresh)
    report = DemoReport(window=window)
    console.print(
        f"[bold]opsdw demo[/] — {days:g} days of simulated telemetry "
        f"{window.start:%Y-%m-%d %H:%M} → {window.end:%Y-%m-%d %H:%M} UTC (seed {seed}, scale {scale:g})"
    )
    console.print(f"OPSDW_HOME={layout.home}")

    # 1. collectors: the simulator writes real formats into the inbox
    t = time.perf_counter()
    with console.status("simulating telemetry into the inbox …"):
        from orchestration.sources.simulator import simulate

        sim = simulate(layout.home, window.start, window.end, seed=seed, scale=scale)
    report.stage_seconds["simulate"] = time.perf_counter() - t

    # 2. the main job over the window's partitions, in the real Dagster instance (visible in the UI)
    t = time.perf_counter()
    with console.status("parsing the dbt project …"):
        from orchestration.assets.dbt_project import prepare_manifest

        prepare_manifest()
    report.stage_seconds["dbt parse"] = time.perf_counter() - t

    from dagster import DagsterInstance

    from orchestration.assets.partitions import days_in_window
    from orchestration.definitions import build_definitions
    from orchestration.jobs import MAIN_JOB

    keys = days_in_window(window.start, window.end)
    # the replayed window's "now" is its end: the SLAs judge freshness and completeness against
    # it, not against the wall clock (which would call the minutes after the window missing)
    from orchestration.settings import NOW_ENV

    previous_now = os.environ.get(NOW_ENV)
    os.environ[NOW_ENV] = window.end.isoformat()
    t = time.perf_counter()
    with console.status(
        f"running {MAIN_JOB} over {keys[0]} … {keys[-1]} (land → dbt → checks → publish) …"
    ):
        defs = build_definitions()
        job = defs.resolve_job_def(MAIN_JOB)
        instance = DagsterInstance.get()
        result = job.execute_in_process(
            instance=instance,
            run_config=QUIET_RUN_CONFIG,
            raise_on_error=False,
            tags={
                "dagster/asset_partition_range_start": keys[0],
                "dagster/asset_partition_range_end": keys[-1],
                "opsdw/trigger": "demo",
            },
        )
    report.stage_seconds["job"] = time.perf_counter() - t
    if previous_now is None:
        os.environ.pop(NOW_ENV, None)
    else:
        os.environ[NOW_ENV] = previous_now
    report.run_id = result.run_id
    report.success = result.success
    report.stage_seconds.update(_step_times(instance, result.run_id))

    from orchestration.landing.land import read_manifest
    from orchestration.sources.catalog import SOURCES

    for name in SOURCES:
        totals = {"files": 0, "read": 0, "landed": 0, "rejected": 0}
        for day in keys:
            m = read_manifest(name, day, layout.home)
            if m:
                totals["files"] += len(m["files"])
                totals["read"] += m["rows_read"]
                totals["landed"] += m["rows_landed"]
                totals["rejected"] += m["rows_rejected"]
        report.sources[name] = totals

    for ev in result.get_asset_check_evaluations():
        report.checks.append(
            {
                "asset": "/".join(ev.asset_key.path),
                "check": ev.check_name,
                "passed": ev.passed,
                "severity": getattr(ev.severity, "value", str(ev.severity)),
            }
        )
    if not result.success:
        failures = [e for e in result.all_events if e.is_failure]
        report.failure = failures[0].message if failures else "run failed"

    # 3. serving snapshot
    if layout.serving.exists():
        from orchestration.serving.reader import serving_connection

        with serving_connection(layout) as con:
            for (name,) in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' ORDER BY 1"
            ).fetchall():
                report.marts[name] = int(
                    con.execute(f'SELECT count(*) FROM marts."{name}"').fetchone()[0]
                )
            if "data_quality_sla" in report.marts:
                cur = con.execute(
                    "SELECT source, event_date, sla_status, sla_attainment, collection_rate, "
                    "freshness_failures, volume_anomalies, reject_rate "
                    "FROM marts.data_quality_sla ORDER BY source, event_date"
                )
                cols = [d[0] for d in cur.description]
                report.quality = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

    report.blocked = blocked_partitions(layout)

    # 4. alert rules over the served marts (what the sensor does every 30 s)
    t = time.perf_counter()
    from orchestration.alerts.sensor import evaluate_and_deliver

    evaluation = evaluate_and_deliver(home=layout.home)
    report.stage_seconds["alerts"] = time.perf_counter() - t
    truth = json.loads(layout.ground_truth.read_text()) if layout.ground_truth.exists() else {}
    report.incidents = truth.get("incidents", [])
    report.alerts = _alert_history(layout)
    for a in report.alerts:
        a["incident"] = match_incident(a, report.incidents)
    _ = sim, evaluation
    return report


def _alert_history(layout: Paths) -> list[dict[str, Any]]:
    import sqlite3

    if not layout.alert_db.exists():
        return []
    con = sqlite3.connect(f"file:{layout.alert_db}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    try:
        rows = [
            dict(r)
            for r in con.execute(
                "SELECT * FROM alert_history WHERE status = 'firing' ORDER BY starts_at"
            )
        ]
    finally:
        con.close()
    for r in rows:
        if isinstance(r.get("labels"), str):
            r["labels"] = json.loads(r["labels"])
    return rows


def blocked_partitions(layout: Paths) -> list[str]:
    """What a blocking SLA or GX check kept out of the marts (newest evaluated day per source),
    from the lake: `opsdw status` reports the same."""
    from orchestration.status import data_quality

    blocked: list[str] = []
    data_quality(layout, [], blocked)
    return blocked


def print_report(report: DemoReport, console: Any = None) -> None:
    from rich.table import Table

    from orchestration.console import make_console

    console = console or make_console()
    layout = paths()
    t = Table(title="Landing (rows)")
    for c in ("source", "files", "read", "landed", "rejected"):
        t.add_column(c, justify="right" if c != "source" else "left")
    for name, s in report.sources.items():
        t.add_row(
            name, f"{s['files']:,}", f"{s['read']:,}", f"{s['landed']:,}", f"{s['rejected']:,}"
        )
    console.print(t)

    t = Table(title="Marts (marts schema of serving.duckdb)")
    t.add_column("mart")
    t.add_column("rows", justify="right")
    for name, n in report.marts.items():
        t.add_row(name, f"{n:,}")
    console.print(t)

    passed = sum(1 for c in report.checks if c["passed"])
    failed = [c for c in report.checks if not c["passed"]]
    console.print(f"Checks: {passed} passed, {len(failed)} failed")
    for c in failed:
        console.print(f"  [red]FAILED[/] {c['asset']} {c['check']} ({c['severity']})")

    if report.quality:
        # only what needs a look: the source-days whose SLAs warned or failed
        flagged = [q for q in report.quality if q["sla_status"] != "OK"]
        t = Table(
            title=f"Data quality: {len(report.quality) - len(flagged)} of {len(report.quality)} "
            "source-days met every SLA; the others (marts.data_quality_sla, docs/sla.md)"
        )
        for c in ("source", "day", "SLA", "attainment", "collection rate", "stale", "reject rate"):
            t.add_column(c)
        colour = {"OK": "green", "WARN": "yellow", "ERROR": "red"}
        for q in flagged:
            rate = q["collection_rate"]
            t.add_row(
                q["source"], str(q["event_date"]),
                f"[{colour.get(q['sla_status'], 'red')}]{q['sla_status']}[/]",
                f"{q['sla_attainment']:.2%}", "-" if rate is None else f"{rate:.3%}",
                str(q["freshness_failures"]), f"{q['reject_rate'] or 0:.3%}",
            )  # fmt: skip
        console.print(t)
    for line in report.blocked:
        console.print(f"  [red]BLOCKED[/] {line}")

    t = Table(title="Alerts fired")
    for c in ("rule", "series", "starts_at", "value", "matches incident"):
        t.add_column(c)
    for a in report.alerts:
        series = ", ".join(
            f"{k}={v}"
            for k, v in (a.get("labels") or {}).items()
            if k not in ("alertname", "severity")
        )
        value = a.get("value")
        t.add_row(
            a["rule"],
            series,
            str(a["starts_at"])[:16],
            f"{value:,.3f}" if isinstance(value, int | float) else str(value),
            a["incident"] or "[red]none (false alarm)[/]",
        )
    console.print(t)
    matched = {a["incident"] for a in report.alerts if a["incident"]}
    for inc in report.incidents:
        mark = "[green]detected[/]" if inc["id"] in matched else "[red]MISSED[/]"
        console.print(
            f"  incident {inc['id']} ({inc['kind']}, {inc['start'][:16]} → {inc['end'][11:16]}): {mark}"
        )

    t = Table(title="Stage wall time")
    t.add_column("stage")
    t.add_column("seconds", justify="right")
    for stage, s in report.stage_seconds.items():
        t.add_row(stage, f"{s:.1f}")
    console.print(t)
    if not report.success:
        console.print(f"[red]The run failed:[/] {report.failure}")
    console.print(
        "\nWhere to look next:\n"
        f"  make ui                 Dagster UI on http://127.0.0.1:3000 (run {report.run_id})\n"
        f"  make status             opsdw status over the served marts\n"
        f"  {layout.serving}   read-only DuckDB for BI tools (schema marts)\n"
        f"  {layout.outbox}   delivered alerts, one JSON per line\n"
        f"  {layout.ground_truth}   the injected incidents\n"
        f"  {layout.home / 'docs' / 'quality' / 'index.html'}   GX Data Docs of every check\n"
        f"  opsdw rejects           the quarantined lines, by source and reason"
    )
