"""Alert state, history, cursors and deliveries in SQLite (`paths().alert_db`).

Why SQLite and not DuckDB: many processes read/write alert state concurrently (sensor, CLI);
DuckDB allows one writing process per file. WAL mode lets readers run while one writer commits,
and `busy_timeout` makes a second writer wait instead of failing.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BUSY_TIMEOUT_MS = 30_000
SCHEMA_VERSION = 1
# Alertmanager's "no end time yet" value, used for endsAt of firing alerts.
ZERO_TIME = "0001-01-01T00:00:00Z"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS alert_state (
    rule          TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    labels        TEXT NOT NULL,            -- JSON object, sorted keys
    state         TEXT NOT NULL CHECK (state IN ('pending', 'firing')),
    active_since  TEXT NOT NULL,            -- start of the first window the condition held
    last_value    REAL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (rule, fingerprint)
);
CREATE TABLE IF NOT EXISTS alert_history (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    rule          TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    labels        TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('firing', 'resolved')),
    severity      TEXT NOT NULL,
    value         REAL,
    threshold     REAL NOT NULL,
    starts_at     TEXT NOT NULL,
    ends_at       TEXT,
    summary       TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    recorded_at   TEXT NOT NULL
);
-- One firing and one resolution per activation: a re-run can never duplicate a transition.
CREATE UNIQUE INDEX IF NOT EXISTS alert_history_transition
    ON alert_history (rule, fingerprint, status, starts_at);
CREATE INDEX IF NOT EXISTS alert_history_recorded ON alert_history (recorded_at);
CREATE TABLE IF NOT EXISTS rule_cursor (
    rule              TEXT PRIMARY KEY,
    last_window_start TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    history_id  INTEGER NOT NULL REFERENCES alert_history (id),
    channel     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (history_id, channel)
);
CREATE INDEX IF NOT EXISTS deliveries_open ON deliveries (channel, status);
"""


def to_iso(value: datetime) -> str:
    """UTC datetime (naive = UTC) -> RFC 3339 'YYYY-MM-DDTHH:MM:SS[.ffffff]Z'."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat() + "Z"


def from_iso(text: str) -> datetime:
    """RFC 3339 text written by `to_iso` -> naive UTC datetime."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def fingerprint(rule: str, labels: Mapping[str, str]) -> str:
    """Stable 16-hex-digit hash of the rule name and its sorted labels (Alertmanager-sized)."""
    payload = json.dumps(
        {"alertname": rule, "labels": dict(sorted(labels.items()))}, sort_keys=True
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def labels_json(labels: Mapping[str, str]) -> str:
    return json.dumps(dict(sorted(labels.items())), sort_keys=True, ensure_ascii=False)


@dataclass(frozen=True)
class SeriesState:
    """The current state of one series of one rule (pending or firing)."""

    rule: str
    fingerprint: str
    labels: dict[str, str]
    state: str
    active_since: datetime
    last_value: float | None


@dataclass(frozen=True)
class HistoryRow:
    """One recorded transition (firing or resolved)."""

    id: int
    rule: str
    fingerprint: str
    labels: dict[str, str]
    status: str
    severity: str
    value: float | None
    threshold: float
    starts_at: datetime
    ends_at: datetime | None
    summary: str
    description: str
    recorded_at: datetime


@dataclass(frozen=True)
class PendingDelivery:
    history: HistoryRow
    channel: str
    attempts: int


class AlertStore:
    """One SQLite connection to the alert database; writes go through `transaction()`."""

    def __init__(self, path: str | os.PathLike[str], busy_timeout_ms: int = BUSY_TIMEOUT_MS):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN IMMEDIATE / COMMIT ourselves.
        self.conn = sqlite3.connect(
            self.path, timeout=busy_timeout_ms / 1000, isolation_level=None, check_same_thread=False
        )
        self.conn.row_factory = sqlite3.Row
        self.conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = FULL")
        self.conn.execute("PRAGMA foreign_keys = ON")
        self._ensure_schema()

    def _ensure_schema(self) -> None:
        with self.transaction():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self.conn.execute(statement)
            self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> AlertStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT; any exception rolls everything back (nothing half-applied)."""
        if self.conn.in_transaction:
            raise RuntimeError("alert store: nested transaction")
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    # -- cursors ---------------------------------------------------------------------------

    def get_cursor(self, rule: str) -> datetime | None:
        row = self.conn.execute(
            "SELECT last_window_start FROM rule_cursor WHERE rule = ?", (rule,)
        ).fetchone()
        return from_iso(row[0]) if row else None

    def set_cursor(self, rule: str, last_window_start: datetime, now: datetime) -> None:
        self.conn.execute(
            "INSERT INTO rule_cursor (rule, last_window_start, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (rule) DO UPDATE SET last_window_start = excluded.last_window_start, "
            "updated_at = excluded.updated_at",
            (rule, to_iso(last_window_start), to_iso(now)),
        )

    def cursors(self) -> dict[str, datetime]:
        rows = self.conn.execute("SELECT rule, last_window_start FROM rule_cursor").fetchall()
        return {r["rule"]: from_iso(r["last_window_start"]) for r in rows}

    # -- state -----------------------------------------------------------------------------

    def load_state(self, rule: str) -> dict[str, SeriesState]:
        rows = self.conn.execute("SELECT * FROM alert_state WHERE rule = ?", (rule,)).fetchall()
        return {r["fingerprint"]: _state(r) for r in rows}

    def put_state(self, series: SeriesState, now: datetime) -> None:
        self.conn.execute(
            "INSERT INTO alert_state "
            "(rule, fingerprint, labels, state, active_since, last_value, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (rule, fingerprint) DO UPDATE SET labels = excluded.labels, "
            "state = excluded.state, active_since = excluded.active_since, "
            "last_value = excluded.last_value, updated_at = excluded.updated_at",
            (
                series.rule,
                series.fingerprint,
                labels_json(series.labels),
                series.state,
                to_iso(series.active_since),
                series.last_value,
                to_iso(now),
            ),
        )

    def delete_state(self, rule: str, fingerprint_: str) -> None:
        self.conn.execute(
            "DELETE FROM alert_state WHERE rule = ? AND fingerprint = ?", (rule, fingerprint_)
        )

    def active_alerts(self, state: str | None = None) -> list[SeriesState]:
        """Series currently pending or firing (optionally only one state), oldest first."""
        sql = "SELECT * FROM alert_state"
        params: tuple[Any, ...] = ()
        if state is not None:
            sql += " WHERE state = ?"
            params = (state,)
        rows = self.conn.execute(sql + " ORDER BY active_since, rule, fingerprint", params)
        return [_state(r) for r in rows.fetchall()]

    # -- history + deliveries -------------------------------------------------------------

    def insert_history(
        self,
        *,
        rule: str,
        fingerprint_: str,
        labels: Mapping[str, str],
        status: str,
        severity: str,
        value: float | None,
        threshold: float,
        starts_at: datetime,
        ends_at: datetime | None,
        summary: str,
        description: str,
        now: datetime,
        channels: tuple[str, ...],
    ) -> int | None:
        """Record one transition and queue it on every channel; None if it was already recorded."""
        cur = self.conn.execute(
            "INSERT INTO alert_history (rule, fingerprint, labels, status, severity, value, "
            "threshold, starts_at, ends_at, summary, description, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (rule, fingerprint, status, starts_at) DO NOTHING",
            (
                rule,
                fingerprint_,
                labels_json(labels),
                status,
                severity,
                value,
                threshold,
                to_iso(starts_at),
                to_iso(ends_at) if ends_at is not None else None,
                summary,
                description,
                to_iso(now),
            ),
        )
        if cur.rowcount == 0:
            return None
        history_id = int(cur.lastrowid or 0)
        self.conn.executemany(
            "INSERT INTO deliveries (history_id, channel, status, attempts, updated_at) "
            "VALUES (?, ?, 'pending', 0, ?)",
            [(history_id, channel, to_iso(now)) for channel in channels],
        )
        return history_id

    def history(
        self, limit: int = 100, rule: str | None = None, since: datetime | None = None
    ) -> list[HistoryRow]:
        """Recorded transitions, newest first."""
        clauses, params = [], []
        if rule is not None:
            clauses.append("rule = ?")
            params.append(rule)
        if since is not None:
            clauses.append("recorded_at >= ?")
            params.append(to_iso(since))
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self.conn.execute(
            f"SELECT * FROM alert_history {where} ORDER BY id DESC LIMIT ?", (*params, int(limit))
        ).fetchall()
        return [_history(r) for r in rows]

    def pending_deliveries(self, channel: str) -> list[PendingDelivery]:
        """Deliveries not yet sent on `channel` (pending or failed), oldest transition first."""
        rows = self.conn.execute(
            "SELECT h.*, d.channel AS d_channel, d.attempts AS d_attempts "
            "FROM deliveries d JOIN alert_history h ON h.id = d.history_id "
            "WHERE d.channel = ? AND d.status IN ('pending', 'failed') ORDER BY h.id",
            (channel,),
        ).fetchall()
        return [PendingDelivery(_history(r), r["d_channel"], r["d_attempts"]) for r in rows]

    def mark_delivery(
        self, history_id: int, channel: str, *, ok: bool, error: str | None, now: datetime
    ) -> None:
        """Record one delivery attempt (its own short transaction)."""
        with self.transaction():
            self.conn.execute(
                "UPDATE deliveries SET status = ?, attempts = attempts + 1, last_error = ?, "
                "updated_at = ? WHERE history_id = ? AND channel = ?",
                ("sent" if ok else "failed", error, to_iso(now), history_id, channel),
            )

    def delivery_counts(self) -> dict[tuple[str, str], int]:
        """(channel, status) -> number of deliveries."""
        rows = self.conn.execute(
            "SELECT channel, status, count(*) AS n FROM deliveries GROUP BY channel, status"
        ).fetchall()
        return {(r["channel"], r["status"]): r["n"] for r in rows}


def _state(row: sqlite3.Row) -> SeriesState:
    return SeriesState(
        rule=row["rule"],
        fingerprint=row["fingerprint"],
        labels=json.loads(row["labels"]),
        state=row["state"],
        active_since=from_iso(row["active_since"]),
        last_value=row["last_value"],
    )


def _history(row: sqlite3.Row) -> HistoryRow:
    return HistoryRow(
        id=row["id"],
        rule=row["rule"],
        fingerprint=row["fingerprint"],
        labels=json.loads(row["labels"]),
        status=row["status"],
        severity=row["severity"],
        value=row["value"],
        threshold=row["threshold"],
        starts_at=from_iso(row["starts_at"]),
        ends_at=from_iso(row["ends_at"]) if row["ends_at"] else None,
        summary=row["summary"],
        description=row["description"],
        recorded_at=from_iso(row["recorded_at"]),
    )
