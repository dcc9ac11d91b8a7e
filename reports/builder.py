"""Build a report: filter each batch to the period, feed the sections, collect their data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

import polars as pl

from parsers.schema import EventKind
from reports import notices
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

SCHEMA = "maillogs.report/2"
# The period's events, first and last, in a dumped state.
_BOUNDS = "period.bounds"
_TIME = pl.Datetime("us", "UTC")


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
        # the period's events: how many, the first and the last
        self.events = 0
        self.first: datetime | None = None
        self.last: datetime | None = None

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
        self._bounds(period_batch)
        for section in self.sections:
            section.add(period_batch)

    def _bounds(self, batch: Batch) -> None:
        for kind, frame in batch.items():
            if kind is not EventKind.UNPARSED and frame.height:
                times = frame.get_column("time")
                self._widen(frame.height, times.min(), times.max())

    def _widen(self, events: int, first: object, last: object) -> None:
        self.events += events
        if isinstance(first, datetime) and (self.first is None or first < self.first):
            self.first = first
        if isinstance(last, datetime) and (self.last is None or last > self.last):
            self.last = last

    def dump_state(self) -> dict[str, pl.DataFrame]:
        """Every section's accumulators, as frames named `section.accumulator`."""
        bounds = pl.DataFrame(
            {"events": [self.events], "first": [self.first], "last": [self.last]},
            schema={"events": pl.Int64(), "first": _TIME, "last": _TIME},
        )
        return {
            _BOUNDS: bounds,
            **{
                f"{section.name}.{name}": accumulator.dump()
                for section in self.sections
                for name, accumulator in section.accumulators().items()
            },
        }

    def load_state(self, state: Mapping[str, pl.DataFrame]) -> None:
        """Add a dumped state (of a builder with the same options but the period, and
        every section): as if its events had been added here."""
        for events, first, last in state[_BOUNDS].iter_rows():
            self._widen(int(events), first, last)
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
                # the period's real bounds: its first and last event (null: none)
                "first_event": iso(self.first),
                "last_event": iso(self.last),
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
        data["notices"] = [notice.as_json() for notice in self._notices(data, summary)]
        return Report(data)

    def _notices(self, data: Json, summary: ParseSummary) -> list[notices.Notice]:
        tls = data.get("tls") or {}
        inbound = tls.get("inbound", {}).get("starttls", {})
        outbound = tls.get("outbound", {})
        attempts = sum(outbound.get("by_level", {}).values())
        return notices.collect(
            notices.empty_period(
                self.events, self.options.since, self.options.until,
                summary.first_time, summary.last_time,
            ),
            notices.tls_not_logged("inbound", inbound.get("sessions", 0), inbound.get("logged", 0)),
            notices.tls_not_logged("outbound", 0 if outbound.get("tls_logged", 1) else attempts, 0),
            notices.mostly_unparsed(summary.lines, sum(summary.unparsed_by_program.values())),
            notices.year_from_mtime(summary.years_from_mtime),
        )  # fmt: skip
