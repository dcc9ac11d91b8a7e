"""Build a report: feed event batches (of the period: the event source keeps to it) to
the registered sections, collect their data."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from parsers.schema import EventKind
from reports import notices, sections
from reports.codes import Packed
from reports.options import ReportOptions
from reports.section import Batch, Json, Needs, ParseSummary, Section, SectionKind, iso, union
from reports.tally import LocalTally, Tally

SCHEMA = "maillogs.report/2"
# How sections give their results (ReportBuilder._results): all two at a time up to
# this many bytes of packed states loaded (a month's summary is some 12 MB) ...
_SIDE_BY_SIDE_PACKED = 48 * 1024 * 1024
# ... and past it, those with up to this many beside the others (a year's overview,
# timeline, deliveries), unless more events than this were added (a big log's report:
# one after the other).
_BESIDE_PACKED = 4 * 1024 * 1024
_SIDE_BY_SIDE_EVENTS = 1_000_000
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
        if isolated:  # its state is dumped, also after loading others (a month's)
            for section in self.sections:
                for accumulator in section.accumulators().values():
                    if isinstance(accumulator, LocalTally):
                        accumulator.keeps_slots = True
        # what the sections read of each kind: a store reads only that
        self.needs: Needs = union(*(section.needs for section in self.sections))
        self._finished = False
        # how big the state grew: whether sections may give their results side by side
        self._added = 0  # events added (not loaded)
        self._packed: dict[str, int] = {}  # bytes of packed states loaded, by section
        # the period's events: how many, the first and the last
        self.events = 0
        self.first: datetime | None = None
        self.last: datetime | None = None

    def add(self, batch: Batch) -> None:
        """Events of the report's period (the event source keeps to it)."""
        self._added += sum(frame.height for frame in batch.values())
        self._bounds(batch)
        for section in self.sections:
            section.add(batch)

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

    def load_state(self, state: Mapping[str, pl.DataFrame | Packed]) -> None:
        """Add a dumped state (of a builder with the same options but the period, and
        every section): as if its events had been added here. A Tally's packed state
        is unpacked when its section gives its result (`Tally.load_packed`)."""
        bounds = state[_BOUNDS]
        assert isinstance(bounds, pl.DataFrame)
        for events, first, last in bounds.iter_rows():
            self._widen(int(events), first, last)
        for section in self.sections:
            for name, accumulator in section.accumulators().items():
                frame = state[f"{section.name}.{name}"]
                if not isinstance(frame, Packed):
                    accumulator.load(frame)
                    continue
                self._packed[section.name] = self._packed.get(section.name, 0) + frame.size()
                if isinstance(accumulator, Tally):
                    accumulator.load_packed(frame)
                else:
                    accumulator.load(frame.unpack())

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
        if self._finished:
            raise RuntimeError("a report is finished once: its sections' state is let go")
        self._finished = True
        sections, self.sections = self.sections, []
        for kind, result in zip(self.kinds, self._results(sections, summary), strict=True):
            if kind.keys is None:
                data[kind.name] = result
            else:
                data.update(result)  # its own keys, at the top (checks: header_checks ...)
        for kind in self.kinds:
            if kind.complete is not None:
                kind.complete(data)
        for name in self.hidden:
            del data[name]
        data["notices"] = [notice.as_json() for notice in self._notices(data, summary)]
        return Report(data)

    def _results(self, sections: list[Section[Any]], summary: ParseSummary) -> Iterator[Any]:
        """Each section's result, in order, Polars working without the GIL on both
        cores: with a small state (a month's summary, a small server's day), two
        sections at a time (a month's report used one core of two); with a year's,
        its big sections one after the other, each let go once its result is made
        (their tallies, coded while loaded, are unpacked and made text while ranked:
        one section's year in memory at a time), the small ones beside them."""
        if self._added > _SIDE_BY_SIDE_EVENTS:
            alone = set(range(len(sections)))
        elif sum(self._packed.values()) <= _SIDE_BY_SIDE_PACKED:
            alone = set()
        else:
            alone = {
                index
                for index, section in enumerate(sections)
                if self._packed.get(section.name, 0) > _BESIDE_PACKED
            }
        waiting = dict(enumerate(sections))
        sections.clear()
        with ThreadPoolExecutor(1 if alone else 2) as pool:
            beside = {
                index: pool.submit(waiting.pop(index).result, summary)
                for index in list(waiting)
                if index not in alone
            }
            # the big ones meanwhile, not waiting for a small one listed before them
            done = {index: waiting.pop(index).result(summary) for index in sorted(waiting)}
            for index in range(len(beside) + len(done)):
                yield done.pop(index) if index in done else beside.pop(index).result()

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
