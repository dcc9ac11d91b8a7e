"""What was read: lines, events, lines no rule understood (by program), time span, files."""

from __future__ import annotations

from reports.section import Batch, Json, Needs, ParseSummary, iso
from reports.tally import Accumulator

NEEDS: Needs = {}


class ParseSection:
    name = "parse"
    needs = NEEDS

    def add(self, batch: Batch) -> None:
        """Counted by the parser over the whole input, not per period."""

    def accumulators(self) -> dict[str, Accumulator]:
        return {}

    def result(self, summary: ParseSummary) -> Json:
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
