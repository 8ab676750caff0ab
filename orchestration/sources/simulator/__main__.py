"""python -m orchestration.sources.simulator [--home DIR] [--days 2] [--scale 1.0] [--seed 7]"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from orchestration.settings import opsdw_home
from orchestration.sources.simulator.core import default_window, simulate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write simulated telemetry into the inbox.")
    parser.add_argument("--home", type=Path, default=None, help="default: $OPSDW_HOME or ./data")
    parser.add_argument("--days", type=float, default=2.0, help="window length, ending now")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-corrupt", action="store_true", help="write no corrupt lines")
    args = parser.parse_args(argv)
    start, end = default_window(datetime.now(UTC), args.days)
    result = simulate(
        args.home or opsdw_home(),
        start,
        end,
        seed=args.seed,
        scale=args.scale,
        corrupt_lines=not args.no_corrupt,
    )
    print(result.summary())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
