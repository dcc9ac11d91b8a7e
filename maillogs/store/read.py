"""The store's events for a report: one batch per day, only the days of the period."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

from maillogs.store import checkpoint as checkpoints
from maillogs.store.checkpoint import Checkpoint
from maillogs.store.layout import UNKNOWN_DATE, PartFile, StoreError, list_parts
from parsers.schema import EventKind, empty_frame, schema_of
from parsers.stream import EventBatch


def _wanted(date: str, since: datetime | None, until: datetime | None) -> bool:
    """Does the UTC day `date` overlap [since, until)? The report then applies the
    exact bounds to the events."""
    if date == UNKNOWN_DATE:
        return since is None and until is None
    day = datetime.fromisoformat(date).date()
    if since is not None and day < since.astimezone(UTC).date():
        return False
    return until is None or day <= (until.astimezone(UTC) - timedelta(microseconds=1)).date()


def committed_parts(store: Path, checkpoint: Checkpoint) -> list[PartFile]:
    """The files whose events the checkpoint vouches for: merged files, and parts that
    end at or before their source's offset. An ingest running now, or one that was
    killed, may have written parts beyond it: the next ingest reads that range again
    (and deletes them first), so counting them would count those events twice."""
    committed = []
    for part in list_parts(store):
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
    _check_schema(part, frame)
    return frame


def _check_schema(part: PartFile, frame: pl.DataFrame) -> None:
    if dict(frame.schema) != schema_of(part.kind):
        raise StoreError(f"{part.path}: columns do not match the {part.kind.value} schema")


def store_batches(
    store: Path,
    since: datetime | None,
    until: datetime | None,
    checkpoint: Checkpoint | None = None,
) -> Iterator[EventBatch]:
    """One batch per stored day of the period, of the files `checkpoint` (by default
    the store's own, read first) vouches for."""
    if not store.is_dir():
        raise StoreError(f"{store}: no such store directory")
    if checkpoint is None:
        checkpoint = checkpoints.load(store)
    by_date: dict[str, list[PartFile]] = {}
    for part in committed_parts(store, checkpoint):
        if _wanted(part.date, since, until):
            by_date.setdefault(part.date, []).append(part)
    for date in sorted(by_date, key=lambda d: (d == UNKNOWN_DATE, d)):
        parts = by_date[date]
        try:
            # A day's files are read together: Polars decodes them on all cores.
            frames = pl.collect_all([pl.scan_parquet(part.path) for part in parts])
        except (OSError, pl.exceptions.PolarsError):
            frames = [read_part(part) for part in parts]  # names the damaged file
        by_kind: dict[EventKind, list[pl.DataFrame]] = {}
        for part, frame in zip(parts, frames, strict=True):
            _check_schema(part, frame)
            by_kind.setdefault(part.kind, []).append(frame)
        yield {
            kind: pl.concat(by_kind[kind]) if kind in by_kind else empty_frame(kind)
            for kind in EventKind
        }
