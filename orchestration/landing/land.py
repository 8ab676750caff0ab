"""Raw landing: one day of one source, from inbox files to typed Parquet in the lake.

Per inbox file, in bounded memory (docs/landing.md has the design and the measurements):

0. snapshot (Python, one sequential read; the sha256 in a second thread): sha256 and line count
   of the file, and a copy of it in chunk files cut at line ends, each knowing the number of its
   first line (CR LF read as LF, a lone CR as a space), noting whether every line is valid UTF-8
   and shorter than `MAX_LINE_BYTES` ("plain"). Everything after reads the snapshot, so the
   manifest describes exactly the bytes that were landed.
1. sample (DuckDB): the distinct values of the columns to normalise (keyed pseudonyms, endpoint
   templates) in the first chunk, each normalised once into a small map.
2. land (DuckDB, one streaming COPY): the chunks are read as numbered lines — a plain snapshot
   on one thread as whole texts split at '\\n' (the element's position is the line number),
   otherwise through the CSV reader with `row_number() OVER ()` per chunk — the parser's SQL
   and the generic checks
   (timestamp present and within the partition day ±1) run on them, normalised values come from
   the maps (or are computed on the row when the sample did not have them), and PARTITION_BY
   writes the landed rows and the rejected ones to two files with the raw schema in the same
   pass. A rejected row carries its reason in `source_file` and its original text in `event_id`;
   its file is rewritten into the rejects schema afterwards (rejects are few).

Lines the CSV reader refuses (invalid UTF-8, longer than `MAX_LINE_BYTES`; only a snapshot that
is not plain is read with it) get no row number from it, so the rows after them are renumbered to
their true line (an ASOF join, only when such lines exist) and they are rejected with their text
as read from the snapshot.

The finished files replace the partition's previous files one by one with os.replace (each
file is swapped atomically and keeps its name, so no reader ever sees a row twice), files that no
longer exist in the inbox are removed, and the partition manifest is written last.
Landed + rejected = read, for every file, and the manifest records all three.
"""

from __future__ import annotations

import codecs
import dataclasses
import datetime as dt
import functools
import hashlib
import json
import os
import queue
import re
import shutil
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from orchestration.landing.normalise import endpoint_template_sql, hmac_sql, pseudonym_key
from orchestration.landing.parsers import ParseContext, get_parser
from orchestration.landing.parsers.base import sql_str
from orchestration.settings import Paths, paths
from orchestration.sources.catalog import Source, get_source

MANIFEST_NAME = "_manifest.json"
EMPTY_NAME = "_empty.parquet"  # keeps a source readable (glob non-empty) on a day with no files
# Longest line the reader accepts; a longer one is rejected (its kept text cut to this length).
MAX_LINE_BYTES = 4 * 1024 * 1024
# Rows may arrive up to a day early or late relative to the inbox day folder they were filed in.
PARTITION_SLACK = dt.timedelta(days=1)
# Values rewritten per row while landing (source -> column -> SQL over the given column).
VALUE_EXPRS: dict[str, dict[str, Callable[[str], str]]] = {
    "api_requests": {"endpoint": endpoint_template_sql}
}
# DuckDB threads per landing connection. One by default: on the 2-core reference machine a
# second thread made the nginx and JSON landing use ~60-75% more CPU and take longer (their one
# streaming COPY is bound by the Parquet write, which does not scale there; docs/landing.md).
# The Prometheus parser's aggregations do scale (1M samples: 3.5 s on one thread, 2.5 s on two).
# OPSDW_LANDING_THREADS overrides both for every source (e.g. on a bigger machine); the chunked
# reading below is what lets the parse run on several threads.
LANDING_THREADS = 1
SOURCE_THREADS: dict[str, int] = {"system_metrics": 2}
LANDING_THREADS_ENV = "OPSDW_LANDING_THREADS"
# DuckDB's budget per landing connection (beyond it, operators spill to the scratch directory).
MEMORY_LIMIT = "512MB"
# Rows per Parquet row group of the raw files; what the writer buffers per thread (DuckDB's
# default is 122,880).
ROW_GROUP_ROWS = 32_768
# Rows a thread collects for PARTITION_BY before handing them to the file writers (DuckDB: 512k).
# Every hand-over keeps ~0.5 MB until the COPY ends (measured with DuckDB 1.5: COLUMN_DATA grows
# by that per flush, so by ~15 MB per million rows at 32,768); at 262,144 it grows ~2 MB per
# million rows, for a ~50 MB larger buffer. DuckDB spills it under MEMORY_LIMIT.
PARTITION_FLUSH_ROWS = 262_144
# Chunking of the snapshot: about CHUNKS_PER_THREAD chunks per DuckDB thread, each between
# MIN_CHUNK_BYTES and MAX_CHUNK_BYTES (a file smaller than MIN_CHUNK_BYTES is one chunk). A chunk
# read as a whole text is held in memory with its lines (~3x its size) while it is parsed, so
# MAX_CHUNK_BYTES bounds that memory whatever the file size.
CHUNKS_PER_THREAD = 4
MIN_CHUNK_BYTES = 4 * 1024 * 1024
MAX_CHUNK_BYTES = 16 * 1024 * 1024
# The first chunk is the sample the normalisation maps are built from: an eighth of the file,
# between these bounds (so the maps do not grow with the file, and a small file is not parsed
# twice in full).
SAMPLE_MIN_BYTES = 1024 * 1024
SAMPLE_MAX_BYTES = 8 * 1024 * 1024
_BLOCK_BYTES = 1024 * 1024
_HOUR_SUFFIX = re.compile(r"^(?P<host>.+)-(?P<hour>\d{2})$")
REJECT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("event_id", "VARCHAR"),
    ("source_file", "VARCHAR"),
    ("line_number", "BIGINT"),
    ("reject_reason", "VARCHAR"),
    ("line", "VARCHAR"),
)


@dataclass
class FileReport:
    """What landing one inbox file did."""

    file: str  # inbox-relative path
    size_bytes: int
    sha256: str
    lines_total: int  # newline-terminated lines (plus a final unterminated one)
    rows_read: int  # event candidates: lines that are not blank and not metadata/comments
    rows_landed: int
    rows_rejected: int
    reject_reasons: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class PartitionReport:
    """What landing one source's day did (also the manifest's content)."""

    source: str
    event_date: str
    files: list[FileReport]
    landed_at: str
    seconds: float
    raw_dir: str
    rejects_dir: str

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_landed(self) -> int:
        return sum(f.rows_landed for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)

    @property
    def reject_reasons(self) -> dict[str, int]:
        total: Counter[str] = Counter()
        for f in self.files:
            total.update(f.reject_reasons)
        return dict(total.most_common())

    def to_json(self) -> dict:
        out = asdict(self)
        out.update(
            rows_read=self.rows_read,
            rows_landed=self.rows_landed,
            rows_rejected=self.rows_rejected,
            reject_reasons=self.reject_reasons,
        )
        return out


def file_key(source: str, day: str, name: str) -> str:
    """Short stable id of an inbox file; event_id = '<file_key>:<line_number>'."""
    return hashlib.sha1(f"{source}/{day}/{name}".encode()).hexdigest()[:12]


# --- step 0: snapshot ------------------------------------------------------------------------


@dataclass(frozen=True)
class Chunk:
    path: Path
    first_line: int  # 1-based number, in the inbox file, of the chunk's first line


@dataclass(frozen=True)
class Snapshot:
    sha256: str  # of the inbox file's bytes as read
    size_bytes: int
    lines_total: int
    chunks: tuple[Chunk, ...]
    # every line is valid UTF-8 and shorter than MAX_LINE_BYTES: DuckDB can read the chunks as
    # whole texts (read_text) and no line will be refused (see lines_sql)
    plain: bool = False


def chunk_target(size: int, threads: int) -> int:
    """Bytes per chunk for a file of `size` bytes read by `threads` threads."""
    return max(MIN_CHUNK_BYTES, min(MAX_CHUNK_BYTES, size // max(1, threads * CHUNKS_PER_THREAD)))


_UTF8_BOM = b"\xef\xbb\xbf"


class _Hasher:
    """sha256 of a stream of blocks, computed in a second thread (hashlib releases the GIL), so
    that hashing overlaps the copy."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=32)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (block := self._queue.get()) is not None:
            self.digest.update(block)

    def update(self, block: bytes) -> None:
        self._queue.put(block)

    def hexdigest(self) -> str:
        self._queue.put(None)
        self._thread.join()
        return self.digest.hexdigest()


def snapshot(path: Path, out_dir: Path, target: int, first_target: int | None = None) -> Snapshot:
    """Hash, count and copy `path` into chunk files of about `target` bytes (the first one
    `first_target`, when given), each cut after a '\\n'.

    The copies have '\\n' line ends only: a '\\r\\n' is copied as '\\n' and any other '\\r' as a
    space. DuckDB's line reader ends a line at a lone '\\r' too (and at both characters of a
    '\\r\\n' in a file it took for '\\n'-separated), which would shift every later line number.
    A UTF-8 byte order mark at the start of the file is not copied (DuckDB's CSV reader skips it,
    its text reader would not). On the way, the snapshot notes whether every line is valid UTF-8
    and shorter than MAX_LINE_BYTES (`Snapshot.plain`).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    hasher = _Hasher()
    size = lines = out_bytes = 0
    chunks: list[Chunk] = []
    out = None
    carry = b""  # a trailing '\r' held back until we know what follows it
    last = b""
    run = longest = 0  # bytes since the last '\n'; the longest line so far
    decoder = None  # checks UTF-8 from the first non-ASCII block on
    utf8 = True
    # a line longer than a block always spans two blocks, so `run` sees every long line
    block_bytes = max(1, min(_BLOCK_BYTES, MAX_LINE_BYTES))

    def write(data: bytes | memoryview) -> None:
        nonlocal out, out_bytes, lines
        pos = 0
        while pos < len(data):
            if out is None:
                chunk = Chunk(out_dir / f"chunk-{len(chunks):04d}.txt", lines + 1)
                chunks.append(chunk)
                out = chunk.path.open("wb", buffering=0)
                out_bytes = 0
            # the chunk ends at the first line end at or after its target size
            want = first_target if first_target and len(chunks) == 1 else target
            nl = data.find(b"\n", pos + max(want - out_bytes, 1) - 1)
            end = len(data) if nl < 0 else nl + 1
            out.write(memoryview(data)[pos:end])
            out_bytes += end - pos
            lines += data.count(b"\n", pos, end)
            pos = end
            if nl >= 0:
                out.close()
                out = None

    try:
        with path.open("rb", buffering=0) as f:
            while block := f.read(block_bytes):
                hasher.update(block)
                if size == 0 and block.startswith(_UTF8_BOM):
                    size, block = len(block), block[len(_UTF8_BOM) :]
                else:
                    size += len(block)
                last = block[-1:] or last
                nl = block.find(b"\n")
                if nl < 0:
                    run += len(block)
                else:
                    longest = max(longest, run + nl)
                    run = len(block) - block.rfind(b"\n") - 1
                if utf8 and (decoder is not None or not block.isascii()):
                    decoder = decoder or codecs.getincrementaldecoder("utf-8")()
                    try:
                        decoder.decode(block)
                    except UnicodeDecodeError:
                        utf8 = False
                data, carry = carry + block, b""
                if b"\r" in data:
                    if data.endswith(b"\r"):
                        data, carry = data[:-1], b"\r"
                    data = data.replace(b"\r\n", b"\n").replace(b"\r", b" ")
                write(data)
            if carry:
                write(b" ")
            if decoder is not None and utf8:
                try:
                    decoder.decode(b"", final=True)
                except UnicodeDecodeError:
                    utf8 = False
    finally:
        if out is not None:
            out.close()
        sha256 = hasher.hexdigest()
    if last and last != b"\n":
        lines += 1  # a final line without a line end
    longest = max(longest, run)
    # (conservative by a byte or two: CR LF ends are counted, and DuckDB's own limit)
    plain = utf8 and longest + 2 < MAX_LINE_BYTES
    return Snapshot(sha256, size, lines, tuple(chunks), plain)


def _read_lines(path: Path, wanted: set[int]) -> dict[int, str]:
    """The text of the given 1-based lines of `path` (undecodable bytes as \\xNN escapes, each
    line cut at MAX_LINE_BYTES); only used for the rare lines DuckDB's reader refuses."""
    found: dict[int, str] = {}
    number, partial, keep = 1, b"", True
    with path.open("rb") as f:
        while wanted - found.keys():
            piece = f.readline(MAX_LINE_BYTES + 1)
            if not piece:
                break
            complete = piece.endswith(b"\n")
            if number in wanted and keep:
                partial += piece
                if len(partial) > MAX_LINE_BYTES:
                    partial, keep = partial[:MAX_LINE_BYTES], False
            if complete:
                if number in wanted:
                    found[number] = partial.rstrip(b"\r\n").decode("utf-8", "backslashreplace")
                number, partial, keep = number + 1, b"", True
        if partial and number in wanted:
            found[number] = partial.decode("utf-8", "backslashreplace")
    return found


# --- steps 1 and 2 ---------------------------------------------------------------------------


def _file_host(stem: str) -> str | None:
    m = _HOUR_SUFFIX.match(stem)
    return m.group("host") if m else None


def landing_threads(source: str) -> int:
    """DuckDB threads for landing `source`: $OPSDW_LANDING_THREADS, else SOURCE_THREADS, else
    LANDING_THREADS."""
    value = os.environ.get(LANDING_THREADS_ENV, "").strip()
    if value:
        return max(1, int(value))
    return SOURCE_THREADS.get(source, LANDING_THREADS)


def _connect(scratch: Path, threads: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(
        config={
            "threads": threads,
            "memory_limit": MEMORY_LIMIT,
            "temp_directory": str(scratch / "spill"),
            "preserve_insertion_order": False,  # nothing here relies on row order but ORDER BY
            "partitioned_write_flush_threshold": PARTITION_FLUSH_ROWS,
        }
    )
    # DuckDB cannot estimate a parser's output size and would build the hash table of a join on
    # the whole file instead of on the small map of distinct identifiers: keep the written side.
    con.execute("SET disabled_optimizers = 'build_side_probe_side'")
    return con


def _read_csv_sql(path: Path) -> str:
    """One file as lines: one VARCHAR column, nothing interpreted; blank lines are NULL."""
    return (
        f"read_csv({sql_str(str(path))}, columns = {{'line': 'VARCHAR'}}, delim = '\\0', "
        "quote = '', escape = '', header = false, auto_detect = false, strict_mode = false, "
        f"max_line_size = {MAX_LINE_BYTES}, buffer_size = {4 * MAX_LINE_BYTES}, "
        "store_rejects = true)"
    )


def lines_sql(chunks: tuple[Chunk, ...] | list[Chunk], plain: bool = False) -> str:
    """The `lines(line_number, line)` relation of the parser contract, over a snapshot's chunks.

    A `plain` snapshot (valid UTF-8, no line over MAX_LINE_BYTES) is read as whole texts: each
    chunk is one row of `read_text`, split at '\\n' and unnested with the element's position,
    which is its line number within the chunk. One pipeline, parallel over the chunks, with no
    window function (a `row_number()` pipeline runs on one thread, and a COPY above it then keeps
    a second DuckDB thread spinning). Otherwise each chunk goes through DuckDB's CSV reader, which
    refuses the lines it cannot read (see `_unreadable`): `row_number() OVER ()` per chunk, the
    chunks UNION ALL-ed.
    """
    if not chunks:
        return "SELECT NULL::BIGINT AS line_number, NULL::VARCHAR AS line WHERE false"
    if plain:
        files = "[" + ", ".join(sql_str(str(c.path)) for c in chunks) + "]"
        firsts = "[" + ", ".join(str(c.first_line) for c in chunks) + "]"
        # string_split leaves an empty last element after a final '\\n': dropped by `n < k`
        return f"""
            SELECT first_line - 1 + n AS line_number, nullif(line, '') AS line
            FROM (
                SELECT first_line, ends_nl, len(parts) AS k,
                       unnest(parts) AS line, generate_subscripts(parts, 1) AS n
                FROM (
                    SELECT {firsts}[list_position({files}, filename)] AS first_line,
                           suffix(content, chr(10)) AS ends_nl,
                           string_split(content, chr(10)) AS parts
                    FROM read_text({files})
                )
            )
            WHERE n < k OR NOT ends_nl"""
    return "\nUNION ALL\n".join(
        f"SELECT {c.first_line - 1} + row_number() OVER () AS line_number, line "
        f"FROM {_read_csv_sql(c.path)}"
        for c in chunks
    )


def _unreadable(con: duckdb.DuckDBPyConnection, snap: Snapshot) -> list[tuple[int, str, str]]:
    """Lines the reader refused: (line number in the file, reject reason, text)."""
    # an empty file: nothing was read (and no reject tables exist); a plain one: nothing refused
    if not snap.chunks or snap.plain:
        return []
    rows = con.execute(
        "SELECT s.file_path, e.line, any_value(e.error_type) "
        "FROM reject_errors e JOIN reject_scans s USING (scan_id, file_id) "
        "GROUP BY ALL ORDER BY 1, 2"
    ).fetchall()
    if not rows:
        return []
    by_path = {str(c.path): c for c in snap.chunks}
    out: list[tuple[int, str, str]] = []
    for chunk_path in sorted({r[0] for r in rows}):
        chunk = by_path[chunk_path]
        mine = [(int(r[1]), str(r[2])) for r in rows if r[0] == chunk_path]
        texts = _read_lines(chunk.path, {n for n, _ in mine})
        for n, err in mine:
            reason = f"unreadable line: {err.lower()}"
            out.append((chunk.first_line + n - 1, reason, texts.get(n, "")))
    return out


def _shift_marks(snap: Snapshot, unreadable: list[tuple[int, str, str]]) -> list[tuple[int, int]]:
    """(key, shift) rows for renumbering: a row numbered n by the reader in a chunk is really
    n + shift of the last mark with key < n (refused lines before it in the same chunk)."""
    marks = [(c.first_line - 1, 0) for c in snap.chunks]  # each chunk starts unshifted
    firsts = sorted(c.first_line for c in snap.chunks)
    rank: Counter[int] = Counter()
    for line_no, _, _ in sorted(unreadable):
        chunk = max(f for f in firsts if f <= line_no)
        rank[chunk] += 1
        marks.append((line_no - rank[chunk], rank[chunk]))
    return marks


def land_file(
    source: Source,
    path: Path,
    rel: str,
    day: dt.date,
    scratch: Path,
    raw_out: Path,
    rejects_out: Path,
    key: bytes,
) -> FileReport:
    """Land one inbox file into `raw_out` (and `rejects_out` when it has rejected lines)."""
    started = time.perf_counter()
    work = scratch / f"work-{uuid.uuid4().hex[:8]}"
    threads = landing_threads(source.name)
    try:
        size = path.stat().st_size
        target = chunk_target(size, threads)
        sample = min(target, max(SAMPLE_MIN_BYTES, min(SAMPLE_MAX_BYTES, size // 8)))
        snap = snapshot(path, work / "chunks", target, sample)
        if threads > 1:
            # DuckDB reads whole texts on one thread: with several threads, the CSV reader's
            # chunks are read side by side instead
            snap = dataclasses.replace(snap, plain=False)
        args = (source, path, rel, day, threads, raw_out, rejects_out, key)
        try:
            landed, reasons = _land_snapshot(snap, work / "run", *args)
        except duckdb.InvalidInputException as exc:
            if not snap.plain or "read_text" not in str(exc):
                raise
            # DuckDB's text reader refused a chunk the snapshot took for valid UTF-8 (the two
            # agree on every case we know of): read it with the CSV reader, line by line, which
            # refuses just the lines it cannot read.
            snap = dataclasses.replace(snap, plain=False)
            landed, reasons = _land_snapshot(snap, work / "run-csv", *args)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rejected = sum(reasons.values())
    return FileReport(
        file=rel,
        size_bytes=snap.size_bytes,
        sha256=snap.sha256,
        lines_total=snap.lines_total,
        rows_read=landed + rejected,
        rows_landed=landed,
        rows_rejected=rejected,
        reject_reasons=dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
        seconds=round(time.perf_counter() - started, 3),
    )


def _land_snapshot(
    snap: Snapshot,
    work: Path,
    source: Source,
    path: Path,
    rel: str,
    day: dt.date,
    threads: int,
    raw_out: Path,
    rejects_out: Path,
    key: bytes,
) -> tuple[int, Counter[str]]:
    """Land a snapshot (steps 1 and 2): the rows landed, and the reject reasons with counts."""
    parser = get_parser(source.parser, source)
    ctx = ParseContext(day=day, file_stem=path.stem, file_host=_file_host(path.stem))
    ts = source.timestamp_column
    lo = dt.datetime.combine(day, dt.time()) - PARTITION_SLACK
    hi = dt.datetime.combine(day, dt.time()) + dt.timedelta(days=1) + PARTITION_SLACK
    fkey = sql_str(file_key(source.name, day.isoformat(), path.name))
    relq = sql_str(rel)
    out_dir = work / "out"
    work.mkdir(parents=True, exist_ok=True)
    con = _connect(work, threads)
    try:
        con.execute(f"CREATE TEMP VIEW lines AS {lines_sql(snap.chunks, snap.plain)}")
        con.execute(f"CREATE TEMP VIEW parsed AS {parser.select_sql('lines', ctx)}")

        # Normalised columns (keyed pseudonyms, VALUE_EXPRS) are computed once per distinct
        # value of a sample — the first chunk — and joined back; a value the sample did not
        # have is computed on its row. The sample only saves work: the result is the same.
        derived: dict[str, Callable[[str], str]] = {
            c: functools.partial(hmac_sql, key) for c in source.pseudonymise
        }
        derived.update(VALUE_EXPRS.get(source.name, {}))
        normalised = [c for c, _ in source.columns if c in derived]
        if normalised:
            con.execute(
                f"CREATE TEMP VIEW sample_lines AS {lines_sql(snap.chunks[:1], snap.plain)}"
            )
            sets = ", ".join(f"({c})" for c in normalised)
            flags = ", ".join(f"grouping({c}) AS g_{c}" for c in normalised)
            con.execute(
                f"CREATE TEMP TABLE sample_values AS SELECT {', '.join(normalised)}, {flags} "
                f"FROM ({parser.select_sql('sample_lines', ctx)}) GROUP BY GROUPING SETS ({sets})"
            )
            for c in normalised:
                con.execute(
                    f"CREATE TEMP TABLE m_{c} AS SELECT {c} AS v, "
                    f"{derived[c](c)} AS h "
                    f"FROM sample_values WHERE g_{c} = 0 AND {c} IS NOT NULL"
                )

        # Parse, check, normalise and write every candidate once. Landed and rejected rows
        # leave in one COPY, split by PARTITION_BY into two files with the raw schema; a
        # rejected row carries its reason in source_file and its text in event_id, and is
        # rewritten into the rejects schema below.
        cols, joins = [], []
        for c, typ in source.columns:
            if c in derived:
                on_row = derived[c](f"k.{c}")
                cols.append(
                    f"CAST(CASE WHEN m_{c}.v IS NOT NULL THEN m_{c}.h ELSE {on_row} END "
                    f"AS {typ}) AS {c}"
                )
                joins.append(f"LEFT JOIN m_{c} ON m_{c}.v = k.{c}")
            else:
                cols.append(f"CAST(k.{c} AS {typ}) AS {c}")
        con.execute(
            f"""
            COPY (
                WITH checked AS (
                    SELECT *, coalesce(reject_reason,
                        CASE WHEN {ts} IS NULL THEN 'missing timestamp'
                             WHEN {ts} < TIMESTAMP '{lo:%Y-%m-%d %H:%M:%S}'
                               OR {ts} >= TIMESTAMP '{hi:%Y-%m-%d %H:%M:%S}'
                             THEN 'timestamp outside the partition day ±1 day' END) AS final_reason
                    FROM parsed
                )
                SELECT
                    CASE WHEN k.final_reason IS NULL THEN {fkey} || ':' || k.line_number
                         ELSE k.line END
                        AS event_id,
                    {", ".join(cols)},
                    coalesce(k.final_reason, {relq}) AS source_file,
                    k.line_number,
                    k.final_reason IS NULL AS landed
                FROM checked k {" ".join(joins)}
            ) TO {sql_str(str(out_dir))} (
                FORMAT parquet, PARTITION_BY (landed), ROW_GROUP_SIZE {ROW_GROUP_ROWS})
            """
        )
        landed_files = sorted((out_dir / "landed=true").glob("*.parquet"))
        rejected_files = sorted((out_dir / "landed=false").glob("*.parquet"))

        unreadable = _unreadable(con, snap)
        if unreadable:
            # Rows after a refused line were numbered one short per refused line before them.
            con.execute("CREATE TEMP TABLE marks(k BIGINT, shift BIGINT)")
            con.executemany("INSERT INTO marks VALUES (?, ?)", _shift_marks(snap, unreadable))
            con.execute(
                "CREATE TEMP TABLE shifts AS SELECT k, max(shift) AS shift FROM marks GROUP BY k"
            )
            renumber = (
                "SELECT p.* REPLACE ({eid} AS event_id, p.line_number + s.shift AS line_number) "
                "FROM read_parquet({files}) p ASOF JOIN shifts s ON p.line_number > s.k"
            )
        else:
            renumber = "SELECT * FROM read_parquet({files})"

        def files_sql(files: list[Path]) -> str:
            return "[" + ", ".join(sql_str(str(f)) for f in files) + "]"

        if landed_files:
            if unreadable or len(landed_files) > 1:
                sql = renumber.format(
                    eid=f"{fkey} || ':' || (p.line_number + s.shift)", files=files_sql(landed_files)
                )
                con.execute(
                    f"COPY ({sql}) TO {sql_str(str(raw_out))} "
                    f"(FORMAT parquet, ROW_GROUP_SIZE {ROW_GROUP_ROWS})"
                )
            else:
                os.replace(landed_files[0], raw_out)
            landed = int(
                con.execute(
                    f"SELECT count(*) FROM read_parquet({sql_str(str(raw_out))})"
                ).fetchone()[0]
            )
        else:
            _write_empty(source, raw_out)
            landed = 0

        reasons: Counter[str] = Counter()
        for _, reason, _ in unreadable:
            reasons[reason] += 1
        rejected_sql = []
        if rejected_files:
            sql = renumber.format(eid="p.event_id", files=files_sql(rejected_files))
            con.execute(
                f"CREATE TEMP VIEW rejected AS SELECT line_number, source_file AS reject_reason, "
                f"event_id AS line FROM ({sql})"
            )
            reasons.update(
                dict(
                    con.execute(
                        "SELECT reject_reason, count(*) FROM rejected GROUP BY 1"
                    ).fetchall()
                )
            )
            rejected_sql.append("SELECT line_number, reject_reason, line FROM rejected")
        if unreadable:
            con.execute(
                "CREATE TEMP TABLE refused(line_number BIGINT, reason VARCHAR, line VARCHAR)"
            )
            con.executemany("INSERT INTO refused VALUES (?, ?, ?)", unreadable)
            rejected_sql.append("SELECT line_number, reason AS reject_reason, line FROM refused")
        if sum(reasons.values()):
            con.execute(
                f"""
                COPY (
                    SELECT {fkey} || ':' || line_number AS event_id, {relq} AS source_file,
                           line_number, reject_reason, line
                    FROM ({" UNION ALL ".join(rejected_sql)})
                    ORDER BY line_number
                ) TO {sql_str(str(rejects_out))} (FORMAT parquet)
                """
            )
    finally:
        con.close()
    return landed, reasons


def _write_empty(source: Source, out: Path) -> None:
    cols = ", ".join(f"CAST(NULL AS {t}) AS {c}" for c, t in source.raw_columns)
    con = duckdb.connect()
    try:
        con.execute(f"COPY (SELECT {cols} WHERE false) TO {sql_str(str(out))} (FORMAT parquet)")
    finally:
        con.close()


def _publish_dir(new: Path, final: Path) -> None:
    """Move every file of `new` into `final` (atomic per file), then drop files `new` did not have."""
    final.mkdir(parents=True, exist_ok=True)
    names = {p.name for p in new.iterdir()}
    data = sorted(n for n in names if n != MANIFEST_NAME)
    for name in data:
        os.replace(new / name, final / name)
    for old in final.iterdir():
        if old.name not in names:
            old.unlink()
    if MANIFEST_NAME in names:
        os.replace(new / MANIFEST_NAME, final / MANIFEST_NAME)


def inbox_files(source: Source, day: str, layout: Paths) -> list[Path]:
    folder = layout.inbox_day(source.name, day)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(source.file_glob) if p.is_file())


def land_partition(
    source: Source | str,
    day: dt.date | str,
    home: str | os.PathLike[str] | None = None,
    *,
    key: bytes | None = None,
    progress: Callable[[Path], object] | None = None,
) -> PartitionReport:
    """Land every inbox file of `source` for `day`; replaces the partition's previous landing."""
    src = get_source(source) if isinstance(source, str) else source
    the_day = dt.date.fromisoformat(day) if isinstance(day, str) else day
    day_s = the_day.isoformat()
    layout = paths(home)
    started = time.perf_counter()
    key = key if key is not None else pseudonym_key()
    scratch = layout.lake_tmp / f"{src.name}-{day_s}-{uuid.uuid4().hex[:8]}"
    new_raw, new_rej = scratch / "raw", scratch / "rejects"
    for d in (new_raw, new_rej):
        d.mkdir(parents=True)
    try:
        reports: list[FileReport] = []
        files = inbox_files(src, day_s, layout)
        for path in files:
            rel = path.relative_to(layout.inbox).as_posix()
            rej_out = new_rej / f"{path.name}.parquet"
            reports.append(
                land_file(
                    src, path, rel, the_day, scratch, new_raw / f"{path.name}.parquet", rej_out, key
                )
            )
            if progress is not None:
                progress(path)
        if not files:
            _write_empty(src, new_raw / EMPTY_NAME)
        report = PartitionReport(
            source=src.name,
            event_date=day_s,
            files=reports,
            landed_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            seconds=round(time.perf_counter() - started, 3),
            raw_dir=str(layout.raw_partition(src.name, day_s)),
            rejects_dir=str(layout.rejects_partition(src.name, day_s)),
        )
        (new_raw / MANIFEST_NAME).write_text(json.dumps(report.to_json(), indent=2))
        # rejects first, raw (with the manifest) last: a crash in between leaves the old raw
        # partition and its manifest intact, and a retry redoes both.
        _publish_dir(new_rej, layout.rejects_partition(src.name, day_s))
        _publish_dir(new_raw, layout.raw_partition(src.name, day_s))
        return report
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def read_manifest(source: str, day: str, home: str | os.PathLike[str] | None = None) -> dict | None:
    """The manifest of a landed partition, or None when the partition was never landed."""
    p = paths(home).raw_partition(source, day) / MANIFEST_NAME
    return json.loads(p.read_text()) if p.exists() else None
