"""Alert rules: the shipped rules.yml parses; malformed rules give errors naming rule and field."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestration.alerts import engine
from orchestration.alerts.rules import (
    DEFAULT_RULES_PATH,
    Filter,
    RuleError,
    load_rules,
    parse_duration,
    parse_rule,
    parse_rules,
    quote_ident,
    render_template,
    rules_path,
)
from orchestration.settings import paths

BASE: dict[str, Any] = {
    "alert": "R",
    "mart": "api_performance_5m",
    "time_column": "window_start",
    "window": "5m",
    "labels": ["endpoint"],
    "value": "server_error_rate",
    "op": ">",
    "threshold": 0.05,
    "for": "10m",
    "severity": "warning",
    "summary": "{endpoint} {value:.1%}",
}


def spec(**overrides: Any) -> dict[str, Any]:
    out = {**BASE, **overrides}
    return {k: v for k, v in out.items() if v is not None}


@pytest.fixture(autouse=True)
def _no_rules_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPSDW_ALERT_RULES", raising=False)
    monkeypatch.delenv("OPSDW_WEBHOOK_URL", raising=False)


def test_shipped_rules_parse() -> None:
    rules = {r.name: r for r in load_rules()}
    assert {
        "EndpointHighErrorRate",
        "EndpointHighLatencyP95",
        "HostCpuSaturation",
        "CriticalErrorBurst",
    } <= set(rules)

    err = rules["EndpointHighErrorRate"]
    assert (err.mart, err.time_column, err.window) == (
        "api_performance_5m",
        "window_start",
        timedelta(minutes=5),
    )
    assert (err.labels, err.value, err.op, err.threshold) == (
        ("endpoint", "method"),
        "server_error_rate",
        ">",
        0.05,
    )
    assert err.for_ == timedelta(minutes=10)
    assert err.filters == (Filter("requests", ">=", 50), Filter("data_ok", "is not", False))
    assert "5xx" in err.description and "20 requests" in err.description

    p95 = rules["EndpointHighLatencyP95"]
    assert (p95.value, p95.threshold, p95.for_) == ("p95_latency_ms", 1000, timedelta(minutes=10))
    assert p95.filters == (Filter("requests", ">=", 50), Filter("data_ok", "is not", False))

    cpu = rules["HostCpuSaturation"]
    assert (cpu.mart, cpu.labels, cpu.value, cpu.op, cpu.threshold, cpu.for_) == (
        "host_resource_usage_5m",
        ("host", "component"),
        "avg_cpu_pct",
        ">",
        90,
        timedelta(minutes=5),
    )

    burst = rules["CriticalErrorBurst"]
    assert (burst.mart, burst.time_column, burst.window, burst.labels) == (
        "error_counts_1m",
        "minute_start",
        timedelta(minutes=1),
        ("component",),
    )
    assert (burst.value, burst.op, burst.threshold, burst.for_) == (
        "error_count",
        ">",
        5,
        timedelta(),
    )
    assert burst.filters == (Filter("level", "==", "CRITICAL"), Filter("data_ok", "is not", False))

    for rule in rules.values():
        assert rule.severity in ("critical", "warning")
        assert rule.summary and rule.description


def test_rules_path_default_and_env_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert rules_path() == DEFAULT_RULES_PATH
    custom = tmp_path / "my-rules.yml"
    custom.write_text(json.dumps({"rules": [spec(alert="Custom")]}))
    monkeypatch.setenv("OPSDW_ALERT_RULES", str(custom))
    assert rules_path() == custom
    assert [r.name for r in load_rules()] == ["Custom"]


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"threshold": None}, "threshold", "is required"),
        ({"threshold": "high"}, "threshold", "must be a number"),
        ({"threshold": True}, "threshold", "must be a number"),
        ({"op": "=>"}, "op", "must be one of"),
        ({"for": "ten minutes"}, "for", "duration"),
        ({"window": "0m"}, "window", "longer than 0"),
        ({"severity": "urgent"}, "severity", "must be one of"),
        ({"mart": "marts.api; DROP TABLE x"}, "mart", "plain identifier"),
        ({"labels": "endpoint"}, "labels", "must be a list"),
        ({"labels": ["endpoint", "endpoint"]}, "labels", "twice"),
        ({"labels": ["severity"]}, "labels", "reserved"),
        ({"threshhold": 1}, "threshhold", "unknown field"),
        ({"summary": "{endpont} is down"}, "summary", "unknown placeholder"),
        ({"summary": "{endpoint:.1%}"}, "summary", "bad template"),
        ({"filters": [{"column": "requests", "op": "~", "value": 1}]}, "filters[0].op", "one of"),
        ({"filters": [{"column": "requests", "value": 1}]}, "filters[0]", "exactly column"),
        ({"filters": [{"column": "level", "op": "in", "value": "x"}]}, "filters[0].value", "list"),
        (
            {"filters": [{"column": "level", "op": "==", "value": None}]},
            "filters[0].value",
            "string",
        ),
    ],
)
def test_malformed_rule_names_rule_and_field(
    overrides: dict[str, Any], field: str, fragment: str
) -> None:
    raw = {**BASE, **overrides}
    raw = {k: v for k, v in raw.items() if not (k == "threshold" and v is None)}
    with pytest.raises(RuleError) as info:
        parse_rule(raw, index=3)
    message = str(info.value)
    assert "rule 'R' (#3)" in message
    assert f"field {field!r}" in message
    assert fragment in message


def test_rule_without_a_name_is_named_by_position() -> None:
    with pytest.raises(RuleError, match=r"rule #2: field 'alert': is required"):
        parse_rule({k: v for k, v in BASE.items() if k != "alert"}, index=2)


def test_file_errors_are_collected_and_name_the_file() -> None:
    text = json.dumps({"rules": [spec(alert="A", op="!"), spec(alert="B"), spec(alert="B")]})
    with pytest.raises(RuleError) as info:
        parse_rules(text, origin="rules.yml")
    message = str(info.value)
    assert message.startswith("rules.yml: invalid alert rules")
    assert "rule 'A' (#1): field 'op'" in message
    assert "rule 'B' (#3): field 'alert': duplicate" in message


@pytest.mark.parametrize(
    "text", ["rules: [", "- just a list", "rules: {}", "rules: []\nextra: 1", "rules:\n  - 42\n"]
)
def test_malformed_files_are_rejected(text: str) -> None:
    with pytest.raises(RuleError):
        parse_rules(text)


def test_missing_rules_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="cannot read alert rules"):
        load_rules(tmp_path / "nope.yml")


def test_durations() -> None:
    assert parse_duration("0m") == timedelta(0)
    assert parse_duration(0) == timedelta(0)
    assert parse_duration("90s") == timedelta(seconds=90)
    assert parse_duration("1h30m") == timedelta(hours=1, minutes=30)
    for bad in ("", "5", "m", "5 minutes", "-5m", 5, None, True):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_sql_quotes_identifiers_and_binds_values() -> None:
    assert quote_ident('we"ird') == '"we""ird"'
    fragment, params = Filter("level", "==", 'it\'s "bad"; --').sql()
    assert fragment == '"level" = ?' and params == ['it\'s "bad"; --']
    fragment, params = Filter("level", "not in", ("A", "B'")).sql()
    assert fragment == '"level" NOT IN (?, ?)' and params == ["A", "B'"]


def test_filter_value_with_quotes_is_bound_and_matches_exactly(tmp_path: Path) -> None:
    """A quote in a filter value neither breaks nor injects SQL: it is compared as a value."""
    home = tmp_path / "home"
    home.mkdir()
    nasty = "O'Brien\"); DROP TABLE marts.error_counts_1m; --"
    con = duckdb.connect(str(paths(home).serving))
    con.execute("CREATE SCHEMA marts")
    con.execute(
        "CREATE TABLE marts.error_counts_1m "
        "(minute_start TIMESTAMP, component VARCHAR, level VARCHAR, error_count BIGINT)"
    )
    t0 = datetime(2024, 3, 1, 10, 0)
    for minute, component, count in ((0, nasty, 9), (0, "plain", 9), (1, "plain", 1)):
        con.execute(
            "INSERT INTO marts.error_counts_1m VALUES (?, ?, 'CRITICAL', ?)",
            [t0 + timedelta(minutes=minute), component, count],
        )
    con.close()
    rule = parse_rules(
        json.dumps(
            {
                "rules": [
                    {
                        "alert": "Quoted",
                        "mart": "error_counts_1m",
                        "time_column": "minute_start",
                        "window": "1m",
                        "labels": ["component"],
                        "value": "error_count",
                        "op": ">",
                        "threshold": 5,
                        "filters": [{"column": "component", "op": "==", "value": nasty}],
                        "summary": "{component}",
                    }
                ]
            }
        )
    )
    report = engine.evaluate(home, datetime(2024, 3, 2), rules=rule)
    assert report.all_errors == []
    assert [t.labels for t in report.transitions] == [{"component": nasty}]
    assert report.transitions[0].summary == nasty
    con = duckdb.connect(str(paths(home).serving), read_only=True)
    assert con.execute("SELECT count(*) FROM marts.error_counts_1m").fetchone() == (3,)
    con.close()


def test_render_template_never_raises() -> None:
    assert render_template("{value:.1%}", {"value": 0.123}) == "12.3%"
    assert render_template("{value:.1%} on {endpoint}", {"value": None, "endpoint": "/a"}) == (
        " on /a"
    )


def test_rule_breaches_and_null_values() -> None:
    rule = parse_rule(spec(op="<=", threshold=1))
    assert rule.breaches(1.0) and rule.breaches(0.5)
    assert not rule.breaches(1.5)
    assert not rule.breaches(None) and not rule.breaches(float("nan"))


def test_unknown_columns_are_detected_against_the_table() -> None:
    rule = parse_rule(spec(filters=[{"column": "reqs", "op": ">=", "value": 50}]))
    rule.check_columns(["window_start", "endpoint", "server_error_rate", "requests", "reqs"])
    with pytest.raises(RuleError, match=r"rule 'R': column\(s\) reqs not in marts.api_perf"):
        rule.check_columns(["window_start", "endpoint", "server_error_rate", "requests"])
