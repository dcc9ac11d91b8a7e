"""The store's events for a report: one batch per day, only the days of the period, only
the columns the report reads; the next days are read while the report takes this one."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Protocol, TypeVar

import polars as pl

from maillogs.store import checkpoint as checkpoints
from maillogs.store.checkpoint import Checkpoint
from maillogs.store.layout import UNKNOWN_DATE, PartFile, StoreError, StorePath, at, list_parts
from maillogs.store.slices import Between, Columns, reads, slices
from parsers.schema import EventKind, empty_frame, schema_of
from parsers.stream import EventBatch

T = TypeVar("T")


@dataclass(frozen=True)
class KindCount:
    rows: int
    first: datetime | None
    last: datetime | None


@dataclass
class StoredDay:
    """A day's events (of the kinds and columns asked for; the other kinds empty), and
    what the day holds of every kind, read or not: the report's parse section counts it."""

    batch: EventBatch
    counts: dict[EventKind, KindCount] = field(default_factory=dict)
    unparsed_by_program: dict[str, int] = field(default_factory=dict)


def _overlapping(since: datetime | None, until: datetime | None) -> Callable[[str], bool]:
    """Does the UTC day `date` (YYYY-MM-DD) overlap [since, until)? The report then
    applies the exact bounds to the events. Compared as text, the bounds' days worked
    out once: a year's store has some 7,000 day directories."""
    first = since.astimezone(UTC).date().isoformat() if since is not None else None
    last = (
        (until.astimezone(UTC) - timedelta(microseconds=1)).date().isoformat()
        if until is not None
        else None
    )

    def overlaps(date: str) -> bool:
        if date == UNKNOWN_DATE:
            return since is None and until is None
        return (first is None or date >= first) and (last is None or date <= last)

    return overlaps


def committed_parts(
    store: StorePath, checkpoint: Checkpoint, wanted: Callable[[str], bool] = lambda date: True
) -> list[PartFile]:
    """The files whose events the checkpoint vouches for: merged files, and parts that
    end at or before their source's offset. An ingest running now, or one that was
    killed, may have written parts beyond it: the next ingest reads that range again
    (and deletes them first), so counting them would count those events twice."""
    committed = []
    for part in list_parts(store, wanted):
        if part.source is None:
            committed.append(part)
        elif part.source != "tmp":
            state = checkpoint.sources.get(part.source)
            if state is not None and part.end <= state.offset:
                committed.append(part)
    return committed


def read_part(part: PartFile) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(part.path)
    except (OSError, pl.exceptions.PolarsError) as error:
        raise StoreError(f"{part.path}: damaged: {error}") from error
    _check_schema(part, dict(frame.schema))
    return frame


def _check_schema(part: PartFile, schema: Mapping[str, pl.DataType]) -> None:
    if dict(schema) != schema_of(part.kind):
        raise StoreError(f"{part.path}: columns do not match the {part.kind.value} schema")


def store_batches(
    store: StorePath,
    since: datetime | None,
    until: datetime | None,
    checkpoint: Checkpoint | None = None,
) -> Iterator[EventBatch]:
    """Every column of every kind, one batch per stored day of the period."""
    for day in store_days(store, since, until, checkpoint):
        yield day.batch


def store_days(
    store: StorePath,
    since: datetime | None,
    until: datetime | None,
    checkpoint: Checkpoint | None = None,
    columns: Columns | None = None,
) -> Iterator[StoredDay]:
    """One StoredDay per stored day of the period, of the files `checkpoint` (by default
    the store's own, read first) vouches for; `columns` (all if None) per kind to read,
    "time" always among them."""
    days = days_of(store, since, until, checkpoint)
    yield from ahead([read for parts in days.values() for read in day_reads(parts, columns)])


def days_of(
    store: StorePath, since: datetime | None, until: datetime | None, checkpoint: Checkpoint | None
) -> dict[str, list[PartFile]]:
    """The committed files of each stored day of the period, oldest day first."""
    return days_and_newest(store, since, until, checkpoint)[0]


def days_and_newest(
    store: StorePath, since: datetime | None, until: datetime | None, checkpoint: Checkpoint | None
) -> tuple[dict[str, list[PartFile]], str | None]:
    """`days_of`, and the newest day of the whole store (any day with a directory),
    from one listing: a day is over when a later day has events, in the period or not."""
    if not at(store).root.is_dir():
        raise StoreError(f"{store}: no such store directory")
    if checkpoint is None:
        checkpoint = checkpoints.load(store)
    newest = ""
    overlaps = _overlapping(since, until)

    def wanted(date: str) -> bool:
        nonlocal newest
        if date != UNKNOWN_DATE and date > newest:
            newest = date
        return overlaps(date)

    by_date: dict[str, list[PartFile]] = {}
    for part in committed_parts(store, checkpoint, wanted):
        by_date.setdefault(part.date, []).append(part)
    dates = sorted(by_date, key=lambda d: (d == UNKNOWN_DATE, d))
    return {date: by_date[date] for date in dates}, newest or None


def whole_day(date: str, since: datetime | None, until: datetime | None) -> bool:
    """Does the period hold all of the UTC day `date`?"""
    if date == UNKNOWN_DATE:
        return False
    start = datetime.fromisoformat(date).replace(tzinfo=UTC)
    return (since is None or since <= start) and (
        until is None or start + timedelta(days=1) <= until
    )


def ahead(reads: Sequence[Callable[[], T]], window: int = 2) -> Iterator[T]:
    """Each read's result in order, the next `window` ones running meanwhile on as many
    threads (Polars decodes without the GIL, so reading overlaps the report's work on
    the day before, and a small day summary is read while another is)."""
    with ThreadPoolExecutor(max_workers=window) as pool:
        pending: deque[Future[T]] = deque()
        for read in reads:
            pending.append(pool.submit(read))
            if len(pending) > window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def read_day(
    parts: list[PartFile], columns: Columns | None, between: Between | None = None
) -> StoredDay:
    """The day's events (`columns` of them; all if None), or those of its slice
    `between` [start, end) (None: open), with what it holds of every kind."""
    by_kind: dict[EventKind, list[PartFile]] = {}
    for part in parts:
        by_kind.setdefault(part.kind, []).append(part)
    kinds = list(by_kind)
    queries = []
    for kind in kinds:
        for part in by_kind[kind]:
            try:
                schema = pl.read_parquet_schema(part.path)
            except (OSError, pl.exceptions.PolarsError) as error:
                raise StoreError(f"{part.path}: damaged: {error}") from error
            _check_schema(part, schema)
        queries.append(_query(kind, [part.path for part in by_kind[kind]], columns, between))
    try:
        frames = pl.collect_all(queries)
    except (OSError, pl.exceptions.PolarsError):
        for part in parts:
            read_part(part)  # names the damaged file
        raise
    day = StoredDay({kind: empty_frame(kind) for kind in EventKind})
    for kind, frame in zip(kinds, frames, strict=True):
        if reads(kind, columns):
            day.batch[kind] = frame
            _count_into(day, kind, frame)
        else:
            rows, first, last = frame.row(0)
            day.counts[kind] = KindCount(int(rows), _time(first), _time(last))
    return day


def day_reads(parts: list[PartFile], columns: Columns | None) -> list[Callable[[], StoredDay]]:
    """One read per slice of the day `parts` are of (maillogs.store.slices), in order."""
    return [partial(read_day, parts, columns, between) for between in slices(parts, columns)]


class Holds(Protocol):
    """What a stored day, a slice of one, or a summary holds of every kind."""

    counts: dict[EventKind, KindCount]
    unparsed_by_program: dict[str, int]


def add_counts(into: Holds, day: Holds) -> None:
    """What `day` (a slice, a day summary) holds, added to what `into` holds."""
    for kind, count in day.counts.items():
        known = into.counts.get(kind)
        if known is None or known.rows == 0:
            into.counts[kind] = count
        elif count.rows:
            firsts = [t for t in (known.first, count.first) if t is not None]
            lasts = [t for t in (known.last, count.last) if t is not None]
            into.counts[kind] = KindCount(
                known.rows + count.rows, min(firsts, default=None), max(lasts, default=None)
            )
    for program, lines in day.unparsed_by_program.items():
        into.unparsed_by_program[program] = into.unparsed_by_program.get(program, 0) + lines


def counted(batch: EventBatch) -> StoredDay:
    """A batch with what it holds of each kind, as read_day gives a stored day's."""
    day = StoredDay(batch)
    for kind, frame in batch.items():
        if frame.height:
            _count_into(day, kind, frame)
    return day


def _count_into(day: StoredDay, kind: EventKind, frame: pl.DataFrame) -> None:
    times = frame.get_column("time")
    day.counts[kind] = KindCount(frame.height, _time(times.min()), _time(times.max()))
    if kind is EventKind.UNPARSED:
        for program, count in frame.group_by("program").len().iter_rows():
            day.unparsed_by_program[str(program)] = int(count)


def _query(
    kind: EventKind, paths: list[Path], columns: Columns | None, between: Between | None
) -> pl.LazyFrame:
    """The kind's columns the report reads; of a kind it does not read, only how many
    rows and their time span (the parse section counts every stored line). Of a slice,
    row groups outside it are skipped by their statistics."""
    scan = pl.scan_parquet(paths)
    if between is not None:
        start, end = between
        if start is not None:
            scan = scan.filter(pl.col("time") >= start)
        if end is not None:
            scan = scan.filter(pl.col("time") < end)
    if reads(kind, columns):
        return scan.select(_columns_of(kind, columns))
    time = pl.col("time")
    return scan.select(pl.len().alias("rows"), time.min().alias("first"), time.max().alias("last"))


def _columns_of(kind: EventKind, columns: Columns | None) -> list[str]:
    if columns is None:
        return list(schema_of(kind))
    wanted = {"time": None} | dict.fromkeys(columns.get(kind, ()))
    if kind is EventKind.UNPARSED:
        wanted["program"] = None  # unparsed lines are counted by program
    return list(wanted)


def _time(value: object) -> datetime | None:
    return value if isinstance(value, datetime) else None
