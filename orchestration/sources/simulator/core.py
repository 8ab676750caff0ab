"""simulate(): write a window of telemetry into the inbox, plus the ground truth."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from orchestration.sources.simulator import (
    api_requests,
    corruption,
    error_logs,
    system_metrics,
)
from orchestration.sources.simulator._util import (
    DAY_S,
    HOUR_S,
    day_of_hour,
    epoch_us,
    from_epoch_s,
    iso_z,
    to_utc,
    write_if_changed,
)
from orchestration.sources.simulator.incidents import (
    GroundTruth,
    Incident,
    default_incidents,
)
from orchestration.sources.simulator.plugins import SimSource, sim_sources
from orchestration.sources.simulator.topology import (
    GATEWAY_HOSTS,
    HOSTS,
    LOG_COMPONENTS,
    host,
)

PLUGINS: dict[str, SimSource] = {p.name: p for p in sim_sources()}
SOURCES: tuple[str, ...] = ("api_requests", "system_metrics", "error_logs", *PLUGINS)
EXTENSIONS: dict[str, str] = {
    "api_requests": "log",
    "system_metrics": "prom",
    "error_logs": "jsonl",
    **{name: p.extension for name, p in PLUGINS.items()},
}
FILE_KEYS: dict[str, tuple[str, ...]] = {
    "api_requests": GATEWAY_HOSTS,
    "system_metrics": tuple(h.name for h in HOSTS),
    "error_logs": tuple(LOG_COMPONENTS),
    **{name: p.file_keys for name, p in PLUGINS.items()},
}


@dataclass(frozen=True)
class SimulationResult:
    """What one `simulate` call produced."""

    home: Path
    start: datetime
    end: datetime
    seed: int
    scale: float
    files: dict[str, list[Path]]  # every file of the window, per source (rewritten or unchanged)
    lines: dict[str, int]  # lines written, corrupt ones included
    events: dict[str, int]  # good event lines (requests, samples, log events)
    corrupt_lines: dict[str, int]
    bytes_written: dict[str, int]
    incidents: list[Incident]  # alerting incidents of the scenario
    notable_events: list[Incident]  # non-alerting events (counter resets)
    ground_truth_path: Path
    elapsed_s: float = 0.0
    changed_files: int = 0  # files whose bytes actually changed on disk
    corrupt_line_locations: list[dict[str, object]] = field(default_factory=list)
    scenarios: list[Incident] = field(default_factory=list)  # data-model scenarios

    @property
    def files_written(self) -> dict[str, int]:
        return {source: len(paths) for source, paths in self.files.items()}

    def summary(self) -> str:
        rows = [
            f"{s:15s} files={len(self.files[s]):4d} lines={self.lines[s]:9d} "
            f"events={self.events[s]:9d} corrupt={self.corrupt_lines[s]:3d} "
            f"MB={self.bytes_written[s] / 1e6:8.1f}"
            for s in self.files
        ]
        head = (
            f"simulated {iso_z(self.start)} .. {iso_z(self.end)} seed={self.seed} "
            f"scale={self.scale} in {self.elapsed_s:.1f} s"
        )
        return "\n".join([head, *rows])


@dataclass
class _FileData:
    records: list[str]  # one event line each, or one scrape block (system_metrics)
    ts_us: np.ndarray  # event time of each record, ascending
    lines_per_record: int
    events_per_record: int


def _validate(scenario: list[Incident]) -> None:
    for inc in scenario:
        if inc.kind == "api_error_latency":
            api_requests.endpoint_index(inc.method, inc.endpoint)
            if inc.host is not None and inc.host not in GATEWAY_HOSTS:
                raise ValueError(f"{inc.id}: host must be a gateway ({GATEWAY_HOSTS}) or None")
            if inc.component not in LOG_COMPONENTS:
                raise ValueError(f"{inc.id}: component {inc.component!r} writes no error log")
        elif inc.is_scenario:
            if inc.host is not None:
                host(inc.host)
            if inc.kind != "silent_collector" and not inc.target:
                raise ValueError(f"{inc.id}: a {inc.kind} scenario needs a target")
        else:
            if inc.host is None:
                raise ValueError(f"{inc.id}: a {inc.kind} incident needs a host")
            host(inc.host)


def _scheduled_reboots(start: datetime, end: datetime) -> list[Incident]:
    """The hosts' own (five-yearly) rebuild reboots inside the window, as counter_reset events."""
    out = []
    for h in HOSTS:
        model = system_metrics.HostModel(0, 1.0, h, [])
        for boot in model.scheduled_boots(start.timestamp(), end.timestamp()):
            down = boot - system_metrics.BOOT_DOWNTIME_S
            out.append(
                Incident(
                    id=f"counter_reset-{h.name}-{from_epoch_s(down):%Y%m%dT%H%MZ}",
                    kind="counter_reset",
                    start=from_epoch_s(down),
                    end=from_epoch_s(boot),
                    component=h.component,
                    host=h.name,
                    description=f"{h.name} rebuilt and rebooted (scheduled); counters restart near 0",
                )
            )
    return out


def simulate(
    home: Path,
    start: datetime,
    end: datetime,
    *,
    seed: int = 7,
    scale: float = 1.0,
    incidents: list[Incident] | None = None,
    corrupt_lines: bool = True,
    sources: Iterable[str] | None = None,
) -> SimulationResult:
    """Write telemetry for [start, end) into `home/inbox/<source>/<YYYY-MM-DD>/` and the ground
    truth into `home/simulator/incidents.json`.

    Deterministic: the same arguments give byte-identical files, and every (source, host or
    component, hour) comes from its own RNG stream, so an hour's content does not depend on the
    window around it (only on the seed, the scale and the incidents). `incidents=None` plays
    `default_incidents(start, end)`; pass `[]` for a calm window. `scale` multiplies the request
    traffic (not the metric scrape rate nor the error-log rates). `sources` limits the sources
    written (all three by default); the ground truth is written either way.
    """
    t_begin = time.perf_counter()
    start, end = to_utc(start, "start"), to_utc(end, "end")
    if end <= start:
        raise ValueError(f"end {end} must be after start {start}")
    if scale <= 0 or not math.isfinite(scale):
        raise ValueError(f"scale must be a positive number, got {scale}")
    selected = tuple(SOURCES if sources is None else sources)
    for s in selected:
        if s not in SOURCES:
            raise ValueError(f"unknown source {s!r}; known: {', '.join(SOURCES)}")
    scenario = default_incidents(start, end) if incidents is None else list(incidents)
    _validate(scenario)
    home = Path(home)
    inbox = home / "inbox"
    start_us, end_us = epoch_us(start), epoch_us(end)
    first_hour = int(start.timestamp() // HOUR_S)
    last_hour = math.ceil(end.timestamp() / HOUR_S) - 1

    files: dict[str, list[Path]] = {s: [] for s in selected}
    lines = dict.fromkeys(selected, 0)
    events = dict.fromkeys(selected, 0)
    corrupt = dict.fromkeys(SOURCES, 0)
    nbytes = dict.fromkeys(selected, 0)
    locations: list[dict[str, object]] = []
    changed = 0
    models = {h.name: system_metrics.HostModel(seed, scale, h, scenario) for h in HOSTS}
    plans: dict[tuple[str, int], list[corruption.Slot]] = {}

    for source in selected:
        for hour in range(first_hour, last_hour + 1):
            day = day_of_hour(hour)
            if corrupt_lines:
                key = (source, hour * HOUR_S // DAY_S)
                if key not in plans:
                    plans[key] = corruption.day_plan(seed, source, key[1], FILE_KEYS[source])
                slots = [s for s in plans[key] if s.hour == hour]
            else:
                slots = []
            for file_key in FILE_KEYS[source]:
                data = _generate(source, file_key, hour, seed, scale, scenario, models)
                n = len(data.records)
                if n == 0:
                    continue
                damage: dict[int, corruption.Damage] = {}
                for slot in slots:
                    if slot.file_key != file_key:
                        continue
                    idx = min(int(slot.position * n), n - 1)
                    if idx in damage:  # two slots on one record: keep the first
                        continue
                    damage[idx] = corruption.damage(seed, source, slot, data.records[idx])
                    data.records[idx] = damage[idx].record
                lo = int(np.searchsorted(data.ts_us, start_us, side="left"))
                hi = int(np.searchsorted(data.ts_us, end_us, side="left"))
                if lo >= hi:
                    continue
                kept = data.records if (lo, hi) == (0, n) else data.records[lo:hi]
                rel = f"{source}/{day}/{file_key}-{hour % 24:02d}.{EXTENSIONS[source]}"
                text = "\n".join(kept) + "\n"
                payload = text.encode("utf-8")
                path = inbox / rel
                changed += write_if_changed(path, payload)
                files[source].append(path)
                nbytes[source] += len(payload)
                n_lines = (hi - lo) * data.lines_per_record
                n_events = (hi - lo) * data.events_per_record
                extra_before = 0
                for idx in sorted(damage):
                    d = damage[idx]
                    if lo <= idx < hi:
                        corrupt[source] += 1
                        n_lines += d.extra_lines
                        n_events -= d.lost_events
                        locations.append(
                            {
                                "source": source,
                                "file": rel,
                                "line": 1
                                + (idx - lo) * data.lines_per_record
                                + extra_before
                                + d.line_offset,
                                "kind": d.kind,
                            }
                        )
                        extra_before += d.extra_lines
                lines[source] += n_lines
                events[source] += n_events

    scenarios = [i for i in scenario if i.is_scenario]
    notable = [i for i in scenario if not i.alerting and not i.is_scenario]
    known = {(i.host, i.start) for i in notable}
    notable += [r for r in _scheduled_reboots(start, end) if (r.host, r.start) not in known]
    truth = GroundTruth(
        seed=seed,
        start=start,
        end=end,
        incidents=[i for i in scenario if i.alerting],
        events=notable,
        scenarios=scenarios,
        corrupt_lines={s: corrupt[s] for s in selected},
        scale=scale,
        corrupt_line_locations=locations,
    )
    truth_path = home / "simulator" / "incidents.json"
    changed += write_if_changed(truth_path, truth.to_json().encode("utf-8"))
    return SimulationResult(
        home=home,
        start=start,
        end=end,
        seed=seed,
        scale=scale,
        files=files,
        lines=lines,
        events=events,
        corrupt_lines={s: corrupt[s] for s in selected},
        bytes_written=nbytes,
        incidents=truth.incidents,
        notable_events=notable,
        scenarios=scenarios,
        ground_truth_path=truth_path,
        elapsed_s=time.perf_counter() - t_begin,
        changed_files=changed,
        corrupt_line_locations=locations,
    )


def _generate(
    source: str,
    file_key: str,
    hour: int,
    seed: int,
    scale: float,
    scenario: list[Incident],
    models: dict[str, system_metrics.HostModel],
) -> _FileData:
    if source == "api_requests":
        req = api_requests.generate_hour(seed, scale, file_key, hour, scenario)
        return _FileData(req.lines, req.ts_us, 1, 1)
    if source == "system_metrics":
        scr = system_metrics.generate_hour(models[file_key], hour)
        return _FileData(scr.blocks, scr.ts_us, scr.lines_per_block, scr.samples_per_block)
    if source == "error_logs":
        log = error_logs.generate_hour(seed, file_key, hour, scenario)
        return _FileData(log.lines, log.ts_us, 1, 1)
    records, ts_us = PLUGINS[source].generate_hour(seed, scale, file_key, hour, scenario)
    return _FileData(records, ts_us, 1, 1)


def default_window(now: datetime, days: float = 2.0) -> tuple[datetime, datetime]:
    """(now - days, now) with `now` floored to 5 minutes: the window a live demo simulates."""
    now = to_utc(now, "now")
    end = now.replace(second=0, microsecond=0) - timedelta(minutes=now.minute % 5)
    return end - timedelta(days=days), end
