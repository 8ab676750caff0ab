"""Data-quality SLAs (`expectations/sla.yml`): parse, evaluate over the lake, record the results.

Pure DuckDB and the landing manifests: no Dagster, no GX, so the CLI and the sensors can use it.
`evaluate_partition(source, day)` returns one `SlaResult` per judged subject — a host's 5-minute
window for completeness, a host for freshness, an hour for volume, the partition for the reject
rate — and `record_results` lands them in the lake:

    lake/quality/sla/source=<s>/event_date=<d>/results.parquet   latest evaluation (replaced)
    lake/quality/history/evaluated_date=<d>/<s>-<day>-<id>.parquet  every evaluation (appended)

dbt reads the first into `data_quality_sla` and the mart windows' `data_ok`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import yaml

from orchestration.landing.parsers.base import sql_str
from orchestration.quality.lake_results import write_results
from orchestration.settings import EXPECTATIONS_DIR, Paths, paths

SLA_PATH = EXPECTATIONS_DIR / "sla.yml"
CHECKS = ("freshness", "completeness", "validity", "counter_rate", "volume", "reject_rate")
SEVERITIES = ("warn", "error")
UNITS = ("distinct_ts", "rows")


class SlaError(ValueError):
    """sla.yml is malformed."""


@dataclass(frozen=True)
class Freshness:
    max_age_minutes: float
    per: str | None = None
    severity: str = "warn"


@dataclass(frozen=True)
class Completeness:
    per: str
    expected_every_seconds: float
    window_minutes: int = 5
    min_ratio: float = 0.995
    unit: str = "distinct_ts"
    severity: str = "warn"


@dataclass(frozen=True)
class Validity:
    """Rejected lines per window: a burst of corrupt input is caught where it happened.

    A rejected line has no trustworthy time of its own: it is placed between the landed lines
    around it in its file, interpolated by line number (so a whole stretch of corrupt lines
    spreads over the minutes it spans), or at the first/last landed line's time at a file's
    edges."""

    window_minutes: int = 5
    max_reject_ratio: float = 0.05  # rejected / (landed + rejected) in the window
    min_rejected: int = 5  # fewer rejected lines than this never fail a window
    severity: str = "error"


@dataclass(frozen=True)
class CounterRate:
    """A counter may not advance faster than time allows: a line can parse and still be a lie.

    Per member (`per`) and series (`series_labels`), the increase of `metric` summed over its
    other label values, divided by the seconds between two samples, must stay at or below
    `max_per_second`. For node_cpu_seconds_total with series_labels [cpu] that is "a CPU spends
    at most one second per second across all its modes": an exporter that reports 250 % CPU
    fails here, in the windows where it did. A fall (a counter reset) is not judged; the sample
    is attributed to the window of its own timestamp."""

    metric: str
    per: str = "host"
    series_labels: tuple[str, ...] = ("cpu",)
    max_per_second: float = 1.05  # 5 % slack for scrape-time jitter
    window_minutes: int = 5
    severity: str = "error"

    def __post_init__(self) -> None:  # sla.yml gives a list
        object.__setattr__(self, "series_labels", tuple(self.series_labels or ()))


@dataclass(frozen=True)
class Volume:
    max_abs_z: float = 3.0
    min_history: int = 7
    history_days: int = 14
    severity: str = "warn"


@dataclass(frozen=True)
class RejectRate:
    warn: float = 0.001
    error: float = 0.01
    # a handful of bad lines in a small source is worth a warning, never a blocked partition
    min_rejected_for_error: int = 20


@dataclass(frozen=True)
class SourceSla:
    source: str
    reject_rate: RejectRate
    volume: Volume
    validity: Validity = field(default_factory=Validity)
    freshness: Freshness | None = None
    completeness: Completeness | None = None
    counter_rate: CounterRate | None = None

    @property
    def history_days(self) -> int:
        return self.volume.history_days


@dataclass(frozen=True)
class SlaResult:
    """One judged subject of one check."""

    source: str
    event_date: str  # the partition
    check: str  # one of CHECKS
    subject: str  # a host / member, an hour ('HH:00'), or '*' (the partition)
    window_start: dt.datetime | None
    window_end: dt.datetime | None
    observed: float | None  # age minutes | ratio | z | rate
    threshold: float
    passed: bool
    severity: str  # of the check (what a failure means)
    detail: str = ""
    evaluated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


# --- the spec -----------------------------------------------------------------------------------


def _build(cls, data: Any, where: str):
    if not isinstance(data, dict):
        raise SlaError(f"{where}: expected a mapping, got {data!r}")
    names = set(cls.__dataclass_fields__)
    unknown = set(data) - names
    if unknown:
        raise SlaError(f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(names)}")
    try:
        obj = cls(**data)
    except TypeError as exc:
        raise SlaError(f"{where}: {exc}") from None
    sev = getattr(obj, "severity", "warn")
    if sev not in SEVERITIES:
        raise SlaError(f"{where}: severity must be one of {SEVERITIES}, got {sev!r}")
    return obj


def parse_sla(data: Any, known_sources: list[str] | None = None) -> dict[str, SourceSla]:
    if not isinstance(data, dict) or "sources" not in data:
        raise SlaError("sla.yml: expected top-level keys 'defaults' and 'sources'")
    defaults = data.get("defaults") or {}
    base_reject = _build(RejectRate, defaults.get("reject_rate", {}), "defaults.reject_rate")
    base_volume = _build(Volume, defaults.get("volume", {}), "defaults.volume")
    base_validity = _build(Validity, defaults.get("validity", {}), "defaults.validity")
    out: dict[str, SourceSla] = {}
    for name, spec in (data.get("sources") or {}).items():
        spec = spec or {}
        unknown = set(spec) - set(CHECKS)
        if unknown:
            raise SlaError(f"sources.{name}: unknown checks {sorted(unknown)}; known: {CHECKS}")
        reject = base_reject
        if "reject_rate" in spec:
            merged = {**asdict(base_reject), **spec["reject_rate"]}
            reject = _build(RejectRate, merged, f"sources.{name}.reject_rate")
        volume = base_volume
        if "volume" in spec:
            merged = {**asdict(base_volume), **spec["volume"]}
            volume = _build(Volume, merged, f"sources.{name}.volume")
        validity = base_validity
        if "validity" in spec:
            merged = {**asdict(base_validity), **spec["validity"]}
            validity = _build(Validity, merged, f"sources.{name}.validity")
        fresh = spec.get("freshness")
        comp = spec.get("completeness")
        rate = spec.get("counter_rate")
        sla = SourceSla(
            source=name,
            reject_rate=reject,
            volume=volume,
            validity=validity,
            freshness=_build(Freshness, fresh, f"sources.{name}.freshness") if fresh else None,
            completeness=(
                _build(Completeness, comp, f"sources.{name}.completeness") if comp else None
            ),
            counter_rate=(
                _build(CounterRate, rate, f"sources.{name}.counter_rate") if rate else None
            ),
        )
        if sla.completeness and sla.completeness.unit not in UNITS:
            raise SlaError(f"sources.{name}.completeness.unit must be one of {UNITS}")
        if not 0 <= reject.warn <= reject.error <= 1:
            raise SlaError(f"sources.{name}.reject_rate: need 0 <= warn <= error <= 1")
        out[name] = sla
    for name in known_sources or []:
        out.setdefault(
            name,
            SourceSla(source=name, reject_rate=base_reject, volume=base_volume,
                      validity=base_validity),
        )  # fmt: skip
    if known_sources is not None:
        extra = set(out) - set(known_sources)
        if extra:
            raise SlaError(f"sla.yml names unknown sources: {sorted(extra)}")
    return out


def load_sla(path: Path = SLA_PATH, known_sources: list[str] | None = None) -> dict[str, SourceSla]:
    if known_sources is None:
        from orchestration.sources.catalog import SOURCES

        known_sources = list(SOURCES)
    return parse_sla(yaml.safe_load(path.read_text(encoding="utf-8")), known_sources)


# --- evaluation -----------------------------------------------------------------------------------


def _day_bounds(day: str) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(dt.date.fromisoformat(day), dt.time())
    return start, start + dt.timedelta(days=1)


def _files(layout: Paths, source: str, days: list[str]) -> list[str]:
    out = []
    for d in days:
        out += [str(p) for p in sorted(layout.raw_partition(source, d).glob("*.parquet"))]
    return out


def _read(con: duckdb.DuckDBPyConnection, files: list[str], columns: str) -> str:
    if not files:
        return f"(SELECT {columns} FROM (SELECT NULL::TIMESTAMP AS ts) WHERE false)"
    listing = "[" + ", ".join(sql_str(f) for f in files) + "]"
    return f"(SELECT {columns} FROM read_parquet({listing}, union_by_name = true))"


def _neighbours(day: str, before: int = 1, after: int = 1) -> list[str]:
    d = dt.date.fromisoformat(day)
    return [(d + dt.timedelta(days=k)).isoformat() for k in range(-before, after + 1)]


def evaluate_partition(
    source: str,
    day: str,
    sla: SourceSla,
    *,
    now: dt.datetime | None = None,
    layout: Paths | None = None,
) -> list[SlaResult]:
    """Every SLA of `source` over the partition `day`, judged as of `now` (naive UTC)."""
    layout = layout or paths()
    now = (now or dt.datetime.now(dt.UTC)).replace(tzinfo=None)
    evaluated_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    lo, hi = _day_bounds(day)
    reference = min(now, hi)  # what "now" is for this partition
    results: list[SlaResult] = []
    con = duckdb.connect()
    try:
        around = _files(layout, source, _neighbours(day))
        history_days = _neighbours(day, before=sla.history_days, after=0)[:-1]
        if sla.freshness:
            results += _freshness(con, layout, source, day, sla.freshness, lo, reference, around,
                                  history_days)  # fmt: skip
        if sla.completeness:
            results += _completeness(con, layout, source, day, sla.completeness, lo, hi,
                                     reference, around, history_days)  # fmt: skip
        results += _validity(con, layout, source, day, sla.validity)
        if sla.counter_rate:
            results += _counter_rate(con, layout, source, day, sla.counter_rate, lo, hi)
        results += _volume(con, layout, source, day, sla.volume, lo, hi, reference, history_days)
        results += _reject_rate(layout, source, day, sla.reject_rate)
    finally:
        con.close()
    return [
        SlaResult(**{**asdict(r), "evaluated_at": evaluated_at}) for r in results
    ]  # one timestamp per evaluation


def _freshness(con, layout, source, day, spec: Freshness, lo, reference, around, history):
    per = spec.per
    files = around + _files(layout, source, history)
    if per:
        rows = con.execute(
            f"SELECT {per}, max(ts) FROM {_read(con, files, f'{per}, ts')} "
            f"WHERE ts < ? GROUP BY 1 ORDER BY 1",
            [reference],
        ).fetchall()
    else:
        rows = con.execute(
            f"SELECT '*', max(ts) FROM {_read(con, files, 'ts')} WHERE ts < ?", [reference]
        ).fetchall()
    out = []
    for member, newest in rows:
        if member is None:
            continue
        age = None if newest is None else (reference - newest).total_seconds() / 60
        passed = age is not None and age <= spec.max_age_minutes
        out.append(
            SlaResult(
                source=source,
                event_date=day,
                check="freshness",
                subject=str(member),
                window_start=newest,
                window_end=reference,
                observed=None if age is None else round(age, 3),
                threshold=spec.max_age_minutes,
                passed=passed,
                severity=spec.severity,
                detail=(
                    "no event yet"
                    if newest is None
                    else f"newest event {newest:%Y-%m-%d %H:%M:%S}, "
                    f"{age:.1f} min before {reference:%Y-%m-%d %H:%M}"
                ),
            )  # fmt: skip
        )
    return out


def _completeness(con, layout, source, day, spec: Completeness, lo, hi, reference, around,
                  history):  # fmt: skip
    per, width = spec.per, spec.window_minutes
    expected = width * 60 / spec.expected_every_seconds
    unit = "count(DISTINCT ts)" if spec.unit == "distinct_ts" else "count(*)"
    # a member is expected from its first sample seen (the day's neighbourhood and history) on:
    # the windows before a host ever reported are not missing data
    src_all = _read(con, around + _files(layout, source, history), f"{per}, ts")
    first_seen = con.execute(
        f"SELECT CAST({per} AS VARCHAR), min(ts) FROM {src_all} "
        f"WHERE {per} IS NOT NULL GROUP BY 1 ORDER BY 1"
    ).fetchall()
    if not first_seen:
        return []
    src = _read(con, around, f"{per}, ts")
    con.execute("CREATE OR REPLACE TEMP TABLE members(m VARCHAR, first_seen TIMESTAMP)")
    con.executemany("INSERT INTO members VALUES (?, ?)", first_seen)
    rows = con.execute(
        f"""
        WITH windows AS (
            SELECT w AS window_start, w + to_minutes({width}) AS window_end
            FROM generate_series(?::TIMESTAMP, ?::TIMESTAMP - to_minutes({width}),
                                 to_minutes({width})) g(w)
        ),
        received AS (
            SELECT CAST({per} AS VARCHAR) AS m, time_bucket(to_minutes({width}), ts) AS window_start,
                   {unit} AS units
            FROM {src} WHERE ts >= ? AND ts < ? GROUP BY ALL
        )
        SELECT members.m, w.window_start, w.window_end, coalesce(r.units, 0)
        FROM members CROSS JOIN windows w
        LEFT JOIN received r ON r.m = members.m AND r.window_start = w.window_start
        WHERE w.window_end <= ?
          AND w.window_start >= time_bucket(to_minutes({width}), members.first_seen)
        ORDER BY 1, 2
        """,
        [lo, hi, lo, hi, reference],
    ).fetchall()
    out = []
    for member, w_start, w_end, units in rows:
        ratio = units / expected
        out.append(
            SlaResult(
                source=source,
                event_date=day,
                check="completeness",
                subject=member,
                window_start=w_start,
                window_end=w_end,
                observed=round(ratio, 6),
                threshold=spec.min_ratio,
                passed=ratio >= spec.min_ratio,
                severity=spec.severity,
                detail=f"{units} of {expected:g} expected",
            )  # fmt: skip
        )
    return out


def _validity(con, layout, source, day, spec: Validity) -> list[SlaResult]:
    """Windows of the partition where too many lines were rejected (only windows that had any)."""
    rejects = sorted(str(p) for p in layout.rejects_partition(source, day).glob("*.parquet"))
    if not rejects:
        return []
    landed = _files(layout, source, [day])
    width = spec.window_minutes
    listing = "[" + ", ".join(sql_str(f) for f in rejects) + "]"
    rows = con.execute(
        f"""
        WITH ok AS (
            SELECT source_file, line_number, ts FROM {_read(con, landed, "source_file, line_number, ts")}
        ),
        bad AS (SELECT source_file, line_number FROM read_parquet({listing})),
        before AS (
            SELECT bad.source_file, bad.line_number, ok.line_number AS prev_line, ok.ts AS prev_ts
            FROM bad ASOF LEFT JOIN ok
              ON bad.source_file = ok.source_file AND bad.line_number > ok.line_number
        ),
        around AS (
            SELECT before.*, ok.line_number AS next_line, ok.ts AS next_ts
            FROM before ASOF LEFT JOIN ok
              ON before.source_file = ok.source_file AND before.line_number < ok.line_number
        ),
        placed AS (
            -- between two landed lines: interpolated by line number (a stretch of corrupt
            -- lines spreads over the time it spans); before the first or after the last landed
            -- line of its file: that line's time
            SELECT CASE
                WHEN prev_ts IS NOT NULL AND next_ts IS NOT NULL THEN prev_ts + to_microseconds(
                    CAST((epoch_us(next_ts) - epoch_us(prev_ts))
                         * (line_number - prev_line) / (next_line - prev_line) AS BIGINT))
                ELSE coalesce(prev_ts, next_ts)
            END AS ts
            FROM around
        ),
        bad_windows AS (
            SELECT time_bucket(to_minutes({width}), ts) AS w, count(*) AS rejected
            FROM placed WHERE ts IS NOT NULL GROUP BY 1
        ),
        good_windows AS (
            SELECT time_bucket(to_minutes({width}), ts) AS w, count(*) AS landed
            FROM ok GROUP BY 1
        )
        SELECT b.w, b.rejected, coalesce(g.landed, 0)
        FROM bad_windows b LEFT JOIN good_windows g USING (w)
        ORDER BY 1
        """
    ).fetchall()
    out = []
    for w, rejected, n_landed in rows:
        ratio = rejected / (rejected + n_landed)
        passed = rejected < spec.min_rejected or ratio <= spec.max_reject_ratio
        out.append(
            SlaResult(
                source=source,
                event_date=day,
                check="validity",
                subject="*",
                window_start=w,
                window_end=w + dt.timedelta(minutes=width),
                observed=round(ratio, 6),
                threshold=spec.max_reject_ratio,
                passed=passed,
                severity=spec.severity,
                detail=f"{rejected} of {rejected + n_landed} lines rejected",
            )  # fmt: skip
        )
    return out


def _counter_rate(con, layout, source, day, spec: CounterRate, lo, hi) -> list[SlaResult]:
    """One result per member and window with judged samples: the fastest increase seen."""
    width = spec.window_minutes
    files = _files(layout, source, _neighbours(day, before=1, after=0))
    series = ", ".join(f"labels[{sql_str(label)}]" for label in spec.series_labels) or "1"
    rows = con.execute(
        f"""
        WITH steps AS (
            -- each counter (every label) against its own previous sample
            SELECT CAST({spec.per} AS VARCHAR) AS m, list_value({series}) AS series, ts,
                   lag(ts) OVER w AS prev_ts, value - lag(value) OVER w AS increase
            FROM {_read(con, files, f"{spec.per}, ts, metric, labels, value")}
            WHERE metric = ? AND isfinite(value) AND ts >= ? - INTERVAL 1 HOUR AND ts < ?
            WINDOW w AS (PARTITION BY {spec.per}, labels ORDER BY ts)
        ),
        grouped AS (
            -- a series' counters over the same step, summed; a counter missing from a sample
            -- (a rejected line) steps over a longer span and lands in its own group, so a sum
            -- only ever covers a subset of the series over one span
            SELECT m, series, ts, prev_ts, sum(increase) AS increase,
                   bool_and(increase >= 0) AS no_reset
            FROM steps WHERE prev_ts IS NOT NULL AND ts > prev_ts
            GROUP BY ALL
        ),
        judged AS (
            SELECT m, ts, increase / epoch(ts - prev_ts) AS rate
            FROM grouped
            WHERE no_reset AND ts >= ? AND ts < ?
        )
        SELECT m, time_bucket(to_minutes({width}), ts) AS w, max(rate), count(*),
               count_if(rate > ?)
        FROM judged GROUP BY ALL ORDER BY 1, 2
        """,
        [spec.metric, lo, hi, lo, hi, spec.max_per_second],
    ).fetchall()
    out = []
    for member, w, fastest, judged, too_fast in rows:
        out.append(
            SlaResult(
                source=source,
                event_date=day,
                check="counter_rate",
                subject=member,
                window_start=w,
                window_end=w + dt.timedelta(minutes=width),
                observed=round(fastest, 6),
                threshold=spec.max_per_second,
                passed=too_fast == 0,
                severity=spec.severity,
                detail=(
                    f"{too_fast} of {judged} {spec.metric} steps faster than "
                    f"{spec.max_per_second:g}/s (fastest {fastest:.3g}/s)"
                ),
            )  # fmt: skip
        )
    return out


def _volume(con, layout, source, day, spec: Volume, lo, hi, reference, history):
    days = [*history, day]
    files = _files(layout, source, _neighbours(day, before=spec.history_days + 1, after=1))
    rows = con.execute(
        f"""
        SELECT CAST(ts AS DATE) AS d, hour(ts) AS h, count(*) AS n
        FROM {_read(con, files, "ts")}
        WHERE ts >= ? AND ts < ? GROUP BY ALL
        """,
        [dt.datetime.combine(dt.date.fromisoformat(days[0]), dt.time()), hi],
    ).fetchall()
    counts = {(d.isoformat(), h): n for d, h, n in rows}
    # a history day counts only when it was landed (its manifest exists)
    landed = {d for d in history if (layout.raw_partition(source, d) / "_manifest.json").exists()}
    out = []
    for h in range(24):
        h_start = lo + dt.timedelta(hours=h)
        if h_start + dt.timedelta(hours=1) > reference:
            break
        past = [counts.get((d, h), 0) for d in history if d in landed]
        x = counts.get((day, h), 0)
        if len(past) < spec.min_history:
            z, passed, detail = None, True, f"{len(past)} days of history (< {spec.min_history})"
        else:
            mean = sum(past) / len(past)
            sd = math.sqrt(sum((v - mean) ** 2 for v in past) / (len(past) - 1))
            z = (
                (x - mean) / sd
                if sd > 0
                else (0.0 if x == mean else math.copysign(math.inf, x - mean))
            )
            passed = abs(z) <= spec.max_abs_z
            detail = f"{x} rows vs mean {mean:.1f} (sd {sd:.1f}) over {len(past)} days"
        out.append(
            SlaResult(
                source=source,
                event_date=day,
                check="volume",
                subject=f"{h:02d}:00",
                window_start=h_start,
                window_end=h_start + dt.timedelta(hours=1),
                observed=None if z is None else (z if math.isfinite(z) else math.copysign(1e9, z)),
                threshold=spec.max_abs_z,
                passed=passed,
                severity=spec.severity,
                detail=detail,
            )  # fmt: skip
        )
    return out


def _reject_rate(layout: Paths, source: str, day: str, spec: RejectRate) -> list[SlaResult]:
    manifest = layout.raw_partition(source, day) / "_manifest.json"
    if not manifest.exists():
        return []
    m = json.loads(manifest.read_text())
    read, rejected = m.get("rows_read", 0), m.get("rows_rejected", 0)
    rate = rejected / read if read else 0.0
    lo, hi = _day_bounds(day)
    severity = "error" if rate > spec.error and rejected >= spec.min_rejected_for_error else "warn"
    return [
        SlaResult(
            source=source,
            event_date=day,
            check="reject_rate",
            subject="*",
            window_start=lo,
            window_end=hi,
            observed=round(rate, 8),
            threshold=spec.error if severity == "error" else spec.warn,
            passed=rate <= spec.warn,
            severity=severity,
            detail=f"{rejected} of {read} rows rejected",
        )  # fmt: skip
    ]


# --- verdicts and landing ------------------------------------------------------------------------


def verdict(results: list[SlaResult]) -> str:
    """'error' when an error-severity result failed, 'warn' when only warn ones did, else 'ok'."""
    failed = [r for r in results if not r.passed]
    if any(r.severity == "error" for r in failed):
        return "error"
    return "warn" if failed else "ok"


RESULT_COLUMNS = (
    ("source", "VARCHAR"), ("event_date", "DATE"), ("check_name", "VARCHAR"),
    ("subject", "VARCHAR"), ("window_start", "TIMESTAMP"), ("window_end", "TIMESTAMP"),
    ("observed", "DOUBLE"), ("threshold", "DOUBLE"), ("passed", "BOOLEAN"),
    ("severity", "VARCHAR"), ("detail", "VARCHAR"), ("evaluated_at", "TIMESTAMP"),
)  # fmt: skip


def _write(results: list[SlaResult], path: Path) -> None:
    write_results(
        (
            (
                r.source,
                r.event_date,
                r.check,
                r.subject,
                r.window_start,
                r.window_end,
                r.observed,
                r.threshold,
                r.passed,
                r.severity,
                r.detail,
                r.evaluated_at.replace(tzinfo=None),
            )
            for r in results
        ),  # fmt: skip
        RESULT_COLUMNS,
        path,
    )


def latest_path(layout: Paths, source: str, day: str) -> Path:
    return (
        layout.lake
        / "quality"
        / "sla"
        / f"source={source}"
        / f"event_date={day}"
        / "results.parquet"
    )


def record_results(
    results: list[SlaResult], source: str, day: str, layout: Paths | None = None
) -> Path:
    """Land one evaluation: replace the partition's latest results, append to the history."""
    layout = layout or paths()
    now = dt.datetime.now(dt.UTC)
    hist = (layout.lake / "quality" / "history" / f"evaluated_date={now:%Y-%m-%d}"
            / f"{source}-{day}-{now:%H%M%S}-{uuid.uuid4().hex[:6]}.parquet")  # fmt: skip
    _write(results, hist)
    latest = latest_path(layout, source, day)
    _write(results, latest)
    return latest


def ensure_results_readable(layout: Paths | None = None) -> None:
    """dbt reads lake/quality/sla/*/*/*.parquet: keep one (empty) file there before any run."""
    layout = layout or paths()
    empty = (
        layout.lake
        / "quality"
        / "sla"
        / "source=_none"
        / "event_date=1970-01-01"
        / "results.parquet"
    )
    if not empty.exists():
        _write([], empty)


def summarise(results: list[SlaResult]) -> dict[str, Any]:
    """Counts per check and the failures, for check metadata and the demo summary."""
    out: dict[str, Any] = {"verdict": verdict(results), "checks": {}}
    for check in CHECKS:
        rs = [r for r in results if r.check == check]
        if not rs:
            continue
        failed = [r for r in rs if not r.passed]
        out["checks"][check] = {
            "evaluated": len(rs),
            "failed": len(failed),
            "severity": rs[0].severity
            if check != "reject_rate"
            else failed[0].severity
            if failed
            else "warn",
            "failures": [
                {
                    "subject": r.subject,
                    "window": f"{r.window_start:%Y-%m-%d %H:%M}–{r.window_end:%H:%M}"
                    if r.window_start and r.window_end
                    else None,
                    "observed": r.observed,
                    "threshold": r.threshold,
                    "detail": r.detail,
                }
                for r in failed[:20]
            ],  # fmt: skip
        }
    return out
