"""No silent garbage: an input that is mostly lines no rule understood says so on stderr."""

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from parsers.envelope import LogFormat
from parsers.garbage import SourceTally, warning
from parsers.stream import EventParser
from parsers.timestamps import TimeContext

TIMES = TimeContext(tz="UTC", reference=datetime(2026, 11, 25, tzinfo=UTC))
SAMPLE = Path(__file__).parents[1] / "sample_logs" / "classic" / "maillog"

GOOD = b"Nov 24 17:18:10 mx postfix/smtpd[388]: connect from a.example[192.0.2.1]\n"
JUNK = [
    b"Nov 24 17:18:11 mx dovecot[77]: imap-login: Login: user=<bob@example.org>, rip=192.0.2.%d\n",
    b"Nov 24 17:18:12 mx postfix/smtpd[388]: frobnicated %d widgets for host%d.example.net\n",
    b"garbage line %d without any envelope\n",
]


def _tally(data: bytes, fmt: LogFormat = LogFormat.CLASSIC) -> SourceTally:
    parser = EventParser()
    list(parser.parse_chunks([data], TIMES, fmt))
    return parser.source


def test_a_real_log_is_quiet() -> None:
    assert warning("maillog", _tally(SAMPLE.read_bytes())) is None


def test_mostly_junk_names_file_share_and_masked_shapes() -> None:
    junk = b"".join(JUNK[n % 3].replace(b"%d", str(n).encode()) for n in range(9))
    line = warning("odd.log", _tally(GOOD * 9 + junk))
    assert line is not None
    assert line.startswith("maillogs: odd.log: 50.0% of 18 lines are unparsed or not mail")
    # three shapes, three lines each, numbers and names masked
    assert "'dovecot: imap-login: Login: user=<A>, rip=H' (3)" in line
    assert "'postfix/smtpd: frobnicated N widgets for H' (3)" in line
    assert "'(no envelope): garbage line N without any envelope' (3)" in line


def test_just_under_the_threshold_is_quiet() -> None:
    # 1 odd line in 20 is exactly 5%: not more than 5%
    data = GOOD * 19 + JUNK[2].replace(b"%d", b"1")
    assert warning("x", _tally(data)) is None
    assert warning("x", _tally(data + JUNK[2].replace(b"%d", b"2"))) is not None


def test_wrong_log_format_is_reported_on_stderr(tmp_path: Path) -> None:
    log = tmp_path / "maillog"
    log.write_bytes(SAMPLE.read_bytes()[:20000])
    ran = subprocess.run(
        [sys.executable, "-m", "maillogs", "events", "--stats", "--log-format", "rfc3339",
         str(log)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert ran.stderr.count("\n") == 1
    assert f"maillogs: {log}: 100.0% of " in ran.stderr
    quiet = subprocess.run(
        [sys.executable, "-m", "maillogs", "events", "--stats", str(log)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert quiet.stderr == ""


def test_ingest_says_it_too(tmp_path: Path) -> None:
    log = tmp_path / "maillog"
    log.write_bytes(SAMPLE.read_bytes()[:20000])
    ran = subprocess.run(
        [sys.executable, "-m", "maillogs", "ingest", "--store", str(tmp_path / "store"),
         "--log-format", "rfc3339", str(log)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert f"maillogs: {log}: 100.0% of " in ran.stderr
