"""Shared fixtures: every test gets its own OPSDW_HOME; the dbt manifest is parsed once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_REALDATA = REPO.parent / "shared" / "realdata"


@pytest.fixture
def opsdw_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "opsdw"
    home.mkdir()
    monkeypatch.setenv("OPSDW_HOME", str(home))
    (home / "dagster").mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    monkeypatch.setenv("OPSDW_PSEUDONYM_KEY", "test-key")
    monkeypatch.delenv("OPSDW_WEBHOOK_URL", raising=False)
    return home


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    from orchestration.assets.dbt_project import prepare_manifest

    return prepare_manifest()


@pytest.fixture(scope="session")
def day0() -> dt.datetime:
    """A fixed UTC midnight the end-to-end tests simulate from."""
    return dt.datetime(2026, 11, 2, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def scenario_warehouse(tmp_path_factory: pytest.TempPathFactory):
    """The default scenario (every source, every injected scenario) simulated over two days,
    landed and built by dbt: tests read `scenario_warehouse.db` read-only."""
    from tests.integration.scenario import build_scenario_warehouse

    home = tmp_path_factory.mktemp("scenario") / "opsdw"
    home.mkdir()
    return build_scenario_warehouse(home)


# Under pytest-xdist (`make test`: two workers, --dist loadfile) a test file runs on one worker,
# so its module-scoped fixtures (a tiny warehouse, a landed lake) are built once. The files that
# read the session's scenario warehouse form one scope too: it is built once, and
# test_dbt_docs's `dbt docs generate` (which opens it for writing) never meets another worker's
# read-only connection. (xdist 3.8's --dist loadgroup does not group under pytest 9: it renames
# `item._nodeid`, which pytest 9's `nodeid` no longer reads.)
SCENARIO_SCOPE = "scenario_warehouse"


def _is_scenario_file(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name.startswith("test_scenarios_") or name == "test_dbt_docs.py"


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class FileOrScenarioScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return SCENARIO_SCOPE if _is_scenario_file(path) else path

    return FileOrScenarioScheduling(config, log)


# the longest files (several Dagster job runs each), started first so that the two workers share
# them instead of one worker running them back to back after the rest
LONGEST_FIRST = (
    "tests/integration/test_pipeline.py",
    "tests/integration/test_demo_and_cli.py",
    "tests/integration/test_corrupt_burst.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Start the longest files first, and keep the scheduling rule true: a test that reads the
    scenario warehouse must live in a scenario file."""
    rank = {path: i for i, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))
    stray = [
        item.nodeid
        for item in items
        if "scenario_warehouse" in getattr(item, "fixturenames", ())
        and not _is_scenario_file(item.nodeid.split("::", 1)[0])
    ]
    if stray:
        raise pytest.UsageError(
            f"tests using scenario_warehouse outside test_scenarios_*.py / test_dbt_docs.py: {stray}"
        )
