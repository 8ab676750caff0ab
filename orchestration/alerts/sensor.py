"""The Dagster sensor that evaluates the alert rules over the served marts and delivers transitions.

It launches no runs: each tick evaluates (state, history and cursors live in the alert store, not
in Dagster's cursor), delivers, and returns a SkipReason with a one-line summary. The Dagster
cursor is set to that summary only so the UI shows what the last tick did.
"""

from __future__ import annotations

import json

from dagster import DefaultSensorStatus, SensorEvaluationContext, SkipReason, sensor

from orchestration.alerts.engine import EvaluationReport, evaluate_and_deliver
from orchestration.alerts.store import to_iso, utc_now

__all__ = ["alert_rules_sensor", "evaluate_and_deliver", "EvaluationReport"]


@sensor(
    name="alert_rules_sensor",
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description=(
        "Evaluates the alert rules (orchestration/alerts/rules.yml) over the marts of the serving "
        "DuckDB in event time and delivers firing/resolved transitions (outbox, webhook)."
    ),
)
def alert_rules_sensor(context: SensorEvaluationContext) -> SkipReason:
    """Evaluate + deliver; the summary is both the skip reason and the (display-only) cursor."""
    report = evaluate_and_deliver()
    summary = report.summary()
    for problem in report.all_errors:
        context.log.warning(problem)
    for item in report.transitions:
        context.log.info(f"{item.status}: {item.rule} {item.labels} value={item.value}")
    context.update_cursor(
        json.dumps(
            {
                "evaluated_at": to_iso(utc_now()),
                "summary": summary,
                "firing": report.firing,
                "resolved": report.resolved,
                "windows": report.windows,
            },
            sort_keys=True,
        )
    )
    return SkipReason(summary)
