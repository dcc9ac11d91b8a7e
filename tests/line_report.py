"""The report on a few log lines, for tests that check counts against what Postfix logged."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from parsers.envelope import LogFormat
from parsers.stream import EventParser
from parsers.timestamps import TimeContext
from reports.builder import ReportBuilder
from reports.options import ReportOptions
from reports.section import ParseSummary


def report_lines(
    text: str, year: int, sections: Sequence[str] | None = None
) -> tuple[dict[str, Any], EventParser]:
    """(report data, the parser) for classic-format `text` in UTC, its stamps in `year`.
    One line per chunk: state such as open messages must carry across batches."""
    parser = EventParser()
    times = TimeContext(tz="UTC", reference=datetime(year, 12, 31, tzinfo=UTC), year=year)
    builder = ReportBuilder(
        ReportOptions(tz="UTC", sections=None if sections is None else tuple(sections))
    )
    for line in text.splitlines(keepends=True):
        builder.add(parser.parse_chunk(line.encode(), LogFormat.CLASSIC, times))
    return builder.finish(ParseSummary(lines=0, events=0, not_mail=0)).data, parser
