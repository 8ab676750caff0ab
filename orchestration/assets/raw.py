"""Raw landing assets, one per source in the registry: `raw/<source>`, daily partitions."""

import dagster as dg

from orchestration.assets.partitions import daily_partitions
from orchestration.landing.land import land_partition
from orchestration.settings import paths
from orchestration.sources.catalog import SOURCES, Source


def build_raw_asset(source: Source) -> dg.AssetsDefinition:
    """The Dagster asset that lands `source`'s inbox days into the lake."""

    @dg.asset(
        key=source.asset_key,
        description=f"{source.description}. Landed to lake/raw/{source.name}/event_date=…/",
        group_name="raw",
        partitions_def=daily_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        kinds={"parquet", "duckdb"},
        metadata={"source": source.name, "parser": source.parser},
        pool="opsdw_landing",
    )
    def _raw(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        layout = paths()
        read = landed = rejected = files = 0
        reasons: dict[str, int] = {}
        per_day = {}
        for day in context.partition_keys:
            report = land_partition(source, day, layout.home)
            read += report.rows_read
            landed += report.rows_landed
            rejected += report.rows_rejected
            files += len(report.files)
            for reason, n in report.reject_reasons.items():
                reasons[reason] = reasons.get(reason, 0) + n
            per_day[day] = {
                "read": report.rows_read,
                "landed": report.rows_landed,
                "rejected": report.rows_rejected,
                "files": len(report.files),
                "seconds": report.seconds,
            }
            context.log.info(
                f"{source.name} {day}: {len(report.files)} files, read {report.rows_read}, "
                f"landed {report.rows_landed}, rejected {report.rows_rejected} "
                f"in {report.seconds:.1f}s"
            )
        return dg.MaterializeResult(
            metadata={
                "rows_read": read,
                "rows_landed": landed,
                "rows_rejected": rejected,
                "reject_rate": (rejected / read) if read else 0.0,
                "files": files,
                "reject_reasons": reasons,
                "per_day": per_day,
                "lake_path": dg.MetadataValue.path(str(layout.raw / source.name)),
            }
        )

    return _raw


def build_raw_assets() -> list[dg.AssetsDefinition]:
    return [build_raw_asset(s) for s in SOURCES.values()]
