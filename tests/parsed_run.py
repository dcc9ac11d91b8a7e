"""Parse sample logs into a report and the events it saw, as the truth tests need them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl

from maillogs.inputs import expand_inputs, iter_chunks
from parsers.schema import EventKind
from parsers.stream import EventParser
from parsers.timestamps import TimeContext
from reports.builder import Report, ReportBuilder
from reports.options import ReportOptions
from reports.section import ParseSummary

Parsed = tuple[Report, dict[EventKind, pl.DataFrame], EventParser]


def parse_run(path: Path, end: datetime, options: ReportOptions) -> Parsed:
    """The report of every log under `path` (classic stamps of 2026 in UTC, the year
    taken from `end`), every event by kind, and the parser (its stats)."""
    times = TimeContext(tz="UTC", reference=end, year=2026)
    parser = EventParser()
    builder = ReportBuilder(options)
    kept: dict[EventKind, list[pl.DataFrame]] = {kind: [] for kind in EventKind}
    for source in expand_inputs([str(path)]):
        for batch in parser.parse_chunks(iter_chunks(source, 64 * 1024), times):
            builder.add(batch)
            for kind, frame in batch.items():
                kept[kind].append(frame)
    stats = parser.stats
    summary = ParseSummary(
        lines=stats.lines,
        events=stats.events,
        not_mail=stats.not_mail,
        events_by_kind=dict(stats.events_by_kind),
        unparsed_by_program=dict(stats.unparsed_by_program),
    )
    frames = {kind: pl.concat(parts) for kind, parts in kept.items() if parts}
    return builder.finish(summary), frames, parser
