"""Build a report: feed event batches (of the period: the event source keeps to it) to
the registered sections, collect their data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from reports import sections
from reports.options import ReportOptions
from reports.section import Batch, Json, Needs, ParseSummary, Section, SectionKind, iso, union

SCHEMA = "maillogs.report/1"


@dataclass(frozen=True)
class Report:
    """The report as data: JSON-ready, computed once; renderers only render it."""

    data: Json


class ReportBuilder:
    def __init__(self, options: ReportOptions, isolated: bool = False) -> None:
        """`isolated`: fed one day alone, to save its state (a store's day summary)."""
        self.options = options
        chosen = options.sections
        self.kinds: list[SectionKind[Any]] = [
            kind for kind in sections.registered() if chosen is None or kind.name in chosen
        ]
        # the timeline's messages received per day are the overview's: counted for it
        # when it is asked for alone, not shown
        self.hidden: set[str] = set()
        names = {kind.name for kind in self.kinds}
        if "timeline" in names and "overview" not in names:
            self.kinds.insert(0, next(k for k in sections.registered() if k.name == "overview"))
            self.hidden.add("overview")
        self.sections: list[Section[Any]] = [kind.make(options, isolated) for kind in self.kinds]
        # what the sections read of each kind: a store reads only that
        self.needs: Needs = union(*(section.needs for section in self.sections))

    def add(self, batch: Batch) -> None:
        """Events of the report's period (the event source keeps to it)."""
        for section in self.sections:
            section.add(batch)

    def dump_state(self) -> dict[str, pl.DataFrame]:
        """Every section's accumulators, as frames named `section.accumulator`."""
        return {
            f"{section.name}.{name}": accumulator.dump()
            for section in self.sections
            for name, accumulator in section.accumulators().items()
        }

    def load_state(self, state: Mapping[str, pl.DataFrame]) -> None:
        """Add a dumped state (of a builder with the same options but the period, and
        every section): as if its events had been added here."""
        for section in self.sections:
            for name, accumulator in section.accumulators().items():
                accumulator.load(state[f"{section.name}.{name}"])

    def finish(self, summary: ParseSummary) -> Report:
        data: Json = {
            "schema": SCHEMA,
            "period": {
                "since": iso(self.options.since),
                "until": iso(self.options.until),
                "time_zone": self.options.tz,
                "split": self.options.bucket.value if self.options.bucket else None,
            },
        }
        for kind, section in zip(self.kinds, self.sections, strict=True):
            result = section.result(summary)
            if kind.keys is None:
                data[kind.name] = result
            else:
                data.update(result)  # its own keys, at the top (checks: header_checks ...)
        for kind in self.kinds:
            if kind.complete is not None:
                kind.complete(data)
        for name in self.hidden:
            del data[name]
        return Report(data)
