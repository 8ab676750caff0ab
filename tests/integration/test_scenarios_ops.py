"""The ops scenarios surface in the marts that should show them, calm periods show nothing, and
the marts agree with an independent computation from the landed Parquet.

Uses the session `scenario_warehouse` (2026-11-02..04, default scenarios, scale 0.5): the
pipeline_failure (orders_etl, 2026-11-03 09:36-11:36), missed_job (hourly_rollup,
2026-11-03 12:00-13:00) and cost_spike (premium, 2026-11-02 16:48-17:48) scenarios.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import duckdb
import numpy as np
import pandas as pd
import pytest

from orchestration.sources.simulator._util import US
from orchestration.sources.simulator.ops import JOBS, slots

OPS = ("pipeline_runs", "job_runs", "handler_metrics", "executions")
CALM_CALL_SUCCESS_RATE = 0.90  # hourly floor of any handler operation with >= 20 calls


@pytest.fixture(scope="module")
def wh(scenario_warehouse):
    return scenario_warehouse


@pytest.fixture(scope="module")
def con(wh):
    c = duckdb.connect(str(wh.db), read_only=True)
    yield c
    c.close()


def _raw(wh, source: str) -> pd.DataFrame:
    glob = (wh.home / "lake" / "raw" / source / "event_date=*" / "*.parquet").as_posix()
    return duckdb.sql(f"SELECT * FROM read_parquet('{glob}', hive_partitioning = true)").df()


def _one(wh, kind: str):
    (inc,) = wh.truth.of_kind(kind)
    return inc


def _naive(t: dt.datetime) -> pd.Timestamp:
    return pd.Timestamp(t.astimezone(dt.UTC).replace(tzinfo=None))


def _hours_touching(start: dt.datetime, end: dt.datetime, slack_minutes: int = 0) -> set:
    lo = _naive(start).floor("h")
    hi = _naive(end) + pd.Timedelta(minutes=slack_minutes)
    return set(pd.date_range(lo, hi, freq="h"))


def _slots(job_name: str, start: dt.datetime, end: dt.datetime) -> list[pd.Timestamp]:
    job = next(j for j in JOBS if j.name == job_name)
    a, b = int(start.timestamp()) * US, int(end.timestamp()) * US
    return [pd.Timestamp(s, unit="us") for s in slots(job, a, b)]


# --------------------------------------------------------------------------- landing


@pytest.mark.parametrize("source", OPS)
def test_landed_plus_rejected_is_read_and_only_corrupt_lines_are_rejected(wh, source):
    corrupt: dict[str, int] = {}
    for loc in wh.truth.corrupt_line_locations:
        if loc["source"] == source:
            day = loc["file"].split("/")[1]
            corrupt[day] = corrupt.get(day, 0) + 1
    for day in wh.days:
        path = wh.home / "lake" / "raw" / source / f"event_date={day}" / "_manifest.json"
        manifest = json.loads(path.read_text())
        assert manifest["rows_read"] > 0
        assert manifest["rows_landed"] + manifest["rows_rejected"] == manifest["rows_read"]
        # the simulator's records are all valid: every reject is an injected corrupt line
        assert manifest["rows_rejected"] == corrupt.get(day, 0)
        landed = duckdb.sql(
            f"SELECT count(*) FROM read_parquet('{path.parent.as_posix()}/*.parquet')"
        ).fetchone()[0]
        assert landed == manifest["rows_landed"]


# --------------------------------------------------------------------------- pipeline_failure


def test_pipeline_failure_shows_in_pipeline_health_only_in_its_window(wh, con):
    inc = _one(wh, "pipeline_failure")
    assert inc.target == "orders_etl"
    mart = con.sql("SELECT * FROM marts.pipeline_health").df()
    target = mart[mart.pipeline_name == inc.target]
    failing = target[target.failures > 0]
    window_hours = _hours_touching(inc.start, inc.end, slack_minutes=10)  # runs take minutes
    assert set(failing.hour) <= window_hours
    assert (failing.pipeline_status == "FAILING").all()
    assert failing.last_error.str.contains("UndefinedColumn").all()
    # the hours wholly inside the window: every run failed
    inside = target[
        (target.hour >= _naive(inc.start)) & (target.hour + pd.Timedelta("1h") <= _naive(inc.end))
    ]
    assert len(inside) >= 1 and (inside.failure_rate == 1.0).all()
    # one failure per slot in [start, end), less any record a corrupt line destroyed
    due = len(_slots(inc.target, inc.start, inc.end))
    assert due == 8
    raw = _raw(wh, "pipeline_runs")
    raw_failed = raw[(raw.pipeline_name == inc.target) & (raw.status == "FAILURE")]
    assert failing.failures.sum() == len(raw_failed)
    assert due - wh.truth.corrupt_lines["pipeline_runs"] <= len(raw_failed) <= due
    # calm: nothing else is FAILING; the other pipelines fail at most once an hour (WARNING)
    rest = mart[~mart.hour.isin(window_hours) | (mart.pipeline_name != inc.target)]
    assert not (rest.pipeline_status == "FAILING").any()
    assert rest.failures.max() <= 1
    assert set(rest[rest.failures > 0].pipeline_name) <= {"events_ingest"}


def test_pipeline_failure_shows_in_job_status(wh, con):
    inc = _one(wh, "pipeline_failure")
    jobs = con.sql("SELECT * FROM marts.job_status").df().set_index("job_name")
    row = jobs.loc[inc.target]
    assert 6 <= row.failed_runs <= 8 and row.longest_failure_streak == row.failed_runs
    assert row.consecutive_failures == 0 and row.last_status == "succeeded"  # it recovered
    failed_slots = (
        con.sql(
            "SELECT scheduled_at FROM intermediate.int_ops_job_slots "
            f"WHERE job_name = '{inc.target}' AND status = 'failed' ORDER BY 1"
        )
        .df()
        .scheduled_at
    )
    assert set(failed_slots) <= set(_slots(inc.target, inc.start, inc.end))


# --------------------------------------------------------------------------- missed_job


def test_missed_job_shows_only_the_due_slot(wh, con):
    inc = _one(wh, "missed_job")
    due = _slots(inc.target, inc.start, inc.end)
    assert len(due) == 1  # hourly_rollup runs at :05; the window is one hour
    missed = con.sql(
        "SELECT job_name, scheduled_at FROM intermediate.int_ops_job_slots WHERE missed"
    ).df()
    assert list(zip(missed.job_name, missed.scheduled_at, strict=True)) == [(inc.target, due[0])]
    jobs = con.sql("SELECT * FROM marts.job_status").df().set_index("job_name")
    assert jobs.loc[inc.target, "missed_runs"] == 1
    assert jobs.loc[inc.target, "last_missed_at"] == due[0]
    assert jobs.loc[inc.target, "job_health"] == "MISSED RUNS"
    others = jobs.drop(index=inc.target)
    assert (others.missed_runs == 0).all()
    # calm: no other job is late or missing; only orders_etl ever failed (pipeline_failure)
    # and the only other failures are events_ingest's transient ones
    assert set(others.job_health) == {"HEALTHY"}
    assert (jobs.late_runs == 0).all()
    failed = jobs[jobs.failed_runs > 0]
    assert set(failed.index) <= {"orders_etl", "events_ingest"}


def test_job_status_counts_match_the_raw_events(wh, con):
    raw = _raw(wh, "job_runs")
    starts = raw[raw.status == "running"].groupby("job_name").run_id.nunique()
    ended = raw[raw.status != "running"]
    runs = raw.groupby("job_name").run_id.nunique()
    failed = ended[ended.status == "failed"].groupby("job_name").run_id.nunique()
    jobs = con.sql("SELECT * FROM marts.job_status").df().set_index("job_name")
    assert set(jobs.index) == {j.name for j in JOBS}
    for name, row in jobs.iterrows():
        assert row.runs == runs.get(name, 0)
        assert row.failed_runs == failed.get(name, 0)
        assert starts.get(name, 0) <= row.runs
        # every expected slot either ran or was missed
        ran_expected = con.sql(
            "SELECT count(*) FROM intermediate.int_ops_job_slots "
            f"WHERE job_name = '{name}' AND is_expected AND run_id IS NOT NULL"
        ).fetchone()[0]
        assert row.expected_runs == ran_expected + row.missed_runs


# --------------------------------------------------------------------------- cost_spike


def test_cost_spike_shows_in_execution_performance(wh, con):
    inc = _one(wh, "cost_spike")
    assert inc.target == "premium"
    hourly = con.sql(
        "SELECT hour, model_tier, sum(total_actual_cost) AS actual, "
        "sum(total_cost_estimate) AS estimate FROM marts.execution_performance GROUP BY ALL"
    ).df()
    hourly["ratio"] = hourly.actual.astype(float) / hourly.estimate.astype(float)
    spike_hours = _hours_touching(inc.start, inc.end - dt.timedelta(microseconds=1))
    assert len(spike_hours) == 2  # 16:48-17:48: 12 minutes of hour 16, 48 of hour 17
    target = hourly[hourly.model_tier == inc.target].set_index("hour")
    main = max(spike_hours)  # the hour holding most of the window
    assert 2.5 <= target.loc[main, "ratio"] <= 4.2
    assert target.loc[min(spike_hours), "ratio"] > 1.05
    calm = hourly[~((hourly.model_tier == inc.target) & hourly.hour.isin(spike_hours))]
    assert calm.ratio.between(0.8, 1.25).all(), calm[~calm.ratio.between(0.8, 1.25)]
    over = con.sql(
        "SELECT DISTINCT hour, model_tier FROM marts.execution_performance "
        "WHERE cost_status = 'OVER ESTIMATE'"
    ).df()
    assert len(over) >= 1
    assert set(over.model_tier) == {inc.target} and set(over.hour) <= spike_hours


def test_cost_spike_is_four_times_the_estimate_inside_its_window(wh):
    inc = _one(wh, "cost_spike")
    raw = _raw(wh, "executions")
    premium = raw[raw.model_tier == inc.target]
    inside = premium[(premium.ts >= _naive(inc.start)) & (premium.ts < _naive(inc.end))]
    outside = premium.drop(index=inside.index)
    assert len(inside) >= 5
    assert 3.8 <= inside.actual_cost.sum() / inside.cost_estimate.sum() <= 4.2
    assert 0.95 <= outside.actual_cost.sum() / outside.cost_estimate.sum() <= 1.05


# --------------------------------------------------------------------------- numbers right


def test_execution_performance_matches_an_independent_computation(wh, con):
    raw = _raw(wh, "executions")
    raw["hour"] = raw.ts.dt.floor("h")
    keys = ["hour", "model_tier", "pool_type", "task_type"]
    exp = raw.groupby(keys).agg(
        executions=("task_id", "size"),
        successes=("success", "sum"),
        p95=("duration_seconds", lambda s: float(np.percentile(s, 95))),
        estimate=("cost_estimate", lambda s: sum(Decimal(f"{v:.6f}") for v in s)),
        actual=("actual_cost", lambda s: sum(Decimal(f"{v:.6f}") for v in s)),
    )
    mart = (
        con.sql(
            "SELECT * REPLACE (CAST(total_cost_estimate AS VARCHAR) AS total_cost_estimate, "
            "CAST(total_actual_cost AS VARCHAR) AS total_actual_cost) "
            "FROM marts.execution_performance"
        )
        .df()
        .set_index(keys)
    )
    mart["total_cost_estimate"] = mart.total_cost_estimate.map(Decimal)  # exact, as stored
    mart["total_actual_cost"] = mart.total_actual_cost.map(Decimal)
    assert sorted(mart.index) == sorted(exp.index)
    assert (mart.loc[exp.index, "executions"] == exp.executions).all()
    assert (mart.loc[exp.index, "successes"] == exp.successes).all()
    assert np.allclose(mart.loc[exp.index, "p95_duration_s"], exp.p95, rtol=1e-9)
    assert (mart.loc[exp.index, "total_cost_estimate"] == exp.estimate).all()  # exact
    assert (mart.loc[exp.index, "total_actual_cost"] == exp.actual).all()


def test_pipeline_and_handler_marts_match_an_independent_computation(wh, con):
    runs = _raw(wh, "pipeline_runs")
    runs["hour"] = runs.ts.dt.floor("h")
    runs["duration"] = (runs.end_time - runs.start_time).dt.total_seconds()
    exp = runs.groupby(["hour", "pipeline_name"]).agg(
        runs=("run_id", "size"),
        failures=("status", lambda s: int((s == "FAILURE").sum())),
        rows=("rows_processed", "sum"),
        max_duration=("duration", "max"),
    )
    mart = con.sql("SELECT * FROM marts.pipeline_health").df().set_index(["hour", "pipeline_name"])
    assert sorted(mart.index) == sorted(exp.index)
    assert (mart.loc[exp.index, "runs"] == exp.runs).all()
    assert (mart.loc[exp.index, "failures"] == exp.failures).all()
    assert (mart.loc[exp.index, "rows_processed"] == exp.rows).all()
    assert np.allclose(mart.loc[exp.index, "max_duration_s"], exp.max_duration)

    calls = _raw(wh, "handler_metrics")
    calls["hour"] = calls.ts.dt.floor("h")
    keys = ["hour", "handler_name", "operation"]
    exp = calls.groupby(keys).agg(
        calls=("success", "size"),
        successes=("success", "sum"),
        p95=("duration_ms", lambda s: float(np.percentile(s, 95))),
        rows=("row_count", "sum"),
    )
    mart = con.sql("SELECT * FROM marts.handler_performance").df().set_index(keys)
    assert sorted(mart.index) == sorted(exp.index)
    assert (mart.loc[exp.index, "calls"] == exp.calls).all()
    assert (mart.loc[exp.index, "successes"] == exp.successes).all()
    assert np.allclose(mart.loc[exp.index, "p95_duration_ms"], exp.p95, rtol=1e-9)
    assert (mart.loc[exp.index, "rows_returned"] == exp.rows).all()


def test_handler_performance_shows_the_orders_pool_outage_and_calm_elsewhere(wh, con):
    (inc,) = [i for i in wh.truth.incidents if i.kind == "api_error_latency"]
    outage_hours = _hours_touching(inc.start, inc.end - dt.timedelta(microseconds=1))
    mart = con.sql("SELECT * FROM marts.handler_performance").df()
    pg = mart[(mart.handler_name == "postgres") & (mart.operation == "native_query")]
    during = pg[pg.hour.isin(outage_hours)]
    assert (during.failures >= 5).all()
    busy = mart[(mart.calls >= 20) & ~mart.hour.isin(outage_hours)]
    assert (busy.success_rate >= CALM_CALL_SUCCESS_RATE).all()
