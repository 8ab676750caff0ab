"""The telemetry simulator: determinism, real formats, counted corruption, incidents, calm periods."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from prometheus_client.parser import text_string_to_metric_families

from orchestration.sources.simulator import (
    GroundTruth,
    Incident,
    default_incidents,
    load_ground_truth,
)
from orchestration.sources.simulator import (
    simulate as _simulate,
)

# This module tests the three telemetry formats; the ops and database sources have their own tests.
TELEMETRY = ("api_requests", "system_metrics", "error_logs")


def simulate(*args, **kwargs):
    kwargs.setdefault("sources", TELEMETRY)
    return _simulate(*args, **kwargs)


START = datetime(2026, 3, 10, 0, 0, tzinfo=UTC)
END = START + timedelta(hours=4)  # one 4-hour corruption block: >= 1 corrupt line per source
SCALE = 0.1

# nginx combined + $request_time, strictly
API_LINE = re.compile(
    r"^(?P<ip>\d{1,3}(?:\.\d{1,3}){3}) - (?P<user>-|user_\d+) "
    r"\[(?P<ts>\d{2}/(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)/\d{4}:\d{2}:\d{2}:\d{2} \+0000)\] "
    r'"(?P<method>GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (?P<path>/[^ "]*) (?P<proto>HTTP/1\.1|HTTP/2\.0)" '
    r"(?P<status>[1-5]\d{2}) (?P<bytes>\d+) "
    r'"(?P<referer>-|https?://[^"]+)" "(?P<ua>[^"]+)" (?P<rt>\d+\.\d{3})$'
)
PROM_COMMENT = re.compile(r"^# (?:HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* \S.*$")
PROM_SAMPLE = re.compile(
    r"^[a-zA-Z_:][a-zA-Z0-9_:]*"
    r'\{[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*")*\}'
    r" (?P<value>[0-9][0-9.e+-]*|\+Inf|NaN) (?P<ts>\d{13})$"
)
LOG_KEYS = [
    "ts",
    "level",
    "component",
    "host",
    "logger",
    "error_code",
    "message",
    "stack_trace",
    "request_id",
    "user_id",
]
LOG_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")


def _files(home: Path, source: str) -> list[Path]:
    return sorted((home / "inbox" / source).glob("*/*"))


def _tree(home: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(home)): p.read_bytes() for p in sorted(home.rglob("*")) if p.is_file()
    }


def _prom_ok(line: str) -> bool:
    if PROM_COMMENT.match(line):
        return True
    m = PROM_SAMPLE.match(line)
    if not m:
        return False
    try:
        float(m.group("value"))
    except ValueError:
        return False
    return True


def _api_ok(line: str) -> bool:
    return API_LINE.match(line) is not None


def _json_ok(line: str) -> bool:
    try:
        record = json.loads(line)
    except ValueError:
        return False
    return isinstance(record, dict) and list(record) == LOG_KEYS


def _template(path: str) -> str:
    path = path.split("?", 1)[0]
    path = re.sub(
        r"/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", "/{uuid}", path
    )
    return re.sub(r"/\d+", "/{id}", path)


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("sim")
    result = simulate(home, START, END, seed=7, scale=SCALE)
    return home, result, load_ground_truth(home / "simulator" / "incidents.json")


@pytest.fixture(scope="module")
def requests(sim):
    """Every good access-log line: (epoch s, host, 'METHOD /template', status, latency ms)."""
    home, _, _ = sim
    rows = []
    for f in _files(home, "api_requests"):
        host = f.stem.rsplit("-", 1)[0]
        for line in f.read_text("utf-8").splitlines():
            m = API_LINE.match(line)
            if m:
                t = datetime.strptime(m["ts"], "%d/%b/%Y:%H:%M:%S %z").timestamp()
                ep = f"{m['method']} {_template(m['path'])}"
                rows.append((t, host, ep, int(m["status"]), float(m["rt"]) * 1000))
    return rows


@pytest.fixture(scope="module")
def cpu(sim):
    """host -> sorted [(epoch ms, {(cpu, mode): seconds})] from the node_cpu_seconds_total samples."""
    home, _, _ = sim
    out: dict[str, dict[int, dict]] = defaultdict(lambda: defaultdict(dict))
    for f in _files(home, "system_metrics"):
        for line in f.read_text("utf-8").splitlines():
            if line.startswith("node_cpu_seconds_total{") and _prom_ok(line):
                labels = dict(re.findall(r'(\w+)="([^"]*)"', line))
                _, value, ts = line.rsplit(" ", 2)
                host = labels["instance"].split(":")[0]
                out[host][int(ts)][(labels["cpu"], labels["mode"])] = float(value)
    return {h: sorted(v.items()) for h, v in out.items()}


def _cpu_pct(series) -> list[tuple[int, float]]:
    """cpu_pct per scrape as int_host_resources computes it (a reset counts the new value)."""
    out = []
    for (_, a), (t1, b) in zip(series, series[1:], strict=False):
        if len(a) != 8 or len(b) != 8:
            continue
        delta = {k: (b[k] - a[k]) if b[k] >= a[k] else b[k] for k in b}
        idle = sum(v for k, v in delta.items() if k[1] == "idle")
        total = sum(delta.values())
        out.append((t1, 100 * (1 - idle / total)))
    return out


def _window_ms(inc: Incident) -> tuple[int, int]:
    return int(inc.start.timestamp() * 1000), int(inc.end.timestamp() * 1000)


# --- layout, determinism -------------------------------------------------------------------
def test_layout_and_result(sim):
    home, result, truth = sim
    names = {p.name for p in _files(home, "api_requests")}
    assert names == {f"web-{h}-{hh:02d}.log" for h in (1, 2) for hh in range(4)}
    assert {p.parent.name for s in result.files for p in result.files[s]} == {"2026-03-10"}
    assert {p.name for p in _files(home, "system_metrics")} >= {"app-1-00.prom", "worker-1-03.prom"}
    assert {p.name for p in _files(home, "error_logs")} >= {
        "app-server-00.jsonl",
        "database-03.jsonl",
    }
    assert result.files_written == {"api_requests": 8, "system_metrics": 24, "error_logs": 12}
    for source in result.files:
        text = b"".join(p.read_bytes() for p in result.files[source])
        assert result.lines[source] == text.count(b"\n")
        assert result.bytes_written[source] == len(text)
        text.decode("utf-8")  # no invalid UTF-8 by default
    assert truth.corrupt_lines == result.corrupt_lines
    assert truth.seed == 7 and truth.start == START and truth.end == END


def test_same_seed_same_bytes_other_seed_other_bytes(sim, tmp_path: Path):
    home, _, _ = sim
    again = simulate(tmp_path / "a", START, END, seed=7, scale=SCALE)
    assert _tree(tmp_path / "a") == _tree(home)
    # rerunning into the same home rewrites nothing
    assert simulate(tmp_path / "a", START, END, seed=7, scale=SCALE).changed_files == 0
    assert again.lines == sim[1].lines
    other = _tree(simulate(tmp_path / "b", START, END, seed=8, scale=SCALE).home)
    mine = _tree(home)
    for name in ("inbox/api_requests/2026-03-10/web-1-01.log",
                 "inbox/system_metrics/2026-03-10/app-1-01.prom",
                 "inbox/error_logs/2026-03-10/app-server-01.jsonl"):  # fmt: skip
        assert other[name] != mine[name]


def test_an_hour_does_not_depend_on_the_window(tmp_path: Path):
    calm: list[Incident] = []
    simulate(tmp_path / "wide", START, END, scale=SCALE, incidents=calm)
    simulate(tmp_path / "narrow", START + timedelta(hours=2), START + timedelta(hours=3),
             scale=SCALE, incidents=calm)  # fmt: skip
    # a live window ending mid-hour (end floored to 5 minutes)
    live_end = START + timedelta(hours=3, minutes=35)
    simulate(tmp_path / "live", START + timedelta(hours=1), live_end, scale=SCALE, incidents=calm)
    wide, narrow, live = (_tree(tmp_path / d) for d in ("wide", "narrow", "live"))
    hour2 = [
        k
        for k in narrow
        if k.startswith("inbox/") and k.endswith(("-02.log", "-02.prom", "-02.jsonl"))
    ]
    assert len(hour2) == 2 + 6 + 3
    for k in hour2:
        assert narrow[k] == wide[k] == live[k], k
    # the partial hour is exactly the beginning of the full hour
    for k in ("inbox/api_requests/2026-03-10/web-2-03.log",
              "inbox/system_metrics/2026-03-10/db-1-03.prom",
              "inbox/error_logs/2026-03-10/worker-03.jsonl"):  # fmt: skip
        assert wide[k].startswith(live[k]) and len(live[k]) < len(wide[k])
    last = live["inbox/api_requests/2026-03-10/web-2-03.log"].decode().splitlines()[-1]
    assert "[10/Mar/2026:03:34:" in last


# --- formats ---------------------------------------------------------------------------------
def test_every_api_line_is_combined_format_except_the_counted_corrupt_ones(sim):
    home, _, truth = sim
    bad = []
    for f in _files(home, "api_requests"):
        lines = f.read_text("utf-8").splitlines()
        bad += [(f.name, i + 1) for i, line in enumerate(lines) if not _api_ok(line)]
        times = [API_LINE.match(x)["ts"] for x in lines if _api_ok(x)]
        assert times == sorted(times)  # in time order (one hour, same day: text order works)
    assert truth.corrupt_lines["api_requests"] >= 1
    assert len(bad) == truth.corrupt_lines["api_requests"]
    where = {
        (Path(c["file"]).name, c["line"])
        for c in truth.corrupt_line_locations
        if c["source"] == "api_requests"
    }
    assert set(bad) == where


def test_api_traffic_looks_real(requests):
    users = Counter(r for r in (x[2] for x in requests))
    assert set(users) == {
        "GET /api/v1/health",
        "GET /api/v1/users/{id}",
        "POST /api/v1/auth/login",
        "GET /api/v1/orders/{id}",
        "POST /api/v1/orders",
        "GET /api/v1/orders/{id}/items",
        "GET /api/v1/search",
        "GET /api/v1/products/{uuid}",
    }
    hours = 4
    rate = len(requests) / (hours * 3600)
    assert 0.5 * 8 * SCALE < rate < 1.5 * 8 * SCALE  # 8 req/s at scale 1, diurnal around it
    statuses = np.array([r[3] for r in requests])
    assert 0.005 < np.mean((statuses >= 400) & (statuses < 500)) < 0.05


def test_every_json_line_parses_except_the_counted_corrupt_ones(sim):
    home, _, truth = sim
    bad = 0
    levels = Counter()
    for f in _files(home, "error_logs"):
        component = f.stem.rsplit("-", 1)[0]
        for line in f.read_text("utf-8").splitlines():
            if not _json_ok(line):
                bad += 1
                continue
            r = json.loads(line)
            assert LOG_TS.match(r["ts"]) and r["component"] == component
            assert r["level"] in ("WARNING", "ERROR", "CRITICAL")
            levels[r["level"]] += 1
            assert (r["stack_trace"] is None) == (r["level"] == "WARNING")
            if r["stack_trace"]:
                assert r["stack_trace"].startswith("Traceback (most recent call last):\n")
            assert r["user_id"] is None or re.fullmatch(r"user_\d+", r["user_id"])
    assert truth.corrupt_lines["error_logs"] >= 1
    assert bad == truth.corrupt_lines["error_logs"]
    assert levels["WARNING"] > levels["ERROR"] > 0 and levels["CRITICAL"] > 0


def test_prom_files_parse_once_the_counted_corrupt_lines_are_removed(sim):
    home, _, truth = sim
    removed = 0
    for f in _files(home, "system_metrics"):
        lines = f.read_text("utf-8").splitlines()
        good = [line for line in lines if _prom_ok(line)]
        removed += len(lines) - len(good)
        if f.stem not in ("app-1-01", "worker-1-03"):
            continue  # parse a sample: an app server (histogram) and the worker's reboot hour
        families = list(text_string_to_metric_families("\n".join(good) + "\n"))
        kinds = {fam.name: fam.type for fam in families}
        assert kinds["node_cpu_seconds"] == "counter"  # the client names counters without _total
        assert kinds["node_network_receive_bytes"] == "counter"
        assert kinds["node_memory_MemAvailable_bytes"] == "gauge"
        host = f.stem.rsplit("-", 1)[0]
        for fam in families:
            for s in fam.samples:
                assert s.timestamp is not None and s.timestamp % 15 == 0  # :00/:15/:30/:45
                assert s.labels["instance"] == f"{host}:9100" and s.labels["job"] == "node"
        if host == "app-1":
            assert kinds["http_server_request_duration_seconds"] == "histogram"
            buckets = [s for fam in families for s in fam.samples if s.name.endswith("_bucket")]
            assert {s.labels["le"] for s in buckets} >= {"0.005", "1", "10", "+Inf"}
    assert removed == truth.corrupt_lines["system_metrics"] >= 1
    # label names are written sorted, as Prometheus writes them
    sample = next(
        line
        for line in (home / "inbox/system_metrics/2026-03-10/db-1-00.prom").read_text().splitlines()
        if line.startswith("node_filesystem_avail_bytes")
    )
    names = re.findall(r'(\w+)="', sample)
    assert (
        names == sorted(names) == ["component", "device", "fstype", "instance", "job", "mountpoint"]
    )


def test_counters_are_monotonic_except_at_the_recorded_restart(sim, cpu):
    home, _, truth = sim
    (reset,) = [e for e in truth.events if e.kind == "counter_reset"]
    assert reset.host == "worker-1" and not reset.alerting
    drops = []
    for host, series in cpu.items():
        for (_, a), (t1, b) in zip(series, series[1:], strict=False):
            if any(b[k] < a[k] for k in b if k in a):
                drops.append((host, t1))
    first_after = min(t for t, _ in cpu["worker-1"] if t >= reset.end.timestamp() * 1000)
    assert drops == [("worker-1", first_after)]
    # no scrapes while the host was down, and the counters restart near 0
    times = [t for t, _ in cpu["worker-1"]]
    s, e = _window_ms(reset)
    assert not [t for t in times if s <= t < e]
    assert max(dict(cpu["worker-1"])[first_after].values()) < 60


def test_ground_truth_round_trips(sim):
    home, _, truth = sim
    assert [i.kind for i in truth.incidents] == [
        "api_error_latency", "cpu_saturation", "silent_collector",
    ]  # fmt: skip
    expected = default_incidents(START, END)
    assert sorted(truth.scenario(), key=lambda i: i.id) == sorted(expected, key=lambda i: i.id)
    for inc in truth.scenario():
        assert inc.start.second == 0 and START <= inc.start < inc.end <= END
        if not inc.is_scenario:  # scenarios may span the whole window (an index never used)
            assert inc.start > START and inc.end < END
        assert Incident.from_dict(inc.to_dict()) == inc
    raw = json.loads((home / "simulator" / "incidents.json").read_text())
    assert set(raw) >= {"seed", "window", "incidents", "events", "corrupt_lines"}
    assert raw["window"] == {"start": "2026-03-10T00:00:00Z", "end": "2026-03-10T04:00:00Z"}
    assert set(raw["incidents"][0]) == {
        "id", "kind", "start", "end", "component", "host", "endpoint", "method", "description",
        "target",
    }  # fmt: skip
    assert GroundTruth.from_dict(raw) == truth


# --- incidents ---------------------------------------------------------------------------------
def test_api_incident_shows_in_the_access_log(sim, requests):
    _, _, truth = sim
    (inc,) = [i for i in truth.incidents if i.kind == "api_error_latency"]
    target = f"{inc.method} {inc.endpoint}"
    s, e = inc.start.timestamp(), inc.end.timestamp()
    during = [r for r in requests if r[2] == target and s <= r[0] < e]
    outside = [r for r in requests if r[2] == target and not s <= r[0] < e]
    share_during = np.mean([r[3] >= 500 for r in during])
    share_outside = np.mean([r[3] >= 500 for r in outside])
    assert len(during) >= 20
    assert 0.25 < share_during < 0.6 and share_outside < 0.03
    assert np.percentile([r[4] for r in during], 95) > 1000
    assert np.percentile([r[4] for r in outside], 95) < 700
    # other endpoints are untouched
    others = [r for r in requests if r[2] != target and s <= r[0] < e]
    assert np.mean([r[3] >= 500 for r in others]) < 0.03


def test_api_incident_shows_in_the_error_log(sim):
    home, _, truth = sim
    (inc,) = [i for i in truth.incidents if i.kind == "api_error_latency"]
    per_minute = Counter()
    for f in _files(home, "error_logs"):
        for line in f.read_text("utf-8").splitlines():
            if _json_ok(line):
                r = json.loads(line)
                if r["level"] == "CRITICAL" and r["component"] == "app-server":
                    ts = datetime.fromisoformat(r["ts"].replace("Z", "+00:00"))
                    if inc.start <= ts < inc.end:
                        assert r["error_code"] in ("UPSTREAM_TIMEOUT", "DB_POOL_EXHAUSTED")
                        per_minute[ts.replace(second=0, microsecond=0)] += 1
    assert len(per_minute) == 15
    assert 10 < np.mean(list(per_minute.values())) < 30


def test_cpu_incident_saturates_the_host(sim, cpu):
    _, _, truth = sim
    (inc,) = [i for i in truth.incidents if i.kind == "cpu_saturation"]
    s, e = _window_ms(inc)
    by_t = dict(cpu[inc.host])
    a, b = by_t[s], by_t[e]
    idle = sum(b[k] - a[k] for k in b if k[1] == "idle")
    total = sum(b[k] - a[k] for k in b)
    assert abs(total - 2 * (e - s) / 1000) < 0.1  # 2 CPUs accrue wall-clock seconds
    assert idle / total < 0.05
    high = [t for t, p in _cpu_pct(cpu[inc.host]) if p > 95]
    assert high and min(high) > s and max(high) <= e and len(high) == (e - s) // 15000


# --- calm periods --------------------------------------------------------------------------------
def test_calm_periods_stay_under_the_alert_thresholds(sim, cpu, requests):
    home, _, truth = sim
    (sat,) = [i for i in truth.incidents if i.kind == "cpu_saturation"]
    (api,) = [i for i in truth.incidents if i.kind == "api_error_latency"]
    s, e = _window_ms(sat)
    for host, series in cpu.items():
        for t, pct in _cpu_pct(series):
            if not (host == sat.host and s < t <= e):
                assert 5 < pct < 80, (host, t, pct)
    # memory
    for f in _files(home, "system_metrics"):
        text = f.read_text("utf-8")
        total = float(re.search(r"^node_memory_MemTotal_bytes\{.*\} (\S+) ", text, re.M)[1])
        for v in re.findall(r"^node_memory_MemAvailable_bytes\{.*\} (\S+) ", text, re.M):
            assert 100 * (1 - float(v) / total) < 85
    # error log: ERROR+CRITICAL per 5 minutes per component, CRITICAL per minute
    five, one = Counter(), Counter()
    for f in _files(home, "error_logs"):
        for line in f.read_text("utf-8").splitlines():
            if not _json_ok(line):
                continue
            r = json.loads(line)
            ts = datetime.fromisoformat(r["ts"].replace("Z", "+00:00"))
            if api.start <= ts < api.end or r["level"] == "WARNING":
                continue
            five[r["component"], int(ts.timestamp()) // 300] += 1
            if r["level"] == "CRITICAL":
                one[r["component"], int(ts.timestamp()) // 60] += 1
    assert max(five.values()) < 10
    assert not one or max(one.values()) <= 5
    # every endpoint's p95 latency per hour, outside the incident
    lat = defaultdict(list)
    for t, _, ep, _, ms in requests:
        if not api.start.timestamp() <= t < api.end.timestamp():
            lat[ep, int(t) // 3600].append(ms)
    assert max(np.percentile(v, 95) for v in lat.values()) < 700


def test_diurnal_shape(tmp_path: Path):
    day = datetime(2026, 3, 11, tzinfo=UTC)
    result = simulate(tmp_path, day, day + timedelta(days=1), scale=0.02, incidents=[],
                      sources=["api_requests"])  # fmt: skip
    per_hour = Counter()
    for f in result.files["api_requests"]:
        per_hour[int(f.stem.rsplit("-", 1)[1])] += f.read_bytes().count(b"\n")
    assert len(per_hour) == 24
    assert max(per_hour.values()) > 2 * min(per_hour.values())
    peak = max(per_hour, key=per_hour.__getitem__)
    assert 12 <= peak <= 18  # afternoon UTC


def test_no_corruption_when_disabled(tmp_path: Path):
    end = START + timedelta(hours=1)
    result = simulate(tmp_path, START, end, scale=SCALE, corrupt_lines=False)
    assert result.corrupt_lines == {"api_requests": 0, "system_metrics": 0, "error_logs": 0}
    checks = {"api_requests": _api_ok, "system_metrics": _prom_ok, "error_logs": _json_ok}
    for source, ok in checks.items():
        for f in result.files[source]:
            assert all(ok(line) for line in f.read_text("utf-8").splitlines()), f
    assert load_ground_truth(tmp_path / "simulator" / "incidents.json").incidents == []


def test_rejects_bad_arguments(tmp_path: Path):
    with pytest.raises(ValueError, match="timezone-aware"):
        simulate(tmp_path, datetime(2026, 3, 10), datetime(2026, 3, 11))
    with pytest.raises(ValueError, match="after"):
        simulate(tmp_path, END, START)
    bad = Incident(
        "x", "api_error_latency", START, END, "app-server", endpoint="/nope", method="GET"
    )
    with pytest.raises(ValueError, match="no endpoint"):
        simulate(tmp_path, START, END, incidents=[bad])
