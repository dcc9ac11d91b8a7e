"""`maillogs store info | compact | prune`."""

from __future__ import annotations

import hashlib
import io
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl

from maillogs.store import summaries
from maillogs.store.checkpoint import load
from maillogs.store.layout import UNKNOWN_DATE, PartFile, list_parts, write_atomically
from maillogs.store.read import committed_parts, read_part

REPLACES = "maillogs.replaces"


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
    summary_bytes: int = 0


def info(store: Path) -> StoreInfo:
    result = StoreInfo()
    days = []
    checkpoint = load(store)
    for part in committed_parts(store, checkpoint):
        result.files += 1
        result.bytes += part.path.stat().st_size
        count = int(pl.scan_parquet(part.path).select(pl.len()).collect().item())
        kind = part.kind.value
        result.events_by_kind[kind] = result.events_by_kind.get(kind, 0) + count
        if part.date != UNKNOWN_DATE:
            days.append(part.date)
    if days:
        result.first_day, result.last_day = min(days), max(days)
    result.tz = checkpoint.tz
    for path in summaries.files(store):
        result.summaries += 1
        result.summary_bytes += path.stat().st_size
    for state in checkpoint.sources.values():
        result.sources.append((state.name, state.offset, state.lines))
    return result


def compact(store: Path) -> int:
    """Merge each day's part files of a kind into one; returns the files removed.

    The merged file is written (temp, fsync, rename) before the parts it replaces are
    deleted, and it names them in its metadata. A run killed between the two leaves
    both; the next compact (or ingest) first deletes the parts a merged file replaced.
    Parts beyond the checkpoint (left by a killed ingest) are not merged: the next
    ingest replaces them.
    """
    finish_compaction(store)
    groups: dict[tuple[str, str], list[PartFile]] = {}
    for part in committed_parts(store, load(store)):
        groups.setdefault((part.kind.value, part.date), []).append(part)
    removed = 0
    for parts in groups.values():
        originals = [p for p in parts if p.source is not None]
        if len(parts) < 2 or not originals:
            continue
        names = sorted(p.path.name for p in parts)
        digest = hashlib.sha256("\n".join(names).encode()).hexdigest()[:16]
        target = parts[0].path.with_name(f"compact-{digest}.parquet")
        frame = pl.concat([read_part(p) for p in parts])
        buffer = io.BytesIO()
        frame.write_parquet(
            buffer, compression="zstd", statistics=True, metadata={REPLACES: "\n".join(names)}
        )
        write_atomically(target, buffer.getvalue())
        for part in parts:
            if part.path != target:
                part.path.unlink()
                removed += 1
    return removed


def finish_compaction(store: Path) -> None:
    """Delete the parts a merged file already holds (left by a killed compact)."""
    for part in list_parts(store):
        if part.source is None:
            replaced = pl.read_parquet_metadata(part.path).get(REPLACES, "")
            for name in replaced.splitlines():
                leftover = part.path.with_name(name)
                if leftover != part.path and leftover.exists():
                    leftover.unlink()


def prune(store: Path, keep: timedelta, now: datetime) -> int:
    """Delete day partitions older than `keep` before `now`; returns how many."""
    oldest = (now - keep).date().isoformat()
    dropped = 0
    for kind_dir in store.glob("kind=*"):
        for day in kind_dir.glob("date=*"):
            date = day.name[5:]
            if date != UNKNOWN_DATE and date < oldest:
                shutil.rmtree(day)
                dropped += 1
    summaries.prune(store, oldest)
    return dropped
