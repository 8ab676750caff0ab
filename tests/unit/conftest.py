"""Fixtures the GX suite tests share: the suites of expectations/, and a runner through GX."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from orchestration.quality.suites import Suite, load_suites


@pytest.fixture(scope="module")
def suites() -> dict[str, Suite]:
    return {s.name: s for s in load_suites()}


@pytest.fixture(scope="module")
def run(suites):
    """run(name, frame) -> SuiteResult, checked to serialise as strict JSON."""
    from orchestration.quality.gx_runner import run_suite

    def _run(name: str, df: pd.DataFrame):
        result = run_suite(suites[name], df)
        json.dumps(result.to_dict(), allow_nan=False)  # strict JSON, whatever GX observed
        return result

    return _run
