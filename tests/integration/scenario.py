"""A warehouse built from the default scenario, for the tests that look for each injected
scenario in the mart that should show it.

Fast path, no Dagster and no GX: simulate -> land every source and day -> evaluate the SLAs
(as the sla_<source> checks do) -> `dbt build` (models and data tests; unit tests run in their
own test). Built once per session (see conftest).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from orchestration.assets.dbt_project import dbt_executable
from orchestration.settings import DBT_PROJECT_DIR

# the scenario window: two whole UTC days
START = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
END = START + dt.timedelta(days=2)
SCALE = 0.5


@dataclass(frozen=True)
class ScenarioWarehouse:
    home: Path
    db: Path  # warehouse.duckdb (open it read_only=True)
    truth: object  # orchestration.sources.simulator.GroundTruth
    days: tuple[str, ...]
    dbt_output: str


def run_dbt(
    home: Path, *args: str, target: Path | None = None, window: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """dbt `args` on `home`; `window` ({"min_date", "max_date"}) goes in the environment, as
    Dagster passes it."""
    env = dict(os.environ, OPSDW_HOME=str(home), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    env.pop("OPSDW_WINDOW_MIN_DATE", None)
    env.pop("OPSDW_WINDOW_MAX_DATE", None)
    if window:
        env.update(
            OPSDW_WINDOW_MIN_DATE=window["min_date"], OPSDW_WINDOW_MAX_DATE=window["max_date"]
        )
    target = target or home / "dbt-target"
    return subprocess.run(
        [
            str(dbt_executable()),
            *args,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(target),
            "--log-path",
            str(home / "dbt-logs"),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def build_scenario_warehouse(home: Path, start: dt.datetime = START, end: dt.datetime = END,
                             scale: float = SCALE, incidents=None) -> ScenarioWarehouse:  # fmt: skip
    from orchestration.landing.land import land_partition
    from orchestration.quality.sla import evaluate_partition, load_sla, record_results
    from orchestration.sources.catalog import SOURCES
    from orchestration.sources.simulator import load_ground_truth, simulate

    old = os.environ.get("OPSDW_HOME")
    os.environ["OPSDW_HOME"] = str(home)
    os.environ.setdefault("OPSDW_PSEUDONYM_KEY", "test-key")
    try:
        sim = simulate(home, start, end, seed=7, scale=scale, incidents=incidents)
        days = sorted({p.parent.name for paths in sim.files.values() for p in paths})
        for source in SOURCES.values():
            for day in days:
                land_partition(source, day, home)
        # what the sla_<source> asset checks do between landing and dbt in the Dagster job
        slas = load_sla()
        for name in SOURCES:
            for day in days:
                record_results(evaluate_partition(name, day, slas[name]), name, day)
    finally:
        if old is None:
            os.environ.pop("OPSDW_HOME", None)
        else:
            os.environ["OPSDW_HOME"] = old
    proc = run_dbt(home, "build", "--exclude-resource-type", "unit_test")
    if proc.returncode != 0:
        raise AssertionError(f"dbt build failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}")
    return ScenarioWarehouse(
        home=home,
        db=home / "warehouse.duckdb",
        truth=load_ground_truth(home / "simulator" / "incidents.json"),
        days=tuple(days),
        dbt_output=proc.stdout,
    )
