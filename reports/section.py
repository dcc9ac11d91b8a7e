"""What every report section is: it takes event batches, then gives its JSON-ready data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import polars as pl

from parsers.schema import EventKind
from reports.tally import Accumulator

Batch = dict[EventKind, pl.DataFrame]
Json = dict[str, Any]
# The columns a section reads, per event kind ("time" is always there): a store reads
# only these. A column a section uses but does not name fails loudly (not found).
Needs = Mapping[EventKind, Sequence[str]]


def union(*needs: Needs) -> dict[EventKind, tuple[str, ...]]:
    """All the columns of all `needs`, "time" first, in a stable order."""
    found: dict[EventKind, dict[str, None]] = {}
    for need in needs:
        for kind, columns in need.items():
            found.setdefault(kind, {"time": None}).update(dict.fromkeys(columns))
    return {kind: tuple(columns) for kind, columns in found.items()}


@dataclass(frozen=True)
class ParseSummary:
    """What the parser read, for the parse section and report headers."""

    lines: int = 0
    events: int = 0
    not_mail: int = 0
    events_by_kind: dict[str, int] = field(default_factory=dict)
    unparsed_by_program: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    first_time: datetime | None = None
    last_time: datetime | None = None
    # classic-stamped files whose year came from their mtime: (name, year)
    years_from_mtime: tuple[tuple[str, int], ...] = ()


class Section(Protocol):
    name: str
    needs: Needs

    def add(self, batch: Batch) -> None: ...

    def accumulators(self) -> Mapping[str, Accumulator]:
        """What it has added up, by name: a store's day summary keeps these."""
        ...

    def result(self, summary: ParseSummary) -> Json: ...


def iso(value: object) -> str | None:
    """ISO 8601 to the second: classic syslog has no fractions, RFC 3339 has them."""
    return value.replace(microsecond=0).isoformat() if isinstance(value, datetime) else None


def records(frame: pl.DataFrame, top: int) -> list[Json]:
    """The first `top` rows of a frame as dicts, first and last seen in ISO 8601."""
    return [
        {name: iso(value) if name.endswith("_seen") else value for name, value in row.items()}
        for row in frame.head(top).iter_rows(named=True)
    ]


def ranked(frame: pl.DataFrame, key: str, top: int, extra: tuple[str, ...] = ()) -> list[Json]:
    """Top rows of a Tally frame as [{key, count, ..., first_seen, last_seen}]."""
    return records(frame.select(key, "count", *extra, "first_seen", "last_seen"), top)
