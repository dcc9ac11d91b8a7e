"""Where things are in a store, and what a valid file there looks like.

A store is one host's (`kind=<kind>/date=<day>/`), or a fleet's, shared: each host
ingests into its own `host=` partition under each kind (`kind=<kind>/host=<host>/
date=<day>/`), with its own checkpoint, lock and summaries under `_state/host=<host>/`
and `_summaries/host=<host>/`, so no lock is held across hosts. A `Place` is one of
those: a store, or one host's partition of a shared one."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

from maillogs.errors import MaillogsError
from parsers.schema import EventKind

STATE_DIR = "_state"
SUMMARIES = "_summaries"  # maillogs.store.summaries: derived, always safe to delete
CHECKPOINT = "checkpoint.json"
LOCK = ".lock"
UNKNOWN_DATE = "unknown"  # events without a time stamp (lines with no envelope)
_PART = re.compile(r"part-(?P<source>[0-9a-f]{16})-(?P<start>\d+)-(?P<end>\d+)\.parquet")
_COMPACT = re.compile(r"compact-[0-9a-z-]+\.parquet")
_HOST = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,252}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|" + UNKNOWN_DATE)
_KINDS = {kind.value for kind in EventKind}


class StoreError(MaillogsError):
    """The store directory holds something it should not, or cannot be written."""


@dataclass(frozen=True)
class Place:
    """A store (`host` None), or the `host=` partition of one host in a shared store."""

    root: Path
    host: str | None = None

    def __post_init__(self) -> None:
        if self.host is not None and not _HOST.fullmatch(self.host):
            raise StoreError(f"--host {self.host!r}: letters, digits, '.', '-' and '_' only")

    def __str__(self) -> str:
        return str(self.root) if self.host is None else f"{self.root} (host={self.host})"

    def _own(self, directory: str) -> Path:
        base = self.root / directory
        return base if self.host is None else base / f"host={self.host}"

    @property
    def state_dir(self) -> Path:
        return self._own(STATE_DIR)

    @property
    def summaries(self) -> Path:
        return self._own(SUMMARIES)

    @property
    def lock(self) -> Path:
        return self.root / LOCK if self.host is None else self.state_dir / LOCK


StorePath: TypeAlias = Path | Place


def at(store: StorePath) -> Place:
    return store if isinstance(store, Place) else Place(store)


def places(root: Path) -> list[Place]:
    """A store as the places it holds: each host's partition of a shared store (by
    name), or the store itself."""
    hosts = sorted({d.name[5:] for d in root.glob("kind=*/host=*") if d.is_dir()})
    return [Place(root, host) for host in hosts] or [Place(root)]


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


def partition(store: StorePath, kind: EventKind, date: str) -> Path:
    place = at(store)
    kind_dir = place.root / f"kind={kind.value}"
    if place.host is not None:
        kind_dir /= f"host={place.host}"
    return kind_dir / f"date={date}"


def day_dirs(store: StorePath) -> list[tuple[EventKind, str, str]]:
    """Every day directory of the store (of its host), checked: anything else in the
    data directories is an error. Paths as text: a year has thousands, of which a
    report wants a few (making each a Path was a tenth of a month's report)."""
    place = at(store)
    found = []
    for entry in _entries(place.root):
        if entry.name in (STATE_DIR, SUMMARIES, LOCK):
            continue
        kind_match = entry.name.startswith("kind=") and entry.name[5:] in _KINDS
        if not (entry.is_dir() and kind_match):
            raise StoreError(f"{entry.path}: not part of a maillogs store (a foreign file?)")
        kind = EventKind(entry.name[5:])
        for day in _days_of_kind(place, Path(entry.path)):
            date = day.name[5:]
            if not (day.is_dir() and day.name.startswith("date=") and _DATE.fullmatch(date)):
                raise StoreError(f"{day.path}: not part of a maillogs store (a foreign file?)")
            found.append((kind, date, day.path))
    return found


def _days_of_kind(place: Place, kind_dir: Path) -> list[os.DirEntry[str]]:
    """The kind's day directories of `place`: a shared store's hold a `host=` directory
    per host, and a host reads only its own."""
    entries = _entries(kind_dir)
    hosted = [entry for entry in entries if entry.name.startswith("host=")]
    if place.host is None:
        if hosted:
            raise StoreError(
                f"{hosted[0].path}: a store shared by hosts: give --host (ingest, store ...)"
            )
        return entries
    if len(hosted) != len(entries):
        stray = next(entry for entry in entries if not entry.name.startswith("host="))
        raise StoreError(f"{stray.path}: not part of a store shared by hosts (a foreign file?)")
    own = kind_dir / f"host={place.host}"
    return _entries(own) if own.is_dir() else []


def list_parts(
    store: StorePath, wanted: Callable[[str], bool] = lambda date: True
) -> list[PartFile]:
    """Every data file of the days `wanted` (by date), checked: anything else in the data
    directories is an error (the files of days not wanted are not looked at)."""
    parts: list[PartFile] = []
    for kind, date, day in day_dirs(store):
        if wanted(date):
            parts += [_part(Path(file.path), kind, date) for file in _entries(day)]
    return parts


def _entries(directory: str | Path) -> list[os.DirEntry[str]]:
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
