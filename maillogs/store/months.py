"""Month summaries: the day summaries of a UTC month that is over, merged into one; and
of the month so far, the days of the month still being logged to that are over.

A report over a year would otherwise load 365 day summaries and merge every key of its
tallies (each client, sender, domain) again and again; with months it loads twelve.
A month summary is made exactly as a report adds day summaries up (a builder fed one
state after the other, in day order: the message ledger closes, in the later days,
what the earlier ones left open), then dumped like a day's: loading it is the same as
loading its days. It is made by `ingest` once the month is over, or by the first
report that needs it, and named by the part files of all its days, so a month that
got late lines, lost days to prune or was compacted is simply not found and is made
again (from its days' summaries, which are remade only where their files changed).

The month so far is made the same way from the days of a month not over yet that are
(from `SO_FAR_FROM` of them): a report over a period that holds the whole month (a
year, `--since` a month ago with no end) loads it and the newest day's events instead
of up to thirty day summaries. Named like the month's, a newer one (a day more) takes
its place, and the whole month's once it is over.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

from maillogs.store.clock import day_over
from maillogs.store.layout import UNKNOWN_DATE, PartFile, StorePath
from maillogs.store.read import add_counts
from maillogs.store.summaries import (
    DaySummary,
    day_summary,
    load,
    named_path,
    part_names,
    save,
    state_options,
)
from reports.builder import ReportBuilder
from reports.options import ReportOptions

Days = Mapping[str, list[PartFile]]  # the committed parts of each day, by YYYY-MM-DD


def month_of(date: str) -> str | None:
    """YYYY-MM of a stored day; None for the day of events without a time."""
    return None if date == UNKNOWN_DATE else date[:7]


def _bounds(month: str) -> tuple[datetime, datetime]:
    start = datetime.fromisoformat(f"{month}-01").replace(tzinfo=UTC)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following


def whole_month(month: str, since: datetime | None, until: datetime | None) -> bool:
    """Does the period hold all of the UTC month `month` (YYYY-MM)?"""
    start, end = _bounds(month)
    return (since is None or since <= start) and (until is None or end <= until)


def month_over(month: str, now: datetime, newest: str | None) -> bool:
    """Is the month over: its last day is, by the clock or as a later day has events."""
    _, end = _bounds(month)
    last_day = (end - timedelta(days=1)).date().isoformat()
    return day_over(last_day, now, newest)


def months_of(days: Days) -> dict[str, dict[str, list[PartFile]]]:
    """The days grouped by month, in order (the day of events without a time in none)."""
    months: dict[str, dict[str, list[PartFile]]] = {}
    for date in sorted(days):
        month = month_of(date)
        if month is not None:
            months.setdefault(month, {})[date] = days[date]
    return months


# Days of a month not over that are read as the month so far, at least: one is its
# own day summary.
SO_FAR_FROM = 2


def month_spans(
    days: Days, since: datetime | None, until: datetime | None, now: datetime, newest: str | None
) -> dict[str, dict[str, list[PartFile]]]:
    """Of each month that the period holds whole, the days read as one month summary:
    all of them once the month is over, else those over (by the clock `now`, or as a
    later day has events), if there are `SO_FAR_FROM`."""
    spans = {}
    for month, its_days in months_of(days).items():
        if not whole_month(month, since, until):
            continue
        if not month_over(month, now, newest):
            its_days = {
                date: parts for date, parts in its_days.items() if day_over(date, now, newest)
            }
            if len(its_days) < SO_FAR_FROM:
                continue
        spans[month] = its_days
    return spans


def month_names(days: Days) -> list[str]:
    """What a month summary is made of: each day's part names, under its date."""
    return [f"{date}/{name}" for date in sorted(days) for name in part_names(days[date])]


def month_path(store: StorePath, options: ReportOptions, month: str, names: list[str]) -> Path:
    return named_path(store, options, f"month={month}", names)


def summarised_month(store: StorePath, options: ReportOptions, month: str, days: Days) -> bool:
    return month_path(store, options, month, month_names(days)).exists()


def month_summary(store: StorePath, month: str, days: Days, options: ReportOptions) -> DaySummary:
    """The saved summary of `month` if it was made from exactly these `days` and parts,
    else one made now from their day summaries (and saved in place of older ones)."""
    names = month_names(days)
    path = month_path(store, options, month, names)
    found = load(path, names)
    if found is not None:
        return found
    # one month summed at a time: a report that makes a year's months reads two ahead,
    # and two months' states at once took it to 790 MiB
    with _SUMMING:
        builder = ReportBuilder(state_options(options), isolated=True)
        summary = DaySummary({})
        for date in sorted(days):
            day = day_summary(store, date, days[date], options)
            builder.load_state(day.state)
            add_counts(summary, day)
        summary.state = builder.dump_state()
        del builder
        save(path, summary, names)
    # read back, its big states packed until their sections rank them (a report that
    # makes a year's months would otherwise hold every month's unpacked)
    return load(path, names) or summary


_SUMMING = threading.Lock()


def summarise_months(
    store: StorePath, options: ReportOptions, days: Days, now: datetime, newest: str | None
) -> int:
    """Make the missing or stale summaries of the months that are over, and of the
    month so far (`month_spans`); how many."""
    made = 0
    for month, its_days in month_spans(days, None, None, now, newest).items():
        if not summarised_month(store, options, month, its_days):
            month_summary(store, month, its_days, options)
            made += 1
    return made
