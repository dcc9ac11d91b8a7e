"""--since/--until forms, closed ranges, time zones."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from maillogs.errors import UsageError
from maillogs.period import Period, period_label, resolve_period

ATHENS = ZoneInfo("Europe/Athens")
NOW = datetime(2026, 11, 25, 8, 30, tzinfo=UTC)  # Wednesday, 10:30 in Athens


def _at(*args: int, tz: ZoneInfo = ATHENS) -> datetime:
    return datetime(*args, tzinfo=tz)


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        ("yesterday", None, Period(_at(2026, 11, 24), _at(2026, 11, 25))),
        ("today", None, Period(_at(2026, 11, 25), None)),
        ("24h", None, Period(datetime(2026, 11, 24, 8, 30, tzinfo=UTC), None)),
        ("2w", None, Period(datetime(2026, 11, 11, 8, 30, tzinfo=UTC), None)),
        ("last-week", None, Period(_at(2026, 11, 16), _at(2026, 11, 23))),
        ("this-week", None, Period(_at(2026, 11, 23), None)),
        ("last-month", None, Period(_at(2026, 10, 1), _at(2026, 11, 1))),
        ("this-month", None, Period(_at(2026, 11, 1), None)),
        ("2026-10", None, Period(_at(2026, 10, 1), _at(2026, 11, 1))),
        ("2025", None, Period(_at(2025, 1, 1), _at(2026, 1, 1))),
        ("2026-11-01", "2026-11-24", Period(_at(2026, 11, 1), _at(2026, 11, 25))),
        ("2026-11-01 12:00", "today", Period(_at(2026, 11, 1, 12), _at(2026, 11, 26))),
        ("2026-11-01T00:00:00+00:00", None, Period(datetime(2026, 11, 1, tzinfo=UTC), None)),
        (None, "2026-11", Period(None, _at(2026, 12, 1))),
    ],
)
def test_forms(since: str | None, until: str | None, expected: Period) -> None:
    assert resolve_period(since, until, NOW, ATHENS) == expected


def test_last_month_in_january_is_december_of_the_year_before() -> None:
    january = datetime(2027, 1, 5, tzinfo=UTC)
    assert resolve_period("last-month", None, january, UTC) == Period(
        _at(2026, 12, 1, tz=UTC), _at(2027, 1, 1, tz=UTC)
    )


def test_week_across_summer_time_end_is_seven_local_days() -> None:
    period = resolve_period("last-week", None, datetime(2026, 10, 28, tzinfo=UTC), ATHENS)
    assert period.since is not None and period.until is not None
    assert (period.since.isoformat(), period.until.isoformat()) == (
        "2026-10-19T00:00:00+03:00",
        "2026-10-26T00:00:00+02:00",
    )


@pytest.mark.parametrize("bad", ["lastmonth", "2026-13", "7y", "tomorrow-ish"])
def test_bad_values_name_the_accepted_forms(bad: str) -> None:
    with pytest.raises(UsageError, match=r"accepted: .*last-month"):
        resolve_period(bad, None, NOW, ATHENS)


def test_since_must_come_before_until() -> None:
    with pytest.raises(UsageError, match="not before"):
        resolve_period("today", "yesterday", NOW, ATHENS)


def test_label() -> None:
    assert (
        period_label(Period(_at(2026, 11, 1), _at(2026, 12, 1)), ATHENS)
        == "2026-11-01 to 2026-11-30"
    )
