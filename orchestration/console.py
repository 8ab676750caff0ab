"""A rich Console that does not squeeze tables to 80 columns when output is piped or logged."""

from __future__ import annotations

import sys
from typing import Any


def make_console(**kwargs: Any) -> Any:
    from rich.console import Console

    if not sys.stdout.isatty():
        kwargs.setdefault("width", 160)
    return Console(**kwargs)


# Dagster's console logger at WARNING: the demo and the CLI print their own summaries.
QUIET_RUN_CONFIG: dict[str, Any] = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
