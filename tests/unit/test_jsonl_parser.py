"""The generic JSON-lines parser: typing, required keys, row checks, reasons."""

from __future__ import annotations

import datetime as dt

import duckdb

from orchestration.landing.parsers import ParseContext, get_parser
from orchestration.sources.model import Source

TOY = Source(
    name="toy_runs",
    description="toy",
    file_glob="*.jsonl",
    parser="jsonl_records",
    columns=(
        ("ts", "TIMESTAMP"),
        ("run_id", "VARCHAR"),
        ("rows", "BIGINT"),
        ("duration_s", "DOUBLE"),
        ("ok", "BOOLEAN"),
    ),
    required=("ts", "run_id"),
    checks=(("rows >= 0", "negative rows"), ("duration_s >= 0", "negative duration")),
)

LINES = [
    '{"ts": "2026-11-02T10:00:00Z", "run_id": "a", "rows": 5, "duration_s": 1.5, "ok": true}',
    '{"ts": "2026-11-02T12:00:00+02:00", "run_id": "b", "rows": null, "ok": "false", "x": 1}',
    "",
    '{"ts": "2026-11-02T10:00:00Z", "rows": 5}',
    '{"ts": "2026-11-02T10:00:00Z", "run_id": "c", "rows": "five"}',
    '{"ts": "2026-11-02T10:00:00Z", "run_id": "d", "rows": -1}',
    '{"ts": "2026-11-02T10:00:00Z", "run_id": "e", "duration_s": -0.5}',
    "[1, 2]",
    '{"ts": "yesterday", "run_id": "f"}',
    '{"ts": "2026-11-02T10:00:00Z", "run_id": "g", "rows": 3',
]


def _parse(lines: list[str]) -> list[tuple]:
    con = duckdb.connect()
    con.execute("CREATE TABLE lines(line_number BIGINT, line VARCHAR)")
    con.executemany(
        "INSERT INTO lines VALUES (?, ?)",
        [(i + 1, line or None) for i, line in enumerate(lines)],
    )
    parser = get_parser("jsonl_records", TOY)
    ctx = ParseContext(day=dt.date(2026, 11, 2), file_stem="x-10", file_host="x")
    return con.execute(
        f"SELECT line_number, ts, run_id, rows, duration_s, ok, reject_reason "
        f"FROM ({parser.select_sql('lines', ctx)}) ORDER BY line_number"
    ).fetchall()


def test_types_reasons_and_one_row_per_candidate() -> None:
    rows = _parse(LINES)
    by_line = {r[0]: r for r in rows}
    assert 3 not in by_line  # blank line: not a candidate
    assert len(rows) == len(LINES) - 1
    assert by_line[1][1:] == (dt.datetime(2026, 11, 2, 10), "a", 5, 1.5, True, None)
    # offset converted to UTC; JSON null is NULL, not a reject; unknown keys ignored
    assert by_line[2][1:] == (dt.datetime(2026, 11, 2, 10), "b", None, None, False, None)
    reasons = {r[0]: r[-1] for r in rows}
    assert reasons[4] == "missing run_id"
    assert reasons[5] == "bad rows"
    assert reasons[6] == "negative rows"
    assert reasons[7] == "negative duration"
    assert reasons[8] == "not a JSON object"
    assert reasons[9] == "bad ts"
    assert reasons[10] == "not a JSON object"


def test_offsets_are_applied_with_or_without_a_colon() -> None:
    lines = [
        '{"ts": "2026-11-02T11:00:00+0100", "run_id": "a"}',
        '{"ts": "2026-11-02T05:30:00-04:30", "run_id": "b"}',
        '{"ts": "2026-11-02 10:00:00", "run_id": "c"}',
        '{"ts": "2026-11-02", "run_id": "d"}',
    ]
    rows = _parse(lines)
    assert [r[1] for r in rows] == [
        dt.datetime(2026, 11, 2, 10),
        dt.datetime(2026, 11, 2, 10),
        dt.datetime(2026, 11, 2, 10),
        dt.datetime(2026, 11, 2),
    ]
