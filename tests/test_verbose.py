"""Verbose output is a `debug` event: never unparsed, counted per program, and in no
report section but the parse one."""

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from parsers.daemons.verbose import _formats
from parsers.envelope import LogFormat
from parsers.schema import EventKind
from parsers.stream import EventParser
from parsers.timestamps import TimeContext

TIMES = TimeContext(tz="UTC", reference=datetime(2026, 11, 25, tzinfo=UTC))
SAMPLE = Path(__file__).parents[1] / "sample_logs" / "classic" / "maillog"

# One line per shape family, as Postfix 3.x writes them under -v / debug_peer_list.
VERBOSE = [
    ("smtpd", "< unknown[192.0.2.7]: EHLO client.example.net"),
    ("smtpd", "> unknown[192.0.2.7]: 250-mx.example.org"),
    ("smtpd", ">>> START Client host RESTRICTIONS <<<"),
    ("smtpd", "match_list_match: unknown: no match"),
    ("smtpd", "match_hostname: smtpd_client_event_limit_exceptions: unknown ~? 127.0.0.0/8"),
    ("smtpd", "smtpd_check_addr: addr=bob@example.org"),
    ("smtpd", "ctable_locate: leave existing entry key bob@example.org"),
    ("smtpd", "watchdog_pat: 0x5612a0e3c1e0"),
    ("smtpd", "dict_eval: const  example.org"),
    ("smtpd", "connection established"),
    ("smtpd", "connect to subsystem private/rewrite"),
    ("smtpd", "send attr request = rewrite"),
    ("smtpd", "private/rewrite: wanted attribute: flags"),
    ("smtpd", "input attribute name: flags"),
    ("smtpd", "input attribute value: 0"),
    ("smtpd", "event_enable_read: fd 12"),
    ("smtpd", "unknown_address_tempfail_action = defer_if_permit"),
    ("smtp", "< mx.example.net[192.0.2.25]:25: 250 2.0.0 Ok"),
    ("smtp", "begin MX address list"),
    ("local", "level: 0"),
    ("local", "sender: alice@example.com"),
    ("master", "====start service entry"),
    ("qmgr", "qmgr_message_sort: bob@example.org"),
]


@pytest.mark.parametrize(("daemon", "message"), VERBOSE)
def test_verbose_shapes_are_debug_events(daemon: str, message: str) -> None:
    line = f"Nov 25 10:00:00 mx postfix/{daemon}[7]: {message}\n".encode()
    parser = EventParser()
    batch = parser.parse_chunk(line, LogFormat.CLASSIC, TIMES)
    assert [kind for kind, frame in batch.items() if frame.height] == [EventKind.DEBUG]
    assert batch[EventKind.DEBUG].item(0, "text") == message
    assert parser.stats.debug_by_program == {f"postfix/{daemon}": 1}


def test_the_source_formats_are_read() -> None:
    names, others = _formats()
    assert {"match_list_match", "smtpd_check_addr", "watchdog_pat"} <= names
    assert "warning" not in names and "statistics" not in names
    assert len(others) > 100


def test_a_typed_line_is_not_taken_for_debug() -> None:
    line = b"Nov 25 10:00:00 mx postfix/smtpd[7]: connect from a.example[192.0.2.1]\n"
    batch = EventParser().parse_chunk(line, LogFormat.CLASSIC, TIMES)
    assert batch[EventKind.CONNECT].height == 1 and batch[EventKind.DEBUG].height == 0


def _report(path: Path) -> dict[str, object]:
    ran = subprocess.run(
        [sys.executable, "-m", "maillogs", "report", "--format", "json", "--tz", "UTC",
         "--year", "2026", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    report: dict[str, object] = json.loads(ran.stdout)
    return report


def test_debug_lines_change_no_report_section_but_parse(tmp_path: Path) -> None:
    plain = SAMPLE.read_bytes()[:60000].rsplit(b"\n", 1)[0] + b"\n"
    noisy = bytearray()
    for number, line in enumerate(plain.splitlines(keepends=True)):
        noisy += line
        stamp, _, rest = line.partition(b" postfix/")
        if rest and number % 2 == 0:
            daemon = rest.split(b"[", 1)[0]
            noisy += stamp + b" postfix/" + daemon + b"[7]: match_list_match: x: no match\n"
    (tmp_path / "plain").write_bytes(plain)
    (tmp_path / "noisy").write_bytes(bytes(noisy))
    before, after = _report(tmp_path / "plain"), _report(tmp_path / "noisy")
    parse_before, parse_after = before.pop("parse"), after.pop("parse")
    assert isinstance(parse_after, dict) and isinstance(parse_before, dict)
    assert parse_after["unparsed"] == parse_before["unparsed"] == 0
    assert parse_after["events_by_kind"]["debug"] > 100
    before.pop("files", None), after.pop("files", None)
    assert json.dumps(before, sort_keys=True) == json.dumps(after, sort_keys=True).replace(
        "noisy", "plain"
    )
