"""`maillogs store info | compact | prune`."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import polars as pl

from maillogs.store import summaries
from maillogs.store.checkpoint import load
from maillogs.store.compaction import compact_files, finish_compaction
from maillogs.store.layout import UNKNOWN_DATE, PartFile, StoreError, StorePath, day_dirs
from maillogs.store.read import committed_parts


@dataclass
class StoreInfo:
    first_day: str | None = None
    last_day: str | None = None
    events_by_kind: dict[str, int] = field(default_factory=dict)
    files: int = 0
    bytes: int = 0
    sources: list[tuple[str, int, int]] = field(default_factory=list)  # name, offset, lines
    tz: str | None = None  # the zone classic syslog stamps were read in
    summaries: int = 0  # day summaries, of every set of report options kept
    month_summaries: int = 0
    summary_bytes: int = 0


def info(store: StorePath) -> StoreInfo:
    result = StoreInfo()
    days = []
    checkpoint = load(store)
    for part in committed_parts(store, checkpoint):
        result.files += 1
        result.bytes += part.path.stat().st_size
        try:
            count = int(pl.scan_parquet(part.path).select(pl.len()).collect().item())
        except pl.exceptions.PolarsError as error:
            raise StoreError(f"{part.path}: damaged: {error}") from error
        kind = part.kind.value
        result.events_by_kind[kind] = result.events_by_kind.get(kind, 0) + count
        if part.date != UNKNOWN_DATE:
            days.append(part.date)
    if days:
        result.first_day, result.last_day = min(days), max(days)
    result.tz = checkpoint.tz
    for path in summaries.files(store):
        if path.name.startswith("month="):
            result.month_summaries += 1
        else:
            result.summaries += 1
        result.summary_bytes += path.stat().st_size
    for state in checkpoint.sources.values():
        result.sources.append((state.name, state.offset, state.lines))
    return result


def compact(store: StorePath) -> int:
    """Merge each day's files of a kind into one; returns the files removed.

    Crash-safe as maillogs.store.compaction says. Parts beyond the checkpoint (left by
    a killed ingest) are not merged: the next ingest replaces them.
    """
    finish_compaction(store)
    groups: dict[tuple[str, str], list[PartFile]] = {}
    for part in committed_parts(store, load(store)):
        groups.setdefault((part.kind.value, part.date), []).append(part)
    return sum(compact_files(parts, keep_two=False) for parts in groups.values())


def prune(store: StorePath, keep: timedelta, now: datetime) -> int:
    """Delete day partitions older than `keep` before `now`; returns how many."""
    oldest = (now - keep).date().isoformat()
    dropped = 0
    for _, date, day in day_dirs(store):
        if date != UNKNOWN_DATE and date < oldest:
            shutil.rmtree(day)
            dropped += 1
    summaries.prune(store, oldest)
    return dropped
