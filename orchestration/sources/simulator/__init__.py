"""A deterministic telemetry simulator that writes the formats real software writes.

    simulate(home, start, end, seed=7, scale=1.0, incidents=None, corrupt_lines=True)

writes nginx access logs (`api_requests/<day>/web-1-14.log`), node_exporter scrapes in the
Prometheus text format (`system_metrics/<day>/app-1-14.prom`) and JSON error logs
(`error_logs/<day>/app-server-14.jsonl`) into `home/inbox/`, and the ground truth (incidents,
counter resets, corrupt-line counts) into `home/simulator/incidents.json`.
"""

from orchestration.sources.simulator.core import (
    EXTENSIONS,
    FILE_KEYS,
    SOURCES,
    SimulationResult,
    default_window,
    simulate,
)
from orchestration.sources.simulator.incidents import (
    ALERTING_KINDS,
    EVENT_KINDS,
    SCENARIO_KINDS,
    GroundTruth,
    Incident,
    default_incidents,
    default_scenarios,
    load_ground_truth,
)

__all__ = [
    "ALERTING_KINDS",
    "EVENT_KINDS",
    "EXTENSIONS",
    "SCENARIO_KINDS",
    "FILE_KEYS",
    "SOURCES",
    "GroundTruth",
    "Incident",
    "SimulationResult",
    "default_incidents",
    "default_scenarios",
    "default_window",
    "load_ground_truth",
    "simulate",
]
