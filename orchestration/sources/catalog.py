"""The registry of telemetry sources: what each one reads from the inbox and the raw schema it lands.

One entry per source. Landing, the Dagster raw assets, the GX suites and the docs all read this
registry, so adding a source means adding an entry here and a parser, not a new pipeline.
"""

from __future__ import annotations

from orchestration.sources.model import FRAMEWORK_COLUMNS, Source

__all__ = ["FRAMEWORK_COLUMNS", "HTTP_METHODS", "LOG_LEVELS", "SOURCES", "Source", "get_source"]


API_REQUESTS = Source(
    name="api_requests",
    description="nginx access log, combined format with $request_time appended (one file per gateway host per hour)",
    file_glob="*.log",
    parser="nginx_combined",
    columns=(
        ("ts", "TIMESTAMP"),  # $time_local, converted to UTC
        ("host", "VARCHAR"),  # the gateway host that wrote the log (from the file name)
        ("client_pseudo", "VARCHAR"),  # keyed hash of $remote_addr
        ("user_pseudo", "VARCHAR"),  # keyed hash of $remote_user; NULL when '-'
        ("method", "VARCHAR"),
        ("endpoint", "VARCHAR"),  # path template: /users/123 -> /users/{id}; query dropped
        ("protocol", "VARCHAR"),
        ("status", "INTEGER"),
        ("bytes_sent", "BIGINT"),
        ("referer", "VARCHAR"),  # NULL when '-'
        ("user_agent", "VARCHAR"),
        ("request_time_ms", "DOUBLE"),  # $request_time * 1000
    ),
    pseudonymise=("client_pseudo", "user_pseudo"),
)

SYSTEM_METRICS = Source(
    name="system_metrics",
    description="Prometheus text exposition: each file concatenates one host's scrapes (every 15 s) for an hour, samples timestamped",
    file_glob="*.prom",
    parser="prometheus_text",
    columns=(
        ("ts", "TIMESTAMP"),  # sample timestamp (ms since epoch)
        ("host", "VARCHAR"),  # instance label without the port
        ("component", "VARCHAR"),  # component label (set by the collector's target config)
        ("metric", "VARCHAR"),  # sample name, e.g. node_cpu_seconds_total, x_bucket
        ("family", "VARCHAR"),  # metric family from # TYPE (x for x_bucket/x_sum/x_count)
        ("metric_type", "VARCHAR"),  # counter|gauge|histogram|summary|untyped
        ("labels", "MAP(VARCHAR, VARCHAR)"),  # every label, unescaped
        ("value", "DOUBLE"),  # NaN and +/-Inf kept
    ),
)

ERROR_LOGS = Source(
    name="error_logs",
    description="application error log, JSON lines (one file per component per hour)",
    file_glob="*.jsonl",
    parser="json_error_log",
    columns=(
        ("ts", "TIMESTAMP"),
        ("level", "VARCHAR"),  # WARNING|ERROR|CRITICAL (upper-cased)
        ("component", "VARCHAR"),
        ("host", "VARCHAR"),
        ("logger", "VARCHAR"),
        ("error_code", "VARCHAR"),
        ("message", "VARCHAR"),
        ("stack_trace", "VARCHAR"),
        ("request_id", "VARCHAR"),
        ("user_pseudo", "VARCHAR"),  # keyed hash of user_id
    ),
    pseudonymise=("user_pseudo",),
)

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _all_sources() -> dict[str, Source]:
    # the families live in their own modules (one per area); they import Source from model.py
    from orchestration.sources.families import db_stats, ops

    found = (API_REQUESTS, SYSTEM_METRICS, ERROR_LOGS, *ops.SOURCES, *db_stats.SOURCES)
    out: dict[str, Source] = {}
    for src in found:
        if src.name in out:
            raise ValueError(f"source {src.name!r} registered twice")
        out[src.name] = src
    return out


SOURCES: dict[str, Source] = _all_sources()


def get_source(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known: {', '.join(SOURCES)}") from None
