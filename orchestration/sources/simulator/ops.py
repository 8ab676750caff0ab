"""Simulated ops sources: scheduled jobs and the pipeline runs they launch (this module), handler
calls and task executions (ops_tasks.py). See plugins.py for the contract.

One scheduler (file key `scheduler-1`) starts every job of `JOBS` on its cron schedule and writes
a 'running' event when a run starts and a 'succeeded'/'failed' event when it ends (`job_runs`).
Jobs marked `pipeline` launch a run of the same name on the orchestrator (`orchestrator-1`),
which writes one record per finished run (`pipeline_runs`); the job ends when its pipeline run
does, with the run's outcome. Every run is drawn from its own stream (seed, job, slot), so both
sources tell the same story and a run does not depend on the hour that writes it.

Scenarios: `pipeline_failure` fails every run of its target whose slot is in [start, end);
`missed_job` drops its target's runs due in [start, end) entirely (no record in either source).
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass

import numpy as np

from orchestration.sources.simulator._util import HOUR_S, US, stream
from orchestration.sources.simulator.incidents import Incident
from orchestration.sources.simulator.ops_tasks import SIM_SOURCES as TASK_SIM_SOURCES
from orchestration.sources.simulator.ops_tasks import iso_ms
from orchestration.sources.simulator.plugins import SimSource

SCHEDULER = "scheduler-1"
ORCHESTRATOR = "orchestrator-1"
WORKER = "worker-1"  # where the scheduler's jobs (and the pipelines' steps) run
LOOKBACK_S = 2 * HOUR_S  # longer than any run: a run ending in an hour started < 2 h before it


@dataclass(frozen=True)
class Job:
    """A scheduled job: cron `minute hour * * *` (UTC), the same as `period`/`offset` minutes
    from midnight (the form dbt expands; seeds/ops_job_schedules.csv holds both)."""

    name: str
    cron: str
    period_min: int  # slots at midnight + offset_min + k * period_min
    offset_min: int
    pipeline: bool  # launches a pipeline run of the same name
    median_s: float  # median duration of a successful run
    sigma: float  # lognormal spread of the duration
    fail_p: float  # chance that a calm run fails
    rows_median: int = 0  # pipelines: median rows processed
    error: str = ""  # the message of a calm (transient) failure


JOBS: tuple[Job, ...] = (
    Job("events_ingest", "*/5 * * * *", 5, 0, True, 45.0, 0.35, 0.008, 12_000,
        "ConnectionResetError: [Errno 104] Connection reset by peer (events API, page 3)"),
    Job("orders_etl", "*/15 * * * *", 15, 0, True, 140.0, 0.30, 0.0, 4_000),
    Job("customers_sync", "10,40 * * * *", 30, 10, True, 70.0, 0.30, 0.0, 800),
    Job("inventory_snapshot", "20 * * * *", 60, 20, True, 240.0, 0.25, 0.0, 55_000),
    Job("daily_revenue_report", "30 2 * * *", 1440, 150, True, 660.0, 0.15, 0.0, 1_200_000),
    Job("session_cleanup", "*/10 * * * *", 10, 0, False, 9.0, 0.40, 0.0),
    Job("hourly_rollup", "5 * * * *", 60, 5, False, 95.0, 0.30, 0.0),
    Job("cache_warmup", "15,45 * * * *", 30, 15, False, 25.0, 0.30, 0.0),
    Job("db_backup", "0 3 * * *", 1440, 180, False, 1560.0, 0.10, 0.0),
    Job("nightly_vacuum", "30 4 * * *", 1440, 270, False, 480.0, 0.20, 0.0),
)  # fmt: skip

# the message of every run of a pipeline_failure scenario's target
SCENARIO_ERROR = (
    "dagster._core.errors.DagsterExecutionStepExecutionError: Error occurred while executing op "
    '"load_orders": psycopg.errors.UndefinedColumn: column "discount_code" does not exist'
)


@dataclass(frozen=True)
class Run:
    job: Job
    slot_us: int  # scheduled_at
    started_us: int  # the scheduler starts the job
    finished_us: int  # the job ends
    success: bool
    exit_code: int
    # the pipeline run the job launched (pipeline jobs only)
    run_id: str
    pipeline_start_us: int
    pipeline_end_us: int
    rows_processed: int
    error: str | None


def _ms(seconds: float) -> int:
    """Seconds -> µs, rounded to the millisecond (what the records carry)."""
    return int(round(seconds * 1000)) * 1000


def _active(scenario: list[Incident], kind: str, target: str, at_us: int) -> bool:
    at = at_us / US
    return any(
        inc.kind == kind
        and inc.target == target
        and inc.start.timestamp() <= at < inc.end.timestamp()
        for inc in scenario
    )


def slots(job: Job, from_us: int, to_us: int) -> list[int]:
    """The job's scheduled times in [from_us, to_us), epoch µs (the grid is aligned to midnight
    UTC, and every period divides a day, so it is also aligned to the epoch)."""
    period, offset = job.period_min * 60 * US, job.offset_min * 60 * US
    k0 = -((offset - from_us) // period)  # ceil, in integers
    k1 = -((offset - to_us) // period)
    return [offset + k * period for k in range(k0, k1)]


def run(seed: int, job: Job, slot_us: int, scenario: list[Incident]) -> Run | None:
    """The run of `job` due at `slot_us`, or None when it never starts (missed_job)."""
    if _active(scenario, "missed_job", job.name, slot_us):
        return None
    rng = stream(seed, "ops-run", job.name, slot_us)
    # every draw happens whatever the outcome, so a scenario changes only what it is about
    # the scheduler is sometimes busy: the start slips by seconds to tens of seconds (always
    # under the 60 s late threshold of seeds/ops_thresholds.csv in a calm window)
    busy = rng.random() < 0.02
    delay = float(rng.uniform(5.0, 40.0)) if busy else float(rng.lognormal(math.log(0.8), 0.5))
    launch = float(rng.uniform(0.4, 2.5))  # scheduler -> orchestrator run start
    duration = float(rng.lognormal(math.log(job.median_s), job.sigma))
    fail_duration = float(rng.uniform(3.0, 30.0))
    wrap_up = float(rng.uniform(0.2, 1.5))  # orchestrator run end -> job end
    calm_fail = bool(rng.random() < job.fail_p)
    rows = int(rng.lognormal(math.log(job.rows_median), 0.3)) if job.rows_median else 0
    run_id = str(uuid.UUID(bytes=rng.bytes(16), version=4))

    scenario_fail = _active(scenario, "pipeline_failure", job.name, slot_us)
    success = not (scenario_fail or calm_fail)
    started = slot_us + _ms(delay)
    if job.pipeline:
        p_start = started + _ms(launch)
        p_end = p_start + _ms(duration if success else fail_duration)
        finished = p_end + _ms(wrap_up)
    else:
        p_start = p_end = 0
        finished = started + _ms(duration if success else fail_duration)
    error = None if success else (SCENARIO_ERROR if scenario_fail else job.error)
    return Run(
        job=job,
        slot_us=slot_us,
        started_us=started,
        finished_us=finished,
        success=success,
        exit_code=0 if success else 1,
        run_id=run_id,
        pipeline_start_us=p_start,
        pipeline_end_us=p_end,
        rows_processed=rows if success else 0,
        error=error,
    )


def runs(seed: int, hour: int, scenario: list[Incident]) -> list[Run]:
    """Every run whose slot lies in [hour start - LOOKBACK_S, hour end)."""
    h0, h1 = hour * HOUR_S * US, (hour + 1) * HOUR_S * US
    out = []
    for job in JOBS:
        for slot_us in slots(job, h0 - LOOKBACK_S * US, h1):
            r = run(seed, job, slot_us, scenario)
            if r is not None:
                out.append(r)
    return out


def _sorted(records: list[tuple[int, str]]) -> tuple[list[str], np.ndarray]:
    records.sort(key=lambda r: r[0])
    return [line for _, line in records], np.array([t for t, _ in records], dtype=np.int64)


def pipeline_runs_hour(
    seed: int, scale: float, file_key: str, hour: int, scenario: list[Incident]
) -> tuple[list[str], np.ndarray]:
    h0, h1 = hour * HOUR_S * US, (hour + 1) * HOUR_S * US
    out: list[tuple[int, str]] = []
    for r in runs(seed, hour, scenario):
        if not r.job.pipeline or not h0 <= r.pipeline_end_us < h1:
            continue
        record = {
            "ts": iso_ms(r.pipeline_end_us),
            "run_id": r.run_id,
            "pipeline_name": r.job.name,
            "status": "SUCCESS" if r.success else "FAILURE",
            "start_time": iso_ms(r.pipeline_start_us),
            "end_time": iso_ms(r.pipeline_end_us),
            "rows_processed": r.rows_processed,
            "error_message": r.error,
            "scheduled_execution_time": iso_ms(r.slot_us),
        }
        out.append((r.pipeline_end_us, json.dumps(record)))
    return _sorted(out)


def job_runs_hour(
    seed: int, scale: float, file_key: str, hour: int, scenario: list[Incident]
) -> tuple[list[str], np.ndarray]:
    h0, h1 = hour * HOUR_S * US, (hour + 1) * HOUR_S * US
    out: list[tuple[int, str]] = []
    for r in runs(seed, hour, scenario):
        base = {
            "job_name": r.job.name,
            "schedule": r.job.cron,
            "run_id": f"{r.job.name}:{iso_ms(r.slot_us)}",
        }
        if h0 <= r.started_us < h1:
            record = {"ts": iso_ms(r.started_us), **base, "status": "running",
                      "scheduled_at": iso_ms(r.slot_us), "started_at": iso_ms(r.started_us),
                      "finished_at": None, "exit_code": None, "host": WORKER}  # fmt: skip
            out.append((r.started_us, json.dumps(record)))
        if h0 <= r.finished_us < h1:
            record = {"ts": iso_ms(r.finished_us), **base,
                      "status": "succeeded" if r.success else "failed",
                      "scheduled_at": iso_ms(r.slot_us), "started_at": iso_ms(r.started_us),
                      "finished_at": iso_ms(r.finished_us), "exit_code": r.exit_code,
                      "host": WORKER}  # fmt: skip
            out.append((r.finished_us, json.dumps(record)))
    return _sorted(out)


SIM_SOURCES: tuple[SimSource, ...] = (
    SimSource("pipeline_runs", "jsonl", (ORCHESTRATOR,), pipeline_runs_hour),
    SimSource("job_runs", "jsonl", (SCHEDULER,), job_runs_hour),
    *TASK_SIM_SOURCES,
)
