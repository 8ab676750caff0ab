"""The dbt project as Dagster sees it, and how its manifest gets made (never at import time).

`prepare_manifest()` runs `dbt parse` (which, unlike `compile`, never opens the DuckDB file) when
target/manifest.json is missing or older than any file of the project. The CLI, the Makefile and
the test fixtures call it before definitions are loaded.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from orchestration.settings import DBT_PROJECT_DIR

MANIFEST_PATH = DBT_PROJECT_DIR / "target" / "manifest.json"
_PROJECT_GLOBS = (
    "dbt_project.yml",
    "profiles.yml",
    "models/**/*",
    "macros/**/*",
    "seeds/**/*",
    "tests/**/*",
)


def dbt_executable() -> Path:
    """dbt next to the running interpreter (works without an activated venv)."""
    candidate = Path(sys.executable).parent / "dbt"
    return candidate if candidate.exists() else Path("dbt")


def manifest_is_stale(manifest: Path = MANIFEST_PATH) -> bool:
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    for pattern in _PROJECT_GLOBS:
        for f in DBT_PROJECT_DIR.glob(pattern):
            if f.is_file() and "target" not in f.parts and f.stat().st_mtime > built:
                return True
    return False


def prepare_manifest(force: bool = False) -> Path:
    """Write dbt_project/target/manifest.json with `dbt parse` if it is missing or stale.

    Several processes may ask at once (pytest workers, a CLI beside the UI): an exclusive lock
    on target/.parse.lock makes one parse while the others wait, then find the manifest fresh."""
    import fcntl

    MANIFEST_PATH.parent.mkdir(parents=True, exist_ok=True)
    with open(MANIFEST_PATH.parent / ".parse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _parse_if_stale(force)


def _parse_if_stale(force: bool) -> Path:
    if force or manifest_is_stale():
        env = dict(os.environ)
        env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        proc = subprocess.run(
            [
                str(dbt_executable()),
                "parse",
                "--project-dir",
                str(DBT_PROJECT_DIR),
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
                "--quiet",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0 or not MANIFEST_PATH.exists():
            raise RuntimeError(f"dbt parse failed:\n{proc.stdout}\n{proc.stderr}")
        MANIFEST_PATH.touch()
    return MANIFEST_PATH
