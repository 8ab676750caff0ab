"""What a telemetry source is: inbox layout, parser, typed raw columns and row validation."""

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
    # Generic JSON-lines parser only (parser="jsonl_records"): keys that must be present, and
    # row checks as (SQL condition over the typed columns that must hold, reject reason). A
    # condition that is NULL (a NULL operand) passes: use `required` for presence.
    required: tuple[str, ...] = ()
    checks: tuple[tuple[str, str], ...] = ()
    family: str = "telemetry"  # docs/grouping: telemetry | ops | db_stats

    @property
    def raw_columns(self) -> tuple[tuple[str, str], ...]:
        """Everything a raw Parquet file of this source holds (event_date comes from the hive path)."""
        return FRAMEWORK_COLUMNS[:1] + self.columns + FRAMEWORK_COLUMNS[1:]

    @property
    def asset_key(self) -> list[str]:
        return ["raw", self.name]
