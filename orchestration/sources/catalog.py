"""The registry of telemetry sources: what each one reads from the inbox and the raw schema it lands.

One entry per source. Landing, the Dagster raw assets, the GX suites and the docs all read this
registry, so adding a source means adding an entry here and a parser, not a new pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Columns the landing framework adds to every raw table (parsers never emit these).
FRAMEWORK_COLUMNS: tuple[tuple[str, str], ...] = (
    ("event_id", "VARCHAR"),  # '<file_key>:<line_number>' — stable across re-landing
    ("source_file", "VARCHAR"),  # inbox-relative path of the file the row came from
    ("line_number", "BIGINT"),  # 1-based line in that file
)


@dataclass(frozen=True)
class Source:
    """A telemetry source: inbox layout, parser, and the typed columns it lands."""

    name: str
    description: str
    file_glob: str  # inside inbox/<source>/<YYYY-MM-DD>/
    parser: str  # key in orchestration.landing.parsers.PARSERS
    columns: tuple[tuple[str, str], ...]  # parser output columns (name, DuckDB type), in order
    timestamp_column: str = "ts"
    keys: tuple[str, ...] = ("event_id",)
    pseudonymise: tuple[str, ...] = ()  # parser emits clear text; landing stores keyed hashes
    options: dict[str, str] = field(default_factory=dict)

    @property
    def raw_columns(self) -> tuple[tuple[str, str], ...]:
        """Everything a raw Parquet file of this source holds (event_date comes from the hive path)."""
        return FRAMEWORK_COLUMNS[:1] + self.columns + FRAMEWORK_COLUMNS[1:]

    @property
    def asset_key(self) -> list[str]:
        return ["raw", self.name]


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

SOURCES: dict[str, Source] = {s.name: s for s in (API_REQUESTS, SYSTEM_METRICS, ERROR_LOGS)}

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def get_source(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known: {', '.join(SOURCES)}") from None
