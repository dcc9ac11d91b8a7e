"""--since/--until forms, closed ranges, time zones, DST, labels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maillogs.errors import UsageError
from maillogs.period import Period, period_label, resolve_period

ATHENS = ZoneInfo("Europe/Athens")
NOW = datetime(2026, 11, 25, 8, 30, tzinfo=UTC)  # Wednesday, 10:30 in Athens

FORMS = [
    "today", "yesterday", "24h", "90m", "7d", "2w", "this-week", "last-week", "this-month",
    "last-month", "2026-11", "2026", "2026-11-24", "2026-11-24T17:00", "2026-11-24 17:00:00",
    "2026-11-24T17:00+02:00",
]  # fmt: skip


def _at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0,
    tz: tzinfo = ATHENS,
) -> datetime:  # fmt: skip
    return datetime(year, month, day, hour, minute, second, tzinfo=tz)


def _utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return _at(year, month, day, hour, minute, second, tz=UTC)


def _local(moment: datetime | None) -> str | None:
    return moment.astimezone(ATHENS).isoformat() if moment else None


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        # closed spans as --since set both bounds
        ("yesterday", None, Period(_at(2026, 11, 24), _at(2026, 11, 25))),
        ("last-week", None, Period(_at(2026, 11, 16), _at(2026, 11, 23))),
        ("last-month", None, Period(_at(2026, 10, 1), _at(2026, 11, 1))),
        ("2026-10", None, Period(_at(2026, 10, 1), _at(2026, 11, 1))),
        ("2025", None, Period(_at(2025, 1, 1), _at(2026, 1, 1))),
        # the rest is open-ended
        ("today", None, Period(_at(2026, 11, 25), None)),
        ("this-week", None, Period(_at(2026, 11, 23), None)),
        ("this-month", None, Period(_at(2026, 11, 1), None)),
        ("24h", None, Period(_utc(2026, 11, 24, 8, 30), None)),
        ("90m", None, Period(_utc(2026, 11, 25, 7), None)),
        ("7d", None, Period(_utc(2026, 11, 18, 8, 30), None)),
        ("2w", None, Period(_utc(2026, 11, 11, 8, 30), None)),
        ("2026-11-24", None, Period(_at(2026, 11, 24), None)),
        ("2026-11-24T17:00", None, Period(_at(2026, 11, 24, 17), None)),
        ("2026-11-24 17:00:05", None, Period(_at(2026, 11, 24, 17, 0, 5), None)),
        ("2026-11-24t17:00z", None, Period(_utc(2026, 11, 24, 17), None)),
        ("2026-11-01T00:00:00+00:00", None, Period(_utc(2026, 11, 1), None)),
        ("2026-11-24T17:00+0100", None, Period(_utc(2026, 11, 24, 16), None)),
        ("  Yesterday ", None, Period(_at(2026, 11, 24), _at(2026, 11, 25))),
        # --until names an end
        (None, "2026-11-24", Period(None, _at(2026, 11, 25))),
        (None, "2026-11", Period(None, _at(2026, 12, 1))),
        (None, "2025", Period(None, _at(2026, 1, 1))),
        (None, "today", Period(None, _at(2026, 11, 26))),
        (None, "yesterday", Period(None, _at(2026, 11, 25))),
        (None, "24h", Period(None, _utc(2026, 11, 24, 8, 30))),
        (None, "last-week", Period(None, _at(2026, 11, 23))),
        (None, "this-week", Period(None, _at(2026, 11, 30))),
        (None, "last-month", Period(None, _at(2026, 11, 1))),
        (None, "this-month", Period(None, _at(2026, 12, 1))),
        (None, "2026-11-24T17:00", Period(None, _at(2026, 11, 24, 17))),
        # both
        ("2026-11-01", "2026-11-24", Period(_at(2026, 11, 1), _at(2026, 11, 25))),
        ("2026-11-01 12:00", "today", Period(_at(2026, 11, 1, 12), _at(2026, 11, 26))),
        ("last-month", "2026-10-15", Period(_at(2026, 10, 1), _at(2026, 10, 16))),
        ("7d", "1d", Period(_utc(2026, 11, 18, 8, 30), _utc(2026, 11, 24, 8, 30))),
        ("2026", "2026-11", Period(_at(2026, 1, 1), _at(2026, 12, 1))),
        (None, None, Period(None, None)),
    ],
)
def test_forms(since: str | None, until: str | None, expected: Period) -> None:
    period = resolve_period(since, until, NOW, ATHENS)
    assert period == expected
    assert all(bound is None or bound.tzinfo is UTC for bound in (period.since, period.until))


def test_today_is_the_day_in_the_report_zone_not_in_utc() -> None:
    now = _utc(2026, 11, 30, 22, 30)  # already 1 December in Athens
    assert resolve_period("today", None, now, ATHENS) == Period(_at(2026, 12, 1), None)
    assert resolve_period("this-month", None, now, ATHENS) == Period(_at(2026, 12, 1), None)
    assert resolve_period("last-month", None, now, ATHENS) == Period(
        _at(2026, 11, 1), _at(2026, 12, 1)
    )
    assert resolve_period("today", None, now, UTC) == Period(_utc(2026, 11, 30), None)


@pytest.mark.parametrize("tz", [UTC, ATHENS])
def test_last_month_in_january_is_december_of_the_year_before(tz: tzinfo) -> None:
    january = _at(2027, 1, 5, 12, tz=tz)
    assert resolve_period("last-month", None, january, tz) == Period(
        _at(2026, 12, 1, tz=tz), _at(2027, 1, 1, tz=tz)
    )
    assert resolve_period(None, "last-month", january, tz) == Period(None, _at(2027, 1, 1, tz=tz))


def test_december_as_a_month_ends_at_new_year() -> None:
    assert resolve_period("2026-12", None, NOW, UTC) == Period(_utc(2026, 12, 1), _utc(2027, 1, 1))


def test_last_week_across_new_year() -> None:
    now = _utc(2027, 1, 6, 12)  # Wednesday
    assert resolve_period("last-week", None, now, UTC) == Period(
        _utc(2026, 12, 28), _utc(2027, 1, 4)
    )


def test_week_across_summer_time_end_is_seven_local_days() -> None:
    period = resolve_period("last-week", None, _utc(2026, 10, 28), ATHENS)
    assert period.since is not None and period.until is not None
    assert (_local(period.since), _local(period.until)) == (
        "2026-10-19T00:00:00+03:00",
        "2026-10-26T00:00:00+02:00",
    )
    assert period.until - period.since == timedelta(days=7, hours=1)  # a 169-hour week


def test_week_across_summer_time_start_is_seven_local_days() -> None:
    period = resolve_period("this-week", "this-week", _utc(2027, 3, 31, 12), ATHENS)
    assert period.since is not None and period.until is not None
    assert (_local(period.since), _local(period.until)) == (
        "2027-03-29T00:00:00+03:00",
        "2027-04-05T00:00:00+03:00",
    )
    last = resolve_period("last-week", None, _utc(2027, 3, 31, 12), ATHENS)
    assert last.since is not None and last.until is not None
    assert _local(last.since) == "2027-03-22T00:00:00+02:00"  # still winter time
    assert last.until - last.since == timedelta(days=7, hours=-1)  # a 167-hour week


def test_relative_forms_count_elapsed_time_across_dst() -> None:
    now = _utc(2026, 10, 25, 12)  # Athens fell back at 04:00 local this morning
    assert resolve_period("24h", None, now, ATHENS).since == _utc(2026, 10, 24, 12)


def test_a_date_time_with_an_offset_ignores_the_report_zone() -> None:
    assert resolve_period("2026-11-24T17:00+02:00", None, NOW, UTC) == Period(
        _utc(2026, 11, 24, 15), None
    )


@pytest.mark.parametrize(
    "bad",
    [
        "", "lastmonth", "2026-13", "2026-00", "2026-02-30", "7y", "tomorrow-ish", "-7d",
        "999999999w", "99999999999d", "0000", "9999", "2026-11-24T25:00", "24 h", "20261124",
    ],
)  # fmt: skip
def test_bad_values_name_the_option_value_and_accepted_forms(bad: str) -> None:
    for option, since, until in (("--since", bad, None), ("--until", None, bad)):
        with pytest.raises(UsageError) as caught:
            resolve_period(since, until, NOW, ATHENS)
        message = str(caught.value)
        assert message.startswith(f"{option} {bad!r}: not a time; accepted: ")
        assert all(form in message for form in ("2026-11-24", "7d", "last-month", "2026-11"))
        assert "\n" not in message


@pytest.mark.parametrize(
    ("since", "until"),
    [("today", "yesterday"), ("2026-11-24T17:00", "2026-11-24T17:00"), ("1h", "2h")],
)
def test_since_must_come_before_until(since: str, until: str) -> None:
    with pytest.raises(UsageError, match=rf"--since '{since}' \(.*\) is not before --until"):
        resolve_period(since, until, NOW, ATHENS)


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        resolve_period("today", None, datetime(2026, 11, 25), ATHENS)


@given(st.sampled_from(FORMS), st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1)))
def test_every_form_gives_aware_ordered_bounds(form: str, naive_now: datetime) -> None:
    now = naive_now.replace(tzinfo=UTC)
    period = resolve_period(form, None, now, ATHENS)
    assert period.since is not None and period.since.tzinfo is not None
    if period.until is not None:
        assert period.since < period.until
    until_only = resolve_period(None, form, now, ATHENS)
    assert until_only.until is not None and until_only.until.tzinfo is not None


@pytest.mark.parametrize(
    ("period", "label"),
    [
        (Period(_at(2026, 11, 1), _at(2026, 12, 1)), "2026-11-01 \u2013 2026-11-30"),
        (Period(_at(2026, 11, 24), _at(2026, 11, 25)), "2026-11-24"),
        (Period(_at(2026, 11, 24), None), "2026-11-24 \u2013 end of logs"),
        (Period(None, _at(2026, 12, 1)), "start of logs \u2013 2026-11-30"),
        (Period(None, None), "all logs"),
        (
            Period(_utc(2026, 11, 24, 8, 30), _utc(2026, 11, 25, 8, 30, 15)),
            "2026-11-24 10:30 \u2013 2026-11-25 10:30:15",
        ),
        (Period(_at(2026, 11, 24), _at(2026, 11, 24, 17)), "2026-11-24 \u2013 2026-11-24 17:00"),
    ],
)
def test_label(period: Period, label: str) -> None:
    assert period_label(period, ATHENS) == label


def test_label_is_in_the_zone_asked_for() -> None:
    period = resolve_period("2026-11", None, NOW, ATHENS)
    assert period_label(period, ATHENS) == "2026-11-01 \u2013 2026-11-30"
    assert period_label(period, UTC) == "2026-10-31 22:00 \u2013 2026-11-30 22:00"
