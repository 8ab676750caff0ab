"""Landing throughput and memory, measured against DuckDB's bare COPY of the same files.

    .venv/bin/python benchmarks/landing.py                       # 1M events per format
    .venv/bin/python benchmarks/landing.py --events 200000 --formats nginx,json
    .venv/bin/python benchmarks/landing.py --layout both         # also 24 hourly files per day
    .venv/bin/python benchmarks/landing.py --compare-sizes 1000000,5000000

For each format (nginx access log, JSON error log, Prometheus text exposition when its parser
exists) the script generates N events in realistic shapes (seeded numpy; cached under `--dir`),
puts them in the inbox of a scratch OPSDW_HOME, and measures, each in a fresh child process:

* landing: the real `land_partition` (timed inside the child, imports excluded);
* bare: `COPY (SELECT * FROM read_csv(<file>)) TO '<out>.parquet'` (read_json for JSON lines),
  auto-detected, as a user would type it.

Peak memory is the child's peak resident set size, `ru_maxrss` of the rusage that `os.wait4`
returns for that child (the per-child form of `getrusage(RUSAGE_CHILDREN)`), so it includes the
Python interpreter and the imported libraries (~100 MB), not only DuckDB.

`ratio` = landing events/s ÷ bare events/s (= bare seconds ÷ landing seconds). Targets from the
product issue: ratio ≥ 0.5 for every format; peak memory at 5M events ≤ 1.5× the 1M figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DAY = dt.date(2026, 11, 21)
GENERATOR_VERSION = 4  # bump when the generated shapes change (invalidates the cache)
CHUNK = 50_000  # lines generated per batch
BENCH_KEY = "opsdw-benchmark-key"


@dataclass(frozen=True)
class Format:
    name: str
    source: str  # catalog source name
    ext: str
    host_stem: str  # file stem prefix: '<host>-<HH>'
    reader: str  # bare reader function


FORMATS: dict[str, Format] = {
    "nginx": Format("nginx", "api_requests", "log", "web-1", "read_csv"),
    "json": Format("json", "error_logs", "jsonl", "checkout", "read_json"),
    "prometheus": Format("prometheus", "system_metrics", "prom", "web-1", "read_csv"),
}


def prometheus_available() -> bool:
    return (REPO / "orchestration" / "landing" / "parsers" / "prometheus.py").exists()


# --------------------------------------------------------------------------------------------
# generators: each yields (hour, line) with lines in time order; `bad` of every 10,000 lines are
# malformed so the reject path is exercised too.
# --------------------------------------------------------------------------------------------


def _skewed(rng, size: int, n: int) -> object:
    """Indices in [0, n) with a long-tailed (Zipf-like) popularity."""
    import numpy as np

    return np.minimum((rng.pareto(1.1, size) * n / 50).astype(np.int64), n - 1)


def _seconds(n: int, rng, span_s: int = 86_400) -> object:
    import numpy as np

    return np.sort(rng.integers(0, span_s, n))


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def gen_nginx(n: int, seed: int, bad_per_10k: int) -> Iterator[tuple[int, str]]:
    import numpy as np

    rng = np.random.default_rng(seed)
    ips = [f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}" for i in rng.integers(0, 1 << 24, 20_000)]
    users = [f"user{i}" for i in range(50_000)]
    agents = (
        [
            f"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0 Safari/537.36"
            for v in range(100, 130)
        ]
        + [f"okhttp/4.{v}.0" for v in range(10)]
        + ["curl/8.5.0", "python-requests/2.32.3"]
    )
    methods = np.array(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])
    mprob = np.array([0.8, 0.12, 0.03, 0.02, 0.01, 0.01, 0.01])
    statuses = np.array([200, 201, 204, 301, 304, 400, 401, 403, 404, 500, 502, 503])
    sprob = np.array([0.85, 0.03, 0.02, 0.01, 0.03, 0.02, 0.01, 0.005, 0.02, 0.003, 0.001, 0.001])
    sprob = sprob / sprob.sum()
    paths = (
        "/api/v1/users/{i}",
        "/api/v1/users/{i}/orders",
        "/api/v1/orders/{u}",
        "/api/v1/orders/{u}/items/{j}",
        "/api/v1/products/{i}?page={j}",
        "/api/v1/search?q=item{i}",
        "/static/app.{h}.js",
        "/health",
        "/",
    )
    pprob = np.array([0.25, 0.1, 0.15, 0.05, 0.2, 0.1, 0.08, 0.05, 0.02])
    builds = [f"{b:016x}" for b in rng.integers(0, 1 << 62, 4)]  # static assets of 4 deploys
    secs = _seconds(n, rng)
    base = dt.datetime.combine(DAY, dt.time())
    cache: dict[int, str] = {}
    for lo in range(0, n, CHUNK):
        m = min(CHUNK, n - lo)
        ip = _skewed(rng, m, len(ips))
        user = np.where(rng.random(m) < 0.6, -1, _skewed(rng, m, len(users)))
        meth = rng.choice(methods, m, p=mprob)
        st = rng.choice(statuses, m, p=sprob)
        pth = rng.choice(len(paths), m, p=pprob)
        ids = rng.integers(1, 10_000_000, m)
        js = rng.integers(1, 50, m)
        hexes = rng.integers(0, 1 << 62, (m, 2))
        size = rng.lognormal(7, 1.5, m).astype(np.int64)
        rt = rng.lognormal(-3, 1, m)
        ua = rng.integers(0, len(agents), m)
        ref = rng.random(m) < 0.3
        bad = rng.integers(0, 10_000, m) < bad_per_10k
        proto = np.where(rng.random(m) < 0.9, "HTTP/1.1", "HTTP/2.0")
        for k in range(m):
            s = int(secs[lo + k])
            t = cache.get(s)
            if t is None:
                d = base + dt.timedelta(seconds=s)
                t = cache[s] = f"{d.day:02d}/{_MONTHS[d.month - 1]}/{d.year}:{d:%H:%M:%S} +0000"
            if bad[k]:
                yield s // 3600, f'{ips[ip[k]]} - - [{t}] "\\x16\\x03\\x01" 400 0 "-" "-" 0.000'
                continue
            h0, h1 = int(hexes[k, 0]), int(hexes[k, 1])
            u = f"{h0 & 0xFFFFFFFF:08x}-{h0 >> 32 & 0xFFFF:04x}-4{h0 >> 48 & 0xFFF:03x}-a{h1 & 0xFFF:03x}-{h1 >> 12 & 0xFFFFFFFFFFFF:012x}"
            path = paths[pth[k]].format(i=ids[k], j=js[k], u=u, h=builds[js[k] % 4])
            uname = users[user[k]] if user[k] >= 0 else "-"
            referer = f"https://shop.example.com/p/{ids[k] % 1000}" if ref[k] else "-"
            yield (
                s // 3600,
                f'{ips[ip[k]]} - {uname} [{t}] "{meth[k]} {path} {proto[k]}" {st[k]} {size[k]} '
                f'"{referer}" "{agents[ua[k]]}" {rt[k]:.3f}',
            )


_STACK = (
    "Traceback (most recent call last):\\n"
    '  File \\"/srv/app/{c}/handlers.py\\", line {i}, in handle\\n'
    "    result = await self.service.call(request)\\n"
    '  File \\"/srv/app/{c}/service.py\\", line {j}, in call\\n'
    "    raise UpstreamError(code)\\n"
    "UpstreamError: upstream returned {code}"
)


def gen_json(n: int, seed: int, bad_per_10k: int) -> Iterator[tuple[int, str]]:
    import numpy as np

    rng = np.random.default_rng(seed)
    components = ["checkout", "payments", "search", "catalog", "auth", "inventory", "gateway"]
    levels = np.array(["WARNING", "ERROR", "CRITICAL", "warning"])
    lprob = np.array([0.6, 0.33, 0.05, 0.02])
    codes = [f"E{c}" for c in range(1000, 1040)]
    messages = (
        "upstream timeout after {i} ms",
        "connection pool exhausted ({j} waiting)",
        "order {i} could not be reserved",
        "payment declined for order {i}",
        "cache miss storm on key product:{i}",
        "slow query took {i} ms",
    )
    secs = _seconds(n, rng)
    base = dt.datetime.combine(DAY, dt.time())
    cache: dict[int, str] = {}
    for lo in range(0, n, CHUNK):
        m = min(CHUNK, n - lo)
        comp = rng.integers(0, len(components), m)
        lvl = rng.choice(levels, m, p=lprob)
        code = rng.integers(-10, len(codes), m)
        msg = rng.integers(0, len(messages), m)
        ids = rng.integers(1, 10_000_000, m)
        js = rng.integers(1, 500, m)
        ms = rng.integers(0, 1000, m)
        has_stack = rng.random(m) < 0.3
        user = np.where(rng.random(m) < 0.4, -1, _skewed(rng, m, 50_000))
        req = rng.integers(0, 1 << 62, (m, 2))
        tz_plus = rng.random(m) < 0.2
        bad = rng.integers(0, 10_000, m) < bad_per_10k
        for k in range(m):
            s = int(secs[lo + k])
            t = cache.get(s)
            if t is None:
                t = cache[s] = (base + dt.timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%S")
            if bad[k]:
                yield s // 3600, f'{{"ts": "{t}.{ms[k]:03d}Z", "level": "ERROR", "message": "trunc'
                continue
            c = components[comp[k]]
            ts = f"{t}.{ms[k]:03d}" + ("+00:00" if tz_plus[k] else "Z")
            h0, h1 = int(req[k, 0]), int(req[k, 1])
            rid = f"{h0 & 0xFFFFFFFF:08x}-{h0 >> 32 & 0xFFFF:04x}-4{h0 >> 48 & 0xFFF:03x}-a{h1 & 0xFFF:03x}-{h1 >> 12 & 0xFFFFFFFFFFFF:012x}"
            ec = f'"{codes[code[k]]}"' if code[k] >= 0 else "null"
            uid = f'"user{user[k]}"' if user[k] >= 0 else "null"
            message = messages[msg[k]].format(i=ids[k], j=js[k])
            stack = (
                '"' + _STACK.format(c=c, i=js[k], j=js[k] + 40, code=ec.strip('"')) + '"'
                if has_stack[k]
                else "null"
            )
            yield (
                s // 3600,
                f'{{"ts": "{ts}", "level": "{lvl[k]}", "component": "{c}", '
                f'"host": "{c}-{comp[k] % 3 + 1}", "logger": "app.{c}.handlers", '
                f'"error_code": {ec}, "message": "{message}", "stack_trace": {stack}, '
                f'"request_id": "{rid}", "user_id": {uid}}}',
            )


def gen_prometheus(n: int, seed: int, bad_per_10k: int) -> Iterator[tuple[int, str]]:
    """Node-exporter-like scrapes of one host, HELP/TYPE repeated in every scrape, samples
    timestamped (ms); the scrape interval shrinks below 15 s when N needs more than a day."""
    import numpy as np

    rng = np.random.default_rng(seed)
    inst = 'instance="web-1:9100",job="node",component="gateway"'
    series: list[tuple[str, str, str, str]] = []  # (family, type, help, sample prefix)
    for cpu in range(4):
        for mode in ("idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"):
            series.append(
                (
                    "node_cpu_seconds_total",
                    "counter",
                    "Seconds the CPUs spent in each mode.",
                    f'node_cpu_seconds_total{{cpu="{cpu}",mode="{mode}",{inst}}}',
                )
            )
    for fam in (
        "node_memory_MemAvailable_bytes",
        "node_memory_MemTotal_bytes",
        "node_load1",
        "node_load5",
        "node_load15",
        "node_filefd_allocated",
    ):
        series.append((fam, "gauge", f"{fam} gauge.", f"{fam}{{{inst}}}"))
    for dev in ("eth0", "eth1", "lo"):
        for fam in ("node_network_receive_bytes_total", "node_network_transmit_bytes_total"):
            series.append(
                (fam, "counter", "Network device statistic.", f'{fam}{{device="{dev}",{inst}}}')
            )
    for handler in ("/api/v1/orders", "/api/v1/users", "/health"):
        for le in ("0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"):
            series.append(
                (
                    "http_request_duration_seconds",
                    "histogram",
                    "Request latency.",
                    f'http_request_duration_seconds_bucket{{handler="{handler}",le="{le}",{inst}}}',
                )
            )
        for sfx in ("_sum", "_count"):
            series.append(
                (
                    "http_request_duration_seconds",
                    "histogram",
                    "Request latency.",
                    f'http_request_duration_seconds{sfx}{{handler="{handler}",{inst}}}',
                )
            )
    per_scrape = len(series)
    scrapes = -(-n // per_scrape)
    interval_ms = min(15_000, 86_400_000 // scrapes)
    t0 = int(dt.datetime.combine(DAY, dt.time(), tzinfo=dt.UTC).timestamp() * 1000)
    values = rng.random(per_scrape) * 1000
    emitted = 0
    for sc in range(scrapes):
        ts = t0 + sc * interval_ms + int(rng.integers(0, 200))
        hour = (sc * interval_ms) // 3_600_000
        values += rng.random(per_scrape) * 5
        bad = rng.integers(0, 10_000, per_scrape) < bad_per_10k
        last_family = None
        for k, (fam, typ, hlp, prefix) in enumerate(series):
            if emitted >= n:
                return
            if fam != last_family:
                yield hour, f"# HELP {fam} {hlp}"
                yield hour, f"# TYPE {fam} {typ}"
                last_family = fam
            emitted += 1
            if bad[k]:
                yield hour, f"{prefix} not-a-number {ts}"
            else:
                yield hour, f"{prefix} {values[k]:.6g} {ts}"


GENERATORS = {"nginx": gen_nginx, "json": gen_json, "prometheus": gen_prometheus}


# --------------------------------------------------------------------------------------------
# inbox preparation (cached)
# --------------------------------------------------------------------------------------------


def _events_in(fmt: str, path: Path) -> int:
    """Events in a generated file: lines, minus comments for Prometheus."""
    n = 0
    with path.open("rb") as f:
        for line in f:
            if fmt == "prometheus" and line.startswith(b"#"):
                continue
            n += 1
    return n


def prepare(fmt: Format, n: int, layout: str, scratch: Path, seed: int, bad: int) -> Path:
    """An OPSDW_HOME whose inbox holds N events of `fmt` (one file, or one file per hour)."""
    home = scratch / f"{fmt.name}-{n}-{layout}"
    stamp = home / "generated.json"
    meta = {"version": GENERATOR_VERSION, "n": n, "seed": seed, "bad_per_10k": bad}
    if stamp.exists() and json.loads(stamp.read_text()) == meta:
        return home
    inbox = home / "inbox" / fmt.source / DAY.isoformat()
    if inbox.exists():
        for p in inbox.iterdir():
            p.unlink()
    inbox.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    handles: dict[int, object] = {}
    try:
        for hour, line in GENERATORS[fmt.name](n, seed, bad):
            key = min(hour, 23) if layout == "hourly" else 0
            fh = handles.get(key)
            if fh is None:
                name = (
                    f"{fmt.host_stem}-{key:02d}.{fmt.ext}"
                    if layout == "hourly"
                    else (f"{fmt.host_stem}-00.{fmt.ext}")
                )
                fh = handles[key] = (inbox / name).open("w", encoding="utf-8", buffering=1 << 20)
            fh.write(line)
            fh.write("\n")
    finally:
        for fh in handles.values():
            fh.close()
    print(
        f"  generated {n:,} {fmt.name} events in {len(handles)} file(s) "
        f"({sum(p.stat().st_size for p in inbox.iterdir()) / 1e6:.0f} MB, "
        f"{time.perf_counter() - started:.1f} s)",
        file=sys.stderr,
    )
    stamp.write_text(json.dumps(meta))
    return home


# --------------------------------------------------------------------------------------------
# measurements, each in a child process
# --------------------------------------------------------------------------------------------


def _child_land(source: str, home: str) -> dict:
    from orchestration.landing.land import land_partition

    started, cpu = time.perf_counter(), time.process_time()
    report = land_partition(source, DAY, home, key=BENCH_KEY.encode())
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "cpu": time.process_time() - cpu,
        "rows_read": report.rows_read,
        "rows_landed": report.rows_landed,
        "rows_rejected": report.rows_rejected,
        "files": len(report.files),
    }


def _child_bare(reader: str, files: str, out: str) -> dict:
    """COPY each file (os.pathsep-separated list) to Parquet, auto-detected; times summed."""
    import duckdb

    from orchestration.landing.parsers.base import sql_str

    con = duckdb.connect()
    seconds = cpu = 0.0
    rows = columns = 0
    note = None
    for i, f in enumerate(files.split(os.pathsep)):
        target = f"{out}.{i}.parquet"
        for options in ("", ", ignore_errors = true"):
            started, cpu0 = time.perf_counter(), time.process_time()
            try:
                con.execute(
                    f"COPY (SELECT * FROM {reader}({sql_str(f)}{options})) "
                    f"TO {sql_str(target)} (FORMAT parquet)"
                )
                seconds += time.perf_counter() - started
                cpu += time.process_time() - cpu0
                break
            except duckdb.Error as exc:  # a malformed line stops the bare reader: say so, retry
                if options:
                    raise
                note = note or f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
        n, c = con.execute(
            f"SELECT count(*), (SELECT count(*) FROM (DESCRIBE SELECT * FROM "
            f"read_parquet({sql_str(target)}))) FROM read_parquet({sql_str(target)})"
        ).fetchone()
        rows, columns = rows + n, max(columns, c)
        Path(target).unlink(missing_ok=True)
    return {"seconds": seconds, "cpu": cpu, "rows": rows, "columns": columns, "note": note}


def run_child(args: list[str]) -> tuple[dict, int]:
    """Run this script as a child with `args`; its JSON result and its peak RSS in bytes."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--child", *args],
        stdout=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"child {args} failed with exit code {proc.returncode}")
    return json.loads(out), usage.ru_maxrss * 1024  # Linux: kilobytes


@dataclass
class Row:
    fmt: str
    layout: str
    files: int
    events: int
    land_s: float
    land_cpu: float
    land_rss: int
    bare_s: float
    bare_cpu: float
    bare_rss: int
    bare_rows: int
    bare_columns: int
    bare_note: str | None  # why the plain bare COPY failed (then re-run with ignore_errors)
    rejected: int

    @property
    def ratio(self) -> float:
        return self.bare_s / self.land_s


def measure(fmt: Format, home: Path, layout: str, repeat: int) -> Row:
    inbox = home / "inbox" / fmt.source / DAY.isoformat()
    files = sorted(inbox.iterdir())
    file_list = os.pathsep.join(str(f) for f in files)
    events = sum(_events_in(fmt.name, f) for f in files)
    best_land: tuple[dict, int] | None = None
    best_bare: tuple[dict, int] | None = None
    for _ in range(repeat):
        bare = run_child(["bare", fmt.reader, file_list, str(home / "bare")])
        if best_bare is None or bare[0]["seconds"] < best_bare[0]["seconds"]:
            best_bare = bare
        land = run_child(["land", fmt.source, str(home)])
        if best_land is None or land[0]["seconds"] < best_land[0]["seconds"]:
            best_land = land
    assert best_land is not None and best_bare is not None
    land_r, land_rss = best_land
    bare_r, bare_rss = best_bare
    if land_r["rows_read"] != events:
        raise RuntimeError(
            f"{fmt.name}: landing read {land_r['rows_read']} rows, expected {events}"
        )
    return Row(
        fmt=fmt.name,
        layout=layout,
        files=len(files),
        events=events,
        land_s=land_r["seconds"],
        land_cpu=land_r["cpu"],
        land_rss=land_rss,
        bare_s=bare_r["seconds"],
        bare_cpu=bare_r["cpu"],
        bare_rss=bare_rss,
        bare_rows=bare_r["rows"],
        bare_columns=bare_r["columns"],
        bare_note=bare_r["note"],
        rejected=land_r["rows_rejected"],
    )


def _mb(b: int) -> str:
    return f"{b / 2**20:,.0f} MB"


def print_table(rows: list[Row]) -> None:
    head = (
        f"{'format':<11}{'layout':<8}{'files':>6}{'events':>11}{'land s':>8}{'land ev/s':>11}"
        f"{'bare s':>8}{'bare ev/s':>11}{'ratio':>7}{'land peak':>11}{'bare peak':>11}"
        f"{'land cpu':>10}{'bare cpu':>10}{'cpu ratio':>10}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        bare_eps = f"{r.events / r.bare_s:,.0f}" + ("*" if r.bare_note else "")
        print(
            f"{r.fmt:<11}{r.layout:<8}{r.files:>6}{r.events:>11,}{r.land_s:>8.2f}"
            f"{r.events / r.land_s:>11,.0f}{r.bare_s:>8.2f}{bare_eps:>11}{r.ratio:>7.2f}"
            f"{_mb(r.land_rss):>11}{_mb(r.bare_rss):>11}"
            f"{r.land_cpu:>10.2f}{r.bare_cpu:>10.2f}{r.bare_cpu / r.land_cpu:>10.2f}"
        )
    for r in rows:
        if r.bare_note:
            print(
                f"  * bare COPY of {r.fmt} ({r.layout}) refused the file ({r.bare_note}); "
                "timed again with ignore_errors = true"
            )
        if r.bare_rows != r.events:
            print(
                f"  note: bare COPY of {r.fmt} ({r.layout}) produced {r.bare_rows:,} rows "
                f"for {r.events:,} events in {r.bare_columns} column(s) "
                "(auto-detection's view of the file)"
            )
    print("peak = child ru_maxrss from os.wait4 (includes the Python interpreter and imports)")
    print("cpu = process CPU seconds (all threads) of the timed call, less sensitive to other load")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--dir", type=Path, default=REPO / "benchmarks" / ".scratch")
    ap.add_argument("--formats", default="nginx,json,prometheus")
    ap.add_argument("--layout", choices=("single", "hourly", "both"), default="single")
    ap.add_argument("--compare-sizes", default=None, help="e.g. 1000000,5000000")
    ap.add_argument("--repeat", type=int, default=1, help="best of N runs")
    ap.add_argument("--seed", type=int, default=20261121)
    ap.add_argument("--bad-per-10k", type=int, default=10, help="malformed lines per 10,000")
    ap.add_argument(
        "--landing-threads",
        type=int,
        default=None,
        help="DuckDB threads of the landing (sets OPSDW_LANDING_THREADS; default: land.py's)",
    )
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child:
        kind, *rest = args.child
        result = _child_land(*rest) if kind == "land" else _child_bare(*rest)
        print(json.dumps(result))
        return 0

    if args.landing_threads:
        os.environ["OPSDW_LANDING_THREADS"] = str(args.landing_threads)
    wanted = [f.strip() for f in args.formats.split(",") if f.strip()]
    if "prometheus" in wanted and not prometheus_available():
        print("prometheus parser not present: benchmarking nginx and JSON only", file=sys.stderr)
        wanted.remove("prometheus")
    scratch = args.dir.resolve()
    scratch.mkdir(parents=True, exist_ok=True)

    if args.compare_sizes:
        sizes = [int(s) for s in args.compare_sizes.split(",")]
        print(
            f"{'format':<11}"
            + "".join(f"{f'{s:,} ev':>16}{'s':>7}" for s in sizes)
            + f"{'ratio':>8}"
        )
        for name in wanted:
            fmt = FORMATS[name]
            peaks: list[tuple[int, float]] = []
            for n in sizes:
                home = prepare(fmt, n, "single", scratch, args.seed, args.bad_per_10k)
                result, rss = run_child(["land", fmt.source, str(home)])
                peaks.append((rss, result["seconds"]))
            cells = "".join(f"{_mb(rss):>16}{s:>7.1f}" for rss, s in peaks)
            print(f"{name:<11}{cells}{peaks[-1][0] / peaks[0][0]:>8.2f}", flush=True)
        print("peak = child ru_maxrss from os.wait4 (one inbox file per format)")
        return 0

    layouts = ["single", "hourly"] if args.layout == "both" else [args.layout]
    rows: list[Row] = []
    for layout in layouts:
        for name in wanted:
            fmt = FORMATS[name]
            home = prepare(fmt, args.events, layout, scratch, args.seed, args.bad_per_10k)
            rows.append(measure(fmt, home, layout, args.repeat))
            print(
                f"  {name} {layout}: land {rows[-1].land_s:.2f} s, bare {rows[-1].bare_s:.2f} s",
                file=sys.stderr,
                flush=True,
            )
    print_table(rows)
    return 0


if __name__ == "__main__":
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    raise SystemExit(main())
