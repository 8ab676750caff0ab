"""Counter resets in pg_stat_database snapshots: a hand-written series with a pg_stat_reset(), a
restart and a corrupt line goes through the real landing and dbt (int_db_database_deltas, built
one day-window at a time), and the increases add up to exactly the activity that happened:
never negative, nothing lost, nothing counted twice."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from orchestration.landing.land import land_partition
from tests.integration.scenario import run_dbt

START = dt.datetime(2026, 11, 20, 23, 55, 0, 250000, tzinfo=dt.UTC)
N = 16  # snapshots, one a minute: 23:55 .. 00:10
PG_STAT_RESET_AFTER = 7  # pg_stat_reset() right after snapshot 7 (00:02)
RESTART_AFTER = 11  # a restart right after snapshot 11 that leaves stats_reset as it was
CORRUPT = 13  # this snapshot's line is cut short by the collector: rejected on landing
OLD_RESET = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
MODELS = "stg_db_database_stats__snapshots int_db_database_deltas int_db_buffer_cache_hourly"


def _iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _increments(k: int) -> dict[str, int]:
    """What database `app` did between snapshot k-1 and k (k >= 1)."""
    return {
        "xact_commit": 10 + (7 * k) % 5,
        "xact_rollback": k % 3,
        "blks_hit": 1000 + 13 * k,
        "blks_read": 5 + k % 4,
        "deadlocks": 1 if k in (4, 9) else 0,
    }


def _series() -> tuple[list[tuple[dt.datetime, str]], dict[str, dict[str, int]]]:
    """The JSON lines of both databases, and the activity each did after its first snapshot."""
    lines: list[tuple[dt.datetime, str]] = []
    value = {
        "xact_commit": 5000,
        "xact_rollback": 40,
        "blks_hit": 900000,
        "blks_read": 800,
        "deadlocks": 1,
    }
    analytics = {"xact_commit": 70, "xact_rollback": 0, "blks_hit": 5000, "blks_read": 100}
    stats_reset = OLD_RESET
    total = {"app": dict.fromkeys(value, 0), "analytics": dict.fromkeys(analytics, 0)}
    for k in range(N):
        t = START + dt.timedelta(minutes=k)
        if k >= 1:
            if k - 1 == PG_STAT_RESET_AFTER:  # the reset lands right after snapshot k-1
                stats_reset = t - dt.timedelta(seconds=59)
                value = dict.fromkeys(value, 0)
            if k - 1 == RESTART_AFTER:
                value = dict.fromkeys(value, 0)
            for c, inc in _increments(k).items():
                value[c] += inc
                total["app"][c] += inc
            for c in analytics:
                analytics[c] += k if c != "xact_rollback" else 0
                total["analytics"][c] += k if c != "xact_rollback" else 0
        app = {"ts": _iso(t), "server": "db-1", "datid": 16384, "datname": "app", **value}
        app["stats_reset"] = _iso(stats_reset)
        # analytics never reports stats_reset (NULL): that alone must not look like a reset
        ana = {"ts": _iso(t), "server": "db-1", "datid": 16385, "datname": "analytics", **analytics}
        for record in (app, ana):
            text = json.dumps(record, separators=(",", ":"))
            if k == CORRUPT and record is app:
                text = text[: len(text) // 2]
            lines.append((t, text))
    return lines, total


def _write_inbox(home, lines) -> None:
    for t, text in lines:
        path = home / "inbox" / "db_database_stats" / f"{t:%Y-%m-%d}" / f"db-1-{t:%H}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as f:
            f.write(text + "\n")


@pytest.fixture(scope="module")
def landed_and_built(tmp_path_factory, request):
    home = tmp_path_factory.mktemp("counter_reset") / "opsdw"
    home.mkdir()
    mp = pytest.MonkeyPatch()
    request.addfinalizer(mp.undo)
    mp.setenv("OPSDW_HOME", str(home))
    mp.setenv("OPSDW_PSEUDONYM_KEY", "test-key")
    lines, total = _series()
    _write_inbox(home, lines)
    reports = [
        land_partition("db_database_stats", day, home) for day in ("2026-11-20", "2026-11-21")
    ]
    # one day-window at a time, as Dagster runs it: the second window's first snapshot finds its
    # previous one (23:59) through the lookback; the second day is built twice (idempotent)
    outputs = []
    for lo, hi in (
        ("2026-11-20", "2026-11-21"),
        ("2026-11-21", "2026-11-22"),
        ("2026-11-21", "2026-11-22"),
    ):
        vars_ = json.dumps({"min_date": lo, "max_date": hi})
        proc = run_dbt(
            home,
            "build",
            "--select",
            MODELS,
            "--exclude-resource-type",
            "unit_test",
            "--vars",
            vars_,
        )
        assert proc.returncode == 0, proc.stdout[-4000:]
        outputs.append(proc.stdout)
    return home, reports, total, outputs


def _rows(home, sql: str) -> list[tuple]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_landing_keeps_every_line_accounted_for(landed_and_built):
    _home, reports, _total, _ = landed_and_built
    assert sum(r.rows_read for r in reports) == 2 * N
    assert sum(r.rows_landed for r in reports) == 2 * N - 1
    assert [r.reject_reasons for r in reports] == [{}, {"not a JSON object": 1}]


def test_sum_of_deltas_is_the_activity(landed_and_built):
    home, _reports, total, _ = landed_and_built
    got = _rows(
        home,
        """
        select database_name, sum(xact_commit), sum(xact_rollback), sum(blks_hit), sum(blks_read),
               sum(deadlocks)
        from intermediate.int_db_database_deltas group by 1 order by 1
        """,
    )
    app, ana = total["app"], total["analytics"]
    assert got == [
        ("analytics", ana["xact_commit"], 0, ana["blks_hit"], ana["blks_read"], None),
        ("app", app["xact_commit"], app["xact_rollback"], app["blks_hit"], app["blks_read"], 2),
    ]


def test_resets_detected_and_no_delta_negative(landed_and_built):
    home, *_ = landed_and_built
    rows = _rows(
        home,
        """
        select database_name, strftime(ts, '%H:%M'), is_reset, has_baseline, xact_commit
        from intermediate.int_db_database_deltas
        where is_reset or not has_baseline order by database_name, ts
        """,
    )
    # the first snapshot of each database has no baseline; app's two resets: the
    # pg_stat_reset (stats_reset changed) and the restart (only the counters went down)
    inc = _increments
    assert rows == [
        ("analytics", "23:55", False, False, None),
        ("app", "23:55", False, False, None),
        ("app", "00:03", True, True, inc(PG_STAT_RESET_AFTER + 1)["xact_commit"]),
        ("app", "00:07", True, True, inc(RESTART_AFTER + 1)["xact_commit"]),
    ]
    (negatives,) = _rows(
        home,
        """
        select count(*) from intermediate.int_db_database_deltas
        where xact_commit < 0 or xact_rollback < 0 or blks_hit < 0 or blks_read < 0
           or deadlocks < 0
        """,
    )
    assert negatives == (0,)
    # the corrupt snapshot is missing: the next increase covers two minutes
    (gap,) = _rows(
        home,
        f"""
        select interval_seconds, xact_commit from intermediate.int_db_database_deltas
        where database_name = 'app' and strftime(ts, '%H:%M') = '00:0{CORRUPT + 1 - 5}'
        """,
    )
    assert gap == (120.0, inc(CORRUPT)["xact_commit"] + inc(CORRUPT + 1)["xact_commit"])


def test_hourly_buffer_cache_adds_up(landed_and_built):
    home, _reports, total, _ = landed_and_built
    got = _rows(
        home,
        """
        select sum(blks_hit), sum(blks_read), count(*) from intermediate.int_db_buffer_cache_hourly
        where database_name = 'app'
        """,
    )
    assert got == [(total["app"]["blks_hit"], total["app"]["blks_read"], 2)]  # hours 23 and 00


def test_rebuilding_a_window_is_idempotent(landed_and_built):
    home, *_rest, outputs = landed_and_built
    assert "PASS" in outputs[-1]
    (n,) = _rows(home, "select count(*) from intermediate.int_db_database_deltas")
    assert n == (2 * N - 1,)
