"""The Dagster instance opsdw runs in: $DAGSTER_HOME (default $OPSDW_HOME/dagster)."""

from __future__ import annotations

import os
from pathlib import Path

from orchestration.settings import Paths

# One run at a time and one writer per pool: DuckDB allows a single writing process per file.
DAGSTER_YAML = """\
# Written by opsdw on first use; edit freely.
telemetry:
  enabled: false
concurrency:
  runs:
    max_concurrent_runs: 1
  pools:
    default_limit: 1
"""


def ensure_dagster_home(layout: Paths) -> Path:
    """Create DAGSTER_HOME with opsdw's dagster.yaml if missing, and export it."""
    home = layout.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    cfg = home / "dagster.yaml"
    if not cfg.exists():
        cfg.write_text(DAGSTER_YAML)
    os.environ["DAGSTER_HOME"] = str(home)
    return home
