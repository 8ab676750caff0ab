"""nginx access log lines ("combined" + $request_time) for the gateway hosts, one file per hour.

$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent
"$http_referer" "$http_user_agent" $request_time
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

import numpy as np

from orchestration.sources.simulator._util import HOUR_S, US, stream
from orchestration.sources.simulator.incidents import Incident
from orchestration.sources.simulator.topology import GATEWAY_SHARE

SOURCE = "api_requests"

# --- traffic shape ----------------------------------------------------------------------------
MEAN_RPS = 8.0  # requests per second over both gateways at scale 1.0 (daily mean)
PEAK_HOUR_UTC = 15.0
TROUGH_RATIO = 0.35  # trough rate / peak rate
AMPLITUDE = (1 - TROUGH_RATIO) / (1 + TROUGH_RATIO)
OMEGA = 2 * math.pi / 86400
PEAK_S = PEAK_HOUR_UTC * HOUR_S
ANONYMOUS_SHARE = 0.25  # of the non-probe requests (~31 % of all lines carry '-')


def rate(t_s: np.ndarray | float, scale: float) -> np.ndarray | float:
    """Total request rate (requests/s over all gateways) at epoch seconds `t_s`."""
    return MEAN_RPS * scale * (1 + AMPLITUDE * np.cos(OMEGA * (np.asarray(t_s) - PEAK_S)))


def rate_integral(t_s: float, scale: float) -> float:
    """Antiderivative of `rate` (requests since an arbitrary origin), exact for any t."""
    return MEAN_RPS * scale * (t_s + AMPLITUDE / OMEGA * math.sin(OMEGA * (t_s - PEAK_S)))


# --- endpoints ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Endpoint:
    method: str
    template: str
    weight: float
    median_ms: float  # lognormal latency in calm periods: p95 = median * exp(1.645 sigma)
    sigma: float
    body_median: float  # body bytes of a 2xx answer (lognormal)
    body_sigma: float
    statuses: tuple[tuple[int, float], ...]  # calm-period status mix


# fmt: off
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/api/v1/health", 0.08, 2.0, 0.5, 15, 0.0, ((200, 1.0),)),
    Endpoint(
        "GET", "/api/v1/users/{id}", 0.15, 38.0, 0.55, 480, 0.3,
        ((200, 0.935), (304, 0.038), (401, 0.007), (403, 0.004), (404, 0.011), (429, 0.002),
         (500, 0.002), (503, 0.001)),
    ),
    Endpoint(
        "POST", "/api/v1/auth/login", 0.06, 110.0, 0.45, 690, 0.1,
        ((200, 0.975), (401, 0.018), (429, 0.004), (500, 0.002), (503, 0.001)),
    ),
    Endpoint(
        "GET", "/api/v1/orders/{id}", 0.13, 52.0, 0.55, 1350, 0.35,
        ((200, 0.955), (304, 0.018), (401, 0.006), (403, 0.005), (404, 0.011), (429, 0.002),
         (500, 0.002), (502, 0.001)),
    ),
    Endpoint(
        "POST", "/api/v1/orders", 0.07, 170.0, 0.5, 410, 0.2,
        ((201, 0.976), (400, 0.006), (401, 0.005), (409, 0.003), (422, 0.005), (429, 0.002),
         (500, 0.002), (502, 0.001)),
    ),
    Endpoint(
        "GET", "/api/v1/orders/{id}/items", 0.10, 64.0, 0.55, 2900, 0.6,
        ((200, 0.963), (304, 0.010), (401, 0.006), (403, 0.004), (404, 0.012), (429, 0.002),
         (500, 0.002), (502, 0.001)),
    ),
    Endpoint(
        "GET", "/api/v1/search", 0.17, 135.0, 0.6, 8200, 0.7,
        ((200, 0.972), (400, 0.008), (429, 0.017), (500, 0.002), (503, 0.001)),
    ),
    Endpoint(
        "GET", "/api/v1/products/{uuid}", 0.24, 42.0, 0.6, 1900, 0.4,
        ((200, 0.952), (304, 0.020), (401, 0.003), (404, 0.020), (429, 0.002), (500, 0.002),
         (503, 0.001)),
    ),
)
# fmt: on
HEALTH = 0  # index of the health endpoint (kube-probe traffic)

STATUS_CODES: tuple[int, ...] = tuple(
    sorted({code for e in ENDPOINTS for code, _ in e.statuses} | {502, 503, 504})
)
# latency multiplier by status: errors the gateway or middleware answers are fast
STATUS_LATENCY = {304: 0.5, 400: 0.4, 401: 0.35, 403: 0.35, 404: 0.5, 409: 0.8, 422: 0.6,
                  429: 0.03, 500: 1.2, 502: 0.3, 503: 0.05}  # fmt: skip
# body bytes by status (nginx default error pages for 502/503/504, JSON problem bodies otherwise)
STATUS_BODY = {204: 0, 304: 0, 400: 142, 401: 61, 403: 58, 404: 53, 409: 88, 422: 171, 429: 74,
               500: 96, 502: 157, 503: 197, 504: 167}  # fmt: skip
# the 5xx mix of a degraded endpoint (api_error_latency)
INCIDENT_5XX = ((500, 0.15), (502, 0.35), (503, 0.15), (504, 0.35))
INCIDENT_5XX_SHARE = 0.40
INCIDENT_LATENCY_FACTOR = 6.0


def endpoint_index(method: str | None, template: str | None) -> int:
    for i, e in enumerate(ENDPOINTS):
        if e.method == method and e.template == template:
            return i
    known = ", ".join(f"{e.method} {e.template}" for e in ENDPOINTS)
    raise ValueError(f"no endpoint {method} {template}; known: {known}")


# --- clients --------------------------------------------------------------------------------------
# (user agent, weight, is a browser)
USER_AGENTS: tuple[tuple[str, float, bool], ...] = (
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/142.0.0.0 Safari/537.36", 0.22, True),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/142.0.0.0 Safari/537.36", 0.09, True),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/18.6 Safari/605.1.15", 0.07, True),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:144.0) Gecko/20100101 Firefox/144.0", 0.05, True),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/142.0.0.0 Safari/537.36 Edg/142.0.0.0", 0.05, True),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) Version/18.6 Mobile/15E148 Safari/604.1", 0.14, True),
    ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/142.0.0.0 Mobile Safari/537.36", 0.13, True),
    ("ShopApp/4.12.1 (iPhone; iOS 18.6; Scale/3.00)", 0.10, False),
    ("okhttp/4.12.0", 0.08, False),
    ("python-requests/2.32.3", 0.04, False),
    ("curl/8.5.0", 0.015, False),
    ("Go-http-client/2.0", 0.015, False),
)  # fmt: skip
PROBE_UA = "kube-probe/1.31"
PROBE_IPS = ("10.0.0.11", "10.0.0.12", "10.0.0.13")
REFERER_PAGES = ("", "products", "cart", "checkout", "account", "account/orders", "search",
                 "products?category=shoes", "products?category=electronics", "deals")  # fmt: skip
REFERER_BASE = "https://shop.example.com/"
# fmt: off
SEARCH_TERMS = (
    "running+shoes", "usb-c+cable", "wireless+headphones", "coffee+grinder", "yoga+mat",
    "desk+lamp", "backpack", "water+bottle", "phone+case", "mechanical+keyboard", "monitor+arm",
    "rain+jacket", "air+fryer", "kids+bike", "tent", "sunglasses", "hdmi+adapter", "office+chair",
    "gift+card", "bluetooth+speaker", "winter+boots", "t-shirt", "sofa", "led+strip",
    "laptop+stand", "espresso+machine", "smart+watch", "socks", "garden+hose", "board+games",
)
# fmt: on
N_USERS = 5000  # user_1000 .. user_5999
N_IPS = 3500
N_PRODUCTS = 6000
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Pools:
    """Seed-wide populations: users, their usual IP and device, client IPs, products."""

    user_p: np.ndarray
    user_names: np.ndarray  # object: 'user_1000'...
    user_ids: np.ndarray  # object: '1000'...
    user_ip: np.ndarray
    user_ua: np.ndarray
    ips: np.ndarray  # object
    products: np.ndarray  # object: uuid strings
    product_p: np.ndarray


def _ip_pool(rng: np.random.Generator) -> np.ndarray:
    kind = rng.random(N_IPS)
    a = rng.integers(0, 256, N_IPS)
    b = rng.integers(0, 256, N_IPS)
    c = rng.integers(1, 255, N_IPS)
    out = []
    for k, x, y, z in zip(kind.tolist(), a.tolist(), b.tolist(), c.tolist(), strict=True):
        if k < 0.45:  # corporate VPN / internal clients
            out.append(f"10.{x % 32}.{y}.{z}")
        elif k < 0.80:  # carrier-grade NAT (mobile)
            out.append(f"100.{64 + x % 64}.{y}.{z}")
        elif k < 0.90:
            out.append(f"172.{16 + x % 16}.{y}.{z}")
        else:  # documentation ranges stand in for public addresses
            out.append(f"{('192.0.2', '198.51.100', '203.0.113')[x % 3]}.{z}")
    return np.array(out, dtype=object)


@lru_cache(maxsize=8)
def pools(seed: int) -> Pools:
    rng = stream(seed, SOURCE, "pools")
    rank = rng.permutation(N_USERS)
    user_p = 1.0 / (rank + 15.0) ** 0.9
    user_p /= user_p.sum()
    ids = np.arange(1000, 1000 + N_USERS)
    ua_w = np.array([w for _, w, _ in USER_AGENTS])
    user_ua = rng.choice(len(USER_AGENTS), N_USERS, p=ua_w / ua_w.sum())
    user_ip = rng.integers(0, N_IPS, N_USERS)
    ips = _ip_pool(rng)
    raw = rng.integers(0, 256, (N_PRODUCTS, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # uuid4 version
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    products = []
    for row in raw:
        h = row.tobytes().hex()
        products.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    prank = rng.permutation(N_PRODUCTS)
    product_p = 1.0 / (prank + 30.0)
    product_p /= product_p.sum()
    return Pools(
        user_p=user_p,
        user_names=np.array([f"user_{i}" for i in ids], dtype=object),
        user_ids=np.array([str(i) for i in ids], dtype=object),
        user_ip=user_ip,
        user_ua=user_ua,
        ips=ips,
        products=np.array(products, dtype=object),
        product_p=product_p,
    )


@lru_cache(maxsize=1)
def _tables() -> dict[str, object]:
    """Lookup tables built once per process (not at import)."""
    cum = np.zeros((len(ENDPOINTS), len(STATUS_CODES)))
    for i, e in enumerate(ENDPOINTS):
        probs = dict(e.statuses)
        p = np.array([probs.get(c, 0.0) for c in STATUS_CODES])
        cum[i] = np.cumsum(p / p.sum())
    cum[:, -1] = 1.0
    codes = np.array(STATUS_CODES)
    return {
        "cum": cum,
        "codes": codes,
        "code_str": np.array([str(c) for c in STATUS_CODES], dtype=object),
        "lat_factor": np.array([STATUS_LATENCY.get(c, 1.0) for c in STATUS_CODES]),
        "body_fixed": np.array([STATUS_BODY.get(c, -1) for c in STATUS_CODES]),
        "weights": np.array([e.weight for e in ENDPOINTS]) / sum(e.weight for e in ENDPOINTS),
        "median": np.array([e.median_ms for e in ENDPOINTS]),
        "sigma": np.array([e.sigma for e in ENDPOINTS]),
        "body_median": np.array([e.body_median for e in ENDPOINTS]),
        "body_sigma": np.array([e.body_sigma for e in ENDPOINTS]),
        "ua_p": np.array([w for _, w, _ in USER_AGENTS]) / sum(w for _, w, _ in USER_AGENTS),
        "ua": np.array([u for u, _, _ in USER_AGENTS] + [PROBE_UA], dtype=object),
        "proto": np.array(
            ["HTTP/2.0" if b else "HTTP/1.1" for _, _, b in USER_AGENTS] + ["HTTP/1.1"],
            dtype=object,
        ),
        "browser": np.array([b for _, _, b in USER_AGENTS] + [False]),
        "referers": np.array(["-"] + [REFERER_BASE + p for p in REFERER_PAGES], dtype=object),
        # "$request_time" for 0..99.999 s at millisecond resolution
        "rt": np.array([f"{ms // 1000}.{ms % 1000:03d}" for ms in range(100_000)], dtype=object),
        "mmss": [f"{m:02d}:{s:02d} +0000" for m in range(60) for s in range(60)],
    }


@dataclass
class HourRequests:
    """One gateway-hour of requests, in time order (numeric columns plus the rendered lines)."""

    ts_us: np.ndarray
    endpoint: np.ndarray  # index into ENDPOINTS
    status: np.ndarray
    latency_ms: np.ndarray
    lines: list[str]


def _paths(rng: np.random.Generator, ep: np.ndarray, own_user: np.ndarray, pl: Pools) -> np.ndarray:
    n = ep.size
    # every draw is made for all requests, so the stream does not depend on the endpoint mix
    other_user = rng.choice(N_USERS, n, p=pl.user_p)
    use_own = rng.random(n) < 0.7
    fields = rng.random(n)
    order_id = rng.integers(4_100_000, 4_990_000, n)
    product = rng.choice(N_PRODUCTS, n, p=pl.product_p)
    term = rng.integers(0, len(SEARCH_TERMS), n)
    page = np.minimum(rng.geometric(0.55, n), 9)
    sort = rng.random(n)
    uid = pl.user_ids[np.where(use_own & (own_user >= 0), own_user, other_user)]
    out = np.empty(n, dtype=object)
    for i, e in enumerate(ENDPOINTS):
        sel = np.flatnonzero(ep == i)
        if not sel.size:
            continue
        m = e.method
        if e.template == "/api/v1/users/{id}":
            q = np.where(fields[sel] < 0.2, "?fields=name,email", "")
            q = np.where(fields[sel] > 0.9, "?fields=name", q)
            out[sel] = [f"{m} /api/v1/users/{u}{s}" for u, s in zip(uid[sel], q, strict=True)]
        elif e.template == "/api/v1/orders/{id}":
            out[sel] = [f"{m} /api/v1/orders/{o}" for o in order_id[sel].tolist()]
        elif e.template == "/api/v1/orders/{id}/items":
            out[sel] = [f"{m} /api/v1/orders/{o}/items" for o in order_id[sel].tolist()]
        elif e.template == "/api/v1/products/{uuid}":
            out[sel] = [f"{m} /api/v1/products/{p}" for p in pl.products[product[sel]]]
        elif e.template == "/api/v1/search":
            srt = np.where(sort[sel] < 0.25, "&sort=price_asc", "")
            out[sel] = [
                f"{m} /api/v1/search?q={SEARCH_TERMS[t]}&page={p}&limit=20{s}"
                for t, p, s in zip(term[sel].tolist(), page[sel].tolist(), srt, strict=True)
            ]
        else:
            out[sel] = f"{m} {e.template}"
    return out


def generate_hour(
    seed: int, scale: float, host: str, hour: int, incidents: list[Incident]
) -> HourRequests:
    """All requests gateway `host` logs in `hour` (hours since the epoch), independent of any window."""
    tb = _tables()
    pl = pools(seed)
    rng = stream(seed, SOURCE, host, hour)
    t0 = hour * HOUR_S
    lam = np.asarray(rate(t0 + np.arange(HOUR_S) + 0.5, scale)) * GATEWAY_SHARE[host]
    counts = rng.poisson(lam)
    sec = np.repeat(np.arange(HOUR_S), counts)
    n = sec.size
    ep = rng.choice(len(ENDPOINTS), n, p=tb["weights"])
    health = ep == HEALTH
    anon = (rng.random(n) < ANONYMOUS_SHARE) | health
    user = rng.choice(N_USERS, n, p=pl.user_p)
    home_ip = rng.random(n) < 0.85
    rnd_ip = rng.integers(0, N_IPS, n)
    own_device = rng.random(n) < 0.9
    rnd_ua = rng.choice(len(USER_AGENTS), n, p=tb["ua_p"])
    probe = rng.integers(0, len(PROBE_IPS), n)
    u_status = rng.random(n)
    z_lat = rng.standard_normal(n)
    z_body = rng.standard_normal(n)
    u_ref = rng.random(n)
    ref_page = rng.integers(1, len(REFERER_PAGES) + 1, n)

    own_user = np.where(anon, -1, user)
    ip_idx = np.where(~anon & home_ip, pl.user_ip[user], rnd_ip)
    ips = pl.ips[ip_idx]
    if health.any():
        ips[health] = np.array(PROBE_IPS, dtype=object)[probe[health]]
    ua = np.where(~anon & own_device, pl.user_ua[user], rnd_ua)
    ua[health] = len(USER_AGENTS)  # kube-probe
    users = np.where(anon, "-", pl.user_names[user]).astype(object)
    status_idx = (u_status[:, None] >= tb["cum"][ep]).sum(axis=1)
    status_idx = np.minimum(status_idx, len(STATUS_CODES) - 1)
    latency = tb["median"][ep] * np.exp(tb["sigma"][ep] * z_lat) * tb["lat_factor"][status_idx]
    body = tb["body_median"][ep] * np.exp(tb["body_sigma"][ep] * z_body)
    referer = np.where(tb["browser"][ua] & (u_ref < 0.45), ref_page, 0)
    requests = _paths(rng, ep, own_user, pl)

    ts = (t0 + sec) * US
    for inc in incidents:
        if inc.kind != "api_error_latency" or (inc.host and inc.host != host):
            continue
        s_us, e_us = int(inc.start.timestamp() * US), int(inc.end.timestamp() * US)
        if e_us <= t0 * US or s_us >= (t0 + HOUR_S) * US:
            continue
        target = endpoint_index(inc.method, inc.endpoint)
        hit = np.flatnonzero((ep == target) & (ts >= s_us) & (ts < e_us))
        irng = stream(seed, SOURCE, host, hour, "incident", inc.id)
        fail = irng.random(hit.size) < INCIDENT_5XX_SHARE
        codes, probs = zip(*INCIDENT_5XX, strict=True)
        new_code = irng.choice(np.array(codes), hit.size, p=np.array(probs))
        slow = INCIDENT_LATENCY_FACTOR * np.exp(0.15 * irng.standard_normal(hit.size))
        code_pos = np.searchsorted(tb["codes"], new_code)
        status_idx[hit[fail]] = code_pos[fail]
        # the slowdown is of the endpoint itself: calm latency (status-independent) times ~6
        latency[hit] = tb["median"][target] * np.exp(tb["sigma"][target] * z_lat[hit]) * slow

    codes_arr = tb["codes"][status_idx]
    fixed = tb["body_fixed"][status_idx]
    body_bytes = np.where(fixed >= 0, fixed, np.rint(body)).astype(np.int64)
    body_bytes[health & (codes_arr == 200)] = 15
    latency_ms = np.clip(np.rint(latency), 0, 99_999).astype(np.int64)

    prefix = _time_prefix(hour)
    mmss = tb["mmss"]
    lines = [
        f'{a} - {u} [{prefix}{mmss[s]}] "{r} {p}" {c} {b} "{f}" "{g}" {t}'
        for a, u, s, r, p, c, b, f, g, t in zip(
            ips.tolist(),
            users.tolist(),
            sec.tolist(),
            requests.tolist(),
            tb["proto"][ua].tolist(),
            tb["code_str"][status_idx].tolist(),
            body_bytes.tolist(),
            tb["referers"][referer].tolist(),
            tb["ua"][ua].tolist(),
            tb["rt"][latency_ms].tolist(),
            strict=True,
        )
    ]
    return HourRequests(ts, ep, codes_arr, latency_ms, lines)


def _time_prefix(hour: int) -> str:
    """'21/Nov/2026:14:' for the hour, month names independent of the locale."""
    d = datetime.fromtimestamp(hour * HOUR_S, UTC)
    return f"{d.day:02d}/{MONTHS[d.month - 1]}/{d.year}:{d.hour:02d}:"
