"""The report period: --since and --until in the forms an administrator types.

`since` is inclusive, `until` exclusive. Named closed ranges (yesterday, last-week,
last-month, a month, a year) given as --since also set the end when --until is not
given: `--since yesterday` is yesterday only, which is what a daily cron mail wants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from maillogs.errors import UsageError

ACCEPTED = (
    "2026-11-24, '2026-11-24 17:00', 2026-11-24T17:00:00+02:00, today, yesterday, "
    "24h, 90m, 7d, 2w, this-week, last-week, this-month, last-month, 2026-11, 2026"
)

_RELATIVE = re.compile(r"^(\d+)([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass(frozen=True)
class Period:
    since: datetime | None  # inclusive, aware
    until: datetime | None  # exclusive, aware


@dataclass(frozen=True)
class _Range:
    start: datetime
    end: datetime | None  # the end a closed range implies; None: open-ended
    closed: bool  # a named range that, as --since, also sets --until


def _midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tz)


def _month_start(year: int, month: int, tz: tzinfo) -> datetime:
    return _midnight(date(year, month, 1), tz)


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _parse(value: str, now: datetime, tz: tzinfo) -> _Range:
    text = value.strip().lower()
    today = now.astimezone(tz).date()
    if text == "today":
        return _Range(_midnight(today, tz), _midnight(today + timedelta(days=1), tz), False)
    if text == "yesterday":
        return _Range(_midnight(today - timedelta(days=1), tz), _midnight(today, tz), True)
    if match := _RELATIVE.match(text):
        instant = now - timedelta(**{_UNITS[match[2]]: int(match[1])})
        return _Range(instant, instant, False)
    if text in ("this-week", "last-week"):
        monday = today - timedelta(days=today.weekday())
        if text == "last-week":
            monday -= timedelta(weeks=1)
        end = _midnight(monday + timedelta(weeks=1), tz)
        return _Range(_midnight(monday, tz), end, text == "last-week")
    if text in ("this-month", "last-month"):
        year, month = today.year, today.month
        if text == "last-month":
            year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        end = _month_start(*_next_month(year, month), tz)
        return _Range(_month_start(year, month, tz), end, text == "last-month")
    if match := re.fullmatch(r"(\d{4})-(\d{2})", text):
        year, month = int(match[1]), int(match[2])
        if 1 <= month <= 12:
            end = _month_start(*_next_month(year, month), tz)
            return _Range(_month_start(year, month, tz), end, True)
    if re.fullmatch(r"\d{4}", text):
        year = int(text)
        return _Range(_month_start(year, 1, tz), _month_start(year + 1, 1, tz), True)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        day = date.fromisoformat(text)
        return _Range(_midnight(day, tz), _midnight(day + timedelta(days=1), tz), False)
    try:
        instant = datetime.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"cannot read the time {value!r}; accepted: {ACCEPTED}") from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=tz)
    return _Range(instant, instant, False)


def resolve_period(since: str | None, until: str | None, now: datetime, tz: tzinfo) -> Period:
    """--since and --until → the half-open period [since, until)."""
    start_range = _parse(since, now, tz) if since else None
    end_range = _parse(until, now, tz) if until else None
    start = start_range.start if start_range else None
    if end_range is not None:
        end: datetime | None = end_range.end
    elif start_range is not None and start_range.closed:
        end = start_range.end
    else:
        end = None
    if start is not None and end is not None and start >= end:
        raise UsageError(f"--since {since!r} is not before --until {until or since!r}")
    return Period(start, end)


def period_label(period: Period, tz: tzinfo) -> str:
    """ "2026-11-01 to 2026-11-30" (the last day shown is the one before `until`)."""
    first = period.since.astimezone(tz).date().isoformat() if period.since else "start"
    if period.until is None:
        return f"{first} to now"
    last = (period.until.astimezone(tz) - timedelta(microseconds=1)).date().isoformat()
    return f"{first} to {last}"
