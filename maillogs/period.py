"""The report period: --since and --until in the forms an administrator types.

`since` is inclusive, `until` exclusive. A value names a span of time; as --since it
means the span's start, as --until its end (`--until 2026-11-24` includes that day).
Named closed spans (yesterday, last-week, last-month, a month, a year) given as
--since also set the end when --until is not given: `--since yesterday` is yesterday
only, which is what a daily cron mail wants. Everything else given as --since is
open-ended.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from maillogs.errors import UsageError

ACCEPTED = (
    "2026-11-24, '2026-11-24 17:00[:00]', 2026-11-24T17:00+02:00, today, yesterday, "
    "24h, 90m, 7d, 2w, this-week, last-week, this-month, last-month, 2026-11, 2026"
)

LABEL_SEPARATOR = " \u2013 "  # an en dash between the bounds in period_label

_RELATIVE = re.compile(r"(\d{1,9})([mhdw])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_YEAR = re.compile(r"\d{4}")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:z|[+-]\d{2}:?\d{2})?"
)


@dataclass(frozen=True)
class Period:
    # In UTC: datetimes sharing a ZoneInfo compare and subtract by wall clock, which
    # is wrong across a DST change.
    since: datetime | None  # inclusive, aware
    until: datetime | None  # exclusive, aware


@dataclass(frozen=True)
class _Span:
    start: datetime
    end: datetime  # exclusive; equal to start for an instant
    closed: bool  # as --since, also sets --until


def _midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tz)


def _days(first: date, after_last: date, tz: tzinfo, closed: bool) -> _Span:
    return _Span(_midnight(first, tz), _midnight(after_last, tz), closed)


def _month(year: int, month: int, tz: tzinfo, closed: bool) -> _Span:
    after = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return _days(date(year, month, 1), after, tz, closed)


def _instant(moment: datetime) -> _Span:
    return _Span(moment, moment, closed=False)


def _span(value: str, now: datetime, tz: tzinfo) -> _Span:
    """The span `value` names; ValueError or OverflowError when it names none."""
    text = value.strip().lower()
    today = now.astimezone(tz).date()
    if text == "today":
        return _days(today, today + timedelta(days=1), tz, closed=False)
    if text == "yesterday":
        return _days(today - timedelta(days=1), today, tz, closed=True)
    if text in ("this-week", "last-week"):
        monday = today - timedelta(days=today.weekday())
        if text == "last-week":
            return _days(monday - timedelta(weeks=1), monday, tz, closed=True)
        return _days(monday, monday + timedelta(weeks=1), tz, closed=False)
    if text == "this-month":
        return _month(today.year, today.month, tz, closed=False)
    if text == "last-month":
        if today.month == 1:
            return _month(today.year - 1, 12, tz, closed=True)
        return _month(today.year, today.month - 1, tz, closed=True)
    if relative := _RELATIVE.fullmatch(text):
        amount, unit = int(relative[1]), relative[2]
        return _instant(now - timedelta(**{_UNITS[unit]: amount}))
    if _YEAR.fullmatch(text):
        year = int(text)
        return _days(date(year, 1, 1), date(year + 1, 1, 1), tz, closed=True)
    if month := _MONTH.fullmatch(text):
        return _month(int(month[1]), int(month[2]), tz, closed=True)
    if _DATE.fullmatch(text):
        day = date.fromisoformat(text)
        return _days(day, day + timedelta(days=1), tz, closed=False)
    if _DATETIME.fullmatch(text):
        moment = datetime.fromisoformat(value.strip().upper().replace(" ", "T"))
        return _instant(moment if moment.tzinfo else moment.replace(tzinfo=tz))
    raise ValueError(value)


def _parse(option: str, value: str, now: datetime, tz: tzinfo) -> _Span:
    try:
        return _span(value, now, tz)
    except (ValueError, OverflowError):
        raise UsageError(f"{option} {value!r}: not a time; accepted: {ACCEPTED}") from None


def resolve_period(since: str | None, until: str | None, now: datetime, tz: tzinfo) -> Period:
    """--since and --until (None: not given) → the half-open period [since, until).

    `now` must be aware; dates and naive date-times are read in `tz`. The bounds
    come back in UTC.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    start = _parse("--since", since, now, tz) if since is not None else None
    end = _parse("--until", until, now, tz) if until is not None else None
    first = start.start.astimezone(UTC) if start else None
    if end is not None:
        after: datetime | None = end.end.astimezone(UTC)
    elif start is not None and start.closed:
        after = start.end.astimezone(UTC)
    else:
        after = None
    if first is not None and after is not None and first >= after:
        raise UsageError(
            f"--since {since!r} ({first.astimezone(tz).isoformat()}) is not before "
            f"--until {(until if until is not None else since)!r} "
            f"({after.astimezone(tz).isoformat()})"
        )
    return Period(first, after)


def _is_midnight(moment: datetime) -> bool:
    return moment.time() == time(0)


def _moment(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S" if moment.second else "%Y-%m-%d %H:%M")


def period_label(period: Period, tz: tzinfo) -> str:
    """The period for a report header, in `tz`: "2026-11-01 \u2013 2026-11-30" (en dash).

    Whole days show as dates, the last one inclusive; other bounds show the time.
    """
    since = period.since.astimezone(tz) if period.since else None
    until = period.until.astimezone(tz) if period.until else None
    if since is None and until is None:
        return "all logs"
    first = "start of logs"
    if since is not None:
        first = since.date().isoformat() if _is_midnight(since) else _moment(since)
    last = "end of logs"
    if until is not None:
        whole_days = _is_midnight(until) and (since is None or _is_midnight(since))
        last = (until.date() - timedelta(days=1)).isoformat() if whole_days else _moment(until)
    return first if first == last else f"{first}{LABEL_SEPARATOR}{last}"
