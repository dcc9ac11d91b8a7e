"""Merging a day's files of a kind, streamed: the merged file is written first (temp,
fsync, rename) and names the files it replaces in its metadata; they are deleted after.
A run killed in between leaves both, and the next one (`finish_compaction`) deletes
the replaced files the merged one holds.

A finished day keeps at most two files per kind: its *base* (`compact-<digest>`) and
the lines that came after it was made (`compact-late-<digest>`), merged again with
every later ingest that brings more; once those outgrow the base, all of them become
a new base. So late lines cost a rewrite of the small late file, not of the day.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from datetime import UTC, datetime

import polars as pl

from maillogs.store.layout import PartFile, StoreError, StorePath, fsync_directory, list_parts

REPLACES = "maillogs.replaces"
_BASE, _LATE = "compact-", "compact-late-"
# Row groups of this many rows: a report reading a slice of a day (by time) skips the
# others by their statistics.
ROW_GROUP = 128 * 1024


def is_late(part: PartFile) -> bool:
    return part.path.name.startswith(_LATE)


def is_base(part: PartFile) -> bool:
    return part.source is None and not is_late(part)


def compact_files(
    parts: list[PartFile], tick: Callable[[], None] = lambda: None, keep_two: bool = True
) -> int:
    """Merge one kind's committed files of one day; returns how many were deleted.
    With `keep_two`, an existing base is kept and the rest merged into a late file,
    while they are smaller than it; else everything becomes one base."""
    if len(parts) < 2:
        return 0
    bases = [p for p in parts if is_base(p)]
    rest = [p for p in parts if not is_base(p)]
    if keep_two and len(bases) == 1:
        base_size, rest_size = _size(bases[0]), sum(_size(p) for p in rest)
        if len(rest) < 2 and rest_size <= base_size:
            return 0
        if rest_size <= base_size:
            return _merge(rest, _LATE, tick)
    return _merge(parts, _BASE, tick)


def _size(part: PartFile) -> int:
    return part.path.stat().st_size


def _first_time(part: PartFile) -> tuple[bool, datetime, str]:
    """The part's earliest event (from its statistics): the merged file is in time
    order of its inputs, so a read of part of the day skips row groups."""
    found = pl.scan_parquet(part.path).select(pl.col("time").min()).collect().item()
    if isinstance(found, datetime):
        return (False, found, part.path.name)
    return (True, datetime.min.replace(tzinfo=UTC), part.path.name)


def _merge(parts: list[PartFile], prefix: str, tick: Callable[[], None]) -> int:
    try:
        ordered = sorted(parts, key=_first_time)
    except (OSError, pl.exceptions.PolarsError) as error:
        names = ", ".join(str(part.path) for part in parts)
        raise StoreError(f"cannot merge {names}: damaged? {error}") from error
    replaced = "\n".join(f"{p.path.name}\t{_size(p)}" for p in ordered)
    digest = hashlib.sha256(replaced.encode()).hexdigest()[:16]
    target = ordered[0].path.with_name(f"{prefix}{digest}.parquet")
    temp = target.with_name(f".tmp-{target.name}")
    try:
        pl.scan_parquet([p.path for p in ordered]).sink_parquet(
            temp,
            compression="zstd",
            statistics=True,
            row_group_size=ROW_GROUP,
            metadata={REPLACES: replaced},
            sync_on_close="all",
        )
    except (OSError, pl.exceptions.PolarsError) as error:
        temp.unlink(missing_ok=True)
        raise StoreError(f"{target.parent}: cannot merge its files: {error}") from error
    os.replace(temp, target)
    fsync_directory(target.parent)
    tick()
    removed = 0
    for part in ordered:
        if part.path != target:
            part.path.unlink()
            removed += 1
            tick()
    return removed


def finish_compaction(store: StorePath) -> None:
    """Delete the files a merged file already holds (left by a killed compaction), and
    temporary files a killed merge left. A replaced file is deleted only if it still has
    the size it had when merged: a part of the same name written since (a source
    truncated and read again over the same bytes) is other events."""
    for part in list_parts(store):
        if part.source == "tmp":
            part.path.unlink(missing_ok=True)
        elif part.source is None and part.path.exists():  # not replaced by another
            for line in pl.read_parquet_metadata(part.path).get(REPLACES, "").splitlines():
                name, _, size = line.partition("\t")
                leftover = part.path.with_name(name)
                if leftover == part.path or not leftover.exists():
                    continue
                if not size or leftover.stat().st_size == int(size):
                    leftover.unlink()
