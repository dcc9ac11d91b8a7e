"""What an ingest does after adding lines: each day that is over (maillogs.store.clock)
gets its files merged, at most two per kind (maillogs.store.compaction), and its day
summary made. Both are redone only where something changed, so a run that brings
nothing costs a listing of the store.

Killed at any point, the next ingest finishes it: the merge is crash-safe on its own,
and a summary that is missing or of other files is made again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from maillogs.store.checkpoint import Checkpoint
from maillogs.store.clock import day_over
from maillogs.store.compaction import compact_files
from maillogs.store.layout import UNKNOWN_DATE, PartFile, StorePath
from maillogs.store.read import days_of
from maillogs.store.summaries import day_summary, summarised
from parsers.schema import EventKind
from reports.options import ReportOptions


@dataclass
class Settled:
    merged_away: int = 0  # files deleted by merging
    summaries: int = 0  # day summaries made


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
    return done


def _by_kind(parts: list[PartFile]) -> dict[EventKind, list[PartFile]]:
    kinds: dict[EventKind, list[PartFile]] = {}
    for part in parts:
        kinds.setdefault(part.kind, []).append(part)
    return kinds


def _bounds(date: str) -> tuple[datetime, datetime]:
    start = datetime.fromisoformat(date).replace(tzinfo=UTC)
    return start, start + timedelta(days=1)
