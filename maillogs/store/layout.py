"""Where things are in a store, and what a valid file there looks like."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from maillogs.errors import MaillogsError
from parsers.schema import EventKind

STATE_DIR = "_state"
SUMMARIES = "_summaries"  # maillogs.store.summaries: derived, always safe to delete
CHECKPOINT = "checkpoint.json"
LOCK = ".lock"
UNKNOWN_DATE = "unknown"  # events without a time stamp (lines with no envelope)
_PART = re.compile(r"part-(?P<source>[0-9a-f]{16})-(?P<start>\d+)-(?P<end>\d+)\.parquet")
_COMPACT = re.compile(r"compact-[0-9a-z-]+\.parquet")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|" + UNKNOWN_DATE)
_KINDS = {kind.value for kind in EventKind}


class StoreError(MaillogsError):
    """The store directory holds something it should not, or cannot be written."""


@dataclass(frozen=True)
class PartFile:
    path: Path
    kind: EventKind
    date: str  # YYYY-MM-DD (UTC) or "unknown"
    source: str | None  # None for compacted files
    start: int
    end: int


def part_name(source: str, start: int, end: int) -> str:
    return f"part-{source}-{start}-{end}.parquet"


def partition(store: Path, kind: EventKind, date: str) -> Path:
    return store / f"kind={kind.value}" / f"date={date}"


def list_parts(store: Path, wanted: Callable[[str], bool] = lambda date: True) -> list[PartFile]:
    """Every data file of the days `wanted` (by date), checked: anything else in the data
    directories is an error (the files of days not wanted are not looked at)."""
    parts: list[PartFile] = []
    for entry in _entries(store):
        if entry.name in (STATE_DIR, SUMMARIES, LOCK):
            continue
        kind_match = entry.name.startswith("kind=") and entry.name[5:] in _KINDS
        if not (entry.is_dir() and kind_match):
            raise StoreError(f"{entry.path}: not part of a maillogs store (a foreign file?)")
        kind = EventKind(entry.name[5:])
        for day in _entries(Path(entry.path)):
            date = day.name[5:]
            if not (day.is_dir() and day.name.startswith("date=") and _DATE.fullmatch(date)):
                raise StoreError(f"{day.path}: not part of a maillogs store (a foreign file?)")
            if wanted(date):
                parts += [_part(Path(file.path), kind, date) for file in _entries(Path(day.path))]
    return parts


def _entries(directory: Path) -> list[os.DirEntry[str]]:
    """A directory's entries by name (scandir: the file type comes without a stat)."""
    with os.scandir(directory) as found:
        return sorted(found, key=lambda entry: entry.name)


def _part(file: Path, kind: EventKind, date: str) -> PartFile:
    if file.name.startswith(".tmp-"):
        # left by a run that was killed before its rename: never data
        return PartFile(file, kind, date, "tmp", -1, -1)
    found = _PART.fullmatch(file.name)
    if found:
        return PartFile(file, kind, date, found["source"], int(found["start"]), int(found["end"]))
    if _COMPACT.fullmatch(file.name):
        return PartFile(file, kind, date, None, -1, -1)
    raise StoreError(f"{file}: not part of a maillogs store (a foreign file?)")


def fsync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_atomically(path: Path, data: bytes) -> None:
    """Temp file, fsync, rename, fsync the directory: all of it or nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".tmp-{path.name}")
    with temp.open("wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp, path)
    fsync_directory(path.parent)
