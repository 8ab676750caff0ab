"""dbt models as Dagster assets: one partitioned `dbt build` per run, then the serving snapshot."""

import json
import shutil
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from orchestration.assets.dbt_project import MANIFEST_PATH, dbt_executable
from orchestration.assets.partitions import daily_partitions
from orchestration.serving.publish import publish_serving, writer_lock
from orchestration.settings import DBT_PROJECT_DIR, paths


class OpsdwTranslator(DagsterDbtTranslator):
    """Models keep their own names as keys, grouped by folder; sources map to raw/* via meta."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props.get("resource_type") in ("model", "seed", "snapshot"):
            return dg.AssetKey([dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props.get("resource_type") == "seed":
            return "seeds"
        if dbt_resource_props.get("resource_type") == "model":
            fqn = dbt_resource_props.get("fqn", [])
            if len(fqn) > 2:
                return fqn[1]
        return super().get_group_name(dbt_resource_props)


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(
        project_dir=str(DBT_PROJECT_DIR),
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=str(dbt_executable()),
    )


def window_vars(context: dg.AssetExecutionContext) -> dict[str, str]:
    """The partition window as dbt vars (max exclusive)."""
    window = context.partition_time_window
    return {"min_date": window.start.date().isoformat(), "max_date": window.end.date().isoformat()}


def build_dbt_assets() -> dg.AssetsDefinition:
    if not MANIFEST_PATH.exists():
        raise FileNotFoundError(
            f"{MANIFEST_PATH} is missing: run `opsdw prepare` (dbt parse) before loading definitions"
        )

    @dbt_assets(
        manifest=MANIFEST_PATH,
        name="opsdw_dbt",
        partitions_def=daily_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        dagster_dbt_translator=OpsdwTranslator(
            settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)
        ),
        pool="opsdw_warehouse_writer",
    )
    def opsdw_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
        layout = paths()
        args = [
            "build",
            "--vars",
            json.dumps(window_vars(context)),
            "--exclude-resource-type",
            "unit_test",
        ]
        with writer_lock(layout):
            invocation = dbt.cli(args, context=context)
            yield from invocation.stream()
            snapshot = publish_serving(layout)
        context.log.info(
            f"published {snapshot.path.name} ({snapshot.bytes / 1e6:.1f} MB, "
            f"{len(snapshot.tables)} marts) in {snapshot.seconds:.2f}s"
        )
        shutil.rmtree(invocation.target_path, ignore_errors=True)

    return opsdw_dbt
