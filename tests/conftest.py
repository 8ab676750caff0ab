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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`make test` runs two workers, --dist loadgroup), every test that reads
    the session's scenario warehouse goes to one worker, so it is built once, not per worker."""
    for item in items:
        if "scenario_warehouse" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("scenario_warehouse"))
