"""The SLAs of expectations/sla.yml as Dagster asset checks: `sla_<source>` on each raw asset.

Blocking: a failed `error` SLA (e.g. the reject rate of a corrupt burst) stops the dbt models
downstream of the partition in that run, and the reason is the check's description and metadata
in the UI. A failed `warn` SLA (freshness, completeness, volume) reports with severity WARN and
lands in the lake like every evaluation, so the marts mark the affected windows data_ok = false.
"""

from typing import Any

import dagster as dg

from orchestration.quality.checks import check_partition_keys


def _severity(verdict: str) -> dg.AssetCheckSeverity:
    return dg.AssetCheckSeverity.ERROR if verdict == "error" else dg.AssetCheckSeverity.WARN


def build_sla_check(source: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(["raw", source]),
        name=f"sla_{source}",
        description=(
            f"Data-quality SLAs of {source} (expectations/sla.yml): freshness, completeness, "
            "validity, counter rate, volume, reject rate. Error-severity failures block the marts "
            "built from the partition."
        ),
        blocking=True,
        metadata={"sla_file": "expectations/sla.yml"},
    )
    def _sla_check(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        from orchestration.quality.sla import (
            ensure_results_readable,
            evaluate_partition,
            load_sla,
            record_results,
            summarise,
            verdict,
        )
        from orchestration.settings import clock_now, paths

        layout = paths()
        spec = load_sla()[source]
        days = check_partition_keys(context) or []
        results = []
        for day in days:
            day_results = evaluate_partition(source, day, spec, now=clock_now(), layout=layout)
            record_results(day_results, source, day, layout)
            results += day_results
        ensure_results_readable(layout)
        summary = summarise(results)
        overall = verdict(results)
        failing = {name: c["failed"] for name, c in summary["checks"].items() if c["failed"]}
        text = (
            f"all {len(results)} SLA evaluations passed"
            if overall == "ok"
            else f"{overall.upper()}: failed " + ", ".join(f"{k} ×{v}" for k, v in failing.items())
        )
        metadata: dict[str, Any] = {
            "partitions": ", ".join(days) or "(none)",
            "verdict": overall,
            "evaluations": len(results),
            "summary": dg.MetadataValue.json(summary),
        }
        for name, c in summary["checks"].items():
            metadata[f"{name}_failed"] = c["failed"]
        context.log.info(f"sla_{source} {metadata['partitions']}: {text}")
        return dg.AssetCheckResult(
            passed=overall == "ok", severity=_severity(overall), metadata=metadata, description=text
        )

    return _sla_check


def build_sla_checks() -> list[dg.AssetChecksDefinition]:
    from orchestration.sources.catalog import SOURCES

    return [build_sla_check(name) for name in SOURCES]
