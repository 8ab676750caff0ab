"""Application error log as JSON lines: one object per line.

Keys: ts (ISO 8601; 'Z', an offset, or none = UTC), level, component, host, logger, error_code,
message, stack_trace, request_id, user_id. Unknown keys are ignored; missing optional keys are NULL.
Each line is validated (`json_valid`) and parsed once into a struct by DuckDB's JSON reader
(`from_json`); a line that is not a JSON object is rejected, never raised on.
"""

from __future__ import annotations

from orchestration.landing.parsers.base import ParseContext, iso_timestamp_sql, sql_str
from orchestration.sources.catalog import LOG_LEVELS

_STRUCT = (
    '{"ts": "VARCHAR", "level": "VARCHAR", "component": "VARCHAR", "host": "VARCHAR", '
    '"logger": "VARCHAR", "error_code": "VARCHAR", "message": "VARCHAR", '
    '"stack_trace": "VARCHAR", "request_id": "VARCHAR", "user_id": "VARCHAR"}'
)


def _trimmed(text: str) -> str:
    """trim(text) (spaces), computed only for the values that have a space to trim: trim() itself
    is slow, prefix/suffix are cheap."""
    return f"CASE WHEN prefix({text}, ' ') OR suffix({text}, ' ') THEN trim({text}) ELSE {text} END"


class JsonErrorLogParser:
    name = "json_error_log"

    def select_sql(self, lines: str, ctx: ParseContext) -> str:
        levels = ", ".join(sql_str(level) for level in LOG_LEVELS)
        return f"""
        WITH candidates AS (
            SELECT line_number, line
            FROM {lines}
            -- not blank: the cheap prefix test settles nearly every line before the regex
            WHERE line IS NOT NULL
              AND (NOT (prefix(line, ' ') OR prefix(line, chr(9)) OR prefix(line, chr(13)))
                   OR NOT regexp_full_match(line, '\\s*'))
        ),
        decoded AS (
            SELECT line_number, line, is_object,
                   CASE WHEN is_object THEN from_json(line, '{_STRUCT}') END AS j
            FROM (
                -- valid JSON starting with '{{' (after blanks) is an object; CASE evaluates
                -- the costly branches only for the rows that reach them
                SELECT line_number, line,
                    CASE WHEN prefix(line, '{{') THEN json_valid(line)
                         WHEN prefix(ltrim(line, chr(32) || chr(9) || chr(13)), '{{')
                            THEN json_valid(line)
                         ELSE false END AS is_object
                FROM candidates
            )
        ),
        fields AS (
            SELECT line_number, line, is_object, j,
                   {_trimmed("j.ts")} AS ts_text,
                   upper({_trimmed("j.level")}) AS level_norm,
                   nullif({_trimmed("j.component")}, '') AS component
            FROM decoded
        ),
        typed AS (
            SELECT *,
                {iso_timestamp_sql("ts_text")} AS ts_utc
            FROM fields
        )
        SELECT
            line_number,
            line,
            ts_utc AS ts,
            level_norm AS level,
            component,
            j.host AS host,
            j.logger AS logger,
            j.error_code AS error_code,
            j.message AS message,
            j.stack_trace AS stack_trace,
            j.request_id AS request_id,
            j.user_id AS user_pseudo,
            CASE
                WHEN NOT is_object THEN 'not a JSON object'
                WHEN ts_text IS NULL THEN 'missing ts'
                WHEN ts_utc IS NULL THEN 'unparseable ts'
                WHEN level_norm IS NULL THEN 'missing level'
                WHEN level_norm NOT IN ({levels}) THEN 'unknown level'
                WHEN component IS NULL THEN 'missing component'
            END AS reject_reason
        FROM typed
        """
