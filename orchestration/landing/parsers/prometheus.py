r"""Prometheus text exposition format 0.0.4, parsed vectorised in DuckDB SQL.

One row per sample line (or per malformed sample line, with `reject_reason`); `# HELP`, `# TYPE`,
other comments and blank lines produce no row. Rows come in no particular order (`line_number`
says where each is from). The grammar is the one Prometheus' own Go parser accepts:

    sample    = [ws] name [ws] [ "{" [ws] [ pair { [ws] "," [ws] pair } [ws] [","] [ws] ] "}" ]
                [ws] value [ ws timestamp ] [ws]
    name      = [a-zA-Z_:][a-zA-Z0-9_:]*
    pair      = label_name [ws] "=" [ws] '"' { "\" any char | any char but "\" and '"' } '"'
    value     = a Go float: decimal, NaN, [+-]Inf / Infinity (any case); no '_', no hex, in range
    timestamp = [+-]digits: milliseconds since the epoch (ts NULL when absent: not rejected here)
    ws        = spaces and tabs (a trailing CR is ignored too)

Label values are unescaped as Go does: `\\` -> `\`, `\"` -> `"`, `\n` -> newline; any other
backslash sequence is kept as written. `host` is the `instance` label without its `:port`,
`component` the `component` label; both NULL when the label is absent or empty.

Family and type come from `# TYPE <family> <type>` lines of the same input. A sample named N gets,
judged at its own line (so a file that concatenates many scrapes, each repeating its HELP/TYPE
lines, works, and a type that changes between scrapes is followed):

  1. family N, when the latest TYPE line for N before the sample declares a type whose samples
     may be named N itself (counter, gauge, summary, untyped);
  2. else family F, when N = F + suffix and the latest TYPE line for F before the sample declares
     a type that has that suffix: counter `_total`/`_created`, histogram `_bucket`/`_sum`/
     `_count`/`_created`, summary `_sum`/`_count`/`_created`, gaugehistogram `_bucket`/`_gsum`/
     `_gcount`;
  3. else family N, type 'untyped'.

TYPE lines naming another type are ignored.

How it runs: one pass over `lines` is materialized (so memory grows with the file: ~0.9 GB peak
for a 1M-sample file); from it the TYPE lines, the DISTINCT series texts (name + label set, parsed
with regular expressions once per series: a scrape file repeats each series once per scrape) and
the per-line stream (value, timestamp: plain string functions) are computed, and the stream is
joined to its series.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.landing.parsers.base import ParseContext, sql_str

# --- regular expressions (RE2), all constants ---------------------------------------------------
_WS = r"[ \t]*"
_METRIC_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_LABEL_NAME = r"[a-zA-Z_][a-zA-Z0-9_]*"
_LABEL_VALUE_BODY = r'(?:[^"\\]|\\.)*'
_PAIR = rf'{_LABEL_NAME}{_WS}={_WS}"{_LABEL_VALUE_BODY}"{_WS}'
# the text between the braces: pairs separated by commas, optional trailing comma
_LABEL_SET = rf"{_WS}(?:{_PAIR}(?:,{_WS}{_PAIR})*(?:,{_WS})?)?"
_PAIR_EXTRACT = rf'({_LABEL_NAME}){_WS}={_WS}"({_LABEL_VALUE_BODY})"'
_TYPE_LINE = rf"^#[ \t]+TYPE[ \t]+({_METRIC_NAME})[ \t]+([a-z]+)[ \t]*$"
_FAMILY_SUFFIX = r"(_bucket|_sum|_count|_total|_created|_gsum|_gcount)$"
_INSTANCE_HOST = r"^(\[[^\]]*\]|[^:]*):[0-9]+$"  # host:port or [v6]:port -> host

_KNOWN_TYPES = "['counter', 'gauge', 'histogram', 'summary', 'untyped', 'gaugehistogram']"
# the types whose samples may be named like the family itself
_BARE_NAME_TYPES = "['counter', 'gauge', 'summary', 'untyped']"
_SUFFIXES_BY_TYPE = """CASE x.t
                WHEN 'counter' THEN ['_total', '_created']
                WHEN 'histogram' THEN ['_bucket', '_sum', '_count', '_created']
                WHEN 'summary' THEN ['_sum', '_count', '_created']
                WHEN 'gaugehistogram' THEN ['_bucket', '_gsum', '_gcount']
                ELSE []::VARCHAR[] END"""
# spellings of the non-finite values Go's strconv.ParseFloat accepts (compared lower-cased)
_NON_FINITE = "['nan', 'inf', '+inf', '-inf', 'infinity', '+infinity', '-infinity']"
_BLANKS = "chr(32) || chr(9) || chr(13)"  # space, tab, CR (CRLF files)
# whether `line` has blanks around it to trim (trim() is slow: only lines that need it pay for it)
_NEEDS_TRIM = (
    "prefix(line, ' ') OR suffix(line, ' ') OR prefix(line, chr(9)) "
    "OR suffix(line, chr(9)) OR suffix(line, chr(13))"
)
_GO_FLOAT = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"  # finite Go float literal
# the milliseconds DuckDB's TIMESTAMP can hold (290309 BC .. 294247 AD)
_MIN_TS_MS = -9_223_372_022_400_000
_MAX_TS_MS = 9_223_372_036_854_775

_SQL = r"""
WITH
-- The one pass over `lines`, kept (materialized) because it is read three times below: for the
-- TYPE lines, the distinct series and the sample stream.
-- Notes for speed (DuckDB 1.5): nested SELECTs, not lateral aliases (an alias is inlined at every
-- use); strpos/substr/length count characters and are slow on strings without statistics,
-- contains/prefix/suffix/split_part/string_split work on bytes and are fast; trim() is slow.
kept AS MATERIALIZED (
    SELECT line_number, line,
        CASE WHEN {needs_trim} THEN trim(line, {blanks}) END AS lt,  -- NULL: nothing to trim
        -- true: a sample; false: maybe a TYPE line; NULL: blank, HELP or other comment.
        -- Cheap, from `line` itself: the consumers' filters on it are pushed down here.
        CASE WHEN prefix(line, ' ') OR prefix(line, chr(9)) THEN {kind_of_trimmed}
             ELSE {kind_of_line} END AS is_sample
    FROM {lines}
    -- drops most comments early and cheaply (what is left is sorted out by is_sample)
    WHERE line IS NOT NULL AND NOT (prefix(line, '#') AND NOT contains(line, 'TYPE'))
),
-- one segment per run of TYPE lines of a family that declare the same type
type_segments AS (
    SELECT fam, list({{'s': tl, 't': mtype}} ORDER BY tl) AS segs
    FROM (
        SELECT fam, tl, mtype, lag(mtype) OVER (PARTITION BY fam ORDER BY tl) AS prev
        FROM (
            SELECT line_number AS tl, m.fam AS fam, m.mtype AS mtype
            FROM (
                SELECT line_number,
                    regexp_extract(coalesce(lt, line), '{type_line}', ['fam', 'mtype']) AS m
                FROM kept
                WHERE NOT is_sample
            )
            WHERE list_contains({known_types}, m.mtype)
        )
    )
    WHERE prev IS DISTINCT FROM mtype
    GROUP BY fam
),
-- Each sample line cut into its series key `skey` and the `tail` after the series text (value
-- and timestamp). skey is the text before the label set's closing brace ('name{{a="b"'); a name
-- alone when there is no label set; the line + newline (a line never has one) when there is a
-- '{{' but no closing brace after it.
cut AS NOT MATERIALIZED (
    SELECT line_number, line,
        CASE WHEN fast THEN parts[1]
             WHEN NOT contains(l, '{{') THEN split_part(replace(l, chr(9), ' '), ' ', 1)
             WHEN NOT contains(l, '}}') THEN l || chr(10)
             WHEN NOT contains(before_last, '{{') THEN l || chr(10)
             ELSE before_last END AS skey,
        CASE WHEN fast THEN parts[2]
             WHEN NOT contains(l, '{{')
             THEN substr(l, length(split_part(replace(l, chr(9), ' '), ' ', 1)) + 1)
             WHEN NOT contains(l, '}}') OR NOT contains(before_last, '{{') THEN ''
             ELSE split_part(l, '}}', -1) END AS tail
    FROM (
        SELECT line_number, line, l, parts, fast,
            CASE WHEN NOT fast AND contains(l, '}}')
                 THEN substr(l, 1, length(l) - length(split_part(l, '}}', -1)) - 1) END
                AS before_last
        FROM (
            SELECT line_number, line, l, parts,
                -- the common case: one '}} ', after a '{{' and before any other '}}': it closes
                -- the label set
                len(parts) = 2 AND contains(parts[1], '{{') AND NOT contains(parts[2], '}}') AS fast
            FROM (
                SELECT line_number, line, l, string_split(l, '}} ') AS parts
                FROM (SELECT line_number, line, coalesce(lt, line) AS l FROM kept WHERE is_sample)
            )
        )
    )
),
-- the tail: value and optional timestamp
vals AS (
    SELECT line_number, line, skey, fv, ts,
        CASE
            WHEN v IS NULL THEN 'missing sample value'
            WHEN fv IS NULL THEN 'invalid sample value'
            WHEN isfinite(fv) THEN
                CASE WHEN regexp_full_match(v, '{go_float}') THEN NULL ELSE 'invalid sample value' END
            WHEN list_contains({non_finite}, lower(v)) THEN NULL
            ELSE 'invalid sample value'
        END AS value_reason,
        CASE WHEN t IS NULL THEN NULL
             WHEN extra THEN 'unexpected text after timestamp'
             WHEN ts IS NULL THEN 'invalid timestamp' END AS ts_reason
    FROM (
        SELECT line_number, line, skey, v, t, extra, fv,
            CASE WHEN ts_ms BETWEEN {min_ts_ms} AND {max_ts_ms} THEN epoch_ms(ts_ms) END AS ts
        FROM (
            SELECT line_number, line, skey, v, t, extra,
                TRY_CAST(v AS DOUBLE) AS fv,
                CASE WHEN regexp_full_match(t, '[+-]?[0-9]+') THEN TRY_CAST(t AS BIGINT) END
                    AS ts_ms
            FROM (
                SELECT line_number, line, skey,
                    tokens[1] AS v, tokens[2] AS t, len(tokens) > 2 AS extra
                FROM (
                    SELECT line_number, line, skey,
                        CASE WHEN list_contains(parts, '') THEN list_filter(parts, x -> x <> '')
                             ELSE parts END AS tokens
                    FROM (
                        SELECT line_number, line, skey,
                            string_split(CASE WHEN contains(tail, chr(9))
                                              THEN replace(tail, chr(9), ' ') ELSE tail END,
                                         ' ') AS parts
                        FROM cut
                    )
                )
            )
        )
    )
),
-- everything that depends on the series text alone, computed once per distinct series
series_text AS (
    SELECT skey,
        strpos(skey, '{{') AS lb,
        CASE WHEN lb > 0 THEN rtrim(substr(skey, 1, lb - 1), chr(32) || chr(9)) ELSE skey END
            AS name,
        CASE WHEN lb > 0 THEN substr(skey, lb + 1) END AS lset,
        regexp_full_match(name, '{metric_name}') AS name_ok,
        lb = 0 OR (NOT suffix(skey, chr(10)) AND regexp_full_match(lset, '{label_set}')) AS lset_ok,
        CASE WHEN lb > 0 AND lset_ok THEN regexp_extract_all(lset, '{pair}', 1)
             ELSE []::VARCHAR[] END AS lnames,
        CASE WHEN lb > 0 AND lset_ok THEN list_transform(regexp_extract_all(lset, '{pair}', 2),
            x -> CASE WHEN strpos(x, '\') = 0 THEN x
                      ELSE array_to_string(list_transform(string_split(x, '\\'),
                               y -> replace(replace(y, '\"', '"'), '\n', chr(10))), '\') END)
             ELSE []::VARCHAR[] END AS lvalues,
        CASE WHEN NOT name_ok THEN 'invalid metric name'
             WHEN NOT lset_ok THEN 'malformed label set'
             WHEN len(list_distinct(lnames)) <> len(lnames) THEN 'duplicate label name'
             WHEN list_contains(lnames, '__name__') THEN 'metric name given twice'
        END AS series_reason,
        regexp_extract(name, '{family_suffix}', 1) AS sfx,
        CASE WHEN sfx <> '' AND length(name) > length(sfx)
             THEN substr(name, 1, length(name) - length(sfx)) END AS base_name
    FROM (SELECT DISTINCT skey FROM cut)
),
series AS (
    SELECT s.skey, s.series_reason,
        CASE WHEN s.name_ok THEN s.name END AS metric,
        CASE WHEN s.series_reason IS NULL THEN map(s.lnames, s.lvalues) END AS labels,
        CASE WHEN s.series_reason IS NULL THEN s.lvalues[list_position(s.lnames, 'instance')] END
            AS instance,
        nullif(CASE WHEN regexp_full_match(instance, '{instance_host}')
                    THEN regexp_extract(instance, '{instance_host}', 1) ELSE instance END, '') AS host,
        CASE WHEN s.series_reason IS NULL
             THEN nullif(s.lvalues[list_position(s.lnames, 'component')], '') END AS component,
        s.base_name,
        -- TYPE segments of the sample's own name; types that do not allow the bare name -> NULL
        list_transform(t0.segs,
            x -> {{'s': x.s, 't': CASE WHEN list_contains({bare_name_types}, x.t) THEN x.t END}})
            AS segs0,
        -- TYPE segments of the name without its suffix; types without that suffix -> NULL
        list_transform(t1.segs,
            x -> {{'s': x.s, 't': CASE WHEN list_contains({suffixes_by_type}, s.sfx) THEN x.t END}})
            AS segs1
    FROM series_text s
    LEFT JOIN type_segments t0 ON t0.fam = s.name AND s.series_reason IS NULL
    LEFT JOIN type_segments t1 ON t1.fam = s.base_name AND s.series_reason IS NULL
),
-- per series: the first segment's start and type, the whole list only when there are several
series_flat AS (
    SELECT skey, series_reason, metric, labels, host, component, base_name,
        segs0[1].s AS s0, segs0[1].t AS t0, CASE WHEN len(segs0) > 1 THEN segs0 END AS multi0,
        segs1[1].s AS s1, segs1[1].t AS t1, CASE WHEN len(segs1) > 1 THEN segs1 END AS multi1
    FROM series
),
-- the type in force at each sample's line, for its own name (type0) and its base name (type1)
joined AS (
    SELECT v.line_number, v.line, v.ts, v.fv, v.value_reason, v.ts_reason,
        CASE WHEN s.skey IS NULL THEN 'unparsable line' ELSE s.series_reason END AS series_reason,
        s.metric, s.labels, s.host, s.component, s.base_name,
        CASE WHEN s.multi0 IS NOT NULL
             THEN list_last(list_filter(s.multi0, x -> x.s < v.line_number)).t
             WHEN s.s0 < v.line_number THEN s.t0 END AS type0,
        CASE WHEN s.multi1 IS NOT NULL
             THEN list_last(list_filter(s.multi1, x -> x.s < v.line_number)).t
             WHEN s.s1 < v.line_number THEN s.t1 END AS type1
    FROM vals v
    LEFT JOIN series_flat s ON s.skey = v.skey  -- LEFT: no line may ever be lost
)
SELECT
    line_number,
    line,
    CASE WHEN series_reason IS NULL AND ts_reason IS NULL THEN ts END::TIMESTAMP AS ts,
    host::VARCHAR AS host,
    component::VARCHAR AS component,
    metric::VARCHAR AS metric,
    CASE WHEN series_reason IS NOT NULL THEN NULL
         WHEN type0 IS NOT NULL THEN metric
         WHEN type1 IS NOT NULL THEN base_name
         ELSE metric END::VARCHAR AS family,
    CASE WHEN series_reason IS NULL THEN coalesce(type0, type1, 'untyped') END::VARCHAR
        AS metric_type,
    labels::MAP(VARCHAR, VARCHAR) AS labels,
    CASE WHEN series_reason IS NULL AND value_reason IS NULL THEN fv END::DOUBLE AS value,
    coalesce(series_reason, value_reason, ts_reason)::VARCHAR AS reject_reason
FROM joined
"""

OUTPUT_COLUMNS: tuple[str, ...] = (
    "line_number",
    "line",
    "ts",
    "host",
    "component",
    "metric",
    "family",
    "metric_type",
    "labels",
    "value",
    "reject_reason",
)


def _kind_of(text: str) -> str:
    """SQL: true for a sample line, false for a possible TYPE line, NULL for a line to skip."""
    return (
        f"(CASE WHEN prefix({text}, '#') THEN (CASE WHEN contains({text}, 'TYPE') THEN false END) "
        f"WHEN {text} = '' THEN NULL ELSE true END)"
    )


def _sql_regex(pattern: str) -> str:
    """A constant regex as the body of a SQL string literal."""
    return pattern.replace("'", "''")


def build_select_sql(lines: str) -> str:
    """The parser's SELECT over the relation named `lines` (a name the caller controls)."""
    return _SQL.format(
        lines=lines,
        needs_trim=_NEEDS_TRIM,
        kind_of_line=_kind_of("line"),
        kind_of_trimmed=_kind_of(f"trim(line, {_BLANKS})"),
        blanks=_BLANKS,
        go_float=_sql_regex(_GO_FLOAT),
        type_line=_sql_regex(_TYPE_LINE),
        known_types=_KNOWN_TYPES,
        bare_name_types=_BARE_NAME_TYPES,
        suffixes_by_type=_SUFFIXES_BY_TYPE,
        non_finite=_NON_FINITE,
        metric_name=_sql_regex(_METRIC_NAME),
        label_set=_sql_regex(_LABEL_SET),
        pair=_sql_regex(_PAIR_EXTRACT),
        family_suffix=_sql_regex(_FAMILY_SUFFIX),
        instance_host=_sql_regex(_INSTANCE_HOST),
        min_ts_ms=_MIN_TS_MS,
        max_ts_ms=_MAX_TS_MS,
    )


class PrometheusTextParser:
    """Parser for the `system_metrics` source (Prometheus text exposition 0.0.4)."""

    name = "prometheus_text"

    def select_sql(self, lines: str, ctx: ParseContext) -> str:
        return build_select_sql(lines)


def lines_relation_sql(path: str | os.PathLike[str]) -> str:
    """The `lines` relation exactly as the landing framework builds it, for one file."""
    return (
        "SELECT row_number() OVER () AS line_number, line FROM read_csv("
        f"{sql_str(str(path))}, columns={{'line': 'VARCHAR'}}, delim='\\0', strict_mode=false, quote='', "
        "escape='', header=false, auto_detect=false, max_line_size=10000000)"
    )


@dataclass(frozen=True)
class PromSample:
    """One parsed row (a sample, or a rejected line when `reject_reason` is set)."""

    line_number: int
    line: str
    ts: dt.datetime | None
    host: str | None
    component: str | None
    metric: str | None
    family: str | None
    metric_type: str | None
    labels: dict[str, str] | None
    value: float | None
    reject_reason: str | None

    @property
    def timestamp_ms(self) -> int | None:
        """`ts` as integer milliseconds since the epoch."""
        if self.ts is None:
            return None
        return (self.ts - dt.datetime(1970, 1, 1)) // dt.timedelta(milliseconds=1)


def _is_file(text: str) -> bool:
    try:
        return "\n" not in text and Path(text).is_file()
    except (OSError, ValueError):  # too long for a file name, NUL bytes
        return False


def parse_exposition(path_or_text: str | os.PathLike[str]) -> list[PromSample]:
    """Parse a file (a `Path`, or a `str` naming an existing file) or exposition text (any other
    `str`) with the parser's SQL on an in-memory DuckDB; rows in line order. For tests and
    debugging: the landing framework runs `PrometheusTextParser.select_sql` itself."""
    tmp: str | None = None
    if isinstance(path_or_text, os.PathLike):
        path = str(path_or_text)
    elif _is_file(path_or_text):
        path = path_or_text
    else:
        fd, tmp = tempfile.mkstemp(suffix=".prom")
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(path_or_text)
        path = tmp
    try:
        con = duckdb.connect()
        try:
            sql = (
                f"WITH lines AS ({lines_relation_sql(path)}) "
                f"SELECT * FROM ({build_select_sql('lines')}) ORDER BY line_number"
            )
            rows = con.execute(sql).fetchall()
        finally:
            con.close()
    finally:
        if tmp is not None:
            os.unlink(tmp)
    return [PromSample(*row) for row in rows]
