"""Each envelope format gives the same event; classic time stamps follow the written rule."""

import json
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.envelope import LogFormat, detect_format
from parsers.schema import EventKind
from parsers.stream import EventParser
from parsers.timestamps import TimeContext, classic_time_expr, classic_times

MESSAGE = "connect from mail.example.com[2001:db8::25]"
UTC_TIMES = TimeContext(tz="UTC", reference=datetime(2026, 11, 25, tzinfo=UTC))

ENVELOPES = {
    LogFormat.CLASSIC: f"Nov 24 17:18:10 mx postfix/smtpd[388]: {MESSAGE}",
    LogFormat.POSTLOG: f"Nov 24 17:18:10 mx postfix/smtpd[388]: {MESSAGE}",
    LogFormat.RFC3339: f"2026-11-24T17:18:10.000000+00:00 mx postfix/smtpd[388]: {MESSAGE}",
    LogFormat.RFC5424: f"<22>1 2026-11-24T17:18:10Z mx postfix/smtpd 388 - - {MESSAGE}",
    LogFormat.JOURNALD: json.dumps(
        {
            "__REALTIME_TIMESTAMP": "1795540690000000",
            "_HOSTNAME": "mx",
            "SYSLOG_IDENTIFIER": "postfix/smtpd",
            "_PID": "388",
            "MESSAGE": MESSAGE,
        }
    ),
}


def _connects(line: str, fmt: LogFormat, times: TimeContext = UTC_TIMES) -> pl.DataFrame:
    batch = EventParser().parse_chunk(line.encode() + b"\n", fmt, times)
    return batch[EventKind.CONNECT]


@pytest.mark.parametrize("fmt", list(LogFormat))
def test_every_envelope_gives_the_same_event(fmt: LogFormat) -> None:
    row = _connects(ENVELOPES[fmt], fmt).row(0, named=True)
    assert row["time"] == datetime(2026, 11, 24, 17, 18, 10, tzinfo=UTC)
    assert (row["host"], row["program"], row["pid"]) == ("mx", "postfix/smtpd", 388)
    assert (row["client_host"], row["client_ip"], row["ip_family"]) == (
        "mail.example.com",
        "2001:db8::25",
        "ipv6",
    )


@pytest.mark.parametrize("fmt", [f for f in LogFormat if f is not LogFormat.POSTLOG])
def test_format_is_detected(fmt: LogFormat) -> None:
    assert detect_format(["", ENVELOPES[fmt]]) is fmt


def test_rfc5424_structured_data_and_bom() -> None:
    line = (
        f'<22>1 2026-11-24T17:18:10.59+02:00 mx postfix/smtpd 388 - [a@1 x="\\]"] \ufeff{MESSAGE}'
    )
    row = _connects(line, LogFormat.RFC5424).row(0, named=True)
    assert row["time"] == datetime(2026, 11, 24, 15, 18, 10, 590000, tzinfo=UTC)


def test_multi_instance_and_submission_syslog_names() -> None:
    lines = "\n".join(
        f"Nov 24 17:18:10 mx {program}[1]: {MESSAGE}"
        for program in ("postfix-sink/smtpd", "postfix/submission/smtpd", "postfix-out/smtpd")
    )
    batch = EventParser().parse_chunk(lines.encode(), LogFormat.CLASSIC, UTC_TIMES)
    assert batch[EventKind.CONNECT].get_column("program").to_list() == [
        "postfix-sink/smtpd",
        "postfix/submission/smtpd",
        "postfix-out/smtpd",
    ]


def test_other_programs_are_not_mail() -> None:
    parser = EventParser()
    parser.parse_chunk(
        b"Nov 24 17:18:10 mx CRON[5]: (root) CMD (true)\n", LogFormat.CLASSIC, UTC_TIMES
    )
    assert (parser.stats.not_mail, parser.stats.unparsed, parser.stats.events) == (1, 0, 0)


def _year_of(stamp: str, times: TimeContext) -> datetime:
    value = _connects(f"{stamp} mx postfix/smtpd[1]: {MESSAGE}", LogFormat.CLASSIC, times)
    result = value.get_column("time").item()
    assert isinstance(result, datetime)
    return result


def test_new_year_rollover_takes_december_from_the_year_before() -> None:
    january_mtime = TimeContext(tz="UTC", reference=datetime(2027, 1, 2, 3, 0, tzinfo=UTC))
    assert _year_of("Dec 31 23:59:59", january_mtime).year == 2026
    assert _year_of("Jan  1 00:00:01", january_mtime).year == 2027
    assert _year_of("Jan  2 03:00:00", january_mtime).year == 2027
    # The rule looks at the second, though times are worked out once per minute.
    mid_minute = TimeContext(tz="UTC", reference=datetime(2027, 1, 1, 0, 0, 30, tzinfo=UTC))
    assert _year_of("Jan  2 00:00:15", mid_minute).year == 2027
    assert _year_of("Jan  2 00:00:45", mid_minute).year == 2026


def test_year_override_wins() -> None:
    fixed = TimeContext(tz="UTC", reference=datetime(2027, 1, 2, tzinfo=UTC), year=2024)
    assert _year_of("Dec 31 23:59:59", fixed).year == 2024
    assert _year_of("Feb 29 12:00:00", fixed) == datetime(2024, 2, 29, 12, tzinfo=UTC)


def test_local_time_zone_and_summer_time_edges() -> None:
    athens = TimeContext(tz="Europe/Athens", reference=datetime(2026, 11, 25, tzinfo=UTC))
    assert _year_of("Nov 24 17:18:10", athens) == datetime(2026, 11, 24, 15, 18, 10, tzinfo=UTC)
    # 03:30 happens twice on 2026-10-25 in Athens: the earlier (summer time) instant.
    assert _year_of("Oct 25 03:30:00", athens) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    # 03:30 never happens on 2026-03-29: read as 04:30 summer time.
    assert _year_of("Mar 29 03:30:00", athens) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


_ZONES = ("UTC", "Europe/Athens", "America/St_Johns", "Australia/Lord_Howe", "Asia/Kathmandu")


@st.composite
def _stamp_runs(draw: st.DrawFn) -> list[str]:
    """Classic stamps as a log has them: in order, minutes shared by several lines, around
    summer-time changes, New Year and Feb 29, with the odd leap or broken second."""
    start = draw(
        st.sampled_from(
            [
                datetime(2026, 3, 29, 0, 55),
                datetime(2026, 10, 25, 2, 55),
                datetime(2026, 4, 5, 1, 28),  # Lord Howe's half-hour change
                datetime(2026, 12, 31, 23, 58),
                datetime(2028, 2, 28, 23, 58),
                datetime(2027, 1, 1, 2, 58),
            ]
        )
    )
    steps = draw(st.lists(st.integers(0, 50), min_size=1, max_size=60))
    stamps, moment = [], start
    for step in steps:
        moment += timedelta(seconds=step)
        stamps.append(moment.strftime("%b %e %H:%M:%S"))
    odd = draw(
        st.lists(st.tuples(st.integers(0, len(stamps) - 1), st.sampled_from(["60", "61", "9x"])))
    )
    for index, second in odd:
        stamps[index] = stamps[index][:13] + second
    return stamps


@settings(max_examples=200, deadline=None)
@given(
    stamps=_stamp_runs(),
    zone=st.sampled_from(_ZONES),
    reference=st.datetimes(datetime(2026, 3, 1), datetime(2028, 3, 1), timezones=st.just(UTC)),
    year=st.sampled_from([None, 2026, 2028]),
)
def test_times_per_minute_equal_times_per_line(
    stamps: list[str], zone: str, reference: datetime, year: int | None
) -> None:
    times = TimeContext(tz=zone, reference=reference, year=year)
    series = pl.Series("stamp", stamps)
    per_line = pl.select(classic_time_expr(pl.lit(series), times)).to_series()
    assert classic_times(series, times).to_list() == per_line.to_list()
