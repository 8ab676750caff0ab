"""Deliver recorded transitions: the local outbox (JSON lines) and an Alertmanager-style webhook.

Every `alert_history` row is queued in `deliveries`, once per channel, in the same transaction
that records it; delivery works through that queue. The outbox line of a history row is written
exactly once (a line already in the file is never appended again, even after a crash between
writing it and marking it sent); a webhook POST that fails is recorded on its delivery row and
retried on the next pass, and one that succeeded is never sent again.
"""

from __future__ import annotations

import fcntl
import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from orchestration.alerts.store import ZERO_TIME, AlertStore, HistoryRow, to_iso, utc_now
from orchestration.settings import paths

OUTBOX = "outbox"
WEBHOOK = "webhook"
WEBHOOK_URL_ENV = "OPSDW_WEBHOOK_URL"
WEBHOOK_TIMEOUT_ENV = "OPSDW_WEBHOOK_TIMEOUT"
DEFAULT_WEBHOOK_TIMEOUT_S = 5.0
RECEIVER = "opsdw"


def webhook_url() -> str | None:
    return os.environ.get(WEBHOOK_URL_ENV) or None


def configured_channels() -> tuple[str, ...]:
    """Channels a new transition is queued on: the outbox always, the webhook when configured."""
    return (OUTBOX, WEBHOOK) if webhook_url() else (OUTBOX,)


def alert_payload(row: HistoryRow) -> dict[str, Any]:
    """One alert in Alertmanager's webhook shape, plus opsdw's value, threshold and history_id."""
    return {
        "status": row.status,
        "labels": {"alertname": row.rule, "severity": row.severity, **row.labels},
        "annotations": {"summary": row.summary, "description": row.description},
        "startsAt": to_iso(row.starts_at),
        "endsAt": to_iso(row.ends_at) if row.ends_at is not None else ZERO_TIME,
        "generatorURL": "",
        "fingerprint": row.fingerprint,
        "value": row.value,
        "threshold": row.threshold,
        "history_id": row.id,
    }


def webhook_payload(row: HistoryRow) -> dict[str, Any]:
    """An Alertmanager webhook message (version 4) carrying one alert."""
    alert = alert_payload(row)
    group_labels = {"alertname": row.rule}
    return {
        "version": "4",
        "groupKey": json.dumps(group_labels, sort_keys=True),
        "truncatedAlerts": 0,
        "status": row.status,
        "receiver": RECEIVER,
        "groupLabels": group_labels,
        "commonLabels": alert["labels"],
        "commonAnnotations": alert["annotations"],
        "externalURL": "",
        "alerts": [alert],
    }


@dataclass
class DeliveryReport:
    """What one delivery pass did."""

    sent: int = 0
    failed: int = 0
    waiting: int = 0  # still queued (webhook not configured now, or skipped after a failure)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"{self.sent} delivered, {self.failed} failed"
        if self.waiting:
            text += f", {self.waiting} waiting"
        return text


def deliver_pending(
    home: str | os.PathLike[str] | None = None,
    now: datetime | None = None,
    *,
    store: AlertStore | None = None,
) -> DeliveryReport:
    """Deliver every queued transition on every channel; never raises for a channel failure."""
    p = paths(home)
    report = DeliveryReport()
    own_store = store is None
    db = store or AlertStore(p.alert_db)
    try:
        with _delivery_lock(p.alerts / "delivery.lock") as acquired:
            if not acquired:  # another process is delivering right now; it will send these
                report.waiting = sum(len(db.pending_deliveries(ch)) for ch in (OUTBOX, WEBHOOK))
                return report
            for channel, send in ((OUTBOX, _deliver_outbox), (WEBHOOK, _deliver_webhook)):
                try:
                    send(db, p.outbox, now, report)
                except Exception as exc:  # a channel bug must not stop the others or the sensor
                    report.errors.append(f"{channel}: {type(exc).__name__}: {exc}")
    finally:
        if own_store:
            db.close()
    return report


@contextmanager
def _delivery_lock(path: Path) -> Iterator[bool]:
    """A non-blocking exclusive file lock: one delivering process at a time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _outbox_history_ids(outbox: Path) -> set[int]:
    """history_ids already in the outbox (partial or unparseable lines are ignored)."""
    ids: set[int] = set()
    if not outbox.exists():
        return ids
    with open(outbox, encoding="utf-8") as handle:
        for line in handle:
            try:
                value = json.loads(line).get("history_id")
            except (ValueError, AttributeError):
                continue
            if isinstance(value, int):
                ids.add(value)
    return ids


def _deliver_outbox(
    db: AlertStore, outbox: Path, now: datetime | None, report: DeliveryReport
) -> None:
    queued = db.pending_deliveries(OUTBOX)
    if not queued:
        return
    already = _outbox_history_ids(outbox)
    lines = [
        json.dumps(alert_payload(item.history), sort_keys=True, ensure_ascii=False) + "\n"
        for item in queued
        if item.history.id not in already
    ]
    error: str | None = None
    if lines:
        try:
            outbox.parent.mkdir(parents=True, exist_ok=True)
            with open(outbox, "a+b") as handle:
                handle.seek(0, os.SEEK_END)
                prefix = b""
                if handle.tell() > 0:  # a crash mid-line must not glue two objects together
                    handle.seek(-1, os.SEEK_END)
                    if handle.read(1) != b"\n":
                        prefix = b"\n"
                handle.write(prefix + "".join(lines).encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            error = f"{type(exc).__name__}: {exc}"
    for item in queued:
        db.mark_delivery(item.history.id, OUTBOX, ok=error is None, error=error, now=_now(now))
        if error is None:
            report.sent += 1
        else:
            report.failed += 1
    if error is not None:
        report.errors.append(f"outbox {outbox}: {error}")


def _deliver_webhook(
    db: AlertStore, _outbox: Path, now: datetime | None, report: DeliveryReport
) -> None:
    queued = db.pending_deliveries(WEBHOOK)
    if not queued:
        return
    url = webhook_url()
    if url is None:  # configured when queued, unset now: keep them queued, not lost
        report.waiting += len(queued)
        return
    timeout = _webhook_timeout()
    for position, item in enumerate(queued):
        error = post_json(url, webhook_payload(item.history), timeout)
        db.mark_delivery(item.history.id, WEBHOOK, ok=error is None, error=error, now=_now(now))
        if error is None:
            report.sent += 1
            continue
        report.failed += 1
        report.errors.append(f"webhook: {error}")
        # The endpoint is down or erroring: stop this pass (keeps order, bounds the tick's time).
        report.waiting += len(queued) - position - 1
        return


def post_json(url: str, payload: dict[str, Any], timeout: float) -> str | None:
    """POST a JSON body; None on a 2xx answer, else a one-line error (the URL redacted)."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "opsdw-alerts"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code} {exc.reason}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"{type(exc).__name__}: {reason}".replace(url, "<webhook>")
    if not 200 <= status < 300:
        return f"HTTP {status}"
    return None


def _webhook_timeout() -> float:
    try:
        return float(os.environ.get(WEBHOOK_TIMEOUT_ENV) or DEFAULT_WEBHOOK_TIMEOUT_S)
    except ValueError:
        return DEFAULT_WEBHOOK_TIMEOUT_S


def _now(now: datetime | None) -> datetime:
    return now if now is not None else utc_now()
