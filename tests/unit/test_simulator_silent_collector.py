"""The silent_collector scenario: the host's scrapes in [start, end) are missing, nothing else
changes (the exporter kept running, so no counter resets)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from orchestration.sources.simulator import Incident
from orchestration.sources.simulator.system_metrics import HostModel, generate_hour
from orchestration.sources.simulator.topology import host

START = datetime(2026, 11, 3, 19, 12, tzinfo=UTC)
HOUR = int(START.timestamp()) // 3600


def _silence(host_name: str = "app-2") -> Incident:
    return Incident(
        id="silent_collector-test",
        kind="silent_collector",
        start=START,
        end=START + timedelta(minutes=20),
        component="app-server",
        host=host_name,
    )


def test_no_scrapes_in_the_silence_and_the_others_unchanged() -> None:
    calm = generate_hour(HostModel(7, 0.5, host("app-2"), []), HOUR)
    silent = generate_hour(HostModel(7, 0.5, host("app-2"), [_silence()]), HOUR)
    lo, hi = START.timestamp() * 1e6, (START + timedelta(minutes=20)).timestamp() * 1e6
    inside = (calm.ts_us >= lo) & (calm.ts_us < hi)
    assert int(inside.sum()) == 80  # 20 minutes of 15-s scrapes
    assert np.array_equal(silent.ts_us, calm.ts_us[~inside])
    # every remaining scrape is byte-identical: counters continue, nothing resets
    assert silent.blocks == [b for b, gone in zip(calm.blocks, inside, strict=True) if not gone]


def test_other_hosts_are_not_silenced() -> None:
    calm = generate_hour(HostModel(7, 0.5, host("app-1"), []), HOUR)
    other = generate_hour(HostModel(7, 0.5, host("app-1"), [_silence("app-2")]), HOUR)
    assert other.blocks == calm.blocks
