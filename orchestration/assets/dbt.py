"""dbt models as Dagster assets: one partitioned `dbt build` per run, then the serving snapshot."""

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
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


# macros/partition_window.sql reads these while executing (not parsing): see window_env
WINDOW_ENV = {"min_date": "OPSDW_WINDOW_MIN_DATE", "max_date": "OPSDW_WINDOW_MAX_DATE"}
PARTIAL_PARSE = "partial_parse.msgpack"


@contextlib.contextmanager
def window_env(window: Mapping[str, str]) -> Iterator[None]:
    """The window in this process's environment while dbt is spawned (DbtCliResource.cli copies
    os.environ), restored afterwards. Unlike --vars, which enter dbt's parse-state hash, it keeps
    the partial parse valid from one partition to the next."""
    saved = {name: os.environ.get(name) for name in WINDOW_ENV.values()}
    os.environ.update({WINDOW_ENV[k]: v for k, v in window.items()})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def invocation_target(dbt_state: Path) -> Path:
    """A fresh target directory for one dbt invocation, seeded with this OPSDW_HOME's cached
    partial parse (the profile, hence the parse state, depends on OPSDW_HOME). Without a cache,
    dagster-dbt seeds it from dbt_project/target/ (`opsdw prepare`'s parse)."""
    target = dbt_state / f"target-{uuid.uuid4().hex[:12]}"
    target.mkdir(parents=True)
    cached = dbt_state / PARTIAL_PARSE
    if cached.exists():
        shutil.copy(cached, target / PARTIAL_PARSE)
    return target


def keep_partial_parse(target: Path, dbt_state: Path) -> None:
    """Cache the invocation's partial parse for the next run (atomic replace)."""
    produced = target / PARTIAL_PARSE
    if produced.exists():
        tmp = dbt_state / f".{PARTIAL_PARSE}.{uuid.uuid4().hex[:8]}"
        shutil.copy(produced, tmp)
        os.replace(tmp, dbt_state / PARTIAL_PARSE)


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
        dbt_state = layout.home / "dbt"
        args = ["build", "--exclude-resource-type", "unit_test"]
        with writer_lock(layout), window_env(window_vars(context)):
            target = invocation_target(dbt_state)  # kept on failure, for its logs
            invocation = dbt.cli(args, context=context, target_path=target)
            yield from invocation.stream()
            keep_partial_parse(target, dbt_state)
            shutil.rmtree(target, ignore_errors=True)
            snapshot = publish_serving(layout)
        context.log.info(
            f"published {snapshot.path.name} ({snapshot.bytes / 1e6:.1f} MB, "
            f"{len(snapshot.tables)} marts) in {snapshot.seconds:.2f}s"
        )

    return opsdw_dbt
