"""Generic JSON-lines parser: one JSON object per line, typed by the Source's column list.

Used by every source whose collector writes JSON lines of flat records (pipeline runs, job runs,
handler metrics, task executions, database statistics snapshots). Per line:

- a line that is not a JSON object is rejected ('not a JSON object');
- each column is read as text from the key of the same name, then cast to its catalog type:
  TIMESTAMP from ISO 8601 (Z, an offset, or none = UTC), anything else with `try_cast`;
  a key present with a value that does not cast is rejected ('bad <column>');
- a key listed in `Source.required` that is missing or null is rejected ('missing <column>');
- each `Source.checks` condition (SQL over the typed columns) that is false is rejected with
  its reason. The first failing rule names the reason. Unknown keys are ignored.
"""

from __future__ import annotations

import json

from orchestration.landing.parsers.base import ParseContext, iso_timestamp_sql, sql_str
from orchestration.sources.model import Source


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class JsonLinesRecordParser:
    name = "jsonl_records"

    def __init__(self, source: Source) -> None:
        if not source.columns:
            raise ValueError(f"{source.name}: a JSON-lines source needs columns")
        names = {c for c, _ in source.columns}
        missing = [c for c in source.required if c not in names]
        if missing:
            raise ValueError(f"{source.name}: required keys {missing} are not columns")
        self.source = source

    def select_sql(self, lines: str, ctx: ParseContext) -> str:
        cols = self.source.columns
        struct = json.dumps({c: "VARCHAR" for c, _ in cols})
        texts = ", ".join(f"j.{_quote(c)} AS {_quote('t__' + c)}" for c, _ in cols)
        typed = []
        for c, typ in cols:
            t = _quote("t__" + c)
            if typ.upper() == "TIMESTAMP":
                typed.append(f"{iso_timestamp_sql(t)} AS {_quote(c)}")
            elif typ.upper() == "VARCHAR":
                typed.append(f"{t} AS {_quote(c)}")
            elif typ.upper() == "BOOLEAN":
                typed.append(f"try_cast(lower(trim({t})) AS BOOLEAN) AS {_quote(c)}")
            else:
                typed.append(f"try_cast(trim({t}) AS {typ}) AS {_quote(c)}")
        rules = ["WHEN NOT is_object THEN 'not a JSON object'"]
        for c in self.source.required:
            rules.append(f"WHEN {_quote('t__' + c)} IS NULL THEN {sql_str('missing ' + c)}")
        for c, _ in cols:
            rules.append(
                f"WHEN {_quote('t__' + c)} IS NOT NULL AND {_quote(c)} IS NULL "
                f"THEN {sql_str('bad ' + c)}"
            )
        for condition, reason in self.source.checks:
            rules.append(f"WHEN NOT coalesce(({condition}), true) THEN {sql_str(reason)}")
        out = ", ".join(_quote(c) for c, _ in cols)
        return f"""
        WITH candidates AS (
            SELECT line_number, line FROM {lines}
            WHERE line IS NOT NULL
              AND (NOT (prefix(line, ' ') OR prefix(line, chr(9)) OR prefix(line, chr(13)))
                   OR NOT regexp_full_match(line, '\\s*'))
        ),
        decoded AS (
            SELECT line_number, line, is_object,
                   CASE WHEN is_object THEN from_json(line, '{struct}') END AS j
            FROM (
                SELECT line_number, line,
                    CASE WHEN prefix(ltrim(line, chr(32) || chr(9) || chr(13)), '{{')
                         THEN json_valid(line) ELSE false END AS is_object
                FROM candidates
            )
        ),
        texts AS (SELECT line_number, line, is_object, {texts} FROM decoded),
        typed AS (SELECT *, {", ".join(typed)} FROM texts)
        SELECT line_number, line, {out},
            CASE {" ".join(rules)} END AS reject_reason
        FROM typed
        """
