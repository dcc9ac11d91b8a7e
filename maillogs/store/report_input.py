"""A report's batches from a store, plus the lines of given logs the store has not
seen yet (read on from the checkpoint with its parser state, nothing written)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from maillogs.errors import InputError
from maillogs.pipeline import ParseSettings
from maillogs.store import checkpoint as checkpoints
from maillogs.store.ingest import IngestReport, new_batches
from maillogs.store.read import store_batches
from parsers.schema import EventKind
from parsers.stream import EventBatch, ParseStats


def batches(
    store: Path,
    paths: list[str],
    settings: ParseSettings,
    now: datetime,
    since: datetime | None,
    until: datetime | None,
    stats: ParseStats,
    errors: list[InputError],
) -> Iterator[EventBatch]:
    """Counts what it yields into `stats` (lines: the events and unparsed lines;
    not-mail lines are not stored)."""
    # One checkpoint for both halves: the stored events it vouches for, then the
    # lines after it, so each line is counted once even while an ingest runs.
    pending = checkpoints.load(store)
    for batch in store_batches(store, since, until, pending):
        _count(stats, batch)
        yield batch
    if paths:
        report = IngestReport()
        for batch, _, _ in new_batches(paths, pending, settings, now, report):
            _count(stats, batch)
            yield batch
        errors.extend(report.errors)


def _count(stats: ParseStats, batch: EventBatch) -> None:
    for kind, frame in batch.items():
        if frame.height == 0:
            continue
        stats.lines += frame.height
        first, last = frame.get_column("time").min(), frame.get_column("time").max()
        if isinstance(first, datetime) and (stats.first_time is None or first < stats.first_time):
            stats.first_time = first
        if isinstance(last, datetime) and (stats.last_time is None or last > stats.last_time):
            stats.last_time = last
        if kind is EventKind.UNPARSED:
            for program, count in frame.group_by("program").len().iter_rows():
                stats.unparsed_by_program[str(program)] += int(count)
        else:
            stats.events_by_kind[kind.value] += frame.height
