"""What every report section is: it takes event batches, then gives its JSON-ready data;
and what the registry (reports.sections) knows of each: its tables, metrics and version."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

import polars as pl

from parsers.schema import EventKind
from reports.metrics import Metrics
from reports.options import ReportOptions
from reports.tables import Table
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


R = TypeVar("R")  # a section's result: JSON-ready
R_co = TypeVar("R_co", covariant=True)


class Section(Protocol[R_co]):
    name: str
    needs: Needs

    def add(self, batch: Batch) -> None: ...

    def accumulators(self) -> Mapping[str, Accumulator]:
        """What it has added up, by name: a store's day summary keeps these."""
        ...

    def result(self, summary: ParseSummary) -> R_co: ...


def _no_tables(result: object) -> list[Table]:
    return []


def _no_metrics(metrics: Metrics, result: object) -> None:
    return None


@dataclass(frozen=True)
class SectionKind(Generic[R]):
    """A report section as the registry (reports.sections) lists it: everything that
    the builder, the renderers and the store's day summaries need of it."""

    name: str  # its key in the report's data and its --section value
    title: str  # its heading in text, Markdown and HTML
    # Bump when what its accumulators hold changes: a store's day summaries made with
    # another version of any section are not read (they are made again).
    version: int
    # (options, isolated): `isolated` when fed one day alone, for a day summary
    make: Callable[[ReportOptions, bool], Section[R]]
    tables: Callable[[R], list[Table]] = _no_tables
    metrics: Callable[[Metrics, R], None] = _no_metrics
    # None: its result stands at data[name]; else the result's own keys, which stand
    # at the top of the report's data (checks: header_checks and body_checks)
    keys: tuple[str, ...] | None = None
    # called with the whole report's data once every section has given its result
    complete: Callable[[Json], None] | None = None


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
