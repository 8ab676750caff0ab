"""The contract between the landing framework and a format parser.

A parser turns the lines of one inbox file into typed rows, in SQL that DuckDB runs vectorised.
The framework reads the file as `lines(line_number BIGINT, line VARCHAR)` (1-based, blank lines
are NULL), hands the parser the name of that relation, and runs what the parser returns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ParseContext:
    """What a parser may know about the file it parses."""

    day: dt.date  # the partition (inbox day folder) the file belongs to
    file_stem: str  # file name without extension, e.g. 'web-1-14' (the collector's host and hour)
    file_host: str | None  # the host part of the file name when the layout has one, e.g. 'web-1'


class Parser(Protocol):
    """Parses one file's lines.

    `select_sql(lines, ctx)` returns one SELECT over the relation named `lines` whose columns are,
    in order:

      line_number BIGINT, line VARCHAR,       -- passed through from `lines`
      <the Source's columns, in catalog order>,
      reject_reason VARCHAR                    -- NULL when the row is good

    with exactly one row per *event candidate* line. Lines that are not events (blank lines,
    comments, metadata such as Prometheus # HELP / # TYPE) are not returned; a line that was meant
    to be an event but cannot be parsed or fails validation IS returned, with its typed columns NULL
    where unknown and a short human-readable `reject_reason`. Never raise on bad data.

    Identifier columns the Source lists in `pseudonymise` are returned in clear text; the framework
    replaces them with keyed hashes before anything is written to the lake.
    """

    name: str

    def select_sql(self, lines: str, ctx: ParseContext) -> str: ...


def sql_str(value: str) -> str:
    """Quote a Python string as a SQL string literal (for values taken from file names, never data)."""
    return "'" + value.replace("'", "''") + "'"


def iso_timestamp_sql(text: str) -> str:
    """SQL turning ISO 8601 text (`text` is a SQL expression) into a UTC TIMESTAMP, or NULL.

    Accepts a trailing 'Z', an offset '+HH:MM' / '-HH:MM' / '+HHMM' / '-HHMM', or no zone (read
    as UTC). DuckDB's cast to TIMESTAMP would drop an offset silently, so offsets are applied here.
    """
    return f"""CASE
        WHEN suffix({text}, 'Z') THEN try_cast(left({text}, -1) AS TIMESTAMP)
        WHEN regexp_full_match(right({text}, 6), '[+-][0-9]{{2}}:[0-9]{{2}}')
            THEN try_cast(left({text}, -6) AS TIMESTAMP) - to_minutes(
                (CASE WHEN right({text}, 6)[1] = '-' THEN -1 ELSE 1 END)
                * (substr(right({text}, 6), 2, 2)::INTEGER * 60
                   + substr(right({text}, 6), 5, 2)::INTEGER))
        WHEN regexp_full_match(right({text}, 5), '[+-][0-9]{{4}}')
             AND regexp_matches({text}, '[T ][0-9]{{2}}:[0-9]{{2}}')
            THEN try_cast(left({text}, -5) AS TIMESTAMP) - to_minutes(
                (CASE WHEN right({text}, 5)[1] = '-' THEN -1 ELSE 1 END)
                * (substr(right({text}, 5), 2, 2)::INTEGER * 60
                   + substr(right({text}, 5), 4, 2)::INTEGER))
        ELSE try_cast({text} AS TIMESTAMP)
    END"""
