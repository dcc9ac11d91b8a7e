"""Read what is new in each source and append its events to the store.

For every chunk of whole lines, the events are written first (one file per kind and
day, named by the source and the chunk's byte range: temp file, fsync, rename), then
the checkpoint moves past the chunk together with the parser's open connections. A
run killed in between leaves files beyond the checkpoint: the next run deletes them
before it reads that range again, so no event is lost or stored twice.

A plain file is read up to its last newline (the line being written is left for the
next run); a compressed file is finished, so its last line counts even without one.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import os
import signal
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl

from maillogs.errors import InputError
from maillogs.inputs import Source, compression_of, expand_inputs_lenient, iter_chunks
from maillogs.pipeline import ParseSettings
from maillogs.store import checkpoint as checkpoints
from maillogs.store.checkpoint import HEAD_BYTES, Checkpoint, SourceState
from maillogs.store.compaction import finish_compaction
from maillogs.store.layout import (
    UNKNOWN_DATE,
    StoreError,
    StorePath,
    at,
    list_parts,
    part_name,
    partition,
    write_atomically,
)
from maillogs.store.settle import settle
from parsers import garbage
from parsers.envelope import detect_format
from parsers.schema import EventKind
from parsers.stream import EventBatch, EventParser
from parsers.timestamps import TimeContext
from reports.options import ReportOptions

# Tests kill an ingest after this many part files, or this many steps of merging a
# finished day's files (a merged file written, a file it replaces deleted), to check
# crash safety.
CRASH_HOOK = "MAILLOGS_TEST_KILL_AFTER_PARTS"
COMPACT_CRASH_HOOK = "MAILLOGS_TEST_KILL_IN_COMPACTION"


@dataclass
class IngestReport:
    new_lines: int = 0
    new_bytes: int = 0
    parts: int = 0
    events: int = 0
    sources: list[str] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    summaries: int = 0  # day summaries made
    months: int = 0  # month summaries made
    merged_away: int = 0  # files of finished days merged into others


@contextlib.contextmanager
def locked(store: StorePath, wait: bool) -> Iterator[None]:
    """One ingest (or compact, prune) at a time, per store or host of a shared one; the
    second fails at once or waits."""
    lock = at(store).lock
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise StoreError(
                f"{store}: another maillogs ingest is running (use --wait to wait for it)"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def source_id(head: bytes) -> str:
    return hashlib.sha256(head).hexdigest()[:16]


def _head(source: Source) -> bytes:
    for chunk in iter_chunks(source, 64 * 1024):
        return chunk[:HEAD_BYTES]
    return b""


def _known(head: bytes, checkpoint: Checkpoint) -> SourceState | None:
    """The checkpointed source whose first bytes this one starts with (longest match)."""
    best = None
    for state in checkpoint.sources.values():
        same = len(head) >= state.head_len and source_id(head[: state.head_len]) == state.source
        if same and (best is None or state.head_len > best.head_len):
            best = state
    return best


def _is_compressed(source: Source) -> bool:
    assert source.path is not None
    with source.path.open("rb") as raw:
        return compression_of(raw.read(8)) is not None


def _plain_chunks(path: Path, offset: int, chunk_bytes: int) -> Iterator[tuple[int, bytes]]:
    """Whole lines from `offset` on, in chunks; a last line without newline is left."""
    with path.open("rb") as raw:
        raw.seek(offset)
        position, rest = offset, b""
        while block := raw.read(chunk_bytes):
            data = rest + block
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                rest = data
                continue
            yield position, data[:cut]
            position += cut
            rest = data[cut:]


def _compressed_chunks(
    source: Source, offset: int, chunk_bytes: int
) -> Iterator[tuple[int, bytes]]:
    position = 0
    for chunk in iter_chunks(source, chunk_bytes):
        end = position + len(chunk)
        if end > offset:
            skip = max(0, offset - position)
            yield position + skip, chunk[skip:]
        position = end


def new_chunks(
    source: Source, offset: int, chunk_bytes: int, compressed: bool
) -> Iterator[tuple[int, bytes]]:
    assert source.path is not None
    if compressed:
        return _compressed_chunks(source, offset, chunk_bytes)
    return _plain_chunks(source.path, offset, chunk_bytes)


class _Killer:
    def __init__(self, variable: str = CRASH_HOOK) -> None:
        limit = os.environ.get(variable)
        self.left = int(limit) if limit else None

    def tick(self) -> None:
        if self.left is not None:
            self.left -= 1
            if self.left <= 0:
                os.kill(os.getpid(), signal.SIGKILL)


def _with_dates(frame: pl.DataFrame) -> pl.DataFrame:
    day = pl.col("time").dt.strftime("%Y-%m-%d").fill_null(UNKNOWN_DATE)
    return frame.with_columns(day.alias("_date"))


def _write_parts(
    store: StorePath, batch: EventBatch, source: str, start: int, end: int, killer: _Killer
) -> tuple[int, int]:
    files = events = 0
    for kind, frame in batch.items():
        if frame.height == 0:
            continue
        events += frame.height if kind is not EventKind.UNPARSED else 0
        for (day,), rows in _with_dates(frame).partition_by("_date", as_dict=True).items():
            buffer = io.BytesIO()
            rows.drop("_date").write_parquet(buffer, compression="zstd", statistics=True)
            path = partition(store, kind, str(day)) / part_name(source, start, end)
            write_atomically(path, buffer.getvalue())
            files += 1
            killer.tick()
    return files, events


def _drop_uncommitted(store: StorePath, source: str, offset: int) -> None:
    """Files a killed run wrote past the checkpoint, and its temp files."""
    for part in list_parts(store):
        if part.source == "tmp" or (part.source == source and part.start >= offset):
            part.path.unlink()


def _parser(checkpoint: Checkpoint) -> EventParser:
    parser = EventParser()
    if checkpoint.parser:
        parser.import_state(checkpoint.parser)
    return parser


def _times(source: Source, settings: ParseSettings, now: datetime) -> TimeContext:
    return TimeContext(tz=settings.tz, reference=source.mtime or now, year=settings.year)


def _recording(
    chunks: Iterator[tuple[int, bytes]], ranges: deque[tuple[int, int]]
) -> Iterator[bytes]:
    """The chunks' bytes, noting each one's (start, length) as it is handed out."""
    for start, data in chunks:
        ranges.append((start, len(data)))
        yield data


def _check_size(source: Source, state: SourceState, compressed: bool, report: IngestReport) -> None:
    """Record where the source is; a plain file shorter than what was read of it was
    truncated in place with its first bytes kept: what it holds now below the old
    offset cannot be told apart from what was ingested, so reading goes on from its
    end, and the run says so."""
    assert source.path is not None
    status = source.path.stat()
    state.device, state.inode, state.size = status.st_dev, status.st_ino, status.st_size
    if not compressed and status.st_size < state.offset:
        report.errors.append(
            InputError(
                source.name,
                f"{source.name}: shorter ({status.st_size:,} bytes) than what was ingested "
                f"of it ({state.offset:,}): truncated in place? Reading on from its end",
            )
        )
        state.offset = status.st_size


def new_batches(
    paths: list[str],
    checkpoint: Checkpoint,
    settings: ParseSettings,
    now: datetime,
    report: IngestReport,
) -> Iterator[tuple[EventBatch, SourceState, int]]:
    """What `checkpoint` has not seen of each source, oldest first: per chunk, the
    events, the source's state already moved past the chunk, and the chunk's start.
    `checkpoint` is updated as it goes (offsets, lines, the parser's state)."""
    parser = _parser(checkpoint)
    sources, errors = expand_inputs_lenient(paths)
    report.errors.extend(errors)
    for source in sources:
        if source.path is None:
            report.errors.append(InputError(source.name, "-: the store reads files, not stdin"))
            continue
        try:
            head = _head(source)
            if not head:
                continue
            state = _known(head, checkpoint)
            if state is None:
                state = SourceState(source_id(head), len(head), 0, source.name)
                checkpoint.sources[state.source] = state
            state.name = source.name
            compressed = _is_compressed(source)
            _check_size(source, state, compressed, report)
            report.sources.append(source.name)
            fmt = settings.log_format or detect_format(
                head.decode("utf-8", "replace").splitlines()[:20]
            )
            times = _times(source, settings, now)
            ranges: deque[tuple[int, int]] = deque()
            chunks = _recording(
                new_chunks(source, state.offset, settings.chunk_bytes, compressed), ranges
            )
            lines, not_mail = parser.stats.lines, parser.stats.not_mail
            # Chunks are extracted in parallel; each batch comes out, in order, once the
            # parser has tied it to the ones before: its state is then the checkpoint's.
            for batch in parser.parse_chunks(chunks, times, fmt, source=source.name):
                start, length = ranges.popleft()
                state.offset = start + length
                state.lines += parser.stats.lines - lines
                state.not_mail += parser.stats.not_mail - not_mail
                report.new_lines += parser.stats.lines - lines
                report.new_bytes += length
                lines, not_mail = parser.stats.lines, parser.stats.not_mail
                checkpoint.parser = parser.export_state()
                yield batch, state, start
            garbage.report(source.name, parser.source)  # a mostly-garbage input is said
        except InputError as error:
            report.errors.append(error)


def ingest(
    paths: list[str],
    store: StorePath,
    settings: ParseSettings,
    now: datetime,
    wait: bool,
    summarize: ReportOptions | None = None,
) -> IngestReport:
    """Add the new lines of `paths`; then merge the files of each day that is over (at
    most two per kind stay) and make its day summary (for the report options
    `summarize`), where not done yet."""
    report = IngestReport()
    killer = _Killer()
    with locked(store, wait):
        finish_compaction(store)
        checkpoint = checkpoints.load(store)
        if checkpoint.tz is None:
            checkpoint.tz = settings.tz
        elif checkpoint.tz != settings.tz:
            raise StoreError(
                f"{store}: its times were read in {checkpoint.tz}, this run would read "
                f"them in {settings.tz}: give --tz {checkpoint.tz}"
            )
        cleaned: set[str] = set()
        for batch, state, start in new_batches(paths, checkpoint, settings, now, report):
            if state.source not in cleaned:
                _drop_uncommitted(store, state.source, start)
                cleaned.add(state.source)
            files, events = _write_parts(store, batch, state.source, start, state.offset, killer)
            report.parts += files
            report.events += events
            # The checkpoint moves past this chunk only now that its events are safe.
            checkpoints.save(store, checkpoint)
        checkpoints.save(store, checkpoint)
        settled = settle(store, checkpoint, now, summarize, _Killer(COMPACT_CRASH_HOOK).tick)
        report.merged_away, report.summaries = settled.merged_away, settled.summaries
        report.months = settled.months
    return report
