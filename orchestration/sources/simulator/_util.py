"""Shared helpers: RNG streams, UTC time handling, Go-style float formatting, atomic writes."""

from __future__ import annotations

import hashlib
import math
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

HOUR_S = 3600
DAY_S = 86400
US = 1_000_000  # microseconds per second; every event time is carried as int64 epoch microseconds


def stream(seed: int, *keys: object) -> np.random.Generator:
    """An independent RNG stream for (seed, *keys), e.g. (seed, 'api_requests', 'web-1', hour).

    The keys are hashed (not mixed arithmetically), so neighbouring hours or hosts share nothing.
    """
    key = "\x1f".join(str(k) for k in (seed, *keys)).encode()
    entropy = int.from_bytes(hashlib.blake2b(key, digest_size=16).digest(), "little")
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))


def to_utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got naive {value!r}")
    return value.astimezone(UTC)


def epoch_s(value: datetime) -> float:
    return value.timestamp()


def epoch_us(value: datetime) -> int:
    """Epoch microseconds of an aware datetime (exact, no float rounding)."""
    delta = value - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * DAY_S + delta.seconds) * US + delta.microseconds


def from_epoch_s(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def iso_z(value: datetime) -> str:
    """ISO-8601 UTC with a 'Z' suffix; microseconds only when present."""
    value = value.astimezone(UTC)
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if value.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return value.strftime(fmt)


def parse_iso(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def day_of_hour(hour: int) -> str:
    """'YYYY-MM-DD' of an hour given as hours since the epoch."""
    return datetime.fromtimestamp(hour * HOUR_S, UTC).strftime("%Y-%m-%d")


def go_float(x: float) -> str:
    """Format a float as Go's strconv.FormatFloat(x, 'g', -1, 64), which the exposition writer uses.

    Shortest round-trip digits; exponent form when the decimal exponent is < -4 or >= 6 (Go picks
    precision 6 for that decision when the precision is 'shortest'), so 8253313024 prints as
    8.253313024e+09 and 12.0 as 12 -- exactly what node_exporter output looks like.
    """
    if x != x:
        return "NaN"
    if x in (math.inf, -math.inf):
        return "+Inf" if x > 0 else "-Inf"
    s = repr(float(x))
    if "e" in s:  # Python already uses exponent form (|exp| >= 16 or < -4), same spelling as Go
        mant, _, exp = s.partition("e")
        if mant.endswith(".0"):
            mant = mant[:-2]
        return f"{mant}e{exp}"
    neg = s[0] == "-"
    if neg:
        s = s[1:]
    ip, _, fp = s.partition(".")
    if fp == "0":
        fp = ""
    if len(ip) > 6:  # decimal exponent >= 6
        digits = (ip + fp).rstrip("0")
        mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        out = f"{mant}e+{len(ip) - 1:02d}"
    else:
        out = ip + ("." + fp if fp else "")
    return "-" + out if neg else out


def write_if_changed(path: Path, data: bytes) -> bool:
    """Atomically replace `path` with `data` unless it already holds exactly these bytes.

    The temporary file starts with '.' and ends in '.tmp', so no inbox glob (*.log, *.prom,
    *.jsonl) ever matches a half-written file. Returns True when the file was (re)written.
    """
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


_EXP_ZEROS = re.compile(r"\.?0+e")
_FIXED_ZEROS = re.compile(r"\.?0+$", re.M)


def go_floats(values: np.ndarray, decimals: int) -> list[str]:
    """`go_float` of every value rounded to `decimals` places, formatted a column at a time.

    Values must be finite and >= 0 (counters, gauges of bytes or load). Same text as `go_float`
    of each rounded value, roughly twice as fast (C-level formatting, one regex per column).
    """
    v = np.round(np.asarray(values, dtype=float), decimals)
    out = np.empty(v.size, dtype=object)
    exp = np.floor(np.log10(np.where(v > 0, v, 1.0))).astype(np.int64)
    big = exp >= 6
    for e in np.unique(exp[big]).tolist():
        sel = np.flatnonzero(exp == e)
        digits = min(e + decimals, 16)  # significant digits after the first one
        text = "\n".join(map(f"{{:.{digits}e}}".format, v[sel].tolist()))
        out[sel] = _EXP_ZEROS.sub("e", text).split("\n")
    sel = np.flatnonzero(~big)
    if sel.size:
        text = "\n".join(map(f"{{:.{decimals}f}}".format, v[sel].tolist()))
        if decimals:
            text = _FIXED_ZEROS.sub("", text)
        out[sel] = text.split("\n")
    return out.tolist()
