"""Prometheus text exposition (0.0.4) of node_exporter metrics, one file per host per hour.

Each file concatenates the host's scrapes (every 15 s, aligned to :00/:15/:30/:45), each a full
exposition block (# HELP / # TYPE + samples) whose samples carry a millisecond timestamp and the
target labels component/instance/job.

Counters must be monotonic across hour files although every hour is generated on its own (from
its own RNG stream). So every cumulative value has a closed form at hour boundaries:

* CPU: the mean busy fraction of hour h is m(h) = mu + D(h) - K (g(h+1) - g(h)), with D(h) the
  hour's mean of a daily sinusoid and g(h) an anchor drawn from hour h's stream. The sum of m
  over all hours before h telescopes, so the busy CPU-seconds at the start of any hour are known
  without simulating the past. Inside the hour the busy fraction is a bounded random walk whose
  mean is forced to m(h) exactly (and which joins the neighbouring hours continuously).
* Network bytes and request counts: the exact integral of a smooth daily rate plus a jitter that
  is 0 at every hour boundary and smaller than the smallest 15-s increment.
* Incidents (known up front) add their exact extra to every later value; reboots (counter_reset
  incidents and the hosts' scheduled rebuilds) make values count from the boot again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from orchestration.sources.simulator import api_requests
from orchestration.sources.simulator._util import HOUR_S, US, go_float, go_floats, stream
from orchestration.sources.simulator.incidents import Incident
from orchestration.sources.simulator.topology import BOOT_PERIOD_S, Host

SOURCE = "system_metrics"
SCRAPE_S = 15
N_SCRAPES = HOUR_S // SCRAPE_S  # 240
N_CPUS = 2
DAY_H = 24.0
PEAK_HOUR = api_requests.PEAK_HOUR_UTC
K_ANCHOR = 0.025  # weight of the hourly anchors in the mean busy fraction
BUSY_LO, BUSY_HI = 0.13, 0.64  # calm bounds of the busy fraction (walk is squeezed inside)
WALK_STEP = 0.012
CPU_SPLIT_SD = 0.04  # how differently the two CPUs are loaded
MEM_LO, MEM_HI = 0.40, 0.75
DISK_CLEANUP_S = 7 * 86400  # weekly log clean-up
NET_DIURNAL = 0.30
SATURATED_BUSY = (0.965, 0.99)
BOOT_DOWNTIME_S = 60  # scheduled rebuild: no scrapes for the minute before the boot
# what the counters hold at the first scrape after a boot (per CPU: idle, user, system, iowait)
BOOT_CPU = ((9.41, 3.12, 1.83, 0.72), (9.87, 2.64, 1.95, 0.61))
BOOT_NET_BYTES = 1_184_512
LE = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LE_TEXT = ("0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf")
MODES = ("idle", "iowait", "system", "user")  # the order node_exporter's output sorts them in

HELP = {
    "http_server_request_duration_seconds": "Duration of HTTP server requests.",
    "node_cpu_seconds_total": "Seconds the CPUs spent in each mode.",
    "node_filesystem_avail_bytes": "Filesystem space available to non-root users in bytes.",
    "node_filesystem_size_bytes": "Filesystem size in bytes.",
    "node_load1": "1m load average.",
    "node_memory_MemAvailable_bytes": "Memory information field MemAvailable_bytes.",
    "node_memory_MemTotal_bytes": "Memory information field MemTotal_bytes.",
    "node_network_receive_bytes_total": "Network device statistic receive_bytes.",
}


def _phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


@lru_cache(maxsize=1)
def _latency_model() -> dict[str, object]:
    """The app servers' request-duration distribution: the gateway endpoint mix minus health."""
    eps = [e for i, e in enumerate(api_requests.ENDPOINTS) if i != api_requests.HEALTH]
    total = sum(e.weight for e in eps)
    cdf = {}
    mean = {}
    for e in eps:
        cdf[(e.method, e.template, 1.0)] = np.array(
            [_phi((math.log(le * 1000) - math.log(e.median_ms)) / e.sigma) for le in LE]
        )
        cdf[(e.method, e.template, api_requests.INCIDENT_LATENCY_FACTOR)] = np.array(
            [
                _phi(
                    (
                        math.log(le * 1000)
                        - math.log(e.median_ms * api_requests.INCIDENT_LATENCY_FACTOR)
                    )
                    / e.sigma
                )
                for le in LE
            ]
        )
        mean[e.method, e.template] = e.median_ms * math.exp(e.sigma**2 / 2) / 1000.0
    mix = sum(e.weight / total * cdf[(e.method, e.template, 1.0)] for e in eps)
    mix_mean = sum(e.weight / total * mean[e.method, e.template] for e in eps)
    return {
        "share": {(e.method, e.template): e.weight / total for e in eps},
        "cdf": cdf,
        "mean": mean,
        "mix": np.asarray(mix),
        "mix_mean": mix_mean,
        "app_share": total / sum(e.weight for e in api_requests.ENDPOINTS) / 2,  # per app host
    }


@dataclass
class _CpuHour:
    b_base: np.ndarray  # calm busy fraction per 15-s interval
    b: np.ndarray  # with incidents applied
    delta: np.ndarray  # CPU 0 runs b + delta, CPU 1 b - delta (zero mean over the hour)
    cum: tuple[np.ndarray, np.ndarray]  # per CPU busy seconds since the hour start (241 values)
    extra: float  # busy CPU-seconds the incidents added in this hour (both CPUs)


class HostModel:
    """Everything about one host's metrics for a given (seed, scale, incidents)."""

    def __init__(self, seed: int, scale: float, host: Host, incidents: list[Incident]) -> None:
        self.seed = seed
        self.scale = scale
        self.host = host
        self.saturations = [
            (_grid(i.start), _grid(i.end), i.id)
            for i in incidents
            if i.kind == "cpu_saturation" and i.host == host.name
        ]
        # (down from, boot at): no scrapes in [down, boot); counters count from boot
        self.resets = sorted(
            (_grid(i.start), _grid_up(i.end))
            for i in incidents
            if i.kind == "counter_reset" and i.host == host.name
        )
        # silent_collector: no scrapes in [start, end); the exporter keeps running (no reset)
        self.silences = [
            (_grid_up(i.start), _grid_up(i.end))
            for i in incidents
            if i.kind == "silent_collector" and i.host == host.name
        ]
        self.api_incidents = []
        if host.serves_http:
            for i in incidents:
                if i.kind == "api_error_latency" and i.host in (None, host.name):
                    self.api_incidents.append((_grid(i.start), _grid(i.end), i.method, i.endpoint))
        self._g: dict[int, float] = {}
        self._cpu: dict[int, _CpuHour] = {}
        self._extra_cache: dict[int, float] = {}
        self._jitter: dict[tuple[str, int], np.ndarray] = {}

    # --- CPU -------------------------------------------------------------------------------
    def _anchor(self, h: int) -> float:
        if h not in self._g:
            self._g[h] = (
                float(stream(self.seed, SOURCE, self.host.name, h, "cpu-anchor").random()) * 2 - 1
            )
        return self._g[h]

    def _diurnal_integral(self, h: float) -> float:
        """Sum over whole hours before h of the hourly mean of the diurnal term (up to a constant)."""
        amp = self.host.cpu_diurnal
        return amp * DAY_H / (2 * math.pi) * math.sin(2 * math.pi * (h - PEAK_HOUR) / DAY_H)

    def _mean(self, h: int) -> float:
        d = self._diurnal_integral(h + 1) - self._diurnal_integral(h)
        return self.host.cpu_mu + d - K_ANCHOR * (self._anchor(h + 1) - self._anchor(h))

    def _edge(self, h: int) -> float:
        return (self._mean(h - 1) + self._mean(h)) / 2

    def cpu_hour(self, h: int) -> _CpuHour:
        if h in self._cpu:
            return self._cpu[h]
        rng = stream(self.seed, SOURCE, self.host.name, h, "cpu")
        x = (np.arange(N_SCRAPES) + 0.5) / N_SCRAPES
        e0, e1 = self._edge(h), self._edge(h + 1)
        lin = e0 + (e1 - e0) * x
        bump = 1 - (2 * x - 1) ** 8
        bump /= bump.mean()
        base = lin + (self._mean(h) - lin.mean()) * bump
        walk = np.cumsum(rng.normal(0.0, WALK_STEP, N_SCRAPES))
        f = walk - x * walk[-1]
        f -= f.mean() * bump
        room = np.where(f > 0, (BUSY_HI - base) / np.where(f > 0, f, 1), np.inf)
        room = np.minimum(room, np.where(f < 0, (base - BUSY_LO) / np.where(f < 0, -f, 1), np.inf))
        lam = float(min(1.0, room.min()))
        b_base = base + max(lam, 0.0) * f
        b = b_base.copy()
        t = h * HOUR_S + np.arange(N_SCRAPES) * SCRAPE_S
        for s, e, inc_id in self.saturations:
            hit = (t >= s) & (t < e)
            if hit.any():
                irng = stream(self.seed, SOURCE, self.host.name, h, "incident", inc_id)
                lo, hi = SATURATED_BUSY
                b[hit] = lo + (hi - lo) * irng.random(int(hit.sum()))
        z = rng.normal(0.0, CPU_SPLIT_SD, N_SCRAPES)
        delta = z - z.mean()
        limit = 0.9 * np.minimum(b, 1 - b)
        ratio = limit / np.maximum(np.abs(delta), 1e-12)
        delta = delta * min(1.0, float(ratio.min()))
        half = SCRAPE_S  # each CPU accrues 15 s per interval
        cum0 = np.concatenate(([0.0], np.cumsum((b + delta) * half)))
        cum1 = np.concatenate(([0.0], np.cumsum((b - delta) * half)))
        extra = float(((b - b_base) * N_CPUS * SCRAPE_S).sum())
        self._cpu[h] = _CpuHour(b_base, b, delta, (cum0, cum1), extra)
        return self._cpu[h]

    def _extra_before(self, h: int) -> float:
        """Busy CPU-seconds incidents added in the hours before h."""
        hours = {
            hh
            for s, e, _ in self.saturations
            for hh in range(s // HOUR_S, (e - 1) // HOUR_S + 1)
            if hh < h
        }
        return sum(self.cpu_hour(hh).extra for hh in sorted(hours))

    def cpu_busy(self, tau: int) -> tuple[float, float]:
        """Busy seconds of CPU 0 and CPU 1 up to scrape time tau (grid-aligned), arbitrary origin."""
        h, k = divmod(tau, HOUR_S)
        k //= SCRAPE_S
        start = (
            N_CPUS
            * HOUR_S
            * (self.host.cpu_mu * h + self._diurnal_integral(h) - K_ANCHOR * self._anchor(h))
        )
        start = (start + self._extra_before_cached(h)) / N_CPUS
        cum0, cum1 = self.cpu_hour(h).cum
        return start + float(cum0[k]), start + float(cum1[k])

    def cpu_busy_hour(self, h: int) -> tuple[np.ndarray, np.ndarray]:
        """Busy seconds of CPU 0 and CPU 1 at every scrape of hour h (and the next hour's start)."""
        b0, b1 = self.cpu_busy(h * HOUR_S)
        cum0, cum1 = self.cpu_hour(h).cum
        return b0 + cum0, b1 + cum1

    def _extra_before_cached(self, h: int) -> float:
        if h not in self._extra_cache:
            self._extra_cache[h] = self._extra_before(h)
        return self._extra_cache[h]

    # --- boots ----------------------------------------------------------------------------
    def boot_before(self, tau: int) -> int:
        a = self.host.boot_anchor_s
        boot = a + ((tau - a) // BOOT_PERIOD_S) * BOOT_PERIOD_S
        for _down, up in self.resets:
            if up <= tau:
                boot = max(boot, up)
        return boot

    def is_down(self, tau: int) -> bool:
        a = self.host.boot_anchor_s
        if (tau - a) % BOOT_PERIOD_S >= BOOT_PERIOD_S - BOOT_DOWNTIME_S:
            return True
        return any(down <= tau < up for down, up in self.resets)

    def is_silent(self, tau: int) -> bool:
        """The collector lost this scrape (silent_collector): nothing written, nothing reset."""
        return any(lo <= tau < hi for lo, hi in self.silences)

    def scheduled_boots(self, start_s: float, end_s: float) -> list[int]:
        a = self.host.boot_anchor_s
        first = a + math.ceil((start_s - a) / BOOT_PERIOD_S) * BOOT_PERIOD_S
        return [b for b in range(first, math.ceil(end_s), BOOT_PERIOD_S)]

    # --- smooth counters --------------------------------------------------------------------
    def _jitter_hour(self, what: str, h: int, amplitude: float) -> np.ndarray:
        key = (what, h)
        if key not in self._jitter:
            j = stream(self.seed, SOURCE, self.host.name, h, what).random(N_SCRAPES) * amplitude
            j[0] = 0.0  # hour boundaries are exact, so files of different hours agree
            self._jitter[key] = j
        return self._jitter[key]

    def _jitter_at(self, what: str, taus: np.ndarray, amplitude: float) -> np.ndarray:
        hours, k = np.divmod(taus, HOUR_S)
        out = np.empty(taus.shape, dtype=float)
        for h in np.unique(hours).tolist():
            sel = hours == h
            out[sel] = self._jitter_hour(what, h, amplitude)[k[sel] // SCRAPE_S]
        return out

    def net_bytes(self, taus: np.ndarray) -> np.ndarray:
        """eth0 bytes received up to each (grid-aligned) time, arbitrary origin."""
        r = self.host.net_rx_bytes_per_s
        t = taus.astype(float)
        om, peak = api_requests.OMEGA, api_requests.PEAK_S
        smooth = r * (t + NET_DIURNAL / om * np.sin(om * (t - peak)))
        amp = 0.4 * SCRAPE_S * r * (1 - NET_DIURNAL)
        return smooth + self._jitter_at("net", taus, amp)

    def requests(self, taus: np.ndarray) -> np.ndarray:
        """Requests this app server has answered up to each time, arbitrary origin."""
        share = float(_latency_model()["app_share"])  # type: ignore[arg-type]
        t = taus.astype(float)
        om, peak = api_requests.OMEGA, api_requests.PEAK_S
        smooth = (
            share
            * api_requests.MEAN_RPS
            * self.scale
            * (t + api_requests.AMPLITUDE / om * np.sin(om * (t - peak)))
        )
        min_rate = share * api_requests.MEAN_RPS * self.scale * (1 - api_requests.AMPLITUDE)
        return smooth + self._jitter_at("requests", taus, 0.4 * SCRAPE_S * min_rate)

    def histogram(self, taus: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(bucket counts [len(taus), len(LE)], sum, count) up to each time, unfloored."""
        lm = _latency_model()
        n = self.requests(taus)
        buckets = n[:, None] * lm["mix"][None, :]  # type: ignore[index]
        total = n * float(lm["mix_mean"])  # type: ignore[arg-type]
        for s, e, method, endpoint in self.api_incidents:
            after = taus > s
            if not after.any():
                continue
            n_inc = np.where(
                after, self.requests(np.clip(taus, s, e)) - self.requests(np.array([s]))[0], 0.0
            )
            w = lm["share"][method, endpoint]  # type: ignore[index]
            calm = lm["cdf"][method, endpoint, 1.0]  # type: ignore[index]
            slow = lm["cdf"][method, endpoint, api_requests.INCIDENT_LATENCY_FACTOR]  # type: ignore[index]
            buckets = buckets + (w * n_inc)[:, None] * (slow - calm)[None, :]
            mu = lm["mean"][method, endpoint]  # type: ignore[index]
            total = total + w * n_inc * mu * (api_requests.INCIDENT_LATENCY_FACTOR - 1)
        return buckets, total, n

    # --- gauges -----------------------------------------------------------------------------
    def _mem_anchor(self, h: int) -> float:
        lo, hi = self.host.mem_used
        return lo + (hi - lo) * float(
            stream(self.seed, SOURCE, self.host.name, h, "mem-anchor").random()
        )

    def mem_used(self, h: int) -> np.ndarray:
        rng = stream(self.seed, SOURCE, self.host.name, h, "mem")
        x = np.arange(N_SCRAPES) / N_SCRAPES
        a0, a1 = self._mem_anchor(h), self._mem_anchor(h + 1)
        base = a0 + (a1 - a0) * x
        w = np.concatenate(([0.0], np.cumsum(rng.normal(0.0, 0.004, N_SCRAPES))))
        f = w[:-1] - x * w[-1]
        room = np.where(f > 0, (MEM_HI - base) / np.where(f > 0, f, 1), np.inf)
        room = np.minimum(room, np.where(f < 0, (base - MEM_LO) / np.where(f < 0, -f, 1), np.inf))
        return base + max(0.0, min(1.0, float(room.min()))) * f

    def disk_used(self, tau: np.ndarray) -> np.ndarray:
        since_cleanup = (tau - self.host.boot_anchor_s) % DISK_CLEANUP_S
        return self.host.disk_used_base + self.host.disk_fill_per_day * since_cleanup / 86400


def _grid(t: object) -> int:
    """An aware datetime -> epoch seconds, floored to the 15-s scrape grid."""
    s = int(t.timestamp())  # type: ignore[attr-defined]
    return s - s % SCRAPE_S


def _grid_up(t: object) -> int:
    s = math.ceil(t.timestamp())  # type: ignore[attr-defined]
    return s + (-s) % SCRAPE_S


# --- exposition ----------------------------------------------------------------------------
def _labels(pairs: dict[str, str]) -> str:
    return "{" + ",".join(f'{k}="{pairs[k]}"' for k in sorted(pairs)) + "}"


@lru_cache(maxsize=16)
def block_template(host: Host) -> tuple[str, int, int]:
    """str.format template of one scrape: {0} is the timestamp, {1}.. the variable values.

    Returns (template, lines per block, samples per block). Constant samples are inlined.
    """
    target = {"component": host.component, "instance": host.instance, "job": "node"}
    out: list[str] = []
    samples = 0
    slot = 1

    def family(name: str, kind: str) -> None:
        out.append(f"# HELP {name} {HELP[name]}")
        out.append(f"# TYPE {name} {kind}")

    def sample(name: str, labels: dict[str, str], value: str | None = None) -> None:
        nonlocal slot, samples
        text = (name + _labels({**target, **labels})).replace("{", "{{").replace("}", "}}")
        if value is None:
            out.append(f"{text} {{{slot}}} {{0}}")
            slot += 1
        else:
            out.append(f"{text} {value} {{0}}")
        samples += 1

    if host.serves_http:
        name = "http_server_request_duration_seconds"
        family(name, "histogram")
        for le in LE_TEXT:
            sample(name + "_bucket", {"le": le})
        sample(name + "_sum", {})
        sample(name + "_count", {})
    family("node_cpu_seconds_total", "counter")
    for cpu in range(N_CPUS):
        for mode in MODES:
            sample("node_cpu_seconds_total", {"cpu": str(cpu), "mode": mode})
    fs = {"device": "/dev/vda1", "fstype": "ext4", "mountpoint": "/"}
    family("node_filesystem_avail_bytes", "gauge")
    sample("node_filesystem_avail_bytes", fs)
    family("node_filesystem_size_bytes", "gauge")
    sample("node_filesystem_size_bytes", fs, go_float(float(host.disk_size_bytes)))
    family("node_load1", "gauge")
    sample("node_load1", {})
    family("node_memory_MemAvailable_bytes", "gauge")
    sample("node_memory_MemAvailable_bytes", {})
    family("node_memory_MemTotal_bytes", "gauge")
    sample("node_memory_MemTotal_bytes", {}, go_float(float(host.mem_total_bytes)))
    family("node_network_receive_bytes_total", "counter")
    sample("node_network_receive_bytes_total", {"device": "eth0"})
    return "\n".join(out), len(out), samples


@dataclass
class HourScrapes:
    ts_us: np.ndarray
    blocks: list[str]
    lines_per_block: int
    samples_per_block: int


def generate_hour(model: HostModel, hour: int) -> HourScrapes:
    """Every scrape of `model.host` in `hour` (hours since the epoch), independent of any window."""
    host = model.host
    template, n_lines, n_samples = block_template(host)
    taus_all = hour * HOUR_S + np.arange(N_SCRAPES, dtype=np.int64) * SCRAPE_S
    keep = np.array(
        [not (model.is_down(t) or model.is_silent(t)) for t in taus_all.tolist()], dtype=bool
    )
    taus = taus_all[keep]
    if not taus.size:
        return HourScrapes(taus * US, [], n_lines, n_samples)
    boots = np.array([model.boot_before(t) for t in taus.tolist()], dtype=np.int64)
    uptime = (taus - boots).astype(float)
    cpu = model.cpu_hour(hour)
    busy0, busy1 = model.cpu_busy_hour(hour)
    busy = (busy0[:N_SCRAPES][keep], busy1[:N_SCRAPES][keep])
    boot_busy = {b: model.cpu_busy(b) for b in np.unique(boots).tolist()}
    columns: list[list[str]] = []
    if host.serves_http:
        buckets, total, count = model.histogram(taus)
        b_buckets, b_total, b_count = model.histogram(boots)
        columns.extend(np.floor(buckets - b_buckets).astype(np.int64).astype(str).T.tolist())
        n = np.floor(count - b_count).astype(np.int64).astype(str).tolist()
        columns.append(n)  # le="+Inf"
        columns.append(go_floats(total - b_total, 3))
        columns.append(n)
    for c in range(N_CPUS):
        since = busy[c] - np.array([boot_busy[b][c] for b in boots.tolist()])
        idle0, user0, system0, iowait0 = BOOT_CPU[c]
        pu, ps, pw = host.cpu_modes[c]
        for series in (
            idle0 + uptime - since,
            iowait0 + pw * since,
            system0 + ps * since,
            user0 + pu * since,
        ):
            columns.append(go_floats(series, 2))
    disk = model.disk_used(taus)
    avail_fs = np.floor(host.disk_size_bytes * (1 - disk) / 4096) * 4096
    columns.append(go_floats(avail_fs, 0))
    lrng = stream(model.seed, SOURCE, host.name, hour, "load")
    u1, u2 = lrng.random(N_SCRAPES), lrng.random(N_SCRAPES)
    b = cpu.b
    load = N_CPUS * b * (0.85 + 0.3 * u1) + 0.04 + 1.5 * np.clip(b - 0.9, 0, None) / 0.1 * u2
    columns.append(go_floats(load[keep], 2))
    used = model.mem_used(hour)[keep]
    # a fresh boot has its page cache and heaps still empty
    used = used - np.where(uptime < 4 * HOUR_S, 0.18 * np.exp(-uptime / 1800), 0.0)
    mem_avail = np.floor(host.mem_total_bytes * (1 - used) / 1024) * 1024
    columns.append(go_floats(mem_avail, 0))
    net = BOOT_NET_BYTES + np.floor(model.net_bytes(taus) - model.net_bytes(boots))
    columns.append(go_floats(net, 0))
    fmt = template.format
    blocks = [
        fmt(ts, *row)
        for ts, row in zip(
            (taus * 1000).astype(str).tolist(), zip(*columns, strict=True), strict=True
        )
    ]
    return HourScrapes(taus * US, blocks, n_lines, n_samples)
