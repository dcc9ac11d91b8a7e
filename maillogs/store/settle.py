"""What an ingest does after adding lines: each day that is over (maillogs.store.clock)
gets its files merged, at most two per kind (maillogs.store.compaction), and its day
summary made; each month that is over, its month summary (maillogs.store.months).
All are redone only where something changed, so a run that brings
nothing costs a listing of the store.

Killed at any point, the next ingest finishes it: the merge is crash-safe on its own,
and a summary that is missing or of other files is made again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from maillogs.store import checkpoint as checkpoints
from maillogs.store.checkpoint import Checkpoint
from maillogs.store.clock import day_over
from maillogs.store.compaction import compact_files
from maillogs.store.layout import UNKNOWN_DATE, PartFile, StorePath
from maillogs.store.months import summarise_months
from maillogs.store.read import days_of
from maillogs.store.summaries import day_summary, summarised
from parsers.schema import EventKind
from reports.options import ReportOptions


@dataclass
class Settled:
    merged_away: int = 0  # files deleted by merging
    summaries: int = 0  # day summaries made
    months: int = 0  # month summaries made (maillogs.store.months)


def settle(
    store: StorePath,
    checkpoint: Checkpoint,
    now: datetime,
    summarize: ReportOptions | None,
    tick: Callable[[], None] = lambda: None,
) -> Settled:
    """Compact, then summarise (for the report options `summarize`), the days that are
    over. Files without a time stamp (`date=unknown`) are compacted too: no day ends
    for them, and each ingest might add one."""
    done = Settled()
    days = days_of(store, None, None, checkpoint)
    newest = max((date for date in days if date != UNKNOWN_DATE), default=None)
    for date, parts in days.items():
        over = day_over(date, now, newest)
        if not over and date != UNKNOWN_DATE:
            continue
        merged = sum(compact_files(files, tick) for files in _by_kind(parts).values())
        done.merged_away += merged
        if not over or summarize is None:
            continue
        if merged:
            parts = days_of(store, *_bounds(date), checkpoint).get(date, [])
        if not summarised(store, summarize, date, parts):
            day_summary(store, date, parts, summarize)
            done.summaries += 1
    if summarize is not None:
        if done.merged_away:
            days = days_of(store, None, None, checkpoint)
        done.months = summarise_months(store, summarize, days, now, newest)
    return done


def refresh(store: StorePath, options: ReportOptions, now: datetime | None = None) -> Settled:
    """Make the missing or stale summaries of every stored day, then month, that is
    over (by the clock `now`, or because a later day has events; without `now`, every
    day but the newest), without compacting anything: `store summarize`."""
    days = days_of(store, None, None, checkpoints.load(store))
    newest = max((date for date in days if date != UNKNOWN_DATE), default=None)
    clock = now or _NEVER
    done = Settled()
    for date, parts in days.items():
        if day_over(date, clock, newest) and not summarised(store, options, date, parts):
            day_summary(store, date, parts, options)
            done.summaries += 1
    done.months = summarise_months(store, options, days, clock, newest)
    return done


_NEVER = datetime.min.replace(tzinfo=UTC)  # a clock by which no day is over


def _by_kind(parts: list[PartFile]) -> dict[EventKind, list[PartFile]]:
    kinds: dict[EventKind, list[PartFile]] = {}
    for part in parts:
        kinds.setdefault(part.kind, []).append(part)
    return kinds


def _bounds(date: str) -> tuple[datetime, datetime]:
    start = datetime.fromisoformat(date).replace(tzinfo=UTC)
    return start, start + timedelta(days=1)
