"""The vectorised Prometheus text parser (orchestration/landing/parsers/prometheus.py).

* Differential: every file of /work/shared/realdata/prometheus/ (real node_exporter and
  Prometheus server scrapes) and a synthetic simulator-like corpus are parsed by our SQL and by
  the reference, prometheus_client.parser.text_string_to_metric_families; the full multisets of
  (sample name, family, type, labels, value, timestamp) must be equal, sample for sample.
* Targeted: each rule of the 0.0.4 format, and where the reference parser departs from the format
  specification, the case is shown (the reference's answer asserted too) and the spec asserted.
"""

from __future__ import annotations

import collections
import datetime as dt
import math
from pathlib import Path

import duckdb
from prometheus_client.parser import text_string_to_metric_families

from orchestration.landing.parsers.base import ParseContext
from orchestration.landing.parsers.prometheus import (
    OUTPUT_COLUMNS,
    PrometheusTextParser,
    PromSample,
    build_select_sql,
    lines_relation_sql,
    parse_exposition,
)
from orchestration.sources.catalog import SYSTEM_METRICS

REALDATA = Path(__file__).resolve().parents[2].parent / "shared" / "realdata" / "prometheus"

# One comparable sample: (sample name, family, type, sorted labels, value, timestamp in ms).
Key = tuple[str, str, str, tuple[tuple[str, str], ...], object, int | None]


def _value_key(v: float) -> object:
    """Values compare as floats (the reference keeps Python ints for integer text: 2**64 would
    differ from its double), NaN equal to NaN."""
    f = float(v)
    return "NaN" if math.isnan(f) else f


def reference_multiset(text: str) -> collections.Counter[Key]:
    """The reference parser's samples, in its own representation (see our_multiset for how ours
    is mapped onto it)."""
    out: collections.Counter[Key] = collections.Counter()
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            # the reference gives float seconds (ms / 1000); back to integer ms
            ts = None if s.timestamp is None else round(s.timestamp * 1000)
            labels = tuple(sorted(s.labels.items()))
            out[(s.name, family.name, family.type, labels, _value_key(s.value), ts)] += 1
    return out


def our_multiset(rows: list[PromSample]) -> collections.Counter[Key]:
    """Our rows mapped onto the reference's representation, which differs in two documented ways:

    * it calls the untyped type 'unknown' (OpenMetrics' name);
    * it "munges counters into the OpenMetrics representation": a counter family is named
      without `_total` and its samples with `_total`. For `# TYPE x_total counter` + `x_total 1`
      it reports family x, sample x_total; for `# TYPE x counter` + `x 1` family x, sample
      x_total (the sample is renamed). Our family is the TYPE line's name and our metric the
      name in the line, so both cases are mapped here: the mapping is injective on what we
      output (a wrong family or metric on our side cannot map onto the reference's answer).
    """
    out: collections.Counter[Key] = collections.Counter()
    for r in rows:
        assert r.reject_reason is None, f"line {r.line_number} rejected: {r.reject_reason}"
        assert r.metric is not None and r.family is not None and r.metric_type is not None
        assert r.labels is not None and r.value is not None
        typ = "unknown" if r.metric_type == "untyped" else r.metric_type
        family, name = r.family, r.metric
        if r.metric_type == "counter":
            if family.endswith("_total"):
                family = family[: -len("_total")]
            else:
                name = name + "_total"
        labels = tuple(sorted(r.labels.items()))
        out[(name, family, typ, labels, _value_key(r.value), r.timestamp_ms)] += 1
    return out


def assert_same_as_reference(path: Path) -> int:
    text = path.read_text(encoding="utf-8")
    ref = reference_multiset(text)
    ours = our_multiset(parse_exposition(path))
    only_ref, only_ours = ref - ours, ours - ref
    assert not only_ref and not only_ours, (
        f"{path.name}: {sum(only_ref.values())} samples only in the reference, e.g. "
        f"{list(only_ref)[:3]}; {sum(only_ours.values())} only in ours, e.g. {list(only_ours)[:3]}"
    )
    return sum(ref.values())


def by_line(text: str) -> dict[int, PromSample]:
    return {r.line_number: r for r in parse_exposition(text)}


def one(line: str) -> PromSample:
    rows = parse_exposition(line + "\n")
    assert len(rows) == 1, rows
    return rows[0]


# --- differential ---------------------------------------------------------------------------


def test_differential_against_prometheus_client_on_real_scrapes() -> None:
    assert REALDATA.is_dir(), (
        f"real Prometheus data not found at {REALDATA}: the differential test needs the shared "
        "realdata checkout next to the repository (…/shared/realdata/prometheus/)"
    )
    files = sorted(p for p in REALDATA.iterdir() if p.is_file())
    assert files, f"{REALDATA} holds no files"
    counts = {p.name: assert_same_as_reference(p) for p in files}
    assert all(counts.values()), counts  # every file has samples: nothing vacuous


def _synthetic_corpus(scrapes: int = 3) -> str:
    """Concatenated scrapes shaped like the simulator's (HELP/TYPE repeated in every scrape,
    target labels, ms timestamps) plus the awkward corners on which the reference follows the
    format too: escapes, braces/commas/equals/spaces in label values, trailing comma, tabs and
    runs of blanks, NaN/±Inf, exponents, negative timestamps, no timestamp, untyped samples."""
    target = 'component="app-server",instance="app-1:9100",job="node"'
    out = []
    for k in range(scrapes):
        ts = 1_794_700_800_000 + 15_000 * k
        out += [
            "# HELP http_server_request_duration_seconds Duration of HTTP server requests.",
            "# TYPE http_server_request_duration_seconds histogram",
        ]
        for i, le in enumerate(("0.005", "0.5", "+Inf")):
            out.append(
                f'http_server_request_duration_seconds_bucket{{{target},le="{le}"}} {i + k} {ts}'
            )
        out.append(f"http_server_request_duration_seconds_sum{{{target}}} 1.5e+03 {ts}")
        out.append(f"http_server_request_duration_seconds_count{{{target}}} {2 + k} {ts}")
        out += [
            "# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.",
            "# TYPE node_cpu_seconds_total counter",
            f'node_cpu_seconds_total{{{target},cpu="0",mode="idle"}} 5.931713889e+07 {ts}',
            f'node_cpu_seconds_total{{cpu="1",{target},mode="user",}} 2.4e+07 {ts}',
            "# TYPE rpc_calls counter",  # a counter whose TYPE name lacks _total
            f"rpc_calls{{{target}}} {7 + k} {ts}",
            "# HELP go_gc_duration_seconds A summary.",
            "# TYPE go_gc_duration_seconds summary",
            f'go_gc_duration_seconds{{quantile="0.5",{target}}} 1e-05 {ts}',
            f'go_gc_duration_seconds{{quantile="1",{target}}} NaN {ts}',
            f"go_gc_duration_seconds_sum{{{target}}} 44.98 {ts}",
            f"go_gc_duration_seconds_count{{{target}}} 190932 {ts}",
            "# TYPE node_load1 gauge",
            f"node_load1{{{target}}} +Inf {ts}",
            f"node_load1 \t -Inf\t  {ts}",  # no labels, tabs and runs of blanks
            "# TYPE weird gauge",
            'weird{path="C:\\\\dir\\\\",msg="say \\"hi\\"\\nbye",'
            f'odd="a,b}} {{c=d}}, =x", empty=""}} -0.25 {-ts}',
            'weird{ a = "spaced" , b="\\\\n is not a newline" } 12 -1',
            'weird{city="Zürich 😀",odd="😀} x"} 13 -2',  # non-ASCII, also after a '}'
            "",
            "# a free comment",
            f"no_type_here{{{target}}} 3",  # untyped, no timestamp
            "no_type_here_total 4",
        ]
    return "\n".join(out) + "\n"


def test_differential_against_prometheus_client_on_synthetic_corpus(tmp_path: Path) -> None:
    path = tmp_path / "corpus.prom"
    path.write_text(_synthetic_corpus(), encoding="utf-8")
    assert assert_same_as_reference(path) == 3 * 19


# --- the parser contract -------------------------------------------------------------------


def test_select_sql_columns_and_types_follow_the_catalog(tmp_path: Path) -> None:
    parser = PrometheusTextParser()
    assert parser.name == "prometheus_text"
    path = tmp_path / "x.prom"
    path.write_text('a{instance="h:1"} 1 1000\n', encoding="utf-8")
    ctx = ParseContext(day=dt.date(2026, 11, 21), file_stem="h-00", file_host="h")
    con = duckdb.connect()
    try:
        con.execute(f"CREATE TEMP VIEW lines AS {lines_relation_sql(path)}")
        described = con.execute(f"DESCRIBE {parser.select_sql('lines', ctx)}").fetchall()
    finally:
        con.close()
    got = [(row[0], row[1]) for row in described]
    want = [("line_number", "BIGINT"), ("line", "VARCHAR")]
    want += list(SYSTEM_METRICS.columns) + [("reject_reason", "VARCHAR")]
    assert got == want
    assert tuple(name for name, _ in got) == OUTPUT_COLUMNS


def test_select_sql_reads_the_relation_it_is_given() -> None:
    sql = build_select_sql("my_lines_rel")
    assert "my_lines_rel" in sql and "lines_rel" not in sql.replace("my_lines_rel", "")


def test_one_row_per_sample_line_comments_and_blanks_skipped() -> None:
    text = (
        "# HELP a The a.\n"  # 1
        "# TYPE a gauge\n"  # 2
        "\n"  # 3
        "a 1\n"  # 4
        "   \n"  # 5 blank (blanks only)
        "# EOF\n"  # 6
        "#TYPE a counter\n"  # 7: not a TYPE line ('#' must be followed by a blank)
        "# TYPE\n"  # 8
        "  # indented comment\n"  # 9
        "a 2\n"  # 10
    )
    rows = parse_exposition(text)
    assert [(r.line_number, r.value, r.metric_type) for r in rows] == [
        (4, 1.0, "gauge"),
        (10, 2.0, "gauge"),
    ]
    assert rows[0].line == "a 1"


def test_crlf_and_surrounding_blanks_are_tolerated() -> None:
    rows = parse_exposition('a 1 1000\r\n\t b{x="y"}\t2 \r\n')
    assert [(r.metric, r.labels, r.value, r.reject_reason) for r in rows] == [
        ("a", {}, 1.0, None),
        ("b", {"x": "y"}, 2.0, None),
    ]


# --- labels ---------------------------------------------------------------------------------


def test_escaped_label_values_are_unescaped_as_go_does() -> None:
    r = one(r'm{a="x\\y",b="say \"hi\"",c="l1\nl2",d="\\n",e="\t kept",f="\\\""} 1')
    assert r.reject_reason is None
    assert r.labels == {
        "a": "x\\y",
        "b": 'say "hi"',
        "c": "l1\nl2",
        "d": "\\n",  # an escaped backslash, then a plain n
        "e": "\\t kept",  # unknown escapes are kept as written
        "f": '\\"',
    }


def test_label_values_with_separators_inside_quotes() -> None:
    r = one('m{a="x,y",b="}",c="{",d="k=v",e=" spaced out ",f="a} 1 2",g=""} 3 4')
    assert r.reject_reason is None
    assert r.labels == {
        "a": "x,y",
        "b": "}",
        "c": "{",
        "d": "k=v",
        "e": " spaced out ",
        "f": "a} 1 2",
        "g": "",
    }
    assert (r.value, r.timestamp_ms) == (3.0, 4)


def test_trailing_comma_blanks_and_empty_label_set() -> None:
    rows = by_line('m{a="1",} 1\nm { a = "1" ,\tb="2" , } 2\nm{} 3\nm{ } 4\n')
    assert rows[1].labels == {"a": "1"}
    assert rows[2].labels == {"a": "1", "b": "2"}
    assert rows[3].labels == {} and rows[4].labels == {}
    assert all(r.reject_reason is None and r.metric == "m" for r in rows.values())


def test_non_ascii_label_values() -> None:
    rows = by_line(
        'm{city="Zürich",e="😀} x"} 1 5\nm{city="Zürich"} 2\nm{a="é"}\t3\nmé 1\nm{é="x"} 1\n'
    )
    assert [(r.labels, r.value, r.reject_reason) for r in rows.values()] == [
        ({"city": "Zürich", "e": "😀} x"}, 1.0, None),
        ({"city": "Zürich"}, 2.0, None),
        ({"a": "é"}, 3.0, None),
        (None, None, "invalid metric name"),
        (None, None, "malformed label set"),
    ]
    assert rows[1].timestamp_ms == 5


def test_host_and_component_come_from_labels() -> None:
    rows = by_line(
        'm{instance="web-1:9100",component="api-gateway"} 1\n'
        'm{instance="db-1"} 2\n'
        'm{instance="[::1]:9100"} 3\n'
        'm{instance="10.0.0.7:80",job="node"} 4\n'
        "m 5\n"
    )
    assert [(r.host, r.component) for r in rows.values()] == [
        ("web-1", "api-gateway"),
        ("db-1", None),
        ("[::1]", None),
        ("10.0.0.7", None),
        (None, None),
    ]
    assert rows[1].labels == {"instance": "web-1:9100", "component": "api-gateway"}


# --- values and timestamps ------------------------------------------------------------------


def test_go_float_values() -> None:
    text = "\n".join(
        f'm{{i="{i}"}} {v}'
        for i, v in enumerate(
            [
                "NaN",
                "+Inf",
                "-Inf",
                "Inf",
                "inf",
                "+Infinity",
                "1e-05",
                "1.5E+3",
                "-0",
                "42",
                ".5",
                "5.",
                "-12.25",
                "18446744073709551616",
                "0007",
            ]
        )
    )
    rows = parse_exposition(text + "\n")
    assert all(r.reject_reason is None for r in rows), [r.reject_reason for r in rows]
    vals = [r.value for r in rows]
    assert math.isnan(vals[0])
    assert vals[1:6] == [math.inf, -math.inf, math.inf, math.inf, math.inf]
    assert vals[6:] == [1e-05, 1500.0, 0.0, 42.0, 0.5, 5.0, -12.25, 2.0**64, 7.0]
    assert math.copysign(1.0, vals[8]) == -1.0  # -0 keeps its sign, as Go's ParseFloat does


def test_timestamps() -> None:
    rows = by_line("a 1 1763856000123\nb 2 -1000\nc 3\nd 4 0\ne 5 +5\n")
    assert rows[1].ts == dt.datetime(2025, 11, 23, 0, 0, 0, 123000)
    assert rows[1].timestamp_ms == 1763856000123
    assert rows[2].ts == dt.datetime(1969, 12, 31, 23, 59, 59)
    # no timestamp: ts NULL, not rejected here (the landing framework decides)
    assert rows[3].ts is None and rows[3].reject_reason is None and rows[3].value == 3.0
    assert rows[4].ts == dt.datetime(1970, 1, 1)
    assert rows[5].timestamp_ms == 5
    assert all(r.reject_reason is None for r in rows.values())


# --- families and types ---------------------------------------------------------------------


def test_histogram_and_summary_families() -> None:
    text = (
        "# HELP h A histogram.\n"
        "# TYPE h histogram\n"
        'h_bucket{le="0.1"} 1\n'
        'h_bucket{le="+Inf"} 2\n'
        "h_sum 0.3\n"
        "h_count 2\n"
        "h_created 1.7e9\n"
        "h 9\n"  # a histogram has no sample named like the family itself
        "# TYPE s summary\n"
        's{quantile="0.99"} 0.2\n'
        "s_sum 5\n"
        "s_count 10\n"
        "s_bucket 1\n"  # not a summary suffix
    )
    got = [(r.metric, r.family, r.metric_type) for r in parse_exposition(text)]
    assert got == [
        ("h_bucket", "h", "histogram"),
        ("h_bucket", "h", "histogram"),
        ("h_sum", "h", "histogram"),
        ("h_count", "h", "histogram"),
        ("h_created", "h", "histogram"),
        ("h", "h", "untyped"),
        ("s", "s", "summary"),
        ("s_sum", "s", "summary"),
        ("s_count", "s", "summary"),
        ("s_bucket", "s_bucket", "untyped"),
    ]


def test_counter_gauge_untyped_and_own_type_lines_win() -> None:
    text = (
        "# TYPE c_total counter\n"
        "c_total 1\n"
        "# TYPE c_created gauge\n"  # prometheus_client's 0.0.4 output: _created as a gauge
        "c_created 1.7e9\n"
        "# TYPE g gauge\n"
        "g 2\n"
        "g_sum 3\n"  # not a gauge suffix: a family of its own
        "# TYPE u untyped\n"
        "u 4\n"
        "free 5\n"
        "# TYPE bad_type_line bogus\n"  # not a type: ignored
        "bad_type_line 6\n"
    )
    got = [(r.metric, r.family, r.metric_type) for r in parse_exposition(text)]
    assert got == [
        ("c_total", "c_total", "counter"),
        ("c_created", "c_created", "gauge"),
        ("g", "g", "gauge"),
        ("g_sum", "g_sum", "untyped"),
        ("u", "u", "untyped"),
        ("free", "free", "untyped"),
        ("bad_type_line", "bad_type_line", "untyped"),
    ]


def test_repeated_help_type_blocks_of_concatenated_scrapes() -> None:
    scrape = (
        "# HELP node_cpu_seconds_total Seconds.\n"
        "# TYPE node_cpu_seconds_total counter\n"
        'node_cpu_seconds_total{{cpu="0",mode="idle"}} {v} {ts}\n'
        "# HELP lat Latency.\n"
        "# TYPE lat histogram\n"
        'lat_bucket{{le="+Inf"}} {v} {ts}\n'
        "lat_count {v} {ts}\n"
    )
    text = "".join(scrape.format(v=k, ts=1000 * k) for k in range(1, 5))
    rows = parse_exposition(text)
    assert len(rows) == 12
    assert {(r.family, r.metric_type) for r in rows} == {
        ("node_cpu_seconds_total", "counter"),
        ("lat", "histogram"),
    }
    assert [r.timestamp_ms for r in rows if r.metric == "lat_count"] == [1000, 2000, 3000, 4000]


def test_type_applies_from_its_line_on_and_changes_are_followed() -> None:
    text = (
        "x 1\n"  # before any TYPE line for x: untyped
        "# TYPE y gauge\n"
        "# TYPE x counter\n"
        "y 2\n"  # TYPE lines need not be right above their samples
        "x 3\n"
        "# TYPE x gauge\n"  # a later scrape declares another type: followed
        "x 4\n"
        "# TYPE x counter\n"
        "x 5\n"
    )
    got = [(r.metric, r.metric_type) for r in parse_exposition(text)]
    assert got == [
        ("x", "untyped"),
        ("y", "gauge"),
        ("x", "counter"),
        ("x", "gauge"),
        ("x", "counter"),
    ]


# --- malformed lines ------------------------------------------------------------------------

MALFORMED = [
    ("9bad 1", "invalid metric name"),
    ("bad-name 1", "invalid metric name"),
    ('{__name__="x"} 1', "invalid metric name"),
    ("foo} 1", "invalid metric name"),
    ('m{a="1" 1', "malformed label set"),
    ('m{a="1} 1', "malformed label set"),
    ("m{a=1} 1", "malformed label set"),
    ('m{a="1"b="2"} 1', "malformed label set"),
    ('m{,a="1"} 1', "malformed label set"),
    ('m{a="1",,b="2"} 1', "malformed label set"),
    ('m{9a="1"} 1', "malformed label set"),
    ('m{a-b="1"} 1', "malformed label set"),
    ('m{"a"="1"} 1', "malformed label set"),
    ('m{a="1"}} 1', "malformed label set"),
    ('m{a="1",a="2"} 1', "duplicate label name"),
    ('m{__name__="m"} 1', "metric name given twice"),
    ("m", "missing sample value"),
    ('m{a="1"}', "missing sample value"),
    ("m abc", "invalid sample value"),
    ("m 1,5", "invalid sample value"),
    ("m 1_000", "invalid sample value"),
    ("m 0x10", "invalid sample value"),
    ("m +-1", "invalid sample value"),
    ("m 1e400", "invalid sample value"),
    ("m +NaN", "invalid sample value"),
    ("m 1 12x", "invalid timestamp"),
    ("m 1 1.5", "invalid timestamp"),
    ("m 1 1e3", "invalid timestamp"),
    ("m 1 99999999999999999999", "invalid timestamp"),
    ("m 1 9223372036854775807", "invalid timestamp"),
    ("m 1 2 3", "unexpected text after timestamp"),
    ("\x16\x03\x01garbage", "invalid metric name"),
]


def test_malformed_lines_get_a_reason_and_never_raise() -> None:
    text = "".join(line + "\n" for line, _ in MALFORMED) + "ok 1 1000\n"
    rows = parse_exposition(text)
    assert len(rows) == len(MALFORMED) + 1
    got = [(r.line, r.reject_reason) for r in rows]
    assert got == [*MALFORMED, ("ok 1 1000", None)]
    for r, (_, reason) in zip(rows, MALFORMED, strict=False):
        assert r.value is None or reason in ("invalid timestamp", "unexpected text after timestamp")
        assert r.ts is None
        if reason in ("invalid metric name",):
            assert r.metric is None and r.labels is None
        if reason in ("malformed label set", "duplicate label name", "metric name given twice"):
            assert r.metric == "m" and r.labels is None and r.family is None


def test_rejected_value_keeps_what_was_parsed() -> None:
    r = one('m{instance="h:1",component="c"} oops 1000')
    assert (r.reject_reason, r.value, r.metric, r.host, r.component) == (
        "invalid sample value",
        None,
        "m",
        "h",
        "c",
    )
    assert r.labels == {"instance": "h:1", "component": "c"}


# --- where prometheus_client departs from the format ----------------------------------------
# The reference is "a laxer parser than the main Go parser" (its own docstring). The cases below
# never occur in the real scrapes above; each shows the reference's answer (so a change in it is
# noticed) and asserts the format's, which we follow.


def _reference_samples(text: str) -> list[tuple[str, str, str, dict[str, str], float, object]]:
    return [
        (s.name, f.name, f.type, s.labels, s.value, s.timestamp)
        for f in text_string_to_metric_families(text)
        for s in f.samples
    ]


def test_reference_divergence_counter_total_sample_under_bare_type_name() -> None:
    # `# TYPE x counter` + `x_total 1`: the format (and our spec) puts x_total in family x; the
    # reference only accepts the bare name under that TYPE and makes x_total an untyped family.
    text = "# TYPE x counter\nx_total 1\n"
    assert _reference_samples(text) == [("x_total", "x_total", "unknown", {}, 1, None)]
    r = one("# TYPE x counter\nx_total 1")
    assert (r.metric, r.family, r.metric_type) == ("x_total", "x", "counter")


def test_reference_divergence_created_and_gaugehistogram_suffixes() -> None:
    text = "# TYPE s summary\ns_created 1\n# TYPE g gaugehistogram\ng_gsum 2\ng_gcount 3\n"
    ref = _reference_samples(text)
    assert [(n, f, t) for n, f, t, *_ in ref] == [
        ("s_created", "s_created", "unknown"),
        ("g_gsum", "g_gsum", "unknown"),
        ("g_gcount", "g_gcount", "unknown"),
    ]
    got = [(r.metric, r.family, r.metric_type) for r in parse_exposition(text)]
    assert got == [
        ("s_created", "s", "summary"),
        ("g_gsum", "g", "gaugehistogram"),
        ("g_gcount", "g", "gaugehistogram"),
    ]


def test_reference_divergence_lenient_values_and_timestamps() -> None:
    # accepted by the reference, invalid in the format (Go: ParseFloat / ParseInt)
    cases = {
        "m 1e400": (math.inf, None, "invalid sample value"),  # Go: out of range
        "m +NaN": (None, None, "invalid sample value"),  # Go: NaN takes no sign
        "m 1 1.5": (1, 0.0015, "invalid timestamp"),  # Go: integer milliseconds only
        "m 1 2 3": (1, 0.003, "unexpected text after timestamp"),  # reference: first and last
    }
    for line, (ref_value, ref_ts, reason) in cases.items():
        (name, _, _, _, value, ts) = _reference_samples(line + "\n")[0]
        assert name == "m"
        if ref_value is None:
            assert math.isnan(value)
        else:
            assert value == ref_value
        assert ts == ref_ts
        assert one(line).reject_reason == reason
    # "-0": the reference returns int 0 (sign lost); Go gives -0.0 (checked in test_go_float_values)
    assert _reference_samples("m -0\n")[0][4] == 0 and isinstance(
        _reference_samples("m -0\n")[0][4], int
    )


def test_reference_divergence_lenient_label_sets() -> None:
    # a leading comma, and a metric name given only as a __name__ label, are accepted by the
    # reference; neither is in the 0.0.4 grammar
    assert _reference_samples('m{,a="1"} 1\n')[0][3] == {"a": "1"}
    assert _reference_samples('{__name__="m"} 1\n')[0][0] == "m"
    assert one('m{,a="1"} 1').reject_reason == "malformed label set"
    assert one('{__name__="m"} 1').reject_reason == "invalid metric name"


def test_reference_divergence_type_line_not_right_above_its_samples() -> None:
    # The reference types a sample only from the TYPE line of the block it is in; the format lets
    # a TYPE line stand anywhere before the family's first sample.
    text = "# TYPE a counter\n# TYPE b gauge\na 1\n"
    assert _reference_samples(text)[0][1:3] == ("a", "unknown")
    assert one("# TYPE a counter\n# TYPE b gauge\na 1").metric_type == "counter"


# --- the helper -----------------------------------------------------------------------------


def test_parse_exposition_takes_a_path_or_text(tmp_path: Path) -> None:
    path = tmp_path / "p.prom"
    path.write_text("a 1 1000\n", encoding="utf-8")
    from_path = parse_exposition(path)
    assert from_path == parse_exposition(str(path)) == parse_exposition("a 1 1000\n")
    assert from_path[0].timestamp_ms == 1000
    assert parse_exposition("") == []


def test_type_changes_once_and_type_lines_with_odd_blanks() -> None:
    text = (
        "# TYPE x counter\n"
        "x 1\n"
        "# TYPE x counter\n"  # repeated by the next scrape
        "x 2\n"
        "# TYPE x gauge\n"  # changed for good: the ranges of the two types do not interleave
        "x 3\n"
        "#\tTYPE  y \t gauge \t\n"  # tabs and runs of blanks
        "y 4\n"
        "  # TYPE z gauge\n"  # indented
        "z 5\n"
        "# TYPE 9w gauge\n"  # not a metric name: ignored
        "# TYPE w counter extra\n"  # too many fields: ignored
        "w_total 6\n"
    )
    got = [(r.metric, r.family, r.metric_type) for r in parse_exposition(text)]
    assert got == [
        ("x", "x", "counter"),
        ("x", "x", "counter"),
        ("x", "x", "gauge"),
        ("y", "y", "gauge"),
        ("z", "z", "gauge"),
        ("w_total", "w_total", "untyped"),
    ]
