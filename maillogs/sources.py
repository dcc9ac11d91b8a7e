"""Where a command's events come from: the logs, or an event store (and the logs' lines
it has not seen yet). Both give the events of one period, applied here and only here.

The parse pipeline is maillogs.pipeline's in both: the store reads on from its
checkpoint with the same parser, as ingest does.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import polars as pl

from maillogs.environment import Environment
from maillogs.errors import MaillogsError, UsageError
from maillogs.inputs import (
    Source,
    default_log_paths,
    expand_inputs_lenient,
    skip_older,
    total_size,
)
from maillogs.period import Period
from maillogs.pipeline import ParseRun, ParseSettings, parse_sources
from parsers.stream import EventBatch
from reports.builder import ReportBuilder
from reports.escape import for_terminal
from reports.options import ReportOptions
from reports.section import Needs

if TYPE_CHECKING:
    from maillogs.store.summaries import DaySummary

# Several stores (a fleet's hosts, one each) are read as one.
Stores = tuple[Path, ...]


class EventSource(Protocol):
    """The events of a period, in time order batch by batch, and what was read."""

    run: ParseRun  # lines, files and errors: the parse section and the exit status

    def batches(self) -> Iterator[EventBatch]:
        """Every event of the period."""
        ...

    def feed(self, builder: ReportBuilder) -> None:
        """Every event of the period into `builder` (a store may give whole days as
        their saved day summaries instead)."""
        ...


def in_period(batch: EventBatch, period: Period) -> EventBatch:
    """The events of `batch` inside `period` (since inclusive, until exclusive)."""
    since, until = period.since, period.until
    if since is None and until is None:
        return batch
    keep = pl.lit(True)
    if since is not None:
        keep = keep & (pl.col("time") >= since)
    if until is not None:
        keep = keep & (pl.col("time") < until)
    return {kind: frame.filter(keep) for kind, frame in batch.items()}


@dataclass
class LogsSource:
    """The events of log files (or stdin), parsed as they are read."""

    paths: Sequence[str]  # files, globs, directories; "-" is stdin
    settings: ParseSettings
    period: Period
    env: Environment
    progress: bool = False  # a progress bar on stderr (where it is a terminal)
    verbose: bool = False  # say on stderr which files are read and which skipped
    run: ParseRun = field(default_factory=ParseRun)
    skipped: list[Source] = field(default_factory=list)  # too old for the period

    def batches(self) -> Iterator[EventBatch]:
        sources = self._sources()
        show = self.progress and self.env.stderr_is_tty
        from maillogs.progress import progress_reporter  # rich: only where logs are parsed

        stats = self.run.stats
        with progress_reporter(
            self.env.stderr, total_size(sources), enabled=show, lines=lambda: stats.lines
        ) as advance:
            for batch in parse_sources(
                sources,
                self.settings,
                self.env.now(),
                self.run,
                stdin=self.env.stdin,
                on_bytes=advance,
            ):
                yield in_period(batch, self.period)

    def feed(self, builder: ReportBuilder) -> None:
        for batch in self.batches():
            builder.add(batch)

    def _sources(self) -> list[Source]:
        args = self.paths or default_log_paths()
        if not args:
            raise UsageError(
                "no log files given and none found at /var/log/mail.log* or /var/log/maillog*"
            )
        sources, errors = expand_inputs_lenient(args)
        self.run.errors.extend(errors)
        if not sources:
            raise MaillogsError(errors[0].args[0] if errors else "no readable input")
        # rotated files last written before the period cannot hold a line of it: not
        # opened (a daily run over mail.log* reads a day, not a month of .gz)
        kept, skipped = skip_older(
            sources, self.period.since, year_given=self.settings.year is not None
        )
        if not kept:  # the newest is read all the same: the report says its span
            kept, skipped = skipped[-1:], skipped[:-1]
        self.skipped = skipped
        if self.verbose:
            self._say_which(kept, skipped)
        return kept

    def _say_which(self, kept: Sequence[Source], skipped: Sequence[Source]) -> None:
        since = self.period.since
        for source in skipped:
            assert source.mtime is not None and since is not None  # why it was skipped
            self.env.stderr.write(
                f"maillogs: skipped {for_terminal(source.name)}: last written "
                f"{source.mtime:%Y-%m-%d %H:%M} UTC, before the period "
                f"(from {since.astimezone(UTC):%Y-%m-%d %H:%M} UTC)\n"
            )
        for source in kept:
            self.env.stderr.write(f"maillogs: reading {for_terminal(source.name)}\n")


@dataclass
class StoreSource:
    """A store's events of the period's days, then the lines of `paths` it has not
    seen yet: an adapter over maillogs.store.report_input."""

    store: Stores
    paths: Sequence[str]
    settings: ParseSettings
    period: Period
    env: Environment
    run: ParseRun = field(default_factory=ParseRun)

    def batches(self) -> Iterator[EventBatch]:
        from maillogs.store.summaries import DaySummary

        for item in self._items(None, None):
            assert not isinstance(item, DaySummary)  # none asked for
            yield item

    def feed(self, builder: ReportBuilder) -> None:
        from maillogs.store.summaries import DaySummary

        for item in self._items(builder.needs, builder.options):
            if isinstance(item, DaySummary):
                builder.load_state(item.state)
            else:
                builder.add(item)

    def _items(
        self, columns: Needs | None, summaries: ReportOptions | None
    ) -> Iterator[EventBatch | DaySummary]:
        """Only `columns` of the store (all if None); with `summaries` (the report's
        options), the days the period holds whole as their day summaries."""
        from maillogs.store.report_input import report_items
        from maillogs.store.summaries import DaySummary

        self.run.files.extend(str(one) for one in self.store)
        self.run.store = True
        since, until = self.period.since, self.period.until
        for item in report_items(
            self.store, list(self.paths), self.settings, self.env.now(), since, until,
            self.run.stats, self.run.errors, columns, summaries,
        ):  # fmt: skip
            yield item if isinstance(item, DaySummary) else in_period(item, self.period)


def open_source(
    paths: Sequence[str],
    settings: ParseSettings,
    period: Period,
    env: Environment,
    store: Stores | None = None,
    progress: bool = False,
    verbose: bool = False,
) -> EventSource:
    """The logs' events, or with `store` its events and the logs' lines it lacks."""
    if store is None:
        return LogsSource(paths, settings, period, env, progress, verbose)
    return StoreSource(store, paths, settings, period, env)
