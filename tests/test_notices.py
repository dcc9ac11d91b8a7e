# ruff: noqa: E501  (log lines are as long as Postfix writes them)
"""Notices in the JSON, on stderr and at the top of the report; the header's real bounds;
the problems first, only when there are some."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from maillogs.cli import main
from reports.builder import Report
from reports.render import Format, render
from tests.line_report import report_lines

SAMPLE = Path(__file__).resolve().parent.parent / "sample_logs" / "classic"


def _run(*args: str) -> tuple[str, str]:
    result = CliRunner().invoke(main, ["report", "--tz", "UTC", *args])
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr


def test_an_empty_period_says_what_the_logs_cover() -> None:
    out, err = _run("--format", "json", "--year", "2026", "--since", "2026-12-01", str(SAMPLE))
    data = json.loads(out)
    message = (
        "no events from 2026-12-01T00:00:00+00:00 to the end: the logs cover "
        "2026-11-22T06:00:02+00:00 to 2026-11-24T20:20:24+00:00"
    )
    assert data["notices"] == [{"code": "empty-period", "message": message}]
    assert err == f"maillogs: notice: {message}\n"
    assert data["period"]["first_event"] is None
    out, err = _run(
        "--format", "json", "--year", "2026", "--since", "2026-12-01", "-q", str(SAMPLE)
    )
    assert err == "" and json.loads(out)["notices"][0]["code"] == "empty-period"


def test_the_year_taken_from_mtimes_is_said_and_the_header_names_the_real_bounds() -> None:
    out, err = _run("--section", "overview", str(SAMPLE))
    lines = out.splitlines()
    assert lines[0] == "maillogs report: 2026-11-22 06:00:02 to 2026-11-24 20:20:24 (UTC)"
    assert lines[1].startswith("notice: classic syslog stamps have no year: took ")
    assert err.count("maillogs: notice: ") == 1 and "from the mtime of" in err
    assert "Problems first" not in out  # all is well in sample_logs


FATAL = """\
Nov 20 10:00:00 mx postfix/master[1]: warning: service "smtp" (25) has reached its process limit "100": new clients may be delayed
Nov 20 10:00:01 mx postfix/cleanup[2]: warning: 1A2B3C4D5E: queue file write error
Nov 20 10:00:02 mx postfix/smtpd[3]: fatal: open database /etc/postfix/virtual.db: No such file or directory
Nov 20 10:00:03 mx postfix/smtp[4]: 9F8E7D6C5B: to=<y@far.test>, relay=none, delay=90000, delays=90000/0/0/0, dsn=4.4.1, status=deferred (connect to mx.far.test[192.0.2.9]:25: Connection refused)
Nov 20 10:00:04 mx postfix/smtp[4]: 9F8E7D6C5B: to=<z@far.test>, relay=none, delay=90000, delays=90000/0/0/0, dsn=4.4.1, status=deferred (connect to mx.far.test[192.0.2.9]:25: Connection refused)
"""


def test_problems_come_first_with_their_counts() -> None:
    data, parser = report_lines(FATAL, 2026, sections=("overview", "problems"))
    assert parser.stats.unparsed == 0
    assert data["problems"]["alerts"] == {
        "fatal": 1,
        "panic": 0,
        "process_limit": 1,
        "queue_write_errors": 1,
        "deferred_over_a_day": 1,
    }
    text = render(Report(data), Format.TEXT, width=100, color=False)
    head = text.split("Overview", 1)[0]
    assert "Problems first" in head
    for line in (
        "1  fatal errors",
        "1  services at their process limit",
        "1  queue file write errors or no disk space",
        "1  messages deferred for over a day",
    ):
        assert line in head
    assert "panics" not in head
    html = render(Report(data), Format.HTML)
    assert html.index("Problems first") < html.index("Overview")
    markdown = render(Report(data), Format.MARKDOWN)
    assert "## Problems first" in markdown and "- 1 fatal errors" in markdown
