"""Issue 4's silent-collector scenario on the default-scenario warehouse: the completeness SLA
fails for exactly the silent windows, the marts mark them data_ok = false, no threshold alert
fires on them, and the silence itself is reported (data_coverage_5m, CollectorSilent)."""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pytest

pytestmark = pytest.mark.slow


def _naive(t: dt.datetime) -> dt.datetime:
    return t.replace(tzinfo=None)


@pytest.fixture(scope="module")
def silence(scenario_warehouse):
    (inc,) = scenario_warehouse.truth.of_kind("silent_collector")
    return inc


def _windows(start: dt.datetime, end: dt.datetime) -> set[dt.datetime]:
    """5-minute windows that overlap [start, end)."""
    first = start.replace(minute=start.minute - start.minute % 5, second=0, microsecond=0)
    out, w = set(), first
    while w < end:
        out.add(w)
        w += dt.timedelta(minutes=5)
    return out


def test_completeness_fails_for_exactly_the_silent_windows(scenario_warehouse, silence):
    con = duckdb.connect(str(scenario_warehouse.db), read_only=True)
    failed = con.execute(
        "SELECT host, window_start FROM marts.data_coverage_5m "
        "WHERE source = 'system_metrics' AND NOT data_ok ORDER BY 1, 2"
    ).fetchall()
    resets = scenario_warehouse.truth.of_kind("counter_reset")
    expected = {(silence.host, w) for w in _windows(_naive(silence.start), _naive(silence.end))}
    for r in resets:  # a reboot is missing data too (scrapes stop for its duration)
        expected |= {(r.host, w) for w in _windows(_naive(r.start), _naive(r.end))}
    assert set(failed) == expected
    # fully silent windows read 0 coverage, never a missing row
    cover = dict(
        con.execute(
            "SELECT window_start, coverage_ratio FROM marts.data_coverage_5m "
            "WHERE source = 'system_metrics' AND host = ?",
            [silence.host],
        ).fetchall()
    )
    inside = [w for w in _windows(_naive(silence.start), _naive(silence.end))
              if w >= _naive(silence.start) and w + dt.timedelta(minutes=5) <= _naive(silence.end)]  # fmt: skip
    assert inside and all(cover[w] == 0.0 for w in inside)


def test_marts_mark_the_silent_windows_not_ok(scenario_warehouse, silence):
    con = duckdb.connect(str(scenario_warehouse.db), read_only=True)
    bad = con.execute(
        "SELECT window_start FROM marts.host_resource_usage_5m WHERE host = ? AND NOT data_ok",
        [silence.host],
    ).fetchall()
    windows = _windows(_naive(silence.start), _naive(silence.end))
    # the host has rows only in the partial windows at the edges of the silence
    assert {w for (w,) in bad} <= windows
    health = con.execute(
        "SELECT window_start, data_ok FROM marts.system_health WHERE component = ?",
        [silence.component],
    ).fetchall()
    not_ok = {w for w, ok in health if ok is False}
    assert windows <= not_ok  # app-1 still reports, but the component's data is incomplete
    assert all(ok is True for w, ok in health if w not in not_ok)
    sla = con.execute(
        "SELECT sla_status, completeness_attainment FROM marts.data_quality_sla "
        "WHERE source = 'system_metrics' AND event_date = ?",
        [_naive(silence.start).date()],
    ).fetchone()
    assert sla[0] == "WARN" and sla[1] < 1


def test_the_silence_is_alerted_and_nothing_else_fires_on_it(scenario_warehouse, silence, tmp_path):
    from orchestration.alerts import engine
    from orchestration.settings import paths

    home = tmp_path / "alerts-home"
    home.mkdir()
    shutil.copy(scenario_warehouse.db, paths(home).serving)
    report = engine.evaluate(home, _naive(scenario_warehouse.truth.end) + dt.timedelta(hours=1),
                             max_windows=100_000)  # fmt: skip
    assert report.all_errors == []
    fired = [t for t in report.transitions if t.status == "firing"]
    silent = [t for t in fired if t.rule == "CollectorSilent"]
    assert [(t.labels["host"], t.labels["source"]) for t in silent] == [
        (silence.host, "system_metrics")
    ]
    lo, hi = _naive(silence.start), _naive(silence.end)
    # it starts in the first 5-minute window that is mostly silent (it may begin before the
    # silence's first minute when that window holds only a couple of scrapes)
    assert lo - dt.timedelta(minutes=5) <= silent[0].starts_at.replace(tzinfo=None) <= hi
    # no threshold alert about the silent host or its component during the silence
    others = [t for t in fired if t.rule != "CollectorSilent"
              and lo - dt.timedelta(minutes=5) <= t.starts_at.replace(tzinfo=None) <= hi
              and silence.host in t.labels.values()]  # fmt: skip
    assert others == []
