"""What a newcomer runs: the demo (alerts match the injected incidents), status, and fast paths."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from orchestration.settings import paths


@pytest.mark.slow
def test_demo_detects_every_incident_without_false_alarms_and_is_idempotent(
    opsdw_home, dbt_manifest
) -> None:
    from orchestration.demo import run_demo

    first = run_demo(days=0.5, seed=7, scale=1.0)
    assert first.success, first.failure
    assert first.incidents, "the simulator injected incidents"
    # every alert belongs to an injected incident, and every incident raised an alert
    assert all(a["incident"] for a in first.alerts), [
        (a["rule"], a["labels"], a["starts_at"]) for a in first.alerts
    ]
    assert {i["id"] for i in first.incidents} == {a["incident"] for a in first.alerts}
    kinds = {a["rule"] for a in first.alerts}
    assert {
        "EndpointHighErrorRate",
        "EndpointHighLatencyP95",
        "HostCpuSaturation",
        "CriticalErrorBurst",
        "CollectorSilent",  # the silent_collector incident: reported, never read as healthy
    } <= kinds
    # the GX Data Docs were built and the SLA verdicts reached the summary
    assert (paths().home / "docs" / "quality" / "index.html").exists()
    assert {q["source"] for q in first.quality} >= {"system_metrics", "api_requests"}
    outbox = paths().outbox.read_text().splitlines()
    assert len([json.loads(line) for line in outbox]) >= len(first.alerts)

    second = run_demo(days=0.5, seed=7, scale=1.0)
    assert second.window.start == first.window.start
    assert second.marts == first.marts
    assert paths().outbox.read_text().splitlines() == outbox  # nothing re-sent


def test_status_without_data_is_critical_and_fast_path_imports(opsdw_home) -> None:
    code = (
        "import json, sys\n"
        "from orchestration.cli import main\n"
        "rc = main(['status', '--json'])\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'great_expectations', 'dagster', 'dagster_dbt', 'dbt'})\n"
        "print('HEAVY=' + json.dumps(heavy))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    body, _, heavy = proc.stdout.rpartition("HEAVY=")
    assert json.loads(heavy) == []
    status = json.loads(body)
    assert status["status"] == "CRITICAL"
    assert "nothing has been built" in status["errors"][0]
