"""SLA evaluation on a hand-made lake whose answers are known (expectations/sla.yml semantics)."""

from __future__ import annotations

import datetime as dt
import json
import math

import duckdb
import pandas as pd
import pytest
import yaml

from orchestration.quality.sla import (
    Completeness,
    CounterRate,
    Freshness,
    RejectRate,
    SlaError,
    SourceSla,
    Volume,
    evaluate_partition,
    load_sla,
    parse_sla,
    record_results,
    verdict,
)
from orchestration.sources.catalog import SOURCES

DAY = "2026-11-02"
D0 = dt.datetime(2026, 11, 2)


def _write(home, source, day, name, rows):
    part = home / "lake" / "raw" / source / f"event_date={day}"
    part.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(rows, columns=["host", "ts"]).astype(
        {"host": "object", "ts": "datetime64[us]"}
    )
    con = duckdb.connect()
    con.register("frame", frame)
    con.execute(f"COPY (SELECT host::VARCHAR AS host, ts::TIMESTAMP AS ts FROM frame) "
                f"TO '{part / name}' (FORMAT parquet)")  # fmt: skip
    con.close()


def _manifest(home, source, day, read=100, rejected=0):
    part = home / "lake" / "raw" / source / f"event_date={day}"
    part.mkdir(parents=True, exist_ok=True)
    (part / "_manifest.json").write_text(
        json.dumps({"rows_read": read, "rows_landed": read - rejected, "rows_rejected": rejected})
    )


def _scrapes(host, start, end, every_s=15, skip=()):
    out, t = [], start
    while t < end:
        if not any(a <= t < b for a, b in skip):
            out.append((host, t))
        t += dt.timedelta(seconds=every_s)
    return out


def at(h, m=0, s=0, day=D0):
    return day + dt.timedelta(hours=h, minutes=m, seconds=s)


SLA = SourceSla(
    source="system_metrics",
    reject_rate=RejectRate(warn=0.001, error=0.01),
    volume=Volume(max_abs_z=3.0, min_history=7, history_days=14),
    freshness=Freshness(max_age_minutes=5, per="host"),
    completeness=Completeness(
        per="host", expected_every_seconds=15, window_minutes=5, min_ratio=0.995
    ),  # fmt: skip
)


@pytest.fixture
def lake(opsdw_home):
    """Host a: silent 10:05-10:10, and 3 scrapes lost at 10:10:00-10:10:45 (17 of 20).
    Host b: complete, but its 10:00-10:05 scrapes were delivered late, into the next day's
    partition (a collector that reports late)."""
    a = _scrapes("a", at(0), at(24), skip=[(at(10, 5), at(10, 10)), (at(10, 10), at(10, 10, 45))])
    b_all = _scrapes("b", at(0), at(24))
    late = [r for r in b_all if at(10) <= r[1] < at(10, 5)]
    on_time = [r for r in b_all if r not in late]
    _write(opsdw_home, "system_metrics", DAY, "a.parquet", a)
    _write(opsdw_home, "system_metrics", DAY, "b.parquet", on_time)
    _manifest(opsdw_home, "system_metrics", DAY, read=len(a) + len(on_time))
    return opsdw_home, late


def test_collection_rate_matches_the_hand_computed_windows(lake):
    home, late = lake
    # the late batch has not arrived yet: b's 10:00 window is empty (0 of 20)
    before = evaluate_partition("system_metrics", DAY, SLA, now=at(23, 59))
    failed = {(r.subject, r.window_start): r.observed for r in before
              if r.check == "completeness" and not r.passed}  # fmt: skip
    assert failed == {("a", at(10, 5)): 0.0, ("a", at(10, 10)): 0.85, ("b", at(10)): 0.0}
    # it arrives (filed under the next day's inbox folder): counted by event time, b is complete
    _write(home, "system_metrics", "2026-11-03", "b-late.parquet", late)
    after = evaluate_partition("system_metrics", DAY, SLA, now=at(23, 59))
    comp = [r for r in after if r.check == "completeness"]
    failed = {(r.subject, r.window_start): r.observed for r in comp if not r.passed}
    assert failed == {("a", at(10, 5)): 0.0, ("a", at(10, 10)): 0.85}
    # 2 hosts x windows that ended by 23:59 (287 of 288); the 23:55 window is not judged yet
    assert len(comp) == 2 * 287
    assert {r.detail for r in comp if (r.subject, r.window_start) == ("a", at(10, 10))} == {
        "17 of 20 expected"
    }
    # overall collection rate for the day, by hand: a lost 20 + 3 of 2 x 5760 scrapes
    received = sum(r.observed * 20 for r in comp)
    assert round(received) == 2 * 287 * 20 - 23


def test_freshness_per_host_and_a_host_that_went_silent(lake):
    home, _ = lake
    # host c reported yesterday only: it is expected today and is stale
    _write(home, "system_metrics", "2026-11-01", "c.parquet", _scrapes("c", at(-24), at(-1)))
    res = evaluate_partition("system_metrics", DAY, SLA, now=at(12))
    fresh = {r.subject: r for r in res if r.check == "freshness"}
    assert set(fresh) == {"a", "b", "c"}
    assert fresh["a"].passed and fresh["a"].observed == 0.25  # newest 11:59:45
    assert (
        not fresh["c"].passed and fresh["c"].observed == 13 * 60 + 0.25
    )  # since 22:59:45 the day before
    # completeness judges c too: every window of c today is empty
    c_windows = [r for r in res if r.check == "completeness" and r.subject == "c"]
    assert len(c_windows) == 144 and not any(r.passed for r in c_windows)


def test_volume_flags_the_hour_that_breaks_its_history(opsdw_home):
    # 10 history days: hour 10 has 240 rows +-2; today hour 10 has 120 -> z far beyond 3
    for k in range(1, 11):
        d = D0 - dt.timedelta(days=k)
        rows = _scrapes("a", d + dt.timedelta(hours=9), d + dt.timedelta(hours=11))
        rows = rows[: len(rows) - (k % 3)]  # 480, 479, 478 rows: a little variance
        _write(opsdw_home, "system_metrics", d.date().isoformat(), "a.parquet", rows)
        _manifest(opsdw_home, "system_metrics", d.date().isoformat())
    today = _scrapes("a", at(9), at(10)) + _scrapes("a", at(10), at(11), every_s=30)
    _write(opsdw_home, "system_metrics", DAY, "a.parquet", today)
    _manifest(opsdw_home, "system_metrics", DAY)
    res = [r for r in evaluate_partition("system_metrics", DAY, SLA, now=at(12))
           if r.check == "volume"]  # fmt: skip
    by_hour = {r.subject: r for r in res}
    assert set(by_hour) == {f"{h:02d}:00" for h in range(12)}  # hours ended by 12:00
    assert by_hour["09:00"].passed and by_hour["11:00"].passed  # 0 rows, as always
    h10 = by_hour["10:00"]
    # by hand: history of hour 10 = 240 rows each day except the last-rows trimming
    past = [240 - (1 if k % 3 == 1 else 2 if k % 3 == 2 else 0) for k in range(1, 11)]
    mean = sum(past) / 10
    sd = math.sqrt(sum((v - mean) ** 2 for v in past) / 9)
    assert not h10.passed and h10.observed == pytest.approx((120 - mean) / sd)


def test_volume_needs_seven_days_of_history(opsdw_home):
    _write(opsdw_home, "system_metrics", DAY, "a.parquet", _scrapes("a", at(0), at(1)))
    res = [r for r in evaluate_partition("system_metrics", DAY, SLA, now=at(2))
           if r.check == "volume"]  # fmt: skip
    assert all(r.passed and r.observed is None for r in res)


@pytest.mark.parametrize(
    ("read", "rejected", "passed", "severity", "v"),
    [
        (1000, 0, True, "warn", "ok"),
        (1000, 5, False, "warn", "warn"),
        (1000, 50, False, "error", "error"),
        (500, 19, False, "warn", "warn"),  # 3.8 % but 19 rows: too few to block a partition
    ],
)
def test_reject_rate_severity(opsdw_home, read, rejected, passed, severity, v):
    _manifest(opsdw_home, "error_logs", DAY, read=read, rejected=rejected)
    sla = SourceSla("error_logs", RejectRate(0.001, 0.01), Volume())
    (r,) = [
        r for r in evaluate_partition("error_logs", DAY, sla, now=at(1)) if r.check == "reject_rate"
    ]
    assert (r.passed, r.severity, r.observed) == (passed, severity, rejected / read)
    assert verdict([r]) == v


def test_results_land_atomically_and_history_appends(lake):
    home, _ = lake
    res = evaluate_partition("system_metrics", DAY, SLA, now=at(23, 59))
    latest = record_results(res, "system_metrics", DAY)
    record_results(res, "system_metrics", DAY)
    con = duckdb.connect()
    n = con.execute(f"SELECT count(*) FROM '{latest}'").fetchone()[0]
    hist = con.execute(
        f"SELECT count(*) FROM '{home}/lake/quality/history/*/*.parquet'"
    ).fetchone()[0]
    assert n == len(res) and hist == 2 * len(res)
    assert not list(latest.parent.glob(".*.tmp"))


def test_spec_file_covers_every_source_and_rejects_mistakes(tmp_path):
    slas = load_sla()
    assert set(slas) == set(SOURCES)
    assert slas["system_metrics"].completeness.min_ratio == 0.995  # seed 000: > 99.5 %
    with pytest.raises(SlaError, match="unknown checks"):
        parse_sla({"sources": {"x": {"freshnes": {}}}})
    with pytest.raises(SlaError, match="unknown keys"):
        parse_sla({"sources": {"x": {"freshness": {"max_age": 5}}}})
    with pytest.raises(SlaError, match="severity"):
        parse_sla({"sources": {"x": {"freshness": {"max_age_minutes": 5, "severity": "fatal"}}}})
    with pytest.raises(SlaError, match="unknown sources"):
        parse_sla(yaml.safe_load("sources: {nope: {}}"), known_sources=["a"])


def _write_lines(home, kind, source, day, name, frame):
    part = home / "lake" / kind / source / f"event_date={day}"
    part.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.register("frame", frame)
    con.execute(f"COPY (SELECT * FROM frame) TO '{part / name}' (FORMAT parquet)")
    con.close()


def test_validity_places_a_corrupt_burst_in_its_windows(opsdw_home):
    # one access-log file: a request every 10 s from 10:00 to 11:00 (lines 1..360); lines
    # between 10:20 and 10:30 alternate good/corrupt (the corrupt ones are extra lines), plus
    # one stray corrupt line at the very top of the file and one at 10:45
    good, bad, line = [], [], 0
    line += 1
    bad.append(line)  # top of the file: placed at the first landed line (10:00)
    for k in range(360):
        t = at(10) + dt.timedelta(seconds=10 * k)
        line += 1
        good.append((line, t))
        if at(10, 20) <= t < at(10, 30) or t == at(10, 45):
            line += 1
            bad.append(line)
    raw = pd.DataFrame(
        {
            "source_file": "api_requests/2026-11-02/web-1-10.log",
            "line_number": [n for n, _ in good],
            "ts": [t for _, t in good],
            "host": "web-1",
        }
    ).astype({"ts": "datetime64[us]"})
    rej = pd.DataFrame({"source_file": "api_requests/2026-11-02/web-1-10.log", "line_number": bad})
    _write_lines(opsdw_home, "raw", "api_requests", DAY, "web-1-10.log.parquet", raw)
    _write_lines(opsdw_home, "rejects", "api_requests", DAY, "web-1-10.log.parquet", rej)
    sla = SourceSla("api_requests", RejectRate(), Volume())
    res = [
        r for r in evaluate_partition("api_requests", DAY, sla, now=at(23)) if r.check == "validity"
    ]
    by_window = {r.window_start: (r.passed, r.detail) for r in res}
    # by hand: 30 good + 30 corrupt lines in each of 10:20 and 10:25 -> 50 % rejected: fail;
    # 10:00 has 1 of 31 and 10:45 has 1 of 31: under min_rejected (5), pass
    assert by_window == {
        at(10): (True, "1 of 31 lines rejected"),
        at(10, 20): (False, "30 of 60 lines rejected"),
        at(10, 25): (False, "30 of 60 lines rejected"),
        at(10, 45): (True, "1 of 31 lines rejected"),
    }
    assert {r.severity for r in res} == {"error"} and verdict(res) == "error"


def test_a_member_is_expected_only_from_its_first_sample(opsdw_home):
    # a new host (or the first day of a simulation) starting at 18:40 is not "missing" before
    _write(opsdw_home, "system_metrics", DAY, "d.parquet", _scrapes("d", at(18, 40), at(24)))
    res = [r for r in evaluate_partition("system_metrics", DAY, SLA, now=at(23, 59))
           if r.check == "completeness"]  # fmt: skip
    assert min(r.window_start for r in res) == at(18, 40)
    assert len(res) == (23 * 60 + 55 - (18 * 60 + 40)) // 5 and all(r.passed for r in res)


def _cpu_counters(host, start, end, faster=(), extra_per_s=1.5, resets=(), lost=()):
    """node_cpu_seconds_total of a 2-CPU host scraped every 15 s: per CPU, idle + user advance
    0.6 + 0.4 s per second. During `faster` (a [t0, t1) span) the user counter of CPU 0 gains
    another `extra_per_s` per second (total 1 + 1.5 = "CPU 250 %") for the scrapes in it; the
    gained offset persists after. At a time in `resets`, every counter restarts from 0; at a
    time in `lost`, CPU 0's user line is missing (rejected)."""
    rows, t, base = [], start, 1e6
    offset, elapsed = 0.0, 0.0
    while t < end:
        if t in resets:
            base, elapsed, offset = 0.0, 0.0, 0.0
        for cpu in ("0", "1"):
            extra = offset if cpu == "0" else 0.0
            for mode, share in (("idle", 0.6), ("user", 0.4)):
                if t in lost and (cpu, mode) == ("0", "user"):
                    continue
                value = base + share * elapsed + (extra if mode == "user" else 0.0)
                rows.append((host, t, "node_cpu_seconds_total", {"cpu": cpu, "mode": mode}, value))
        t += dt.timedelta(seconds=15)
        elapsed += 15
        if faster and faster[0] <= t < faster[1]:
            offset += extra_per_s * 15
    return rows


def _write_metrics(home, day, name, rows):
    part = home / "lake" / "raw" / "system_metrics" / f"event_date={day}"
    part.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(
        [(h, t, m, lab["cpu"], lab["mode"], v) for h, t, m, lab, v in rows],
        columns=["host", "ts", "metric", "cpu", "mode", "value"],
    )
    con = duckdb.connect()
    con.register("frame", frame.astype({"ts": "datetime64[us]"}))
    con.execute(
        "COPY (SELECT host::VARCHAR AS host, ts::TIMESTAMP AS ts, metric::VARCHAR AS metric, "
        "MAP {'cpu': cpu, 'mode': mode} AS labels, value::DOUBLE AS value "
        f"FROM frame) TO '{part / name}' (FORMAT parquet)"
    )
    con.close()


def test_counter_rate_fails_exactly_the_windows_of_a_250_percent_cpu(opsdw_home):
    # host a: CPU 0's counters advance 2.5 s per second for the scrapes of 10:20:00-10:29:45
    # (each of those scrapes is 15 s after the previous and 37.5 s further on); host b is calm
    # but its counters restart from 0 at 10:40 (a reboot: a fall, not judged) and one scrape
    # misses a line (10:50:30: idle steps over 15 s, user over 30 s: never summed together)
    burst = (at(10, 20), at(10, 30))
    _write_metrics(opsdw_home, DAY, "a.parquet", _cpu_counters("a", at(10), at(11), faster=burst))
    _write_metrics(opsdw_home, DAY, "b.parquet",
                   _cpu_counters("b", at(10), at(11), resets=(at(10, 40),), lost=(at(10, 50, 30),)))  # fmt: skip
    sla = SourceSla(
        "system_metrics", RejectRate(), Volume(),
        counter_rate=CounterRate(metric="node_cpu_seconds_total", series_labels=("cpu",)),
    )  # fmt: skip
    res = [r for r in evaluate_partition("system_metrics", DAY, sla, now=at(23))
           if r.check == "counter_rate"]  # fmt: skip
    failed = {(r.subject, r.window_start): (r.observed, r.detail) for r in res if not r.passed}
    # by hand: a 5-minute window holds 20 scrapes; in 10:20-10:30 each step of host a's CPU 0
    # is 37.5 s over 15 s = 2.5/s, CPU 1's is 1/s -> 20 of 40 steps too fast per window
    assert failed == {
        ("a", at(10, 20)): (2.5, "20 of 40 node_cpu_seconds_total steps faster than 1.05/s "
                                 "(fastest 2.5/s)"),
        ("a", at(10, 25)): (2.5, "20 of 40 node_cpu_seconds_total steps faster than 1.05/s "
                                 "(fastest 2.5/s)"),
    }  # fmt: skip
    # every other window of both hosts is judged and passes at 1 s per second or less; the
    # 10:00 window has 19 steps per CPU (the first scrape has no previous), host b's 10:40
    # window 19 (the reset step is not judged), its 10:50 window 41 (CPU 0 at 10:50:30: idle
    # over 15 s (0.6/s) and, at 10:50:45, user over 30 s (0.4/s) and idle over 15 s (0.6/s))
    calm = {(r.subject, r.window_start): r.detail for r in res if r.passed}
    assert len(calm) == 2 * 12 - 2
    assert {r.observed for r in res if r.passed} == {1.0}
    assert calm[("b", at(10, 50))].startswith("0 of 41 ")
    assert calm[("a", at(10))].startswith("0 of 38 ")
    assert calm[("b", at(10, 40))].startswith("0 of 38 ")
    assert {r.severity for r in res} == {"error"} and verdict(res) == "error"
