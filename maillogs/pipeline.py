"""Sources → chunks → event batches, with per-source time context and error capture."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO

from maillogs.errors import InputError
from maillogs.inputs import Source, iter_chunks
from parsers import garbage
from parsers.envelope import LogFormat, detect_format
from parsers.stream import EventBatch, EventParser, ParseStats
from parsers.timestamps import TimeContext

DEFAULT_CHUNK_BYTES = 12 * 1024 * 1024


@dataclass(frozen=True)
class ParseSettings:
    tz: str
    year: int | None = None
    log_format: LogFormat | None = None
    chunk_bytes: int = DEFAULT_CHUNK_BYTES


@dataclass
class ParseRun:
    """What a run read, and what it could not."""

    parser: EventParser = field(default_factory=EventParser)
    files: list[str] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    # classic-stamped files whose year came from their mtime: (name, year)
    years_from_mtime: list[tuple[str, int]] = field(default_factory=list)
    store: bool = False  # events came from an event store too: its lines are not counted

    @property
    def stats(self) -> ParseStats:
        return self.parser.stats


def parse_sources(
    sources: Sequence[Source],
    settings: ParseSettings,
    now: datetime,
    run: ParseRun,
    stdin: BinaryIO | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> Iterator[EventBatch]:
    """Batches of every source in order; a broken source is recorded in `run.errors`
    after what could be read of it was parsed, and the next source goes on."""
    for source in sources:
        times = TimeContext(tz=settings.tz, reference=source.mtime or now, year=settings.year)
        run.files.append(source.name)
        chunks = iter_chunks(source, settings.chunk_bytes, stdin=stdin)
        if settings.year is None and source.mtime is not None:
            chunks = _noting_year(chunks, source.name, source.mtime.year, settings, run)
        counted = _counting(chunks, on_bytes) if on_bytes is not None else chunks
        try:
            yield from run.parser.parse_chunks(
                counted, times, settings.log_format, source=source.name
            )
        except InputError as error:
            run.errors.append(error)
        garbage.report(source.name, run.parser.source)


def _noting_year(
    chunks: Iterator[bytes], name: str, year: int, settings: ParseSettings, run: ParseRun
) -> Iterator[bytes]:
    """The chunks; a file of classic stamps (no year) is noted with its mtime's year."""
    first = next(chunks, None)
    if first is None:
        return iter(())
    sample = first[:4096].decode("utf-8", "replace").splitlines()[:20]
    if (settings.log_format or detect_format(sample)) in (LogFormat.CLASSIC, LogFormat.POSTLOG):
        run.years_from_mtime.append((name, year))
    return itertools.chain([first], chunks)


def _counting(chunks: Iterator[bytes], on_bytes: Callable[[int], None]) -> Iterator[bytes]:
    for chunk in chunks:
        yield chunk
        on_bytes(len(chunk))
