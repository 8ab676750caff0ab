"""Realistic corrupt lines at deterministic positions: a handful per source per UTC day.

Each (source, day) has SLOTS_PER_DAY slots, slot j in hours [4j, 4j + 4) of the day, so every
4-hour block of a day holds exactly one corrupt line per source. A slot names the hour, the file
(host or component), its relative position in that file's full hour and the kind of damage, all
drawn from the stream (seed, source, 'corrupt', day). Positions are relative to the full hour, so
a file that grows (a live window ending mid-hour) keeps its corrupt lines where they were.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orchestration.sources.simulator._util import stream

SLOTS_PER_DAY = 6
KINDS: dict[str, tuple[str, ...]] = {
    "api_requests": ("truncated", "binary_garbage", "bad_status"),
    "system_metrics": ("bad_value", "truncated", "binary_garbage"),
    "error_logs": ("cut_json", "binary_garbage", "stderr_text"),
}
# characters a line of binary garbage is made of: control characters that are not line breaks
# for any reader (no \n \r \v \f \x1c-\x1e, no NUL), printable ASCII without '"' and '#', and what
# a decoder substitutes for invalid bytes -- so the line is valid UTF-8 but no format at all
_GARBAGE = (
    [chr(c) for c in range(1, 32) if c not in (9, 10, 11, 12, 13, 28, 29, 30)]
    + [chr(c) for c in range(32, 127) if chr(c) not in '"#']
    + ["\ufffd"] * 12
    + list("ÃÂ¿ÿþ©®±µ¶ß÷")
)
_STDERR = (
    "WARNING:urllib3.connectionpool:Retrying (Retry(total=2, connect=None, read=None, "
    "redirect=None, status=None)) after connection broken by 'ReadTimeoutError(\"HTTPConnectionPool"
    "(host='inventory', port=80): Read timed out. (read timeout=5.0)\")': /internal/v1/reservations",
    "[CRITICAL] WORKER TIMEOUT (pid:{pid})",
    "Fatal Python error: _enter_buffered_busy: could not acquire lock for <_io.BufferedWriter "
    "name='<stderr>'> at interpreter shutdown, possibly due to daemon threads",
    "Exception ignored in: <function Connection.__del__ at 0x7f{pid:x}c1e5d30>",
)
# JSON-lines sources added through simulator/plugins.py
JSONL_KINDS: tuple[str, ...] = ("cut_json", "binary_garbage", "stderr_text")
BAD_STATUS = ("-", "2OO", "null")


@dataclass(frozen=True)
class Slot:
    hour: int  # hours since the epoch
    file_key: str  # host or component
    position: float  # 0..1 of the full hour's records
    detail: float  # 0..1, picks the line / cut point inside the record
    kind: str
    seq: int  # slot number in the day (names the stream of its random text)


def day_plan(seed: int, source: str, day: int, file_keys: tuple[str, ...]) -> list[Slot]:
    """The corrupt-line slots of `source` on epoch day `day`."""
    rng = stream(seed, source, "corrupt", day)
    kinds = KINDS.get(source, JSONL_KINDS)
    offset = int(rng.integers(0, len(kinds)))
    slots = []
    for j in range(SLOTS_PER_DAY):
        hour = day * 24 + 4 * j + int(rng.integers(0, 4))
        key = file_keys[int(rng.integers(0, len(file_keys)))]
        position, detail = (float(x) for x in rng.random(2))
        slots.append(Slot(hour, key, position, detail, kinds[(j + offset) % len(kinds)], j))
    return slots


@dataclass(frozen=True)
class Damage:
    record: str  # the record's new text (may now hold an extra line)
    line_offset: int  # which line of the record is the corrupt one (0-based)
    extra_lines: int  # lines added to the record
    lost_events: int  # events the damage destroyed
    kind: str


def _garbage(rng: np.random.Generator) -> str:
    n = int(rng.integers(24, 90))
    body = "".join(_GARBAGE[i] for i in rng.integers(0, len(_GARBAGE), n).tolist())
    return "\x16\x03\x01\x02" + body  # starts like a TLS ClientHello sent to a plain-HTTP port


def damage(seed: int, source: str, slot: Slot, record: str) -> Damage:
    """Corrupt one record (a log line, or a whole scrape block for system_metrics)."""
    rng = stream(seed, source, "corrupt-text", slot.hour, slot.file_key, slot.seq)
    lines = record.split("\n")
    samples = [i for i, line in enumerate(lines) if not line.startswith("#")]
    target = samples[min(int(slot.detail * len(samples)), len(samples) - 1)]
    line = lines[target]
    kind = slot.kind
    if kind == "binary_garbage":
        lines.insert(target, _garbage(rng))
        return Damage("\n".join(lines), target, 1, 0, kind)
    if kind == "stderr_text":
        text = _STDERR[int(rng.integers(0, len(_STDERR)))].format(
            pid=int(rng.integers(1000, 65000))
        )
        lines.insert(target, text)
        return Damage("\n".join(lines), target, 1, 0, kind)
    if kind == "bad_status":  # '... HTTP/1.1" 200 512 "-" ...' -> '... HTTP/1.1" 2OO 512 "-" ...'
        parts = line.split('"')
        fields = parts[2].split(" ")
        fields[1] = BAD_STATUS[int(rng.integers(0, len(BAD_STATUS)))]
        parts[2] = " ".join(fields)
        lines[target] = '"'.join(parts)
    elif kind == "bad_value":  # a locale-formatted sample value: 'node_load1{...} 0,75 <ts>'
        load = [i for i in samples if lines[i].startswith("node_load1{")]
        target = load[0] if load else target
        name, value, ts = lines[target].rsplit(" ", 2)
        lines[target] = f"{name} {f'{float(value):.2f}'.replace('.', ',')} {ts}"
    elif kind == "truncated":
        if source == "system_metrics":  # cut inside the label set
            lo, hi = line.index("{") + 1, line.index("}")
            cut = int(rng.integers(lo, hi))
        else:  # an access-log line cut well before its last quoted field ends
            cut = int(len(line) * (0.25 + 0.6 * rng.random()))
        lines[target] = line[:cut]
    elif kind == "cut_json":
        lines[target] = line[: int(len(line) * (0.3 + 0.4 * rng.random()))]
    else:
        raise ValueError(f"unknown corruption kind {kind!r}")
    return Damage("\n".join(lines), target, 0, 1, kind)
