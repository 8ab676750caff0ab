"""The ops simulator: deterministic, real-format records that land without rejects, and each ops
scenario changes exactly the records it is about."""

from __future__ import annotations

import datetime as dt
import json
from datetime import timedelta

import pytest

from orchestration.sources.catalog import SOURCES
from orchestration.sources.simulator._util import HOUR_S, US
from orchestration.sources.simulator.core import PLUGINS
from orchestration.sources.simulator.incidents import Incident
from orchestration.sources.simulator.ops import JOBS, SCENARIO_ERROR, slots
from orchestration.sources.simulator.ops_tasks import COST_SPIKE_FACTOR

OPS = ("pipeline_runs", "job_runs", "handler_metrics", "executions")
T0 = dt.datetime(2026, 11, 3, tzinfo=dt.UTC)
H0 = int(T0.timestamp()) // HOUR_S  # 2026-11-03 00:00


def _hour(source: str, hour: int, scenario: list[Incident], file_key: str | None = None):
    plugin = PLUGINS[source]
    key = file_key or plugin.file_keys[0]
    lines, ts_us = plugin.generate_hour(7, 1.0, key, hour, scenario)
    return [json.loads(line) for line in lines], ts_us


def _incident(kind: str, start: dt.datetime, minutes: int, target: str) -> Incident:
    return Incident(
        id=f"{kind}-x",
        kind=kind,
        start=start,
        end=start + timedelta(minutes=minutes),
        component="x",
        target=target,
    )


@pytest.mark.parametrize("source", OPS)
def test_records_have_the_registry_keys_ascending_times_and_are_deterministic(source):
    for key in PLUGINS[source].file_keys:
        records, ts_us = _hour(source, H0 + 10, [], key)
        again, ts_again = _hour(source, H0 + 10, [], key)
        assert records and records == again and (ts_us == ts_again).all()
        assert list(ts_us) == sorted(ts_us)
        columns = [c for c, _ in SOURCES[source].columns]
        for rec, t in zip(records, ts_us, strict=True):
            assert list(rec) == columns
            ts = dt.datetime.fromisoformat(rec["ts"].replace("Z", "+00:00"))
            assert round(ts.timestamp() * 1000) * 1000 == int(t)  # the record's ts is its time
            assert int(t) // (HOUR_S * US) == H0 + 10


def test_job_run_events_follow_the_schedule_and_pipelines_agree():
    jobs = {j.name: j for j in JOBS}
    pipe = {r["run_id"]: r for h in range(H0, H0 + 3) for r in _hour("pipeline_runs", h, [])[0]}
    events = [r for h in range(H0, H0 + 3) for r in _hour("job_runs", h, [])[0]]
    ended = [e for e in events if e["status"] != "running"]
    by_slot = {(p["pipeline_name"], p["scheduled_execution_time"]): p for p in pipe.values()}
    for e in events:
        job = jobs[e["job_name"]]
        assert e["schedule"] == job.cron
        slot = dt.datetime.fromisoformat(e["scheduled_at"].replace("Z", "+00:00"))
        assert (slot.hour * 60 + slot.minute - job.offset_min) % job.period_min == 0
        assert e["started_at"] >= e["scheduled_at"]
    for e in ended:
        if jobs[e["job_name"]].pipeline and (e["job_name"], e["scheduled_at"]) in by_slot:
            p = by_slot[(e["job_name"], e["scheduled_at"])]
            assert (p["status"] == "SUCCESS") == (e["status"] == "succeeded")
            assert e["started_at"] <= p["start_time"] <= p["end_time"] <= e["finished_at"]
    # every slot in 01:00-02:00 of every job has its start event
    starts = {(e["job_name"], e["scheduled_at"]) for e in events if e["status"] == "running"}
    for job in JOBS:
        for s in slots(job, (H0 + 1) * HOUR_S * US, (H0 + 2) * HOUR_S * US):
            iso = dt.datetime.fromtimestamp(s / US, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            assert (job.name, iso) in starts


def test_pipeline_failure_fails_exactly_the_targets_runs_in_its_window():
    inc = _incident("pipeline_failure", T0 + timedelta(hours=9, minutes=36), 120, "orders_etl")
    hours = range(H0 + 9, H0 + 13)
    calm = [r for h in hours for r in _hour("pipeline_runs", h, [])[0]]
    hit = [r for h in hours for r in _hour("pipeline_runs", h, [inc])[0]]
    assert len(calm) == len(hit)
    failed = [r for r in hit if r["status"] == "FAILURE" and r["pipeline_name"] == "orders_etl"]
    # slots 09:45, 10:00, ... 11:30 of the every-15-minutes pipeline
    assert [r["scheduled_execution_time"][11:16] for r in failed] == [
        "09:45", "10:00", "10:15", "10:30", "10:45", "11:00", "11:15", "11:30",
    ]  # fmt: skip
    assert all(r["error_message"] == SCENARIO_ERROR and r["rows_processed"] == 0 for r in failed)
    changed = {r["run_id"] for r in hit} ^ {r["run_id"] for r in calm}
    assert not changed  # same runs, only their outcome differs
    calm_by_id = {r["run_id"]: r for r in calm}
    for r in hit:
        if r not in failed:
            assert r == calm_by_id[r["run_id"]]
    job_events = [e for h in hours for e in _hour("job_runs", h, [inc])[0]]
    job_failed = {e["scheduled_at"][11:16] for e in job_events if e["status"] == "failed"}
    assert job_failed == {r["scheduled_execution_time"][11:16] for r in failed}


def test_missed_job_drops_exactly_the_due_run():
    inc = _incident("missed_job", T0 + timedelta(hours=12), 60, "hourly_rollup")
    hours = range(H0 + 11, H0 + 15)
    calm = [e for h in hours for e in _hour("job_runs", h, [])[0]]
    hit = [e for h in hours for e in _hour("job_runs", h, [inc])[0]]
    gone = [e for e in calm if e not in hit]
    assert {(e["job_name"], e["scheduled_at"]) for e in gone} == {
        ("hourly_rollup", "2026-11-03T12:05:00.000Z")
    }
    assert {e["status"] for e in gone} == {"running", "succeeded"}  # its start and its end
    assert all(e in calm for e in hit)


def test_cost_spike_bills_the_target_tier_four_times_its_estimate_in_its_window():
    start = T0 + timedelta(hours=16, minutes=48)
    inc = _incident("cost_spike", start, 60, "premium")
    a, b = int(start.timestamp()) * US, int((start + timedelta(minutes=60)).timestamp()) * US
    for key in PLUGINS["executions"].file_keys:
        for h in (H0 + 16, H0 + 17):
            calm, _ = _hour("executions", h, [], key)
            hit, ts_us = _hour("executions", h, [inc], key)
            assert len(calm) == len(hit)
            for c, x, t in zip(calm, hit, ts_us, strict=True):
                spiked = x["model_tier"] == "premium" and a <= t < b
                if spiked:
                    ratio = x["actual_cost"] / x["cost_estimate"]
                    assert 0.85 * COST_SPIKE_FACTOR < ratio < 1.15 * COST_SPIKE_FACTOR
                    assert {k: v for k, v in x.items() if k != "actual_cost"} == {
                        k: v for k, v in c.items() if k != "actual_cost"
                    }
                else:
                    assert x == c


def test_a_simulated_window_lands_without_rejects(opsdw_home):
    from orchestration.landing.land import land_partition
    from orchestration.sources.simulator import simulate

    sim = simulate(opsdw_home, T0, T0 + timedelta(hours=3), corrupt_lines=False, sources=OPS)
    for source in OPS:
        report = land_partition(SOURCES[source], "2026-11-03", opsdw_home)
        assert report.rows_read == sim.events[source] > 0
        assert report.rows_landed == report.rows_read and report.rows_rejected == 0, (
            report.reject_reasons
        )
