"""GX Data Docs through the real check path: landed Parquet -> wiring.load_frame -> GX -> Dagster
check results linking the pages -> one site build per run -> the index in headless Chromium.

A few hours of simulated telemetry at a small scale (three sources, one day), so the whole test
stays well under a minute once GX is imported.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

DAY = "2026-11-02"
BAD_DAY = "2026-11-03"
SOURCES3 = ("api_requests", "error_logs", "system_metrics")
SUITES3 = tuple(f"raw_{s}" for s in SOURCES3)


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _visible_text(dom: str) -> str:
    """What the page shows: the DOM without scripts, styles and tags."""
    dom = re.sub(r"<(script|style)\b.*?</\1>", " ", dom, flags=re.S | re.I)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", dom)))


def _render(page: Path, profile: Path) -> str:
    exe = _chromium()
    assert exe
    proc = subprocess.run(
        [exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", "--virtual-time-budget=5000",
         "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    """Six hours of three sources landed for DAY, and BAD_DAY: DAY's API rows, one of them
    with HTTP status 700 (every other row valid)."""
    import os

    import duckdb

    from orchestration.landing.land import land_partition
    from orchestration.settings import paths
    from orchestration.sources.catalog import SOURCES
    from orchestration.sources.simulator import simulate

    home = tmp_path_factory.mktemp("datadocs") / "opsdw"
    home.mkdir()
    old = {k: os.environ.get(k) for k in ("OPSDW_HOME", "OPSDW_PSEUDONYM_KEY")}
    os.environ["OPSDW_HOME"] = str(home)
    os.environ["OPSDW_PSEUDONYM_KEY"] = "test-key"
    try:
        start = dt.datetime.fromisoformat(f"{DAY}T00:00:00+00:00")
        simulate(home, start, start + dt.timedelta(hours=6), seed=5, scale=0.05, incidents=[],
                 sources=SOURCES3)  # fmt: skip
        for name in SOURCES3:
            land_partition(SOURCES[name], DAY, home)
        layout = paths(home)
        src = sorted(layout.raw_partition("api_requests", DAY).glob("*.parquet"))
        bad = layout.raw_partition("api_requests", BAD_DAY)
        bad.mkdir(parents=True)
        listing = ", ".join(f"'{p}'" for p in src)
        con = duckdb.connect()
        con.execute(
            "COPY (SELECT * EXCLUDE (rn) REPLACE (CASE WHEN rn = 1 THEN 700 ELSE status END AS status)"
            f" FROM (SELECT *, row_number() OVER () AS rn FROM read_parquet([{listing}])))"
            f" TO '{bad / 'part-0.parquet'}' (FORMAT parquet)"
        )
        con.close()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return home


def _materialize(partition: str, suites: tuple[str, ...]):
    import dagster as dg

    from orchestration.quality import wiring
    from orchestration.quality.checks import build_gx_asset_checks
    from orchestration.quality.suites import load_suites

    daily = dg.DailyPartitionsDefinition(start_date="2026-11-01")
    chosen = [s for s in load_suites() if s.name in suites]
    keys = [dg.AssetKey(list(s.asset)) for s in chosen]

    def stub(key):
        @dg.asset(key=key, partitions_def=daily)
        def _raw() -> None:
            return None

        return _raw

    checks = build_gx_asset_checks(
        wiring.load_frame, suites=chosen, partitions_defs={k: daily for k in keys}, data_docs=True
    )
    result = dg.materialize(
        [*[stub(k) for k in keys], *checks], partition_key=partition, raise_on_error=False
    )
    return {ev.check_name: ev for ev in result.get_asset_check_evaluations()}


def test_checks_write_gx_data_docs_and_chromium_shows_the_suites(lake, monkeypatch, tmp_path):
    from orchestration.quality import data_docs

    monkeypatch.setenv("OPSDW_HOME", str(lake))
    monkeypatch.setenv("OPSDW_GX_DOCS_KEEP", "2")

    # 1. a clean day: every suite passes, each result links its page, the site is built
    first = _materialize(DAY, SUITES3)
    assert set(first) == {f"gx_{s}" for s in SUITES3}
    assert all(ev.passed for ev in first.values()), {
        n: ev.metadata["failed"].value for n, ev in first.items()
    }
    index = data_docs.index_page(lake)
    assert index == lake / "docs" / "quality" / "index.html" and index.exists()
    pages = {}
    for name, ev in first.items():
        page = Path(ev.metadata["data_docs"].path)
        assert page.exists(), page
        assert page.is_relative_to(lake / "docs" / "quality" / "validations")
        assert ev.metadata["data_docs_url"].url == page.as_uri()
        assert Path(ev.metadata["data_docs_index"].path) == index
        # thresholds and observed values stay in the check's metadata
        results = ev.metadata["results"].value
        assert all("kwargs" in r and "observed" in r for r in results)
        pages[name] = page
    assert (lake / "gx" / "great_expectations.yml").exists()

    # 2. one corrupt row in 1.1k: the narrowed, Arrow-backed load still catches it
    bad = _materialize(BAD_DAY, ("raw_api_requests",))["gx_raw_api_requests"]
    assert not bad.passed
    assert bad.metadata["failed"].value == ["expect_column_values_to_be_between(status)"]
    status = next(
        r for r in bad.metadata["results"].value
        if r["column"] == "status" and r["type"] == "expect_column_values_to_be_between"
    )  # fmt: skip
    assert status["observed"]["unexpected_count"] == 1
    assert status["observed"]["partial_unexpected_list"] == [700]
    bad_page = Path(bad.metadata["data_docs"].path)

    # 3. re-running DAY replaces its validation (page gone, new one there), KEEP=2 per suite
    again = _materialize(DAY, ("raw_api_requests",))["gx_raw_api_requests"]
    new_page = Path(again.metadata["data_docs"].path)
    assert new_page.exists() and new_page != pages["gx_raw_api_requests"]
    assert not pages["gx_raw_api_requests"].exists()
    api_pages = sorted((lake / "docs/quality/validations/raw_api_requests").rglob("*.html"))
    assert api_pages == sorted([new_page, bad_page])
    stored = sorted((lake / "gx/uncommitted/validations/raw_api_requests").rglob("*.json"))
    assert len(stored) == 2

    if _chromium() is None:
        if os.environ.get("OPSDW_REQUIRE_CHROMIUM") == "1":  # CI: the render must happen
            pytest.fail("no chromium binary on PATH, and OPSDW_REQUIRE_CHROMIUM=1 (.ci/run)")
        pytest.skip("no chromium binary on PATH (CI installs the Debian package: see .ci/run)")

    # 4. the index, rendered by a real browser (no network: GX's CDN scripts do not load, the
    #    page must list the suites and validations anyway)
    shown = _visible_text(_render(index, tmp_path / "chromium-index"))
    for suite in SUITES3:
        assert suite in shown, (suite, shown[:2000])
    for run_name in (DAY, BAD_DAY):
        assert run_name in shown
    assert "raw/api_requests" in shown

    # 5. the failed validation's page: the expectation, its threshold, the observed value
    shown = _visible_text(_render(bad_page, tmp_path / "chromium-page"))
    assert "raw_api_requests" in shown
    assert "greater than or equal to 100" in shown and "less than or equal to 599" in shown
    assert "700" in shown
    assert "Failed" in shown or "Unsuccessful Expectations 1" in shown, shown[:3000]
