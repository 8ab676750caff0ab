"""The landing framework: counts, rejects, line numbers, ids, time zones, pseudonyms, publishing.

Every test writes hand-made inbox files under its own OPSDW_HOME and lands them with the real
`land_partition`; expected values are computed here from the file bytes, independently of the
landing code.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestration.landing import land as L
from orchestration.landing.land import (
    EMPTY_NAME,
    MANIFEST_NAME,
    PartitionReport,
    file_key,
    land_partition,
    read_manifest,
    snapshot,
)
from orchestration.landing.normalise import pseudonym
from orchestration.settings import paths
from orchestration.sources.catalog import get_source

DAY = "2026-11-21"
KEY = b"test-key"


# --- helpers ---------------------------------------------------------------------------------


def nginx(
    ip: str = "10.0.0.1",
    user: str = "-",
    time: str = "21/Nov/2026:14:03:27 +0000",
    request: str = "GET /users/123 HTTP/1.1",
    status: str = "200",
    size: str = "512",
    referer: str = "-",
    agent: str = "curl/8.5.0",
    rt: str = "0.012",
) -> str:
    return f'{ip} - {user} [{time}] "{request}" {status} {size} "{referer}" "{agent}" {rt}'


def jsonl(**fields: Any) -> str:
    record: dict[str, Any] = {
        "ts": "2026-11-21T14:03:27.250Z",
        "level": "ERROR",
        "component": "checkout",
        "host": "checkout-1",
        "logger": "app.checkout",
        "error_code": "E1001",
        "message": "upstream timeout",
        "stack_trace": None,
        "request_id": "r-1",
        "user_id": "user-7",
    }
    for k, v in fields.items():
        if v is ...:
            record.pop(k, None)
        else:
            record[k] = v
    return json.dumps(record)


def put(home: Path, source: str, name: str, content: str | bytes, day: str = DAY) -> Path:
    folder = paths(home).inbox_day(source, day)
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_bytes(content.encode() if isinstance(content, str) else content)
    return p


def land(home: Path, source: str, day: str = DAY, key: bytes = KEY) -> PartitionReport:
    return land_partition(source, day, home, key=key)


def rows(home: Path, kind: str, source: str, day: str = DAY) -> list[dict[str, Any]]:
    """All rows of a landed partition ('raw' or 'rejects'), ordered by file and line."""
    folder = getattr(paths(home), kind) / source / f"event_date={day}"
    files = sorted(str(p) for p in folder.glob("*.parquet"))
    if not files:
        return []
    con = duckdb.connect()
    try:
        rel = con.execute(
            "SELECT * FROM read_parquet(?, union_by_name = true) ORDER BY source_file, line_number",
            [files],
        )
        names = [d[0] for d in rel.description]
        return [dict(zip(names, r, strict=True)) for r in rel.fetchall()]
    finally:
        con.close()


def physical_lines(content: bytes) -> list[bytes]:
    """The file's lines as an editor numbers them (line n = index n - 1); CRLF ends stripped."""
    parts = content.split(b"\n")
    if parts and parts[-1] == b"":
        parts.pop()
    return [p[:-1] if p.endswith(b"\r") else p for p in parts]


def is_blank(line: bytes) -> bool:
    return line.strip(b" \t\r") == b""


def use_small_chunks(monkeypatch: pytest.MonkeyPatch, size: int = 512) -> None:
    """Make even a small file several chunks, to exercise the multi-chunk paths."""
    monkeypatch.setattr(L, "MIN_CHUNK_BYTES", size)
    monkeypatch.setattr(L, "MAX_CHUNK_BYTES", size)


# --- counts ----------------------------------------------------------------------------------


def test_counts_add_up_per_file_and_partition(opsdw_home: Path) -> None:
    a = "\n".join(
        [nginx(), "", nginx(status="999"), "   ", nginx(ip="10.0.0.2"), "garbage", "\t", nginx()]
    )
    b = "\n".join([nginx(), nginx(request="BREW /pot HTTP/1.1"), "", "", nginx()]) + "\n"
    put(opsdw_home, "api_requests", "web-1-14.log", a)
    put(opsdw_home, "api_requests", "web-2-14.log", b)
    report = land(opsdw_home, "api_requests")

    assert len(report.files) == 2
    for f, content in zip(report.files, (a, b), strict=True):
        lines = physical_lines(content.encode())
        blank = sum(is_blank(x) for x in lines)
        assert f.lines_total == len(lines)
        assert f.rows_read + blank == f.lines_total
        assert f.rows_landed + f.rows_rejected == f.rows_read
        assert sum(f.reject_reasons.values()) == f.rows_rejected
    assert [(f.rows_read, f.rows_landed, f.rows_rejected) for f in report.files] == [
        (5, 3, 2),
        (3, 2, 1),
    ]
    raw, rej = rows(opsdw_home, "raw", "api_requests"), rows(opsdw_home, "rejects", "api_requests")
    assert len(raw) == report.rows_landed == 5
    assert len(rej) == report.rows_rejected == 3
    assert report.rows_landed + report.rows_rejected == report.rows_read
    for f in report.files:
        assert sum(r["source_file"] == f.file for r in raw) == f.rows_landed
        assert sum(r["source_file"] == f.file for r in rej) == f.rows_rejected


# --- reject reasons --------------------------------------------------------------------------

NGINX_BAD = {
    "garbage text": ("not nginx combined format (expected 3 quoted fields)", "hello world"),
    "bad time": ("unparseable $time_local", nginx(time="99/Foo/2026:14:03:27 +0000")),
    "bad offset": ("unparseable $time_local", nginx(time="21/Nov/2026:14:03:27 +01")),
    "one-word request": ("malformed request line", nginx(request="GET")),
    "relative target": ("malformed request line", nginx(request="GET users HTTP/1.1")),
    "method": ("unknown HTTP method", nginx(request="BREW /pot HTTP/1.1")),
    "status": ("status outside 100-599", nginx(status="999")),
    "status text": ("status outside 100-599", nginx(status="OK")),
    "bytes": ("invalid $body_bytes_sent", nginx(size="-5")),
    "bytes text": ("invalid $body_bytes_sent", nginx(size="lots")),
    "request time": ("invalid $request_time", nginx(rt="soon")),
    "negative request time": ("invalid $request_time", nginx(rt="-1")),
    "no address": ("missing $remote_addr", " " + nginx(ip="")),
    "too early": (
        "timestamp outside the partition day ±1 day",
        nginx(time="19/Nov/2026:23:59:59 +0000"),
    ),
    "too late": (
        "timestamp outside the partition day ±1 day",
        nginx(time="23/Nov/2026:00:00:00 +0000"),
    ),
}


@pytest.mark.parametrize("case", sorted(NGINX_BAD))
def test_every_nginx_reject_reason_keeps_the_line(opsdw_home: Path, case: str) -> None:
    reason, bad = NGINX_BAD[case]
    put(opsdw_home, "api_requests", "web-1-14.log", f"{nginx()}\n\n{bad}\n{nginx()}\n")
    report = land(opsdw_home, "api_requests")
    assert report.reject_reasons == {reason: 1}
    (rej,) = rows(opsdw_home, "rejects", "api_requests")
    assert (rej["line_number"], rej["reject_reason"], rej["line"]) == (3, reason, bad)
    assert rej["event_id"] == f"{file_key('api_requests', DAY, 'web-1-14.log')}:3"
    assert [r["line_number"] for r in rows(opsdw_home, "raw", "api_requests")] == [1, 4]


JSON_BAD = {
    "truncated": ("not a JSON object", '{"ts": "2026-11-21T14:03:27Z", "level": "ERR'),
    "array": ("not a JSON object", "[1, 2, 3]"),
    "text": ("not a JSON object", "Traceback (most recent call last):"),
    "string": ("not a JSON object", '"just a string"'),
    "no ts": ("missing ts", jsonl(ts=...)),
    "null ts": ("missing ts", jsonl(ts=None)),
    "bad ts": ("unparseable ts", jsonl(ts="yesterday")),
    "no level": ("missing level", jsonl(level=...)),
    "bad level": ("unknown level", jsonl(level="LOUD")),
    "no component": ("missing component", jsonl(component=...)),
    "empty component": ("missing component", jsonl(component="  ")),
    "too late": ("timestamp outside the partition day ±1 day", jsonl(ts="2026-11-23T00:00:00Z")),
}


@pytest.mark.parametrize("case", sorted(JSON_BAD))
def test_every_json_reject_reason_keeps_the_line(opsdw_home: Path, case: str) -> None:
    reason, bad = JSON_BAD[case]
    put(opsdw_home, "error_logs", "checkout-14.jsonl", f"{jsonl()}\n{bad}\n\n{jsonl()}")
    report = land(opsdw_home, "error_logs")
    assert report.reject_reasons == {reason: 1}
    (rej,) = rows(opsdw_home, "rejects", "error_logs")
    assert (rej["line_number"], rej["reject_reason"], rej["line"]) == (2, reason, bad)
    assert [r["line_number"] for r in rows(opsdw_home, "raw", "error_logs")] == [1, 4]


def test_unreadable_lines_are_rejected_with_their_text(
    opsdw_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(L, "MAX_LINE_BYTES", 1024)
    long_line = nginx(agent="x" * 2000)
    content = b"\n".join(
        [
            nginx().encode(),
            nginx(agent="caf\xe9").encode("latin-1"),
            long_line.encode(),
            b"",
            nginx().encode(),
        ]
    )
    put(opsdw_home, "api_requests", "web-1-14.log", content)
    report = land(opsdw_home, "api_requests")
    assert report.files[0].lines_total == 5
    assert report.reject_reasons == {
        "unreadable line: invalid encoding": 1,
        "unreadable line: line size over maximum": 1,
    }
    rej = rows(opsdw_home, "rejects", "api_requests")
    assert (
        [(r["line_number"], r["line"]) for r in rej]
        == [
            (2, nginx(agent="caf\\xe9")),  # undecodable bytes kept as \xNN escapes
            (3, long_line[:1024]),  # cut at MAX_LINE_BYTES
        ]
    )
    assert [r["line_number"] for r in rows(opsdw_home, "raw", "api_requests")] == [1, 5]


# --- line numbers ----------------------------------------------------------------------------


def _numbered_file(n: int) -> tuple[bytes, dict[int, str]]:
    """A file mixing good lines (each tagged with its line number in the user agent), blank
    lines, CRLF ends, a lone CR and invalid UTF-8; returns it and {line number: kind}."""
    out: list[bytes] = []
    kinds: dict[int, str] = {}
    for i in range(1, n + 1):
        if i % 11 == 0:
            out.append(b"")
            kinds[i] = "blank"
        elif i % 13 == 0:
            out.append(b" \t ")
            kinds[i] = "blank"
        elif i % 17 == 0 or i == 1:
            out.append(nginx(agent=f"line-{i} \xff").encode("latin-1"))
            kinds[i] = "unreadable"
        elif i % 19 == 0:
            out.append(nginx(agent=f"line-{i}").encode() + b"\r")  # CRLF
            kinds[i] = "good"
        elif i % 23 == 0:
            out.append(b"bad\rline " + str(i).encode())  # a lone CR inside a line
            kinds[i] = "rejected"
        else:
            out.append(nginx(agent=f"line-{i}").encode())
            kinds[i] = "good"
    return b"\n".join(out) + b"\n", kinds


@pytest.mark.parametrize(
    ("chunk_bytes", "threads"), [(None, "1"), (300, "1"), (1024, "1"), (300, "2"), (1024, "4")]
)
def test_line_numbers_are_exact(
    opsdw_home: Path, monkeypatch: pytest.MonkeyPatch, chunk_bytes: int | None, threads: str
) -> None:
    monkeypatch.setenv(L.LANDING_THREADS_ENV, threads)  # chunks read side by side too
    if chunk_bytes:
        use_small_chunks(monkeypatch, chunk_bytes)
    content, kinds = _numbered_file(120)
    put(opsdw_home, "api_requests", "web-1-14.log", content)
    report = land(opsdw_home, "api_requests")
    f = report.files[0]
    assert f.lines_total == 120
    assert f.rows_read == sum(k != "blank" for k in kinds.values())
    raw = rows(opsdw_home, "raw", "api_requests")
    assert [r["line_number"] for r in raw] == [i for i, k in kinds.items() if k == "good"]
    for r in raw:  # the row really is that line
        assert r["user_agent"] == f"line-{r['line_number']}"
        assert (
            r["event_id"] == f"{file_key('api_requests', DAY, 'web-1-14.log')}:{r['line_number']}"
        )
    rej = rows(opsdw_home, "rejects", "api_requests")
    assert [r["line_number"] for r in rej] == [
        i for i, k in kinds.items() if k in ("unreadable", "rejected")
    ]
    lines = physical_lines(content)
    for r in rej:
        original = lines[r["line_number"] - 1].decode("utf-8", "backslashreplace")
        assert r["line"] == original.replace("\r", " ")  # a lone CR is read as a space


def test_snapshot_chunks_cut_at_line_ends(tmp_path: Path) -> None:
    content, _ = _numbered_file(200)
    src = tmp_path / "f.log"
    src.write_bytes(content + b"last line without end")
    snap = snapshot(src, tmp_path / "chunks", 700)
    assert snap.sha256 == hashlib.sha256(src.read_bytes()).hexdigest()
    assert snap.lines_total == 201
    assert len(snap.chunks) > 5
    joined = b"".join(c.path.read_bytes() for c in snap.chunks)
    assert joined == src.read_bytes().replace(b"\r\n", b"\n").replace(b"\r", b" ")
    first = 1
    for c in snap.chunks:
        data = c.path.read_bytes()
        assert c.first_line == first
        assert data.endswith(b"\n") or c is snap.chunks[-1]
        first += data.count(b"\n")
    # the first chunk (the normalisation sample) can be made smaller than the others
    small = snapshot(src, tmp_path / "small", 700, first_target=150)
    sizes = [c.path.stat().st_size for c in small.chunks]
    assert 150 <= sizes[0] < 300 and all(s >= 700 for s in sizes[1:-1])
    assert b"".join(c.path.read_bytes() for c in small.chunks) == joined


def _plain_numbered_file(n: int) -> tuple[bytes, dict[int, str]]:
    """Like `_numbered_file` without invalid UTF-8 (a snapshot DuckDB reads as whole texts): good
    lines (some with non-ASCII text), blank and whitespace-only lines, CRLF ends, a lone CR, and
    no line end after the last line."""
    out: list[bytes] = []
    kinds: dict[int, str] = {}
    for i in range(1, n + 1):
        if i % 11 == 0:
            out.append(b"")
            kinds[i] = "blank"
        elif i % 13 == 0:
            out.append(b" \t ")
            kinds[i] = "blank"
        elif i % 17 == 0:
            out.append(nginx(agent=f"line-{i}", user="jos\u00e9").encode() + b"\r")  # CRLF
            kinds[i] = "good"
        elif i % 23 == 0:
            out.append(b"bad\rline " + str(i).encode())  # a lone CR inside a line
            kinds[i] = "rejected"
        else:
            out.append(nginx(agent=f"line-{i}").encode())
            kinds[i] = "good"
    return b"\n".join(out), kinds


@pytest.mark.parametrize(
    ("chunk_bytes", "threads"), [(None, "1"), (300, "1"), (1024, "1"), (300, "2"), (1024, "4")]
)
def test_line_numbers_are_exact_in_plain_files(
    opsdw_home: Path, monkeypatch: pytest.MonkeyPatch, chunk_bytes: int | None, threads: str
) -> None:
    monkeypatch.setenv(L.LANDING_THREADS_ENV, threads)
    if chunk_bytes:
        use_small_chunks(monkeypatch, chunk_bytes)
    content, kinds = _plain_numbered_file(120)
    put(opsdw_home, "api_requests", "web-1-14.log", content)
    report = land(opsdw_home, "api_requests")
    f = report.files[0]
    assert f.lines_total == 120
    assert f.rows_read == sum(k != "blank" for k in kinds.values())
    raw = rows(opsdw_home, "raw", "api_requests")
    assert [r["line_number"] for r in raw] == [i for i, k in kinds.items() if k == "good"]
    for r in raw:
        assert r["user_agent"] == f"line-{r['line_number']}"
        assert (
            r["event_id"] == f"{file_key('api_requests', DAY, 'web-1-14.log')}:{r['line_number']}"
        )
    rej = rows(opsdw_home, "rejects", "api_requests")
    assert [r["line_number"] for r in rej] == [i for i, k in kinds.items() if k == "rejected"]
    lines = physical_lines(content)
    for r in rej:
        assert r["line"] == lines[r["line_number"] - 1].decode().replace("\r", " ")


def test_snapshot_notes_whether_duckdb_can_read_the_file_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(L, "MAX_LINE_BYTES", 1024)
    cases = {
        "ascii": (b"a\nb\n", True),
        "utf-8": ("caf\u00e9\n\u2713 done".encode(), True),
        "latin-1": (b"caf\xe9\n", False),
        "truncated utf-8 at the end": (b"ok\n\xe2\x82", False),
        "long line": (b"x" * 2000 + b"\nshort\n", False),
        "long last line": (b"short\n" + b"y" * 2000, False),
        "lines under the limit": ((b"z" * 1000 + b"\n") * 50, True),
    }
    for name, (content, plain) in cases.items():
        src = tmp_path / f"{name}.log"
        src.write_bytes(content)
        snap = snapshot(src, tmp_path / name, 64)
        assert snap.plain is plain, name
        assert snap.sha256 == hashlib.sha256(content).hexdigest()


def test_a_byte_order_mark_does_not_belong_to_the_first_line(opsdw_home: Path) -> None:
    put(opsdw_home, "api_requests", "web-1-14.log", b"\xef\xbb\xbf" + f"{nginx()}\n".encode())
    report = land(opsdw_home, "api_requests")
    assert (report.files[0].rows_landed, report.files[0].rows_rejected) == (1, 0)
    assert report.files[0].size_bytes == len(nginx()) + 4


def test_a_text_duckdb_refuses_falls_back_to_the_line_reader(
    opsdw_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = L.snapshot

    def claims_plain(*args: Any, **kwargs: Any) -> L.Snapshot:
        return dataclasses.replace(real(*args, **kwargs), plain=True)

    monkeypatch.setattr(L, "snapshot", claims_plain)
    content = b"\n".join([nginx().encode(), nginx(agent="caf\xe9").encode("latin-1"), b""])
    put(opsdw_home, "api_requests", "web-1-14.log", content)
    report = land(opsdw_home, "api_requests")
    assert report.reject_reasons == {"unreadable line: invalid encoding": 1}
    assert [r["line_number"] for r in rows(opsdw_home, "raw", "api_requests")] == [1]


# --- ids, time zones -------------------------------------------------------------------------


def test_event_ids_are_unique_and_stable_across_relanding(opsdw_home: Path) -> None:
    put(opsdw_home, "api_requests", "web-1-14.log", "\n".join([nginx()] * 5 + ["x"]))
    put(opsdw_home, "api_requests", "web-1-15.log", "\n".join([nginx()] * 3))
    land(opsdw_home, "api_requests")
    first = rows(opsdw_home, "raw", "api_requests") + rows(opsdw_home, "rejects", "api_requests")
    land(opsdw_home, "api_requests")
    again = rows(opsdw_home, "raw", "api_requests") + rows(opsdw_home, "rejects", "api_requests")
    ids = [r["event_id"] for r in first]
    assert len(ids) == len(set(ids)) == 9
    assert sorted(ids) == sorted(r["event_id"] for r in again)
    for r in first:
        name = r["source_file"].rsplit("/", 1)[1]
        assert r["event_id"] == f"{file_key('api_requests', DAY, name)}:{r['line_number']}"


def test_time_zones_are_converted_to_utc(opsdw_home: Path) -> None:
    put(
        opsdw_home,
        "api_requests",
        "web-1-14.log",
        "\n".join(
            nginx(time=t)
            for t in (
                "21/Nov/2026:14:03:27 +0000",
                "21/Nov/2026:14:03:27 +0100",
                "21/Nov/2026:14:03:27 -0530",
                "21/Nov/2026:00:30:00 +0200",
            )
        ),
    )
    put(
        opsdw_home,
        "error_logs",
        "checkout-14.jsonl",
        "\n".join(
            jsonl(ts=t)
            for t in (
                "2026-11-21T14:03:27Z",
                "2026-11-21T14:03:27.500+02:00",
                "2026-11-21T14:03:27",
                "2026-11-21 14:03:27-05:30",
            )
        ),
    )
    land(opsdw_home, "api_requests")
    land(opsdw_home, "error_logs")
    t = dt.datetime
    assert [r["ts"] for r in rows(opsdw_home, "raw", "api_requests")] == [
        t(2026, 11, 21, 14, 3, 27),
        t(2026, 11, 21, 13, 3, 27),
        t(2026, 11, 21, 19, 33, 27),
        t(2026, 11, 20, 22, 30, 0),
    ]
    assert [r["ts"] for r in rows(opsdw_home, "raw", "error_logs")] == [
        t(2026, 11, 21, 14, 3, 27),
        t(2026, 11, 21, 12, 3, 27, 500000),
        t(2026, 11, 21, 14, 3, 27),
        t(2026, 11, 21, 19, 33, 27),
    ]


def test_partition_window_is_the_day_plus_minus_one(opsdw_home: Path) -> None:
    times = {
        "20/Nov/2026:00:00:00 +0000": True,  # day - 1, first instant
        "19/Nov/2026:23:59:59 +0000": False,
        "22/Nov/2026:23:59:59 +0000": True,  # day + 1, last second
        "23/Nov/2026:00:00:00 +0000": False,
        "23/Nov/2026:00:30:00 +0100": True,  # 22/Nov 23:30 UTC
    }
    put(opsdw_home, "api_requests", "web-1-14.log", "\n".join(nginx(time=t) for t in times))
    report = land(opsdw_home, "api_requests")
    assert report.rows_landed == sum(times.values())
    assert report.reject_reasons == {"timestamp outside the partition day ±1 day": 2}


# --- pseudonyms and templates ----------------------------------------------------------------


def test_pseudonyms_match_the_reference_and_no_clear_text_lands(
    opsdw_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_small_chunks(monkeypatch, 600)  # values first seen after the sampled first chunk too
    ips = [f"192.168.{i}.{i * 7 % 250}" for i in range(30)]
    users = [f"alice{i}@example.com" for i in range(30)]
    nginx_lines = [nginx(ip=ips[i % 30], user=users[(i * 7) % 30]) for i in range(90)]
    nginx_lines += [nginx(ip=ip, user="-") for ip in ips]
    put(opsdw_home, "api_requests", "web-1-14.log", "\n".join(nginx_lines))
    put(
        opsdw_home,
        "error_logs",
        "checkout-14.jsonl",
        "\n".join(jsonl(user_id=u) for u in users + [None]),
    )
    land(opsdw_home, "api_requests")
    land(opsdw_home, "error_logs")
    raw = rows(opsdw_home, "raw", "api_requests")
    assert len(raw) == 120
    for line, r in zip(nginx_lines, raw, strict=True):
        ip, _, user = line.split(" ")[:3]
        assert r["client_pseudo"] == pseudonym(ip, KEY)
        assert r["user_pseudo"] == (None if user == "-" else pseudonym(user, KEY))
    err = rows(opsdw_home, "raw", "error_logs")
    assert [r["user_pseudo"] for r in err] == [pseudonym(u, KEY) for u in users] + [None]

    # no clear-text identifier anywhere in any string column of the raw Parquet
    clear = set(ips) | set(users)
    for source in ("api_requests", "error_logs"):
        for f in (paths(opsdw_home).raw / source).rglob("*.parquet"):
            con = duckdb.connect()
            cols = [
                d[0]
                for d in con.execute(
                    f"DESCRIBE SELECT * FROM read_parquet('{f}', hive_partitioning = false)"
                ).fetchall()
                if d[1] == "VARCHAR"
            ]
            values = con.execute(f"SELECT {', '.join(cols)} FROM read_parquet('{f}')").fetchall()
            con.close()
            text = "\n".join(str(v) for row in values for v in row if v is not None)
            assert not [c for c in clear if c in text], f"clear text in {f}"


def test_pseudonyms_change_with_the_key(opsdw_home: Path) -> None:
    put(opsdw_home, "api_requests", "web-1-14.log", nginx(ip="10.9.9.9", user="bob"))
    land(opsdw_home, "api_requests", key=b"key-one")
    (one,) = rows(opsdw_home, "raw", "api_requests")
    land(opsdw_home, "api_requests", key=b"key-two")
    (two,) = rows(opsdw_home, "raw", "api_requests")
    assert one["client_pseudo"] == pseudonym("10.9.9.9", b"key-one")
    assert two["client_pseudo"] == pseudonym("10.9.9.9", b"key-two")
    assert one["client_pseudo"] != two["client_pseudo"]
    assert one["user_pseudo"] != two["user_pseudo"]


ENDPOINTS = {
    "/users/123": "/users/{id}",
    "/users/123/orders?page=2&sort=asc": "/users/{id}/orders",
    "/orders/550e8400-e29b-41d4-a716-446655440000/items": "/orders/{uuid}/items",
    "/static/app.js?v=0123456789abcdef0123": "/static/app.js",
    "/blobs/0123456789abcdef0123": "/blobs/{hash}",
    "/a/1/2/3": "/a/{id}/{id}/{id}",
    "/": "/",
    "/?q=1": "/",
    "/v1/health": "/v1/health",
}


def test_endpoints_are_templated_and_queries_dropped(
    opsdw_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_small_chunks(monkeypatch, 400)  # templated from the sample and on the row alike
    paths_ = list(ENDPOINTS) * 3
    put(
        opsdw_home,
        "api_requests",
        "web-1-14.log",
        "\n".join(nginx(request=f"GET {p} HTTP/1.1") for p in paths_),
    )
    land(opsdw_home, "api_requests")
    assert [r["endpoint"] for r in rows(opsdw_home, "raw", "api_requests")] == [
        ENDPOINTS[p] for p in paths_
    ]


# --- publishing ------------------------------------------------------------------------------


def test_relanding_after_the_inbox_changes_replaces_the_partition(opsdw_home: Path) -> None:
    put(opsdw_home, "api_requests", "web-1-14.log", "\n".join([nginx()] * 4 + ["bad"]))
    put(opsdw_home, "api_requests", "web-2-14.log", "\n".join([nginx()] * 3 + ["bad", "bad"]))
    first = land(opsdw_home, "api_requests")
    assert (first.rows_landed, first.rows_rejected) == (7, 3)
    raw_dir = paths(opsdw_home).raw_partition("api_requests", DAY)
    rej_dir = paths(opsdw_home).rejects_partition("api_requests", DAY)
    assert {p.name for p in rej_dir.iterdir()} == {"web-1-14.log.parquet", "web-2-14.log.parquet"}

    (paths(opsdw_home).inbox_day("api_requests", DAY) / "web-2-14.log").unlink()
    put(opsdw_home, "api_requests", "web-1-14.log", "\n".join([nginx()] * 6))
    second = land(opsdw_home, "api_requests")
    assert (second.rows_landed, second.rows_rejected) == (6, 0)
    assert {p.name for p in raw_dir.iterdir()} == {"web-1-14.log.parquet", MANIFEST_NAME}
    assert list(rej_dir.iterdir()) == []
    assert len(rows(opsdw_home, "raw", "api_requests")) == 6
    assert rows(opsdw_home, "rejects", "api_requests") == []
    assert read_manifest("api_requests", DAY, opsdw_home)["rows_landed"] == 6
    assert not any(paths(opsdw_home).lake_tmp.iterdir())  # scratch cleaned up


def test_an_empty_inbox_day_writes_the_placeholder(opsdw_home: Path) -> None:
    put(opsdw_home, "error_logs", "checkout-14.jsonl", jsonl())
    land(opsdw_home, "error_logs")
    (paths(opsdw_home).inbox_day("error_logs", DAY) / "checkout-14.jsonl").unlink()
    report = land(opsdw_home, "error_logs")
    assert report.files == [] and report.rows_read == 0
    raw_dir = paths(opsdw_home).raw_partition("error_logs", DAY)
    assert {p.name for p in raw_dir.iterdir()} == {EMPTY_NAME, MANIFEST_NAME}
    con = duckdb.connect()
    schema = con.execute(
        f"DESCRIBE SELECT * FROM read_parquet('{raw_dir / EMPTY_NAME}', hive_partitioning = false)"
    ).fetchall()
    count = con.execute(
        f"SELECT count(*) FROM read_parquet('{raw_dir / EMPTY_NAME}', hive_partitioning = false)"
    ).fetchone()
    con.close()
    assert [(c[0], c[1]) for c in schema] == list(get_source("error_logs").raw_columns)
    assert count == (0,)


@pytest.mark.parametrize(
    ("source", "name", "content", "lines"),
    [
        ("api_requests", "web-1-14.log", b"", 0),
        ("api_requests", "web-1-14.log", b"\n \n\t\n", 3),
        ("error_logs", "checkout-14.jsonl", b"\r\n\r\n", 2),
        ("system_metrics", "web-1-14.prom", b"# HELP up Up.\n# TYPE up gauge\n", 2),
    ],
)
def test_files_without_events_land_empty(
    opsdw_home: Path, source: str, name: str, content: bytes, lines: int
) -> None:
    put(opsdw_home, source, name, content)
    report = land(opsdw_home, source)
    (f,) = report.files
    assert (f.lines_total, f.rows_read, f.rows_landed, f.rows_rejected) == (lines, 0, 0, 0)
    raw = paths(opsdw_home).raw_partition(source, DAY) / f"{name}.parquet"
    con = duckdb.connect()
    schema = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{raw}', hive_partitioning = false)")
    assert [(c[0], c[1]) for c in schema.fetchall()] == list(get_source(source).raw_columns)
    con.close()
    assert rows(opsdw_home, "raw", source) == [] and rows(opsdw_home, "rejects", source) == []


def test_landed_files_have_the_raw_schema(opsdw_home: Path) -> None:
    put(opsdw_home, "api_requests", "web-1-14.log", f"{nginx()}\nbad")
    land(opsdw_home, "api_requests")
    con = duckdb.connect()
    for kind, expected in (
        ("raw", list(get_source("api_requests").raw_columns)),
        ("rejects", list(L.REJECT_COLUMNS)),
    ):
        f = (
            getattr(paths(opsdw_home), kind)
            / "api_requests"
            / f"event_date={DAY}"
            / "web-1-14.log.parquet"
        )
        schema = con.execute(
            f"DESCRIBE SELECT * FROM read_parquet('{f}', hive_partitioning = false)"
        ).fetchall()
        assert [(c[0], c[1]) for c in schema] == expected
    con.close()


def test_manifest_records_hashes_and_counts(opsdw_home: Path) -> None:
    content = "\n".join([nginx(), "", nginx(status="42"), nginx()]) + "\n"
    p = put(opsdw_home, "api_requests", "web-1-14.log", content)
    report = land(opsdw_home, "api_requests")
    m = read_manifest("api_requests", DAY, opsdw_home)
    assert m is not None and m == json.loads(
        (paths(opsdw_home).raw_partition("api_requests", DAY) / MANIFEST_NAME).read_text()
    )
    (f,) = m["files"]
    assert f["file"] == "api_requests/2026-11-21/web-1-14.log"
    assert f["sha256"] == hashlib.sha256(p.read_bytes()).hexdigest()
    assert f["size_bytes"] == p.stat().st_size
    assert (f["lines_total"], f["rows_read"], f["rows_landed"], f["rows_rejected"]) == (4, 3, 2, 1)
    assert f["reject_reasons"] == {"status outside 100-599": 1}
    assert (m["rows_read"], m["rows_landed"], m["rows_rejected"]) == (3, 2, 1)
    assert m["source"] == "api_requests" and m["event_date"] == DAY
    assert m == report.to_json() | {"landed_at": m["landed_at"]}
    assert read_manifest("api_requests", "2026-11-22", opsdw_home) is None


def test_landing_twice_gives_identical_row_sets(
    opsdw_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_small_chunks(monkeypatch, 800)
    content, _ = _numbered_file(60)
    put(opsdw_home, "api_requests", "web-1-14.log", content)
    put(opsdw_home, "error_logs", "checkout-14.jsonl", "\n".join([jsonl(), "{", jsonl()] * 10))
    snapshots = []
    for _ in range(2):
        land(opsdw_home, "api_requests")
        land(opsdw_home, "error_logs")
        snapshots.append(
            {
                (kind, source): sorted(tuple(r.items()) for r in rows(opsdw_home, kind, source))
                for kind in ("raw", "rejects")
                for source in ("api_requests", "error_logs")
            }
        )
    assert snapshots[0] == snapshots[1]
    assert all(snapshots[0].values())
