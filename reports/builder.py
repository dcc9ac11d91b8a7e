"""Build a report: filter each batch to the period, feed the sections, collect their data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import polars as pl

from reports.catchall import CatchAll
from reports.checks import ContentChecks
from reports.deliveries import Deliveries
from reports.options import SECTIONS, ReportOptions
from reports.overview import Overview
from reports.parse import ParseSection
from reports.problems import Problems
from reports.rejects import Rejects
from reports.sasl import SaslAuth
from reports.section import Batch, Json, Needs, ParseSummary, Section, iso, union
from reports.sessions import Sessions
from reports.spammers import Spammers
from reports.spf import SpfVerdicts
from reports.timeline import Timeline, add_received
from reports.tls import TlsCoverage

SCHEMA = "maillogs.report/1"


@dataclass(frozen=True)
class Report:
    """The report as data: JSON-ready, computed once; renderers only render it."""

    data: Json


class ReportBuilder:
    def __init__(self, options: ReportOptions, isolated: bool = False) -> None:
        """`isolated`: fed one day alone, to save its state (a store's day summary)."""
        self.options = options
        makers: dict[str, Any] = {
            "overview": partial(Overview, isolated=isolated),
            "tls": TlsCoverage,
            "spammers": Spammers,
            "spf": SpfVerdicts,
            "checks": ContentChecks,
            "rejects": Rejects,
            "catchall": CatchAll,
            "deliveries": Deliveries,
            "problems": Problems,
            "sessions": Sessions,
            "sasl": SaslAuth,
            "timeline": Timeline,
        }
        self.sections: list[Section] = [
            makers[name](options)
            for name in SECTIONS
            if name in options.sections and name in makers
        ]
        if "parse" in options.sections:
            self.sections.append(ParseSection())
        # what the sections read of each kind: a store reads only that
        self.needs: Needs = union(*(section.needs for section in self.sections))

    def _in_period(self, frame: pl.DataFrame) -> pl.DataFrame:
        since, until = self.options.since, self.options.until
        if since is None and until is None:
            return frame
        keep = pl.lit(True)
        if since is not None:
            keep = keep & (pl.col("time") >= since)
        if until is not None:
            keep = keep & (pl.col("time") < until)
        return frame.filter(keep)

    def add(self, batch: Batch) -> None:
        period_batch = {kind: self._in_period(frame) for kind, frame in batch.items()}
        for section in self.sections:
            section.add(period_batch)

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
        for section in self.sections:
            result = section.result(summary)
            if section.name == "checks":
                data.update(result)  # header_checks and body_checks stand at the top
            else:
                data[section.name] = result
        if "timeline" in data and "overview" in data:
            by_day = data["overview"]["by_day"].items()
            add_received(data["timeline"], ((day, row["received"]) for day, row in by_day))
        return Report(data)
