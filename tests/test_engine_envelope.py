"""The Rust envelope gives exactly the frame the Polars envelope gave.

Differential tests against tests/polars_envelope.py (the Polars envelope as last
shipped, every line through its full regular expressions): on sample_logs, on every
corpus line written in each of the five formats, and on hypothesis-made lines and
chunks rich in the characters the heads turn on (Unicode digits and spaces, brackets,
colons, odd stamps, broken JSON, invalid UTF-8), mutated real lines and arbitrary bytes.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from parsers import _engine
from parsers.envelope import EngineError, LogFormat, read_envelope
from parsers.timestamps import TimeContext
from tests.polars_envelope import lines_frame, regex_envelope, split_envelope

ROOT = Path(__file__).parents[1]
TIMES = TimeContext(tz="Europe/Athens", reference=datetime(2026, 12, 1, tzinfo=UTC))
NO_YEAR = TimeContext(tz="UTC", reference=datetime(2027, 1, 1, 0, 0, 30, tzinfo=UTC))


def assert_same(chunk: bytes, fmt: LogFormat, times: TimeContext = TIMES) -> None:
    expected = regex_envelope(lines_frame(chunk), fmt, times)
    assert_frame_equal(read_envelope(chunk, fmt, times), expected)


def _read(path: Path) -> bytes:
    return gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()


@pytest.mark.parametrize(
    ("folder", "fmt"), [("classic", LogFormat.CLASSIC), ("rfc3339", LogFormat.RFC3339)]
)
def test_sample_logs(folder: str, fmt: LogFormat) -> None:
    for path in sorted((ROOT / "sample_logs" / folder).iterdir()):
        assert_same(_read(path), fmt)


@cache
def _corpus() -> list[str]:
    lines = []
    for path in sorted((ROOT / "tests" / "corpus").glob("*.jsonl")):
        lines.extend(json.loads(row)["line"] for row in path.read_text().splitlines() if row)
    return lines


def _as_format(line: str, fmt: LogFormat, n: int) -> str:
    """A classic line written in another envelope format (its head split by the Polars
    envelope itself, so lines without a head are passed on as they are)."""
    head = split_envelope(pl.DataFrame({"line": [line]}), LogFormat.CLASSIC, TIMES).row(
        0, named=True
    )
    if head["program"] is None or fmt in (LogFormat.CLASSIC, LogFormat.POSTLOG):
        return line
    stamp = f"2026-11-{1 + n % 28:02}T{n % 24:02}:{n % 60:02}:{n % 59:02}.{n:06}+02:00"
    pid = head["pid"]
    if fmt is LogFormat.RFC3339:
        tag = head["program"] + (f"[{pid}]" if pid is not None else "")
        return f"{stamp} {head['host']} {tag}: {head['message']}"
    if fmt is LogFormat.RFC5424:
        return f"<22>1 {stamp} {head['host']} {head['program']} {pid or '-'} - - {head['message']}"
    record = {
        "__REALTIME_TIMESTAMP": str(1_795_540_690_000_000 + n),
        "_HOSTNAME": head["host"],
        "SYSLOG_IDENTIFIER": head["program"],
        "_PID": str(pid),
        "MESSAGE": head["message"],
    }
    return json.dumps(record, ensure_ascii=n % 2 == 0)


@pytest.mark.parametrize("fmt", list(LogFormat))
def test_corpus_in_every_format(fmt: LogFormat) -> None:
    lines = [_as_format(line, fmt, n) for n, line in enumerate(_corpus())]
    assert_same("\n".join(lines).encode(), fmt)


# Characters the heads turn on: Unicode digits (Arabic-Indic, Devanagari, fullwidth),
# Unicode spaces, the BOM, brackets, colons, quotes and backslashes.
_TRICKY = '0123456789 :[]<>-+.TZ"\\{},\t\r\u0663\u0967\uff15\u00a0\u3000\u2028\ufeff\u00e9x'
_text = st.text(alphabet=st.sampled_from(_TRICKY) | st.characters(codec="utf-8"), max_size=12)


@st.composite
def _classic_line(draw: st.DrawFn) -> str:
    month = draw(st.sampled_from(["Nov", "Feb", "Xyz", "nov", "NOV"]))
    day = draw(st.sampled_from(["24", " 8", "8", "29", "31", "4\u0663", "\u0663", "00", "  8"]))
    clock = draw(st.sampled_from(["17:18:10", "23:59:60", "00:00:61", "1\u0663:18:10", "9x"]))
    sep = draw(st.sampled_from([" ", "  ", " ", "\t"]))
    return f"{month} {day} {clock}{sep}{draw(_tag())}{draw(_text)}"


@st.composite
def _iso_line(draw: st.DrawFn) -> str:
    date = draw(st.sampled_from(["2026-11-24", "2026-02-29", "2024-02-29", "0000-01-01"]))
    clock = draw(st.sampled_from(["17:18:10", "23:59:60", "24:00:00", "1\u0663:18:10"]))
    fraction = draw(st.sampled_from(["", ".5", ".1234567891", ".", ".\u0663"]))
    zone = draw(st.sampled_from(["Z", "z", "+00:00", "+0530", "-23:59", "+2400", "+05:60", ""]))
    return f"{date}T{clock}{fraction}{zone} {draw(_tag())}{draw(_text)}"


@st.composite
def _tag(draw: st.DrawFn) -> str:
    host = draw(st.sampled_from(["mx", "mx.example.org", "h\u00e9", "", "a\u3000b"]))
    program = draw(st.sampled_from(["postfix/smtpd", "a:b", "p[", "x", "", "postfix-out/qmgr"]))
    pid = draw(st.sampled_from(["[388]", "[]", "[\u0663]", "[99999999999999999999]", "", "[x]"]))
    colon = draw(st.sampled_from([": ", ":", " : ", ": : "]))
    return f"{host} {program}{pid}{colon}"


@st.composite
def _rfc5424_line(draw: st.DrawFn) -> str:
    priority = draw(st.sampled_from(["<22>", "<1234>", "<\u0663>", "<>", "22>"]))
    stamp = draw(st.sampled_from(["2026-11-24T17:18:10.59+02:00", "-", "2026-11-24T17:18:60Z"]))
    pid = draw(st.sampled_from(["388", "-", "+5", "-5", "\u0663", "99999999999999999999"]))
    sd = draw(st.sampled_from(["-", '[a@1 x="\\]"]', "[a][b]", "[open", "[a\\", "-x", "[]"]))
    tail = draw(st.sampled_from(["", " ", " \ufeff", "\ufeff", "  "]))
    return f"{priority}1 {stamp} mx postfix/smtpd {pid} - {sd}{tail}{draw(_text)}"


_json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=5,
)


@st.composite
def _journald_line(draw: st.DrawFn) -> str:
    keys = ["__REALTIME_TIMESTAMP", "_HOSTNAME", "SYSLOG_IDENTIFIER", "SYSLOG_PID", "_PID"]
    keys += ["MESSAGE", "OTHER"]
    values = st.sampled_from(["1795540690000000", "+5", "-1", "x", "388", ""]) | _json_value
    members = [
        f"{json.dumps(key, ensure_ascii=draw(st.booleans()))}:{json.dumps(draw(values))}"
        for key in draw(st.lists(st.sampled_from(keys), max_size=8))
    ]
    text = "{" + ",".join(members) + "}"
    return draw(st.sampled_from([text, text[:-1], " " + text + " ", text + "x", "[1]", "{}"]))


_LINES = {
    LogFormat.CLASSIC: _classic_line(),
    LogFormat.RFC3339: _iso_line(),
    LogFormat.RFC5424: _rfc5424_line(),
    LogFormat.JOURNALD: _journald_line(),
}


@pytest.mark.parametrize("fmt", list(_LINES))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_lines(fmt: LogFormat, data: st.DataObject) -> None:
    lines = data.draw(st.lists(_LINES[fmt] | _text, min_size=1, max_size=20))
    ending = data.draw(st.sampled_from(["\n", "\r\n"]))
    chunk = ending.join(lines).encode()
    assert_same(chunk, fmt, data.draw(st.sampled_from([TIMES, NO_YEAR])))


@pytest.mark.parametrize("fmt", [LogFormat.CLASSIC, LogFormat.JOURNALD])
@settings(max_examples=200, deadline=None)
@given(chunk=st.binary(max_size=300))
def test_arbitrary_bytes(fmt: LogFormat, chunk: bytes) -> None:
    # Invalid UTF-8, NULs and bare CRs: the same lines, replaced the same way.
    assert_same(chunk, fmt)


@cache
def _sample_lines() -> list[bytes]:
    return _read(ROOT / "sample_logs" / "classic" / "maillog").splitlines()[:2000]


@pytest.mark.parametrize("fmt", [LogFormat.CLASSIC, LogFormat.RFC5424])
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_mutated_real_lines(fmt: LogFormat, data: st.DataObject) -> None:
    line = bytearray(data.draw(st.sampled_from(_sample_lines())))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(line)))
        piece = data.draw(st.binary(max_size=3) | st.sampled_from([b"[", b": ", b"\xff", b"\r"]))
        cut = data.draw(st.integers(0, 3))
        line[at : at + cut] = piece
    assert_same(bytes(line), fmt)


def test_a_host_ending_in_a_colon_keeps_its_program_and_pid() -> None:
    line = b"Nov 24 06:02:25 : postfix/smtpd[547]: disconnect from unknown[127.0.3.61]"
    row = read_envelope(line, LogFormat.CLASSIC, TIMES).row(0, named=True)
    assert (row["host"], row["program"], row["pid"]) == (":", "postfix/smtpd", 547)
    assert row["message"] == "disconnect from unknown[127.0.3.61]"
    # The old Polars fast path lost them (tests/polars_envelope.py says why).
    old = split_envelope(lines_frame(line), LogFormat.CLASSIC, TIMES).row(0, named=True)
    assert (old["pid"], old["message"]) == (None, "postfix/smtpd[547]: " + row["message"])


def test_a_panic_becomes_an_exception_naming_the_input_and_offset() -> None:
    assert issubclass(EngineError, Exception)
    with pytest.raises(
        EngineError, match=r"^mail\.log: the parsing engine failed at byte 107: probe"
    ):
        _engine._panic_probe("mail.log", 100)


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown log format"):
        _engine.split_envelope(b"x\n", "syslog-ng")


def test_string_views_and_plain_strings_are_the_same_frame() -> None:
    chunk = b"\n".join(_sample_lines())
    views = pl.DataFrame(_engine.split_envelope(chunk, "classic"))
    plain = pl.DataFrame(_engine.split_envelope(chunk, "classic", strings="plain"))
    assert views.height == len(_engine.split_envelope(chunk, "classic")) == 2000
    assert_frame_equal(views, plain)
