"""Evaluate alert rules over the marts in EVENT TIME, Prometheus-style (pending → firing → resolved).

The marts are rebuilt by partitions and backfills, so the evaluator walks the data's own timeline:
for each rule it reads the complete windows newer than the rule's cursor from the serving DuckDB
(read-only, briefly), steps every series through them, and commits state, history, delivery queue
and cursor in ONE SQLite transaction. It never reads raw files and never imports GX or dbt.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import duckdb

from orchestration.alerts import channels, export
from orchestration.alerts.rules import Rule, RuleError, load_rules, quote_ident
from orchestration.alerts.store import (
    AlertStore,
    SeriesState,
    fingerprint,
    to_iso,
    utc_now,
)
from orchestration.settings import paths

MARTS_SCHEMA = "marts"
DEFAULT_MAX_WINDOWS = 10_000  # per rule per evaluation; the cursor carries on from there


@dataclass(frozen=True)
class Transition:
    """A series changed to firing or resolved (pending changes are state only)."""

    rule: str
    fingerprint: str
    labels: dict[str, str]
    status: str  # 'firing' | 'resolved'
    severity: str
    value: float | None
    threshold: float
    starts_at: datetime
    ends_at: datetime | None
    window_start: datetime  # the window in which the change was seen
    summary: str
    description: str
    history_id: int | None = None


@dataclass
class RuleOutcome:
    """What evaluating one rule did."""

    rule: str
    windows: int = 0
    transitions: list[Transition] = field(default_factory=list)
    cursor: datetime | None = None
    error: str | None = None


@dataclass
class EvaluationReport:
    """What one evaluation (and, via `evaluate_and_deliver`, its delivery) did."""

    outcomes: list[RuleOutcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    delivery: channels.DeliveryReport | None = None

    @property
    def rules_evaluated(self) -> int:
        return sum(1 for o in self.outcomes if o.error is None)

    @property
    def windows(self) -> int:
        return sum(o.windows for o in self.outcomes)

    @property
    def transitions(self) -> list[Transition]:
        return [t for o in self.outcomes for t in o.transitions]

    @property
    def firing(self) -> int:
        return sum(1 for t in self.transitions if t.status == "firing")

    @property
    def resolved(self) -> int:
        return sum(1 for t in self.transitions if t.status == "resolved")

    @property
    def all_errors(self) -> list[str]:
        rule_errors = [o.error for o in self.outcomes if o.error is not None]
        delivery_errors = self.delivery.errors if self.delivery else []
        return [*self.errors, *rule_errors, *delivery_errors]

    def summary(self) -> str:
        """One line, e.g. '3 rules evaluated over 12 new windows; 1 firing, 0 resolved'."""
        rules = self.rules_evaluated
        text = (
            f"{rules} rule{'s' if rules != 1 else ''} evaluated over {self.windows} new "
            f"window{'s' if self.windows != 1 else ''}; {self.firing} firing, "
            f"{self.resolved} resolved"
        )
        if self.delivery is not None and (self.delivery.failed or self.delivery.waiting):
            text += f"; deliveries: {self.delivery.summary()}"
        problems = self.all_errors
        if problems:
            text += f"; {len(problems)} error{'s' if len(problems) != 1 else ''}: {problems[0]}"
        return text


def evaluate(
    home: str | os.PathLike[str] | None = None,
    now: datetime | None = None,
    *,
    rules: Sequence[Rule] | None = None,
    store: AlertStore | None = None,
    max_windows: int = DEFAULT_MAX_WINDOWS,
) -> EvaluationReport:
    """Evaluate every rule over the new complete windows of the serving DuckDB; one transaction.

    Rules come from `load_rules()` unless given (a broken rules file raises RuleError). A rule
    whose mart or columns are missing is reported and skipped; any other failure rolls the whole
    evaluation back and raises, so a crash never half-applies and a re-run never duplicates.
    """
    p = paths(home)
    now = _naive_utc(now) if now is not None else utc_now()
    rule_list = list(rules) if rules is not None else load_rules()
    report = EvaluationReport()
    if not p.serving.exists():
        report.errors.append(f"no serving database yet at {p.serving}")
        return report
    own_store = store is None
    db = store or AlertStore(p.alert_db)
    queue_on = channels.configured_channels()
    try:
        with db.transaction():
            try:
                con = duckdb.connect(str(p.serving), read_only=True)
            except duckdb.Error as exc:  # e.g. being replaced right now: try again next tick
                report.errors.append(f"cannot open {p.serving} read-only: {exc}")
                return report
            try:
                _utc_session(con)
                for rule in rule_list:
                    outcome = _evaluate_rule(con, db, rule, now, max_windows, queue_on)
                    report.outcomes.append(outcome)
            finally:
                con.close()
    finally:
        if own_store:
            db.close()
    return report


def evaluate_and_deliver(
    home: str | os.PathLike[str] | None = None, now: datetime | None = None
) -> EvaluationReport:
    """Evaluate all rules, then deliver every queued transition (including earlier failures).

    Delivery runs even when the evaluation raises, so alerts queued earlier still go out.
    """
    try:
        report = evaluate(home, now)
    except Exception:
        channels.deliver_pending(home, now)
        raise
    report.delivery = channels.deliver_pending(home, now)
    export.export_after_evaluation(home, now, report.errors)
    return report


# -- one rule -------------------------------------------------------------------------------


def _evaluate_rule(
    con: duckdb.DuckDBPyConnection,
    db: AlertStore,
    rule: Rule,
    now: datetime,
    max_windows: int,
    queue_on: tuple[str, ...],
) -> RuleOutcome:
    outcome = RuleOutcome(rule=rule.name)
    try:
        columns = mart_columns(con, rule.mart)
        if columns is None:
            raise RuleError(f"rule {rule.name!r}: table {MARTS_SCHEMA}.{rule.mart} does not exist")
        rule.check_columns(list(columns))
        if not _is_time_type(columns[rule.time_column]):
            raise RuleError(
                f"rule {rule.name!r}: time_column {rule.time_column!r} is "
                f"{columns[rule.time_column]}, not a TIMESTAMP or DATE"
            )
    except RuleError as exc:
        outcome.error = str(exc)
        return outcome

    cursor = db.get_cursor(rule.name)
    windows = _new_windows(con, rule, cursor, max_windows)
    outcome.cursor = cursor
    if not windows:
        return outcome
    rows = _read_rows(con, rule, windows[0], windows[-1])
    state = db.load_state(rule.name)
    changed: dict[str, SeriesState | None] = {}
    transitions: list[Transition] = []
    prev_end = cursor + rule.window if cursor is not None else None

    def resolve(fp: str, at: datetime, value: float | None, seen_in: datetime) -> None:
        series = state.pop(fp)
        changed[fp] = None
        if series.state == "firing":
            transitions.append(_transition(rule, series, "resolved", value, at, seen_in))

    for window_start in windows:
        if prev_end is not None and window_start > prev_end:
            # A gap: the mart has no row at all for [prev_end, window_start) — every series is
            # absent there, so every active one resolves at the gap's start.
            for fp in list(state):
                resolve(fp, prev_end, state[fp].last_value, prev_end)
        window_end = window_start + rule.window
        observed = rows.get(window_start, {})
        for fp, (labels, value) in observed.items():
            breach = rule.breaches(value)
            current = state.get(fp)
            if not breach:
                if current is not None:
                    resolve(fp, window_start, value, window_start)
                continue
            if current is None:
                current = SeriesState(rule.name, fp, labels, "pending", window_start, value)
            else:
                current = SeriesState(
                    rule.name, fp, labels, current.state, current.active_since, value
                )
            if current.state == "pending" and window_end - current.active_since >= rule.for_:
                current = SeriesState(rule.name, fp, labels, "firing", current.active_since, value)
                transitions.append(_transition(rule, current, "firing", value, None, window_start))
            state[fp] = current
            changed[fp] = current
        for fp in [fp for fp in state if fp not in observed]:
            resolve(fp, window_start, state[fp].last_value, window_start)
        prev_end = window_end

    for fp, series in changed.items():
        if series is None:
            db.delete_state(rule.name, fp)
        else:
            db.put_state(series, now)
    recorded = []
    for item in transitions:
        history_id = db.insert_history(
            rule=item.rule,
            fingerprint_=item.fingerprint,
            labels=item.labels,
            status=item.status,
            severity=item.severity,
            value=item.value,
            threshold=item.threshold,
            starts_at=item.starts_at,
            ends_at=item.ends_at,
            summary=item.summary,
            description=item.description,
            now=now,
            channels=queue_on,
        )
        if history_id is not None:
            recorded.append(_with_id(item, history_id))
    db.set_cursor(rule.name, windows[-1], now)
    outcome.windows = len(windows)
    outcome.transitions = recorded
    outcome.cursor = windows[-1]
    return outcome


def _transition(
    rule: Rule,
    series: SeriesState,
    status: str,
    value: float | None,
    ends_at: datetime | None,
    seen_in: datetime,
) -> Transition:
    window = to_iso(seen_in)
    return Transition(
        rule=rule.name,
        fingerprint=series.fingerprint,
        labels=dict(series.labels),
        status=status,
        severity=rule.severity,
        value=value,
        threshold=rule.threshold,
        starts_at=series.active_since,
        ends_at=ends_at,
        window_start=seen_in,
        summary=rule.render(rule.summary, series.labels, value, window),
        description=rule.render(rule.description, series.labels, value, window),
    )


def _with_id(item: Transition, history_id: int) -> Transition:
    return Transition(**{**item.__dict__, "history_id": history_id})


# -- DuckDB reads (identifiers quoted, values bound) ------------------------------------------


def mart_columns(con: duckdb.DuckDBPyConnection, mart: str) -> dict[str, str] | None:
    """Column name -> DuckDB type of marts.<mart>, or None if the table does not exist."""
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
        [MARTS_SCHEMA, mart],
    ).fetchall()
    return {name: dtype for name, dtype in rows} or None


def _table(rule: Rule) -> str:
    return f"{quote_ident(MARTS_SCHEMA)}.{quote_ident(rule.mart)}"


def _new_windows(
    con: duckdb.DuckDBPyConnection, rule: Rule, cursor: datetime | None, max_windows: int
) -> list[datetime]:
    """Window starts after the cursor that are complete (the mart holds a later window)."""
    time_col = quote_ident(rule.time_column)
    where, params = f"{time_col} IS NOT NULL", []
    if cursor is not None:
        where += f" AND {time_col} > ?"
        params.append(cursor)
    found = con.execute(
        f"SELECT DISTINCT {time_col} FROM {_table(rule)} WHERE {where} ORDER BY 1 LIMIT ?",
        [*params, max(1, int(max_windows)) + 1],
    ).fetchall()
    starts = [_naive_utc(row[0]) for row in found]
    return starts[:-1]  # the last one found may still be filling; it is evaluated next time


def _read_rows(
    con: duckdb.DuckDBPyConnection, rule: Rule, first: datetime, last: datetime
) -> dict[datetime, dict[str, tuple[dict[str, str], float | None]]]:
    """window start -> fingerprint -> (labels, value) for the filtered rows in [first, last]."""
    time_col = quote_ident(rule.time_column)
    filters, filter_params = rule.filter_sql()
    select = ", ".join([time_col, *(quote_ident(c) for c in rule.labels), quote_ident(rule.value)])
    sql = (
        f"SELECT {select} FROM {_table(rule)} "
        f"WHERE {time_col} >= ? AND {time_col} <= ? AND ({filters}) ORDER BY 1"
    )
    out: dict[datetime, dict[str, tuple[dict[str, str], float | None]]] = {}
    for row in con.execute(sql, [first, last, *filter_params]).fetchall():
        start = _naive_utc(row[0])
        labels = {
            name: "" if v is None else str(v)
            for name, v in zip(rule.labels, row[1:-1], strict=True)
        }
        value = None if row[-1] is None else float(row[-1])
        fp = fingerprint(rule.name, labels)
        series = out.setdefault(start, {})
        if fp in series and not _worse(rule, value, series[fp][1]):
            continue  # labels that do not identify a row: keep the worst value of the window
        series[fp] = (labels, value)
    return out


def _worse(rule: Rule, value: float | None, than: float | None) -> bool:
    if value is None:
        return False
    if than is None:
        return True
    return value > than if rule.op in (">", ">=") else value < than


def _utc_session(con: duckdb.DuckDBPyConnection) -> None:
    with contextlib.suppress(duckdb.Error):  # no ICU: then there is no session zone to set
        con.execute("SET TimeZone = 'UTC'")


def _is_time_type(dtype: str) -> bool:
    upper = dtype.upper()
    return upper.startswith("TIMESTAMP") or upper == "DATE"


def _naive_utc(value: Any) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return value.astimezone(UTC).replace(tzinfo=None)
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    raise TypeError(f"expected a timestamp, got {value!r}")
