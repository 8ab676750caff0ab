"""Incidents (the ground truth the alerts are judged against) and the ground-truth JSON file."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from orchestration.sources.simulator._util import iso_z, parse_iso, to_utc

# kinds an alert rule is expected to fire on
ALERTING_KINDS: tuple[str, ...] = (
    "api_error_latency",
    "cpu_saturation",
    "silent_collector",  # `host`'s node_exporter sends nothing in [start, end): CollectorSilent
)
# kinds that are recorded but must not alert
EVENT_KINDS: tuple[str, ...] = ("counter_reset",)
# data-model scenarios: each must surface in the mart that should show it (docs/data-model.md);
# they are not matched against alerts (yet)
SCENARIO_KINDS: tuple[str, ...] = (
    "lock_contention",  # `target` database: lock waits, deadlocks, long transactions
    "replication_lag",  # `target` replica: replay lag of tens of seconds
    "cache_hit_drop",  # `target` database: buffer-cache hit ratio falls well below 99 %
    "pool_exhaustion",  # `target` database: connections at the pool limit, clients waiting
    "unused_index",  # `target` index ('<database>.<index>'): large, never scanned, all window
    "slow_query_regression",  # `target` statement label: mean time x10 from `start` (a deploy)
    "pipeline_failure",  # `target` pipeline: its runs fail between start and end
    "missed_job",  # `target` scheduled job: the run(s) due in [start, end) never start
    "cost_spike",  # `target` model tier: actual cost several times the estimate
)
KINDS: tuple[str, ...] = ALERTING_KINDS + EVENT_KINDS + SCENARIO_KINDS

# default_incidents: where in the window each one starts (fraction of the window) and how long
API_ERROR_LATENCY_AT, API_ERROR_LATENCY_MINUTES = 0.30, 15
CPU_SATURATION_AT, CPU_SATURATION_MINUTES = 0.62, 10
COUNTER_RESET_AT, COUNTER_RESET_SECONDS = 0.82, 60
MIN_WINDOW_FOR_DEFAULTS = timedelta(minutes=90)


@dataclass(frozen=True)
class Incident:
    """Something that happened in the simulated window, [start, end) in UTC.

    kind                     meaning
    ``api_error_latency``    `method endpoint` answers ~40 % 5xx and ~6x slower on every gateway
                             (or only on `host`), and `component` (app-server) logs ~20 CRITICAL
                             UPSTREAM_TIMEOUT / DB_POOL_EXHAUSTED errors a minute
    ``cpu_saturation``       `host` runs its CPUs > 95 % busy
    ``counter_reset``        `host` reboots at `start` (no scrapes until `end`); its counters restart
                             near 0 -- recorded, never an alert
    """

    id: str
    kind: str
    start: datetime
    end: datetime
    component: str
    host: str | None = None
    endpoint: str | None = None  # path template, e.g. /api/v1/orders
    method: str | None = None
    description: str = ""
    target: str | None = None  # what a scenario is about: database, index, pipeline, job, tier

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown incident kind {self.kind!r}; known: {', '.join(KINDS)}")
        object.__setattr__(self, "start", to_utc(self.start, "Incident.start"))
        object.__setattr__(self, "end", to_utc(self.end, "Incident.end"))
        if self.end <= self.start:
            raise ValueError(f"incident {self.id}: end {self.end} is not after start {self.start}")

    @property
    def alerting(self) -> bool:
        return self.kind in ALERTING_KINDS

    @property
    def is_scenario(self) -> bool:
        return self.kind in SCENARIO_KINDS

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "start": iso_z(self.start),
            "end": iso_z(self.end),
            "component": self.component,
            "host": self.host,
            "endpoint": self.endpoint,
            "method": self.method,
            "description": self.description,
            "target": self.target,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Incident:
        return cls(
            id=str(data["id"]),
            kind=str(data["kind"]),
            start=parse_iso(data["start"]),
            end=parse_iso(data["end"]),
            component=str(data["component"]),
            host=data.get("host"),
            endpoint=data.get("endpoint"),
            method=data.get("method"),
            description=str(data.get("description") or ""),
            target=data.get("target"),
        )


@dataclass(frozen=True)
class GroundTruth:
    """What `simulate` wrote to simulator/incidents.json."""

    seed: int
    start: datetime
    end: datetime
    incidents: list[Incident]  # alerting
    events: list[Incident]  # non-alerting (counter resets)
    corrupt_lines: dict[str, int]
    scale: float = 1.0
    # where each corrupt line is: {"source", "file" (inbox-relative), "line" (1-based), "kind"}
    corrupt_line_locations: list[dict[str, Any]] = field(default_factory=list)
    scenarios: list[Incident] = field(default_factory=list)  # data-model scenarios

    def scenario(self) -> list[Incident]:
        """Everything injected: pass this to `simulate(incidents=...)` to replay."""
        return [*self.incidents, *self.events, *self.scenarios]

    def of_kind(self, kind: str) -> list[Incident]:
        return [i for i in self.scenario() if i.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "scale": self.scale,
            "window": {"start": iso_z(self.start), "end": iso_z(self.end)},
            "incidents": [i.to_dict() for i in self.incidents],
            "events": [e.to_dict() for e in self.events],
            "scenarios": [e.to_dict() for e in self.scenarios],
            "corrupt_lines": dict(self.corrupt_lines),
            "corrupt_line_locations": list(self.corrupt_line_locations),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GroundTruth:
        return cls(
            seed=int(data["seed"]),
            start=parse_iso(data["window"]["start"]),
            end=parse_iso(data["window"]["end"]),
            incidents=[Incident.from_dict(i) for i in data.get("incidents", [])],
            events=[Incident.from_dict(e) for e in data.get("events", [])],
            scenarios=[Incident.from_dict(e) for e in data.get("scenarios", [])],
            corrupt_lines={k: int(v) for k, v in data.get("corrupt_lines", {}).items()},
            scale=float(data.get("scale", 1.0)),
            corrupt_line_locations=list(data.get("corrupt_line_locations", [])),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"


def load_ground_truth(path: str | Path) -> GroundTruth:
    """Read simulator/incidents.json back into Incident objects."""
    return GroundTruth.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def _at(start: datetime, end: datetime, fraction: float) -> datetime:
    t = start + (end - start) * fraction
    return t.replace(second=0, microsecond=0)


def _incident_id(kind: str, start: datetime) -> str:
    return f"{kind}-{start:%Y%m%dT%H%MZ}"


# kind -> (where it starts as a fraction of the window, minutes (None: to the window's end),
#          component, host, target, description)
SCENARIO_DEFAULTS: dict[str, tuple[float, int | None, str, str | None, str | None, str]] = {
    "unused_index": (
        0.0, None, "database", "db-1", "app.idx_orders_legacy_status",
        "idx_orders_legacy_status on app.orders (~64 MB, not unique) is never scanned",
    ),
    "lock_contention": (
        0.12, 20, "database", "db-1", "app",
        "a batch update holds row locks on app.orders: lock waits, 3 deadlocks, long transactions",
    ),
    "replication_lag": (
        0.20, 15, "database", "db-1", "replica-1",
        "replica-1 replays WAL tens of seconds behind the primary (lag > 5 s)",
    ),
    "pool_exhaustion": (
        0.30, 15, "database", "db-1", "app",
        "the app pool is at its limit and clients wait for connections (the orders outage)",
    ),
    "cost_spike": (
        0.35, 60, "task-runner", None, "premium",
        "premium-tier executions cost ~4x their estimate (a pricing change nobody announced)",
    ),
    "cache_hit_drop": (
        0.40, 30, "database", "db-1", "analytics",
        "a full-table report evicts the buffer cache: analytics hit ratio falls to ~85 %",
    ),
    "slow_query_regression": (
        0.55, None, "database", "db-1", "orders_by_customer",
        "a deploy drops a predicate from the orders-by-customer statement: mean time x10",
    ),
    "pipeline_failure": (
        0.70, 120, "pipelines", None, "orders_etl",
        "orders_etl fails on every run for two hours (source schema changed)",
    ),
    "missed_job": (
        0.75, 60, "scheduler", None, "hourly_rollup",
        "hourly_rollup is paused in the scheduler: its run due in this hour never starts",
    ),
    "silent_collector": (
        0.90, 20, "app-server", "app-2", None,
        "app-2's node_exporter stops answering: no scrapes for 20 minutes",
    ),
}  # fmt: skip


def default_scenarios(start: datetime, end: datetime) -> list[Incident]:
    """The data-model scenarios of a window (SCENARIO_DEFAULTS), minute-aligned."""
    start, end = to_utc(start, "start"), to_utc(end, "end")
    if end - start < MIN_WINDOW_FOR_DEFAULTS:
        return []
    out = []
    for kind, (at, minutes, component, host_name, target, description) in SCENARIO_DEFAULTS.items():
        s = start if at == 0.0 else _at(start, end, at)
        e = end if minutes is None else min(end, s + timedelta(minutes=minutes))
        out.append(
            Incident(
                id=_incident_id(kind, s),
                kind=kind,
                start=s,
                end=e,
                component=component,
                host=host_name,
                target=target,
                description=description,
            )
        )
    return out


def default_incidents(start: datetime, end: datetime) -> list[Incident]:
    """The standard scenario for a window: one endpoint outage, one CPU saturation, one reboot,
    and the data-model scenarios (`default_scenarios`).

    Placed at fixed fractions of the window (30 %, 62 %, 82 %), minute-aligned, so they sit away
    from the edges and from each other. Windows shorter than 90 minutes get no incidents.
    """
    start, end = to_utc(start, "start"), to_utc(end, "end")
    if end - start < MIN_WINDOW_FOR_DEFAULTS:
        return []
    api_start = _at(start, end, API_ERROR_LATENCY_AT)
    cpu_start = _at(start, end, CPU_SATURATION_AT)
    reset_start = _at(start, end, COUNTER_RESET_AT)
    return [
        Incident(
            id=_incident_id("api_error_latency", api_start),
            kind="api_error_latency",
            start=api_start,
            end=api_start + timedelta(minutes=API_ERROR_LATENCY_MINUTES),
            component="app-server",
            host=None,
            endpoint="/api/v1/orders",
            method="POST",
            description=(
                "POST /api/v1/orders degraded: the orders DB connection pool is exhausted and "
                "inventory-service calls time out; ~40 % of requests answer 5xx and latency is ~6x "
                "(p95 > 1 s) while app-server logs ~20 CRITICAL UPSTREAM_TIMEOUT/DB_POOL_EXHAUSTED "
                "errors a minute"
            ),
        ),
        Incident(
            id=_incident_id("cpu_saturation", cpu_start),
            kind="cpu_saturation",
            start=cpu_start,
            end=cpu_start + timedelta(minutes=CPU_SATURATION_MINUTES),
            component="app-server",
            host="app-1",
            description="app-1 CPU saturated (> 95 % busy on both CPUs) by a runaway report export",
        ),
        Incident(
            id=_incident_id("counter_reset", reset_start),
            kind="counter_reset",
            start=reset_start,
            end=reset_start + timedelta(seconds=COUNTER_RESET_SECONDS),
            component="worker",
            host="worker-1",
            description=(
                "worker-1 rebooted for a kernel update: no scrapes for a minute, then node_exporter "
                "counters restart near 0 (a counter reset, not an alert)"
            ),
        ),
        *default_scenarios(start, end),
    ]
