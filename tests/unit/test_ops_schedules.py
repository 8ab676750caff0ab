"""The ops seeds: the job schedules (cron vs the period/offset dbt expands, vs the simulator) and
the thresholds the ops models look up."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from orchestration.sources.simulator.ops import JOBS

DBT = Path(__file__).resolve().parents[2] / "dbt_project"
SCHEDULES = DBT / "seeds" / "ops_job_schedules.csv"
THRESHOLDS = DBT / "seeds" / "ops_thresholds.csv"
OPS_SQL = [
    *(DBT / "models" / "marts").glob("pipeline_health.sql"),
    *(DBT / "models" / "marts").glob("handler_performance.sql"),
    *(DBT / "models" / "marts").glob("job_status.sql"),
    *(DBT / "models" / "marts").glob("execution_performance.sql"),
    *(DBT / "models" / "intermediate").glob("int_ops_*.sql"),
]


def _field(text: str, lo: int, hi: int) -> set[int]:
    """Values of one cron field: '*', 'n', 'a-b', any of them with '/step', comma lists."""
    out: set[int] = set()
    for part in text.split(","):
        base, _, step = part.partition("/")
        if base == "*":
            a, b = lo, hi
        elif "-" in base:
            a, b = (int(x) for x in base.split("-"))
        else:
            a = int(base)
            b = hi if step else a
        out.update(range(a, b + 1, int(step) if step else 1))
    if not out or min(out) < lo or max(out) > hi:
        raise ValueError(f"bad cron field {text!r}")
    return out


def cron_minutes_of_day(cron: str) -> list[int]:
    """Minutes after midnight of a day's ticks of a 'minute hour * * *' expression."""
    minute, hour, dom, month, dow = cron.split()
    if (dom, month, dow) != ("*", "*", "*"):
        raise ValueError(f"only daily-repeating schedules are supported: {cron!r}")
    return sorted(h * 60 + m for h in _field(hour, 0, 23) for m in _field(minute, 0, 59))


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize(
    ("cron", "expected"),
    [
        ("*/15 * * * *", [0, 15, 30, 45]),
        ("10,40 * * * *", [10, 40]),
        ("5-55/10 * * * *", [5, 15, 25, 35, 45, 55]),
        ("30 2 * * *", [150]),
    ],
)
def test_cron_reader(cron, expected):
    assert cron_minutes_of_day(cron)[: len(expected)] == expected


def test_each_schedule_row_expands_to_its_cron_ticks():
    rows = _rows(SCHEDULES)
    assert rows
    for row in rows:
        period, offset = int(row["period_minutes"]), int(row["offset_minutes"])
        assert 1440 % period == 0, row  # the grid repeats every day (SQL expands from midnight)
        assert offset < period, row
        grid = list(range(offset, 1440, period))
        assert grid == cron_minutes_of_day(row["cron"]), row["job_name"]


def test_schedule_seed_is_what_the_simulated_scheduler_runs():
    seed = {
        r["job_name"]: (
            r["cron"],
            int(r["period_minutes"]),
            int(r["offset_minutes"]),
            r["launches_pipeline"],
        )
        for r in _rows(SCHEDULES)
    }
    sim = {j.name: (j.cron, j.period_min, j.offset_min, str(j.pipeline).lower()) for j in JOBS}
    assert seed == sim


def test_every_threshold_the_ops_models_look_up_exists():
    assert len(OPS_SQL) == 6
    used = set()
    for path in OPS_SQL:
        used |= set(re.findall(r"threshold_name = '([a-z_]+)'", path.read_text()))
    names = {r["threshold_name"] for r in _rows(THRESHOLDS)}
    assert used, "no threshold lookups found"
    assert used <= names, used - names
    assert names <= used, f"unused thresholds: {names - used}"
