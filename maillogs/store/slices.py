"""A stored day read in slices of time, so that memory follows a slice, not a day: a
report from the store of a day of a busy server needs no more than the report of the
same lines from the log (which reads them a chunk at a time).

A day of at most SLICE_ROWS events (of the kinds the report reads) is read at once;
a bigger one is cut at minute boundaries into slices of about that many, found from a
count of its events per minute (the time column alone). Each slice reads every kind
between its bounds, so the report sees the day in time order as from the log; merged
files are in time order, and their row groups outside a slice are skipped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from itertools import pairwise

import polars as pl

from maillogs.store.layout import UNKNOWN_DATE, PartFile
from parsers.schema import EventKind

SLICE_ROWS = 125_000
# the columns a report reads, per kind; a slice's bounds, [start, end) (None: open)
Columns = Mapping[EventKind, Sequence[str]]
Between = tuple[datetime | None, datetime | None]


def reads(kind: EventKind, columns: Columns | None) -> bool:
    """Are the events of `kind` read (or only counted) with `columns`?"""
    return columns is None or kind in columns or kind is EventKind.UNPARSED


def slices(parts: list[PartFile], columns: Columns | None) -> list[Between]:
    """The bounds of the day's slices ([None, None]: the day at once)."""
    rows = SLICE_ROWS
    read = [part for part in parts if reads(part.kind, columns)]
    whole: list[Between] = [(None, None)]
    # events without a time stamp have no order to cut by (and are few)
    if not read or read[0].date == UNKNOWN_DATE:
        return whole
    try:
        per_minute = _per_minute(read, rows)
    except (OSError, pl.exceptions.PolarsError):
        return whole  # a damaged file: the read names it
    if per_minute is None:
        return whole
    cuts: list[datetime] = []
    held = 0
    for start, count in per_minute.iter_rows():
        if held and held + count > rows:
            cuts.append(start)
            held = 0
        held += count
    bounds = [None, *cuts, None]
    return list(pairwise(bounds))


def _per_minute(parts: list[PartFile], rows: int) -> pl.DataFrame | None:
    """Events per minute (minute, len) in time order; None if there are at most `rows`."""
    scans = [pl.scan_parquet(paths).select("time") for paths in _paths_by_kind(parts)]
    if _total(scans) <= rows:
        return None
    minute = pl.col("time").dt.truncate("1m").alias("minute")
    return pl.concat(scans).group_by(minute).len().sort("minute").collect()


def _total(scans: list[pl.LazyFrame]) -> int:
    counts = pl.collect_all([scan.select(pl.len()) for scan in scans])
    return sum(int(count.item()) for count in counts)


def _paths_by_kind(parts: list[PartFile]) -> list[list[str]]:
    kinds: dict[EventKind, list[str]] = {}
    for part in parts:
        kinds.setdefault(part.kind, []).append(str(part.path))
    return list(kinds.values())
