"""Alert rules: parse and validate `rules.yml` into typed `Rule`s, and build their (parameterised) SQL.

A rule names a mart in schema `marts`, its time column and window length, the label columns that
identify a series, a value column compared with a threshold, a `for` duration, optional row
filters, a severity and summary/description templates. Nothing here touches a database: columns
are checked against the table's real columns by `Rule.check_columns` at evaluation time.
"""

from __future__ import annotations

import math
import os
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

DEFAULT_RULES_PATH = Path(__file__).resolve().parent / "rules.yml"
RULES_ENV = "OPSDW_ALERT_RULES"

COMPARISONS: tuple[str, ...] = (">", ">=", "<", "<=")
# "is" / "is not" compare NULL-safely (IS [NOT] DISTINCT FROM): `data_ok is not false` keeps the
# windows whose data is good or was never judged, and drops the ones known to be incomplete.
FILTER_OPS: tuple[str, ...] = (
    "==", "!=", ">", ">=", "<", "<=", "in", "not in", "is", "is not",
)  # fmt: skip
SEVERITIES: tuple[str, ...] = ("critical", "warning", "info")
# Placeholders a template may use besides the rule's label columns.
TEMPLATE_FIELDS: tuple[str, ...] = (
    "alertname",
    "severity",
    "value",
    "threshold",
    "op",
    "for",
    "window",
    "mart",
    "window_start",
)

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_RULE_KEYS = frozenset(
    {
        "alert",
        "mart",
        "time_column",
        "window",
        "labels",
        "value",
        "op",
        "threshold",
        "for",
        "filters",
        "severity",
        "summary",
        "description",
    }
)
_REQUIRED_KEYS = ("alert", "mart", "time_column", "window", "value", "op", "threshold")
_SQL_OPS = {
    "==": "=", "!=": "<>", ">": ">", ">=": ">=", "<": "<", "<=": "<=",
    "is": "IS NOT DISTINCT FROM", "is not": "IS DISTINCT FROM",
}  # fmt: skip


class RuleError(ValueError):
    """A rules file or a rule is invalid; the message names the rule and the field."""


def quote_ident(name: str) -> str:
    """Quote a SQL identifier for DuckDB (double quotes, embedded quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def parse_duration(text: object) -> timedelta:
    """'90s', '5m', '1h30m', '2d' (or 0) -> timedelta; raises ValueError otherwise."""
    if isinstance(text, bool):
        raise ValueError(f"expected a duration like '5m', got {text!r}")
    if isinstance(text, int) and text == 0:
        return timedelta(0)
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"expected a duration like '5m', got {text!r}")
    match = _DURATION.match(text.strip())
    if match is None or not any(match.groups()):
        raise ValueError(f"expected a duration like '30s', '5m', '1h30m', got {text!r}")
    days, hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def format_duration(value: timedelta) -> str:
    """timedelta -> the shortest '1h30m' style string ('0m' for zero)."""
    total = int(value.total_seconds())
    if total == 0:
        return "0m"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, total = divmod(total, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


@dataclass(frozen=True)
class Filter:
    """A row filter applied before the comparison (`requests >= 50`, `level == CRITICAL`)."""

    column: str
    op: str
    value: Any  # scalar, or a tuple for `in` / `not in`

    def sql(self) -> tuple[str, list[Any]]:
        """The WHERE fragment (identifier quoted) and its bound parameters (never interpolated)."""
        column = quote_ident(self.column)
        if self.op in ("in", "not in"):
            values = list(self.value)
            marks = ", ".join("?" for _ in values)
            keyword = "IN" if self.op == "in" else "NOT IN"
            return f"{column} {keyword} ({marks})", values
        return f"{column} {_SQL_OPS[self.op]} ?", [self.value]

    def describe(self) -> str:
        return f"{self.column} {self.op} {self.value!r}"


@dataclass(frozen=True)
class Rule:
    """One alert rule over one mart (see docs/alert-rules.md for the semantics)."""

    name: str
    mart: str
    time_column: str
    window: timedelta
    labels: tuple[str, ...]
    value: str
    op: str
    threshold: float
    for_: timedelta = timedelta(0)
    filters: tuple[Filter, ...] = ()
    severity: str = "warning"
    summary: str = ""
    description: str = ""

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the rule reads (time, labels, value, filter columns), deduplicated."""
        seen: dict[str, None] = {}
        for name in (self.time_column, *self.labels, self.value, *(f.column for f in self.filters)):
            seen.setdefault(name, None)
        return tuple(seen)

    def breaches(self, value: float | None) -> bool:
        """Whether an observed value breaches the threshold (NULL never does)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return False
        if self.op == ">":
            return value > self.threshold
        if self.op == ">=":
            return value >= self.threshold
        if self.op == "<":
            return value < self.threshold
        return value <= self.threshold

    def check_columns(self, available: Sequence[str]) -> None:
        """Raise RuleError naming every column the rule uses that the mart does not have."""
        have = set(available)
        missing = [c for c in self.columns if c not in have]
        if missing:
            raise RuleError(
                f"rule {self.name!r}: column(s) {', '.join(missing)} not in marts.{self.mart} "
                f"(it has: {', '.join(sorted(have))})"
            )

    def filter_sql(self) -> tuple[str, list[Any]]:
        """`AND`-joined filter fragments (or 'TRUE') and their parameters."""
        if not self.filters:
            return "TRUE", []
        fragments, params = [], []
        for item in self.filters:
            fragment, values = item.sql()
            fragments.append(fragment)
            params.extend(values)
        return " AND ".join(fragments), params

    def template_context(
        self, labels: Mapping[str, str], value: float | None, window_start: str = ""
    ) -> dict[str, Any]:
        return {
            **labels,
            "alertname": self.name,
            "severity": self.severity,
            "value": value,
            "threshold": self.threshold,
            "op": self.op,
            "for": format_duration(self.for_),
            "window": format_duration(self.window),
            "mart": self.mart,
            "window_start": window_start,
        }

    def render(
        self, template: str, labels: Mapping[str, str], value: float | None, window_start: str = ""
    ) -> str:
        """Fill a summary/description template; never raises (falls back to plain str() fields)."""
        return render_template(template, self.template_context(labels, value, window_start))


def render_template(template: str, context: Mapping[str, Any]) -> str:
    """`str.format_map` with a fallback that ignores format specs (e.g. `{value:.1%}` on None)."""
    try:
        return template.format_map(dict(context))
    except (KeyError, ValueError, TypeError, IndexError, AttributeError):
        out = []
        for literal, name, _spec, _conv in string.Formatter().parse(template):
            out.append(literal)
            if name is not None:
                value = context.get(name, "")
                out.append("" if value is None else str(value))
        return "".join(out)


def rules_path() -> Path:
    """The rules file: $OPSDW_ALERT_RULES, else rules.yml next to this module."""
    override = os.environ.get(RULES_ENV)
    return Path(override) if override else DEFAULT_RULES_PATH


def load_rules(path: str | os.PathLike[str] | None = None) -> list[Rule]:
    """Read and validate a rules file (default: `rules_path()`); raises RuleError listing every problem."""
    source = Path(path) if path is not None else rules_path()
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleError(f"{source}: cannot read alert rules: {exc}") from exc
    return parse_rules(text, origin=str(source))


def parse_rules(text: str, origin: str = "<rules>") -> list[Rule]:
    """Parse rules YAML text (a mapping with a `rules:` list); raises RuleError listing every problem."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RuleError(f"{origin}: not valid YAML: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("rules"), list):
        raise RuleError(f"{origin}: expected a mapping with a 'rules:' list")
    unknown_top = sorted(set(document) - {"rules", "version"})
    if unknown_top:
        raise RuleError(f"{origin}: unknown top-level key(s): {', '.join(unknown_top)}")
    rules: list[Rule] = []
    errors: list[str] = []
    seen: set[str] = set()
    for index, raw in enumerate(document["rules"], start=1):
        try:
            rule = parse_rule(raw, index=index)
        except RuleError as exc:
            errors.append(str(exc))
            continue
        if rule.name in seen:
            errors.append(f"rule {rule.name!r} (#{index}): field 'alert': duplicate rule name")
            continue
        seen.add(rule.name)
        rules.append(rule)
    if errors:
        raise RuleError(f"{origin}: invalid alert rules:\n  " + "\n  ".join(errors))
    return rules


def parse_rule(raw: object, index: int = 0) -> Rule:
    """Validate one rule mapping; RuleError names the rule (or its position) and the field."""
    where = f"rule #{index}"
    if not isinstance(raw, dict):
        raise RuleError(f"{where}: expected a mapping, got {type(raw).__name__}")
    name = raw.get("alert")
    if isinstance(name, str) and name:
        where = f"rule {name!r} (#{index})"

    def fail(field_name: str, message: str) -> RuleError:
        return RuleError(f"{where}: field {field_name!r}: {message}")

    unknown = sorted(str(k) for k in set(raw) - _RULE_KEYS)
    if unknown:
        raise fail(unknown[0], f"unknown field (allowed: {', '.join(sorted(_RULE_KEYS))})")
    for key in _REQUIRED_KEYS:
        if raw.get(key) is None:
            raise fail(key, "is required")

    def identifier(key: str, value: object) -> str:
        if not isinstance(value, str) or not _IDENTIFIER.match(value):
            raise fail(key, f"must be a plain identifier (letters, digits, _), got {value!r}")
        return value

    name = identifier("alert", raw["alert"])
    mart = identifier("mart", raw["mart"])
    time_column = identifier("time_column", raw["time_column"])
    value_column = identifier("value", raw["value"])

    try:
        window = parse_duration(raw["window"])
    except ValueError as exc:
        raise fail("window", str(exc)) from None
    if window <= timedelta(0):
        raise fail("window", "must be longer than 0")
    try:
        for_ = parse_duration(raw.get("for", "0m"))
    except ValueError as exc:
        raise fail("for", str(exc)) from None

    labels_raw = raw.get("labels", [])
    if not isinstance(labels_raw, list):
        raise fail("labels", f"must be a list of column names, got {labels_raw!r}")
    labels = tuple(identifier("labels", item) for item in labels_raw)
    if len(set(labels)) != len(labels):
        raise fail("labels", "lists a column twice")
    reserved = {"alertname", "severity"} & set(labels)
    if reserved:
        raise fail("labels", f"{', '.join(sorted(reserved))} is reserved for the alert itself")

    op = raw["op"]
    if op not in COMPARISONS:
        raise fail("op", f"must be one of {', '.join(COMPARISONS)}, got {op!r}")
    threshold = raw["threshold"]
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise fail("threshold", f"must be a number, got {threshold!r}")
    if isinstance(threshold, float) and not math.isfinite(threshold):
        raise fail("threshold", f"must be finite, got {threshold!r}")

    severity = raw.get("severity", "warning")
    if severity not in SEVERITIES:
        raise fail("severity", f"must be one of {', '.join(SEVERITIES)}, got {severity!r}")

    filters_raw = raw.get("filters", [])
    if not isinstance(filters_raw, list):
        raise fail("filters", "must be a list of {column, op, value}")
    filters = tuple(_parse_filter(item, n, fail, identifier) for n, item in enumerate(filters_raw))

    summary = raw.get("summary", "{alertname}")
    description = raw.get("description", "")
    rule = Rule(
        name=name,
        mart=mart,
        time_column=time_column,
        window=window,
        labels=labels,
        value=value_column,
        op=op,
        threshold=float(threshold),
        for_=for_,
        filters=filters,
        severity=severity,
    )
    for key, template in (("summary", summary), ("description", description)):
        if not isinstance(template, str):
            raise fail(key, f"must be a string template, got {template!r}")
        allowed = set(TEMPLATE_FIELDS) | set(labels)
        try:
            names = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
        except ValueError as exc:
            raise fail(key, f"bad template: {exc}") from None
        bad = [n for n in names if n not in allowed]
        if bad:
            raise fail(
                key,
                f"unknown placeholder(s) {', '.join('{' + b + '}' for b in bad)} "
                f"(allowed: {', '.join(sorted(allowed))})",
            )
        sample = rule.template_context({label: "x" for label in labels}, 0.0, "")
        try:
            template.format_map(sample)
        except (ValueError, TypeError, IndexError, AttributeError) as exc:
            raise fail(key, f"bad template: {exc}") from None
    return replace(rule, summary=summary, description=description)


def _parse_filter(item: object, n: int, fail: Any, identifier: Any) -> Filter:
    key = f"filters[{n}]"
    if not isinstance(item, dict) or set(item) != {"column", "op", "value"}:
        raise fail(key, f"must be a mapping with exactly column, op, value; got {item!r}")
    column = identifier(key + ".column", item["column"])
    op = item["op"]
    if op not in FILTER_OPS:
        raise fail(key + ".op", f"must be one of {', '.join(FILTER_OPS)}, got {op!r}")
    value = item["value"]

    def scalar(v: object) -> bool:
        return isinstance(v, str | int | float | bool)

    if op in ("in", "not in"):
        if not isinstance(value, list) or not value or not all(scalar(v) for v in value):
            raise fail(key + ".value", f"'{op}' needs a non-empty list of values, got {value!r}")
        return Filter(column=column, op=op, value=tuple(value))
    if not scalar(value):
        raise fail(key + ".value", f"must be a string, number or boolean, got {value!r}")
    return Filter(column=column, op=op, value=value)
