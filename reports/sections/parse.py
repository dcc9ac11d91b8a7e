"""What was read: lines, events, lines no rule understood (by program), time span, files."""

from __future__ import annotations

from typing import TypedDict

from reports.metrics import Metrics, timestamp
from reports.section import Batch, Needs, ParseSummary, SectionKind, iso
from reports.tables import Table, count_table, stamp
from reports.tally import Accumulator


class ParseResult(TypedDict):
    lines: int
    events: int
    unparsed: int
    not_mail: int
    unparsed_by_program: dict[str, int]
    events_by_kind: dict[str, int]
    first_time: str | None
    last_time: str | None
    files: list[str]
    errors: list[str]


NEEDS: Needs = {}


class ParseSection:
    name = "parse"
    needs = NEEDS

    def add(self, batch: Batch) -> None:
        """Counted by the parser over the whole input, not per period."""

    def accumulators(self) -> dict[str, Accumulator]:
        return {}

    def result(self, summary: ParseSummary) -> ParseResult:
        return {
            "lines": summary.lines,
            "events": summary.events,
            "unparsed": sum(summary.unparsed_by_program.values()),
            "not_mail": summary.not_mail,
            "unparsed_by_program": dict(sorted(summary.unparsed_by_program.items())),
            "events_by_kind": dict(sorted(summary.events_by_kind.items())),
            "first_time": iso(summary.first_time),
            "last_time": iso(summary.last_time),
            "files": list(summary.files),
            "errors": list(summary.errors),
        }


def _tables(data: ParseResult) -> list[Table]:
    totals = (
        ("lines read", data["lines"]),
        ("events", data["events"]),
        ("unparsed", data["unparsed"]),
        ("not mail", data["not_mail"]),
        ("first line", stamp(data["first_time"])),
        ("last line", stamp(data["last_time"])),
        ("files", len(data["files"])),
    )
    return [
        Table("parse", "totals", "What was read", ("what", "value"), totals),
        count_table(
            "parse",
            "unparsed_by_program",
            "Unparsed lines by program",
            "program",
            data["unparsed_by_program"],
        ),
    ]


def _metrics(put: Metrics, parse: ParseResult) -> None:
    put.put("lines", "Log lines read.", parse["lines"])
    put.put("not_mail_lines", "Lines of programs that are not mail.", parse["not_mail"])
    put.put("all_unparsed_lines", "Lines no rule understood, all programs.", parse["unparsed"])
    put.each("events", "Events by kind.", "kind", parse["events_by_kind"])
    put.each(
        "unparsed_lines",
        "Lines no rule understood, by program.",
        "program",
        parse["unparsed_by_program"],
    )
    for edge, time in (("first", parse["first_time"]), ("last", parse["last_time"])):
        put.put(
            f"log_{edge}_line_timestamp_seconds", f"Time of the {edge} line read.", timestamp(time)
        )


SECTION: SectionKind[ParseResult] = SectionKind(
    name="parse",
    title="Parsing",
    version=1,
    make=lambda options, isolated: ParseSection(),
    tables=_tables,
    metrics=_metrics,
)
