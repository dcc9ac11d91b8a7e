"""A report's input from a store (events, or day summaries), plus the lines of given logs
the store has not seen yet (read on from the checkpoint with its parser state, nothing
written)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from functools import partial
from pathlib import Path

from maillogs.errors import InputError
from maillogs.pipeline import ParseSettings
from maillogs.store import checkpoint as checkpoints
from maillogs.store.clock import day_over
from maillogs.store.ingest import IngestReport, new_batches
from maillogs.store.layout import UNKNOWN_DATE, PartFile, StoreError, places
from maillogs.store.months import month_of, month_spans, month_summary
from maillogs.store.read import (
    StoredDay,
    ahead,
    counted,
    day_reads,
    days_and_newest,
    whole_day,
)
from maillogs.store.slices import Columns
from maillogs.store.summaries import DaySummary, day_summary
from parsers.schema import EventKind
from parsers.stream import EventBatch, ParseStats
from reports.options import ReportOptions


def report_items(
    store: Path | Sequence[Path],
    paths: list[str],
    settings: ParseSettings,
    now: datetime,
    since: datetime | None,
    until: datetime | None,
    stats: ParseStats,
    errors: list[InputError],
    columns: Columns | None = None,
    summaries: ReportOptions | None = None,
) -> Iterator[EventBatch | DaySummary]:
    """The stored events of the period's days, in day order, then the lines of `paths`
    after the checkpoint. Counts what it reads into `stats` (lines: the events and
    unparsed lines; not-mail lines are not stored). Of the store, only `columns` (all
    if None) are read; the new lines come whole. With `summaries` (the report's
    options), a day the period holds whole and that is over (by the clock `now`, or as a
    later day has events) comes as its DaySummary (saved, or made now and saved), and
    a whole month as its month summary in place of its days (those over, if it is not:
    the month so far, maillogs.store.months). A big day's events come in slices of time.

    Several stores (a fleet's hosts, each ingesting into its own store or its own
    `host=` partition of a shared one) are read as one: day by day, each store's (or
    host's) summary of the day, and the events of the others together."""
    roots = [store] if isinstance(store, Path) else list(store)
    stores = [place for root in roots for place in places(root)]
    if paths and len(stores) != 1:
        raise StoreError(
            "new lines of PATHS go with one store (of one host): give a single --store"
        )
    # One checkpoint for both halves: the stored events it vouches for, then the
    # lines after it, so each line is counted once even while an ingest runs.
    states = [checkpoints.load(one) for one in stores]
    # a day is over by the clock, or as a later day of the store has events (the
    # period's days may end before the store's: its newest day decides)
    listed = [
        days_and_newest(one, since, until, state) for one, state in zip(stores, states, strict=True)
    ]
    by_store = [days for days, _ in listed]
    newest_days = [newest for _, newest in listed]
    reads: list[Callable[[], StoredDay | DaySummary]] = []
    spans = [
        month_spans(days, since, until, now, newest) if summaries is not None else {}
        for days, newest in zip(by_store, newest_days, strict=True)
    ]
    for date in sorted({date for days in by_store for date in days}, key=_day_order):
        events: list[PartFile] = []
        for one, days, months, newest in zip(stores, by_store, spans, newest_days, strict=True):
            parts = days.get(date, [])
            whole = summaries is not None and whole_day(date, since, until)
            month = months.get(month_of(date) or "", {})
            if parts and date in month:
                assert summaries is not None
                if date == min(month):  # the month (so far) comes whole, at its first day
                    reads.append(partial(month_summary, one, date[:7], month, summaries))
            elif parts and whole and day_over(date, now, newest):
                assert summaries is not None
                reads.append(partial(day_summary, one, date, parts, summaries))
            else:
                events += parts
        if events:
            reads += day_reads(events, columns)
    for day in ahead(reads):
        _count(stats, day)
        yield day if isinstance(day, DaySummary) else day.batch
    if paths:
        pending = states[0]
        report = IngestReport()
        # the new lines are read like the stored ones; --tz then only shows them
        reading = replace(settings, tz=pending.tz or settings.tz)
        for batch, _, _ in new_batches(paths, pending, reading, now, report):
            _count(stats, counted(batch))
            yield batch
        errors.extend(report.errors)


def _day_order(date: str) -> tuple[bool, str]:
    return (date == UNKNOWN_DATE, date)


def _count(stats: ParseStats, day: StoredDay | DaySummary) -> None:
    """What a day (stored, summarised, or new lines) holds, added to `stats`."""
    for kind, count in day.counts.items():
        if count.rows == 0:
            continue
        stats.lines += count.rows
        stats.widen(count.first, count.last)
        if kind is not EventKind.UNPARSED:
            stats.events_by_kind[kind.value] += count.rows
    for program, lines in day.unparsed_by_program.items():
        stats.unparsed_by_program[program] += lines
