"""The db_activity simulator: deterministic hours, counters that only go down at a reset, and
snapshots that agree with each other across the four sources."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from orchestration.sources.simulator import db_activity as sim
from orchestration.sources.simulator.incidents import Incident

DAY = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
H0 = int(DAY.timestamp()) // 3600
COUNTERS = sim.PG_STAT_DATABASE_COUNTERS


def _inc(kind: str, start_h: float, minutes: int, target: str | None, host: str = "db-1"):
    start = DAY + dt.timedelta(hours=start_h)
    return Incident(
        id=f"{kind}-t", kind=kind, start=start, end=start + dt.timedelta(minutes=minutes),
        component="database", host=host, target=target,
    )  # fmt: skip


def _lsn(text: str) -> int:
    hi, lo = text.split("/")
    return (int(hi, 16) << 32) + int(lo, 16)


def _records(gen, hours, scenario, seed=7, scale=0.5):
    out = []
    for h in hours:
        lines, ts_us = gen(seed, scale, "db-1", h, scenario)
        assert list(ts_us) == sorted(ts_us)
        out += [json.loads(line) for line in lines]
    return out


def test_hours_are_deterministic_and_independent():
    a = sim.database_stats_hour(7, 0.5, "db-1", H0 + 3, [])
    b = sim.database_stats_hour(7, 0.5, "db-1", H0 + 3, [])
    assert a[0] == b[0] and (a[1] == b[1]).all()
    assert sim.database_stats_hour(8, 0.5, "db-1", H0 + 3, [])[0] != a[0]
    assert len(a[0]) == 60 * 2  # a snapshot a minute, two databases


def test_counters_never_go_down_except_at_the_daily_reset():
    rows = _records(sim.database_stats_hour, range(H0, H0 + 30), [])
    for db in ("app", "analytics"):
        series = [r for r in rows if r["datname"] == db]
        resets = []
        for prev, cur in zip(series, series[1:], strict=False):
            if cur["stats_reset"] != prev["stats_reset"]:
                resets.append(cur["ts"][:16])
                assert all(cur[c] <= prev[c] for c in COUNTERS)
            else:
                assert all(cur[c] >= prev[c] for c in COUNTERS), (db, cur["ts"])
        # pg_stat_reset() in analytics at 05:00 UTC every day, never in app
        assert resets == (["2026-11-02T05:00", "2026-11-03T05:00"] if db == "analytics" else [])


def test_sources_agree_snapshot_by_snapshot():
    scenario = [_inc("lock_contention", 5.5, 20, "app"), _inc("pool_exhaustion", 5.6, 10, "app")]
    hours = [H0 + 5]
    stats = _records(sim.database_stats_hour, hours, scenario)
    conns = _records(sim.connections_hour, hours, scenario)
    locks = _records(sim.locks_hour, hours, scenario)
    repl = _records(sim.replication_hour, hours, scenario)
    assert [r["ts"] for r in stats] == [r["ts"] for r in conns]
    assert {r["ts"] for r in repl} == {r["ts"] for r in stats}
    by_key = {(r["ts"], r["datname"]): r for r in conns}
    for r in stats:
        c = by_key[(r["ts"], r["datname"])]
        assert r["numbackends"] == c["active"] + c["idle"] + c["idle_in_transaction"]
        assert c["sv_active"] + c["sv_idle"] + c["sv_used"] <= c["pool_size"]
        assert c["waiting_on_lock"] <= c["active"]
        assert c["waiting_on_lock"] == sum(
            1 for w in locks if (w["ts"], w["datname"]) == (r["ts"], r["datname"])
        )
    assert locks and all(w["datname"] == "app" and not w["granted"] for w in locks)
    assert any(c["cl_waiting"] > 0 for c in conns)


def test_lock_contention_adds_exactly_three_deadlocks():
    inc = _inc("lock_contention", 5.75, 20, "app")
    rows = _records(sim.database_stats_hour, [H0 + 5, H0 + 6], [inc])
    app = [r["deadlocks"] for r in rows if r["datname"] == "app"]
    assert app[-1] - app[0] == 3
    assert all(r["deadlocks"] == 0 for r in rows if r["datname"] == "analytics")


def test_replay_lag_over_five_seconds_in_the_window_only():
    inc = _inc("replication_lag", 9.6, 15, "replica-1")
    rows = _records(sim.replication_hour, [H0 + 9], [inc])
    for r in rows:
        t = dt.datetime.fromisoformat(r["ts"].replace("Z", "+00:00"))
        assert (r["replay_lag"] > 5) == (inc.start <= t < inc.end), r["ts"]
        pos = {k: _lsn(r[k]) for k in ("sent_lsn", "write_lsn", "flush_lsn", "replay_lsn")}
        assert pos["sent_lsn"] >= pos["write_lsn"] >= pos["flush_lsn"] >= pos["replay_lsn"]


@pytest.mark.parametrize("db", ["app", "analytics"])
def test_a_reboot_of_db1_stops_snapshots_and_resets_every_database(db):
    reboot = Incident(
        id="reboot", kind="counter_reset", start=DAY + dt.timedelta(hours=12, minutes=10),
        end=DAY + dt.timedelta(hours=12, minutes=13), component="database", host="db-1",
    )  # fmt: skip
    rows = [r for r in _records(sim.database_stats_hour, [H0 + 12], [reboot]) if r["datname"] == db]
    minutes = [int(r["ts"][14:16]) for r in rows]
    assert minutes == [m for m in range(60) if not 10 <= m < 13]
    after = [r for r in rows if int(r["ts"][14:16]) >= 13]
    assert {r["stats_reset"] for r in after} == {"2026-11-02T12:13:00Z"}
    first = after[0]
    before = rows[minutes.index(9)]
    assert first["xact_commit"] < before["xact_commit"]
