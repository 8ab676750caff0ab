"""The `opsdw` command line. Each command imports what it needs when it runs (status stays fast)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path


def _export_home() -> Path:
    """Resolve OPSDW_HOME once and export it, so dbt and Dagster children see the same path."""
    from orchestration.settings import opsdw_home

    home = opsdw_home()
    os.environ["OPSDW_HOME"] = str(home)
    return home


def cmd_demo(args: argparse.Namespace) -> int:
    _export_home()
    from orchestration.demo import print_report, run_demo

    report = run_demo(days=args.days, seed=args.seed, scale=args.scale, fresh=args.fresh)
    print_report(report)
    return 0 if report.success else 1


def cmd_status(args: argparse.Namespace) -> int:
    _export_home()
    from orchestration.status import collect_status, render

    while True:
        status = collect_status()
        if args.json:
            print(json.dumps(status.to_json(), indent=2, default=str))
        else:
            render(status)
        if not args.watch:
            break
        import time

        time.sleep(args.interval)
    return (
        {"OK": 0, "WARNING": 1, "ERROR": 2, "CRITICAL": 3}[status.status] if args.exit_code else 0
    )


def run_partitions(first: str, last: str, trigger: str) -> int:
    """Run the main job over [first, last] as ONE run (single-run backfill policy)."""
    from dagster import DagsterInstance

    from orchestration.assets.dbt_project import prepare_manifest
    from orchestration.definitions import build_definitions
    from orchestration.instance import ensure_dagster_home
    from orchestration.jobs import MAIN_JOB
    from orchestration.settings import paths

    ensure_dagster_home(paths())
    prepare_manifest()
    from orchestration.console import QUIET_RUN_CONFIG

    job = build_definitions().resolve_job_def(MAIN_JOB)
    result = job.execute_in_process(
        instance=DagsterInstance.get(),
        run_config=QUIET_RUN_CONFIG,
        raise_on_error=False,
        tags={
            "dagster/asset_partition_range_start": first,
            "dagster/asset_partition_range_end": last,
            "opsdw/trigger": trigger,
        },
    )
    checks = result.get_asset_check_evaluations()
    failed = [c for c in checks if not c.passed]
    print(
        f"run {result.run_id}: {'succeeded' if result.success else 'FAILED'}; "
        f"{len(checks) - len(failed)} checks passed, {len(failed)} failed"
    )
    for c in failed:
        print(f"  failed check: {'/'.join(c.asset_key.path)} {c.check_name}")
    return 0 if result.success else 1


def cmd_backfill(args: argparse.Namespace) -> int:
    _export_home()
    first = dt.date.fromisoformat(args.date_from)
    last = dt.date.fromisoformat(args.date_to)
    if last < first:
        print("--to must not be before --from", file=sys.stderr)
        return 2
    return run_partitions(first.isoformat(), last.isoformat(), "cli-backfill")


def cmd_land(args: argparse.Namespace) -> int:
    home = _export_home()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from orchestration.landing.land import inbox_files, land_partition
    from orchestration.settings import paths
    from orchestration.sources.catalog import SOURCES, get_source

    names = [args.source] if args.source else list(SOURCES)
    reports = []
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
    ) as progress:
        for name in names:
            files = inbox_files(get_source(name), args.date, paths(home))
            task = progress.add_task(f"landing {name} {args.date}", total=max(len(files), 1))
            reports.append(
                land_partition(
                    name, args.date, home, progress=lambda _p, t=task: progress.advance(t)
                )
            )
            if not files:
                progress.advance(task)
    for r in reports:
        print(
            f"{r.source} {r.event_date}: {len(r.files)} files, read {r.rows_read:,}, "
            f"landed {r.rows_landed:,}, rejected {r.rows_rejected:,} in {r.seconds:.2f}s"
        )
    return 0


def cmd_alerts(args: argparse.Namespace) -> int:
    home = _export_home()
    from orchestration.alerts.sensor import evaluate_and_deliver

    report = evaluate_and_deliver(home=home)
    print(report.summary())
    return 0


def cmd_rejects(args: argparse.Namespace) -> int:
    home = _export_home()
    from orchestration.quality.rejects import collect_rejects, render
    from orchestration.settings import paths

    report = collect_rejects(
        paths(home), source=args.source, days=args.date or None, samples=args.samples
    )
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        render(report)
    return 0


def cmd_prepare(args: argparse.Namespace) -> int:
    from orchestration.assets.dbt_project import prepare_manifest

    print(prepare_manifest(force=args.force))
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    _export_home()
    from orchestration.assets.dbt_project import prepare_manifest
    from orchestration.instance import ensure_dagster_home
    from orchestration.settings import PROJECT_ROOT, paths

    ensure_dagster_home(paths())
    prepare_manifest()
    dagster = Path(sys.executable).parent / "dagster"
    argv = [
        str(dagster),
        "dev",
        "-h",
        "127.0.0.1",
        "-p",
        str(args.port),
        "-w",
        str(PROJECT_ROOT / "workspace.yaml"),
    ]
    print(
        f"Dagster UI on http://127.0.0.1:{args.port} (DAGSTER_HOME={os.environ['DAGSTER_HOME']})",
        flush=True,
    )
    os.chdir(PROJECT_ROOT)
    os.execv(argv[0], argv)
    return 0  # pragma: no cover


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="opsdw", description="operational-data warehouse")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="simulate telemetry and run the whole flow end to end")
    d.add_argument("--days", type=float, default=2.0, help="days of telemetry (default 2)")
    d.add_argument("--seed", type=int, default=7)
    d.add_argument(
        "--scale", type=float, default=1.0, help="traffic multiplier (default 1.0 ≈ 8 req/s)"
    )
    d.add_argument("--fresh", action="store_true", help="move the pinned demo window to now")
    d.set_defaults(func=cmd_demo)

    s = sub.add_parser("status", help="health verdict over the served marts and alerts")
    s.add_argument("--json", action="store_true")
    s.add_argument("--watch", action="store_true", help="repeat every --interval seconds")
    s.add_argument("--interval", type=float, default=60.0)
    s.add_argument(
        "--exit-code", action="store_true", help="exit 0/1/2/3 for OK/WARNING/ERROR/CRITICAL"
    )
    s.set_defaults(func=cmd_status)

    b = sub.add_parser("backfill", help="land and build a date range as one run")
    b.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD")
    b.add_argument("--to", dest="date_to", required=True, help="last day (inclusive)")
    b.set_defaults(func=cmd_backfill)

    la = sub.add_parser("land", help="land one day of the inbox (no dbt)")
    la.add_argument("--date", required=True)
    la.add_argument("--source", default=None)
    la.set_defaults(func=cmd_land)

    r = sub.add_parser("rejects", help="the quarantine: rejected rows by source and reason")
    r.add_argument("--source", default=None)
    r.add_argument("--date", action="append", help="a landed day (repeatable); default: all")
    r.add_argument("--samples", type=int, default=3, help="example lines per reason")
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=cmd_rejects)

    a = sub.add_parser("alerts", help="evaluate the alert rules over the served marts now")
    a.set_defaults(func=cmd_alerts)

    pr = sub.add_parser("prepare", help="dbt parse: write the manifest Dagster loads")
    pr.add_argument("--force", action="store_true")
    pr.set_defaults(func=cmd_prepare)

    u = sub.add_parser("ui", help="Dagster UI on 127.0.0.1")
    u.add_argument("--port", type=int, default=3000)
    u.set_defaults(func=cmd_ui)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
