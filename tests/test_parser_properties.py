"""Whatever bytes come in, the parser neither raises nor loses a line."""

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers.envelope import LogFormat
from parsers.stream import EventParser
from parsers.timestamps import TimeContext

TIMES = TimeContext(tz="Europe/Athens", reference=datetime(2026, 11, 25, tzinfo=UTC))

# Pieces of real line shapes, so random input reaches deep into the rule tables.
FRAGMENTS = [
    "Nov 24 17:18:10 mx postfix/smtpd[388]: ",
    "Nov  4 01:02:03 mx postfix/smtp[1]: ",
    "Nov 24 17:18:10 mx policyd-spf[9]: : ",
    "2026-11-24T17:18:10.594919+00:00 mx postfix/cleanup[3]: ",
    "<22>1 2026-11-24T17:18:10.59Z mx postfix/qmgr 388 - - ",
    "connect from ",
    "disconnect from x[1.2.3.4] commands=",
    "4516420F32: ",
    "NOQUEUE: reject: RCPT from a[1.2.3.4]: 554 5.7.1 ",
    "; from=<",
    "> to=<",
    " proto=ESMTP helo=<",
    "to=<a@b>, relay=",
    "[::1]:25",
    "Trusted TLS connection established from ",
    ": TLSv1.3 with cipher X (256/256 bits)",
    "reject: header Subject: ",
    " from local;",
    "prepend Received-SPF: Pass (mailfrom) identity=mailfrom; client-ip=",
    "\x1b[31m",
    "\r",
    "\x00",
    "\xff",
    "é",
    "\n",
]

line_text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)), max_size=12).map(
    "".join
)


def _check(data: bytes, fmt: LogFormat) -> None:
    parser = EventParser()
    batch = parser.parse_chunk(data, fmt, TIMES)
    stats = parser.stats
    assert stats.lines == stats.events + stats.unparsed + stats.not_mail
    assert sum(frame.height for frame in batch.values()) == stats.events + stats.unparsed


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(line_text, min_size=1, max_size=30), st.sampled_from(list(LogFormat)))
def test_any_text_is_accounted_for(lines: list[str], fmt: LogFormat) -> None:
    _check("\n".join(lines).encode("utf-8", "surrogatepass"), fmt)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from(list(LogFormat)))
def test_any_bytes_are_accounted_for(data: bytes, fmt: LogFormat) -> None:
    _check(data, fmt)


def test_long_lines_and_control_bytes() -> None:
    long_line = b"Nov 24 17:18:10 mx postfix/smtpd[388]: connect from a[1.2.3.4]" + b"x" * 70000
    data = long_line + b"\r\n\x00\x1b[2J\n" + b"\xff\xfe bad utf8\n"
    parser = EventParser()
    parser.parse_chunk(data, LogFormat.CLASSIC, TIMES)
    assert parser.stats.lines == 3
    assert parser.stats.unparsed == 3
