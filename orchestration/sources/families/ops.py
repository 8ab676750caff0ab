"""Sources of the ops family: pipeline runs, job runs, handler calls, task executions.

All four are JSON lines (parser `jsonl_records`): one flat record per line, keys = columns.
`ts` is the record's event time (see each source's description for what it is).
"""

from __future__ import annotations

from orchestration.sources.model import Source

PIPELINE_STATUSES = ("SUCCESS", "FAILURE", "CANCELED")
JOB_STATUSES = ("running", "succeeded", "failed")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


PIPELINE_RUNS = Source(
    name="pipeline_runs",
    description=(
        "data-pipeline runs as the orchestrator's run-status hook writes them: one JSON line per "
        "finished run (SUCCESS, FAILURE or CANCELED), one file per orchestrator host per hour; "
        "ts = the run's end time"
    ),
    file_glob="*.jsonl",
    parser="jsonl_records",
    columns=(
        ("ts", "TIMESTAMP"),  # when the record was written: the run's end time
        ("run_id", "VARCHAR"),  # the orchestrator's run id (UUID)
        ("pipeline_name", "VARCHAR"),
        ("status", "VARCHAR"),  # SUCCESS | FAILURE | CANCELED (DagsterRunStatus names)
        ("start_time", "TIMESTAMP"),
        ("end_time", "TIMESTAMP"),
        ("rows_processed", "BIGINT"),  # rows the run wrote (0 when it failed)
        ("error_message", "VARCHAR"),  # the failure's message; NULL unless FAILURE
        ("scheduled_execution_time", "TIMESTAMP"),  # the schedule tick that launched it
    ),
    required=("ts", "run_id", "pipeline_name", "status", "start_time", "end_time"),
    checks=(
        (_in("status", PIPELINE_STATUSES), "unknown run status"),
        ("end_time >= start_time", "end_time before start_time"),
        ("rows_processed >= 0", "negative rows_processed"),
        (
            "status <> 'FAILURE' OR error_message IS NOT NULL",
            "failed run without error_message",
        ),
    ),
    family="ops",
)

JOB_RUNS = Source(
    name="job_runs",
    description=(
        "the job scheduler's run events: one JSON line when a scheduled run starts (status "
        "'running') and one when it ends ('succeeded' or 'failed'), one file per scheduler host "
        "per hour; ts = the event's time (started_at, then finished_at). A due run that never "
        "starts writes nothing"
    ),
    file_glob="*.jsonl",
    parser="jsonl_records",
    columns=(
        ("ts", "TIMESTAMP"),  # time of the event: started_at for 'running', else finished_at
        ("job_name", "VARCHAR"),
        ("schedule", "VARCHAR"),  # the job's cron expression (5 fields, UTC)
        ("run_id", "VARCHAR"),  # '<job_name>:<scheduled_at as ISO 8601>' (one run per slot)
        ("status", "VARCHAR"),  # running | succeeded | failed
        ("scheduled_at", "TIMESTAMP"),  # the cron tick the run belongs to
        ("started_at", "TIMESTAMP"),
        ("finished_at", "TIMESTAMP"),  # NULL while running
        ("exit_code", "INTEGER"),  # NULL while running; 0 when succeeded
        ("host", "VARCHAR"),  # where the job ran
    ),
    required=("ts", "job_name", "schedule", "run_id", "status", "scheduled_at", "started_at"),
    checks=(
        (_in("status", JOB_STATUSES), "unknown job status"),
        ("started_at >= scheduled_at", "started before its scheduled time"),
        ("finished_at >= started_at", "finished_at before started_at"),
        ("status = 'running' OR finished_at IS NOT NULL", "finished run without finished_at"),
        ("status <> 'running' OR finished_at IS NULL", "running run with finished_at"),
        ("status <> 'succeeded' OR exit_code = 0", "succeeded with a non-zero exit_code"),
    ),
    family="ops",
)

HANDLER_METRICS = Source(
    name="handler_metrics",
    description=(
        "one JSON line per integration-handler call (data and ML handlers of the query engine), "
        "one file per application host per hour; ts = when the call returned"
    ),
    file_glob="*.jsonl",
    parser="jsonl_records",
    columns=(
        ("ts", "TIMESTAMP"),  # when the call returned
        ("host", "VARCHAR"),
        ("handler_name", "VARCHAR"),  # e.g. postgres, binance, openai
        ("handler_type", "VARCHAR"),  # data | ml
        ("operation", "VARCHAR"),  # connect, native_query, get_tables, predict, ...
        ("duration_ms", "DOUBLE"),
        ("success", "BOOLEAN"),
        ("row_count", "BIGINT"),  # rows returned or written (0 for connect/failures)
        ("error_message", "VARCHAR"),  # NULL when the call succeeded
    ),
    required=("ts", "handler_name", "operation", "duration_ms", "success"),
    checks=(
        ("duration_ms >= 0", "negative duration_ms"),
        ("row_count >= 0", "negative row_count"),
        ("handler_type IN ('data', 'ml')", "unknown handler_type"),
    ),
    family="ops",
)

EXECUTIONS = Source(
    name="executions",
    description=(
        "agent task executions as the task runner records them (the executions table of seed "
        "003, minus the free-text and embedding columns), one JSON line per finished task, one "
        "file per runner host per hour; ts = the execution's timestamp (when it finished)"
    ),
    file_glob="*.jsonl",
    parser="jsonl_records",
    columns=(
        ("ts", "TIMESTAMP"),  # seed 003 `timestamp`
        ("task_id", "VARCHAR"),  # UUID
        ("task_type", "VARCHAR"),
        ("repo", "VARCHAR"),
        ("file_count", "INTEGER"),
        ("estimated_tokens", "BIGINT"),
        ("model_tier", "VARCHAR"),
        ("pool_type", "VARCHAR"),
        ("swarm_topology", "VARCHAR"),
        ("routing_confidence", "DOUBLE"),  # 0-1
        ("complexity_score", "INTEGER"),  # 0-100
        ("success", "BOOLEAN"),
        ("duration_seconds", "DOUBLE"),
        ("quality_score", "INTEGER"),  # 0-100
        ("cost_estimate", "DOUBLE"),  # USD, before the run
        ("actual_cost", "DOUBLE"),  # USD, billed
        ("error_type", "VARCHAR"),  # NULL when success
        ("error_message", "VARCHAR"),
        ("user_accepted", "BOOLEAN"),  # NULL when the user did not review it
        ("user_rating", "INTEGER"),  # 1-5, NULL when not rated
        ("peak_memory_mb", "DOUBLE"),
        ("cpu_time_seconds", "DOUBLE"),
    ),
    required=(
        "ts",
        "task_id",
        "task_type",
        "model_tier",
        "pool_type",
        "success",
        "duration_seconds",
    ),
    checks=(
        ("duration_seconds >= 0", "negative duration_seconds"),
        ("quality_score BETWEEN 0 AND 100", "quality_score outside 0-100"),
        ("routing_confidence BETWEEN 0 AND 1", "routing_confidence outside 0-1"),
        ("complexity_score BETWEEN 0 AND 100", "complexity_score outside 0-100"),
        ("cost_estimate >= 0", "negative cost_estimate"),
        ("actual_cost >= 0", "negative actual_cost"),
        ("user_rating BETWEEN 1 AND 5", "user_rating outside 1-5"),
        ("file_count >= 0", "negative file_count"),
        ("estimated_tokens >= 0", "negative estimated_tokens"),
        ("peak_memory_mb >= 0", "negative peak_memory_mb"),
        ("cpu_time_seconds >= 0", "negative cpu_time_seconds"),
        ("success OR error_type IS NOT NULL", "failed execution without error_type"),
    ),
    family="ops",
)

SOURCES: tuple[Source, ...] = (PIPELINE_RUNS, JOB_RUNS, HANDLER_METRICS, EXECUTIONS)
