"""`opsdw rejects`: the quarantine by source and reason, and recovery by re-landing."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

from orchestration.landing.land import land_partition
from orchestration.quality.rejects import collect_rejects
from orchestration.settings import paths
from orchestration.sources.model import Source

DAY = "2026-11-02"
STRICT = Source(
    name="toy_runs",
    description="toy",
    file_glob="*.jsonl",
    parser="jsonl_records",
    columns=(("ts", "TIMESTAMP"), ("run_id", "VARCHAR"), ("rows", "BIGINT")),
    required=("ts", "run_id"),
    checks=(("rows >= 0", "negative rows"),),
)
LINES = [
    '{"ts": "2026-11-02T10:00:00Z", "run_id": "a", "rows": 5}',
    '{"ts": "2026-11-02T10:01:00Z", "run_id": "b", "rows": -1}',
    '{"ts": "2026-11-02T10:02:00Z", "run_id": "c", "rows": -7}',
    '{"ts": "2026-11-02T10:03:00Z", "run_id": "d", "rows": 2',
    "\x16\x03\x01 garbage",
]


def _write_inbox(home, name="runner-10.jsonl"):
    folder = home / "inbox" / "toy_runs" / DAY
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("\n".join(LINES) + "\n")


def test_groups_by_reason_with_samples_and_matches_the_manifest(opsdw_home):
    _write_inbox(opsdw_home)
    report = land_partition(STRICT, DAY, opsdw_home)
    assert (report.rows_read, report.rows_landed, report.rows_rejected) == (5, 1, 4)
    rej = collect_rejects(paths(opsdw_home), samples=1)
    by_reason = {g.reason: g for g in rej.groups}
    assert {r: g.rows for r, g in by_reason.items()} == {
        "negative rows": 2,
        "not a JSON object": 2,
    }
    assert rej.read == {"toy_runs": 5} and rej.rejected == {"toy_runs": 4}
    sample = by_reason["negative rows"].samples
    assert sample == [{"file": f"toy_runs/{DAY}/runner-10.jsonl", "line": 2, "text": LINES[1]}]
    # control characters are shown escaped, never sent raw to the terminal
    garbage = [s["text"] for s in collect_rejects(paths(opsdw_home)).groups[1].samples]
    assert any(t.startswith("\\x16\\x03\\x01") for t in garbage)
    assert collect_rejects(paths(opsdw_home), source="other").groups == []
    assert collect_rejects(paths(opsdw_home), days=["2026-11-03"]).groups == []


def test_relanding_after_a_parser_fix_recovers_the_rows(opsdw_home):
    _write_inbox(opsdw_home)
    land_partition(STRICT, DAY, opsdw_home)
    fixed = replace(STRICT, checks=())  # the fix: negative row counts are valid corrections
    report = land_partition(fixed, DAY, opsdw_home)
    assert (report.rows_read, report.rows_landed, report.rows_rejected) == (5, 3, 2)
    rej = collect_rejects(paths(opsdw_home))
    assert {g.reason: g.rows for g in rej.groups} == {"not a JSON object": 2}


def test_cli_json_and_fast_path(opsdw_home):
    _write_inbox(opsdw_home)
    land_partition(STRICT, DAY, opsdw_home)
    code = (
        "import sys, json; from orchestration.cli import main; main(['rejects', '--json']); "
        "bad = [m for m in ('dagster', 'great_expectations', 'dbt') if m in sys.modules]; "
        "print(json.dumps(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    report_text, imported = out.rsplit("\n", 2)[0], out.rsplit("\n", 2)[1]
    assert json.loads(imported) == []
    data = json.loads(report_text)
    assert data["rejected"] == {"toy_runs": 4}
    assert data["reject_rate"]["toy_runs"] == 0.8
