"""`dbt docs generate` works on a built warehouse, and every mart is documented with its columns."""

from __future__ import annotations

import json

import pytest

from tests.integration.scenario import run_dbt

pytestmark = pytest.mark.slow


def test_docs_generate_documents_every_mart(scenario_warehouse):
    target = scenario_warehouse.home / "docs-target"
    proc = run_dbt(scenario_warehouse.home, "docs", "generate", target=target)
    assert proc.returncode == 0, proc.stdout[-4000:]
    catalog = json.loads((target / "catalog.json").read_text())
    manifest = json.loads((target / "manifest.json").read_text())
    marts = {
        n["name"]: n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["schema"] == "marts"
    }
    assert len(marts) >= 26
    built = {n["metadata"]["name"] for n in catalog["nodes"].values()}
    for name, node in marts.items():
        assert name in built, f"{name} is not in the catalog"
        assert node["description"].strip(), f"{name} has no description"
        assert node["columns"], f"{name} documents no columns"
