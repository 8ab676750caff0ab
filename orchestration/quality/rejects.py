"""The quarantine, readable: rejected rows by source, day and reason, with samples.

Landing writes every rejected line to `lake/rejects/<source>/event_date=<day>/<file>.parquet`
(event_id, source_file, line_number, reject_reason, line) and counts it in the partition's
`_manifest.json`. This module reads both with DuckDB only (no Dagster, no GX): `opsdw rejects`
stays a fast path. After a parser fix, re-landing the partition (`opsdw land --date D --source S`
or a backfill) re-reads the inbox files, so the recovered lines land and leave the quarantine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.landing.parsers.base import sql_str
from orchestration.settings import Paths


@dataclass
class RejectGroup:
    source: str
    reason: str
    rows: int
    days: list[str]
    samples: list[dict] = field(default_factory=list)  # {"file", "line", "text"}


@dataclass
class RejectReport:
    groups: list[RejectGroup]
    read: dict[str, int]  # source -> rows read (manifests of the days considered)
    rejected: dict[str, int]  # source -> rows rejected (manifests)

    def to_json(self) -> dict:
        return {
            "groups": [g.__dict__ for g in self.groups],
            "read": self.read,
            "rejected": self.rejected,
            "reject_rate": {
                s: (self.rejected.get(s, 0) / n if n else 0.0) for s, n in self.read.items()
            },
        }


def _manifests(layout: Paths, source: str | None, days: set[str] | None) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for path in sorted(layout.raw.glob("*/event_date=*/_manifest.json")):
        name, day = path.parent.parent.name, path.parent.name.removeprefix("event_date=")
        if (source and name != source) or (days and day not in days):
            continue
        out.setdefault(name, []).append(json.loads(path.read_text()))
    return out


def collect_rejects(
    layout: Paths,
    source: str | None = None,
    days: list[str] | None = None,
    samples: int = 3,
    text_width: int = 160,
) -> RejectReport:
    """Rejected rows grouped by (source, reason), `samples` examples each (first by file, line)."""
    wanted = set(days) if days else None
    manifests = _manifests(layout, source, wanted)
    read = {s: sum(m.get("rows_read", 0) for m in ms) for s, ms in manifests.items()}
    rejected = {s: sum(m.get("rows_rejected", 0) for m in ms) for s, ms in manifests.items()}
    files = []
    for path in sorted(layout.rejects.glob("*/event_date=*/*.parquet")):
        name, day = path.parent.parent.name, path.parent.name.removeprefix("event_date=")
        if (source and name != source) or (wanted and day not in wanted):
            continue
        files.append((name, day, path))
    groups: list[RejectGroup] = []
    if files:
        con = duckdb.connect()
        try:
            parts = " UNION ALL ".join(
                f"SELECT {sql_str(n)} AS source, {sql_str(d)} AS day, source_file, line_number, "
                f"reject_reason, line FROM read_parquet({sql_str(str(p))})"
                for n, d, p in files
            )
            con.execute(f"CREATE TEMP TABLE r AS {parts}")
            rows = con.execute(
                """
                SELECT source, reject_reason, count(*) AS n, list(DISTINCT day ORDER BY day)
                FROM r GROUP BY ALL ORDER BY source, n DESC, reject_reason
                """
            ).fetchall()
            for src, reason, n, group_days in rows:
                examples = con.execute(
                    """
                    SELECT source_file, line_number, line FROM r
                    WHERE source = ? AND reject_reason = ?
                    ORDER BY day, source_file, line_number LIMIT ?
                    """,
                    [src, reason, samples],
                ).fetchall()
                groups.append(
                    RejectGroup(
                        source=src,
                        reason=reason,
                        rows=int(n),
                        days=list(group_days),
                        samples=[
                            {"file": f, "line": int(ln), "text": _printable(t, text_width)}
                            for f, ln, t in examples
                        ],
                    )
                )
        finally:
            con.close()
    return RejectReport(groups=groups, read=read, rejected=rejected)


def _printable(text: str | None, width: int) -> str:
    """The line as a terminal can show it: control characters escaped, cut to `width`."""
    if text is None:
        return ""
    shown = "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text
    )
    return shown if len(shown) <= width else shown[: width - 1] + "…"


def render(report: RejectReport, console=None) -> None:
    from rich.table import Table

    from orchestration.console import make_console

    console = console or make_console()
    totals = Table(title="Rows read / rejected (landing manifests)")
    for col in ("source", "read", "rejected", "reject rate"):
        totals.add_column(col, justify="left" if col == "source" else "right")
    for src in sorted(report.read):
        n, r = report.read[src], report.rejected.get(src, 0)
        totals.add_row(src, f"{n:,}", f"{r:,}", f"{(r / n if n else 0):.4%}")
    console.print(totals)
    if not report.groups:
        console.print("no rejected rows")
        return
    table = Table(title="Rejected rows by source and reason")
    for col in ("source", "reason", "rows", "days", "samples (file:line  text)"):
        table.add_column(col, overflow="fold")
    for g in report.groups:
        days = g.days[0] if len(g.days) == 1 else f"{g.days[0]} … {g.days[-1]} ({len(g.days)})"
        sample = "\n".join(f"{s['file']}:{s['line']}  {s['text']}" for s in g.samples)
        table.add_row(g.source, g.reason, f"{g.rows:,}", days, sample)
    console.print(table)
    console.print(
        "Fix the parser or the collector, then re-land the day: "
        "opsdw land --date YYYY-MM-DD --source NAME (or opsdw backfill)."
    )


def rejects_exist(home: Path) -> bool:
    return any((home / "lake" / "rejects").glob("*/event_date=*/*.parquet"))
