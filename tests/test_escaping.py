"""Strings from the log are written by strangers: every renderer makes them inert."""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime
from pathlib import Path

from parsers.envelope import LogFormat
from parsers.stream import EventParser
from parsers.timestamps import TimeContext
from reports.builder import Report, ReportBuilder
from reports.escape import for_csv, for_markdown, for_terminal
from reports.options import ReportOptions
from reports.render import Format, render
from reports.render import csv as csv_render
from reports.section import ParseSummary

HOSTILE_SENDER = '=HYPERLINK("http://evil")@[x](http://evil.test)'
HOSTILE_CLIENT = "evil|host.test"
HOSTILE_USERNAME = "+cmd|<i>[x](http://evil.test)\x1b[5m@example.net"
HOSTILE_SESSION_CLIENT = "=1+1|<b>\x1bc.test"  # a formula, a tag and ESC c (terminal reset)
LINES = [
    f"Nov 24 10:00:00 mx postfix/smtpd[7]: NOQUEUE: reject: RCPT from {HOSTILE_CLIENT}[192.0.2.1]: "
    "554 5.7.1 <x@example.org>: Relay access denied; "
    f"from=<{HOSTILE_SENDER}> to=<x@example.org> proto=ESMTP helo=<<script>alert(1)</script>>",
    "Nov 24 10:00:01 mx postfix/cleanup[8]: AAAA000001: reject: header Subject: "
    "\x1b[31mred\x1b]0;title\x07 from a.test[192.0.2.2]; "
    "from=<s@\x1b[2Jevil.gr> to=<leak@example.org> proto=ESMTP "
    "helo=<a.test>: 5.7.1 Plz stop sending SPAM id= 8 ",
    "Nov 24 10:00:02 mx postfix/smtpd[9]: NOQUEUE: reject: RCPT from "
    "x<img/src=x/onerror=alert(1)>.test[192.0.2.3]: 554 5.7.1 <y@example.org>: "
    "Relay access denied; from=<a@<script>alert(2)</script>.test> to=<y@example.org> "
    "proto=ESMTP helo=<h.test>",
    # a warning quotes what a client sent: it reaches the problems section as is
    'Nov 24 10:00:03 mx postfix/smtpd[9]: warning: =HYPERLINK("http://evil") sent '
    '"<img src=x onerror=alert(3) \x1b[31m [y](http://evil.test)',
    # a session's client reaches the sessions tables
    f"Nov 24 10:00:04 mx postfix/smtpd[20]: connect from {HOSTILE_SESSION_CLIENT}[192.0.2.4]",
    f"Nov 24 10:00:09 mx postfix/smtpd[20]: disconnect from {HOSTILE_SESSION_CLIENT}[192.0.2.4] "
    "ehlo=1 commands=1",
    # the user name of a failed login is the client's choice
    "Nov 24 10:00:10 mx postfix/smtpd[20]: warning: a.test[192.0.2.5]: SASL LOGIN authentication "
    f"failed: authentication failure, sasl_username={HOSTILE_USERNAME}",
]


def _report() -> Report:
    parser = EventParser()
    batch = parser.parse_chunk(
        "\n".join(LINES).encode() + b"\n",
        LogFormat.CLASSIC,
        TimeContext("UTC", datetime(2026, 11, 25, tzinfo=UTC)),
    )
    builder = ReportBuilder(ReportOptions(catchall_domains=["example.org"]))
    builder.add(batch)
    return builder.finish(ParseSummary(lines=2))


def test_terminal_text_has_no_control_characters() -> None:
    text = render(_report(), Format.TEXT, color=False)
    assert "\x1b" not in text and "\x07" not in text
    assert "\\x1b[2jevil.gr" in text  # shown (its domain lower-cased), not executed


def test_markdown_cannot_make_links_html_or_cells() -> None:
    markdown = render(_report(), Format.MARKDOWN)
    assert re.search(r"(?<!\\)\]\(", markdown) is None  # no live link
    assert "<script>" not in markdown and "\x1b" not in markdown
    assert "evil\\|host.test" in markdown  # a | in a cell does not split it
    assert "<b>" not in markdown and "<i>" not in markdown


def test_html_has_no_markup_or_control_characters_from_the_log() -> None:
    page = render(_report(), Format.HTML)
    assert "<script>" not in page and "\x1b" not in page and "\x07" not in page
    assert "<img/src" not in page and "<script" not in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;.test" in page  # the sender domain, as text
    assert "x&lt;img/src=x/onerror=alert(1)&gt;.test" in page  # the client host
    assert "evil|host.test" in page
    assert "=1+1|&lt;b&gt;" in page and "<b>" not in page
    assert "+cmd|&lt;i&gt;[x](http://evil.test)\\x1b[5m@example.net" in page and "<i>" not in page
    assert "&lt;img src=x onerror=alert(N)" in page and "<img src=x" not in page
    assert 'href="http://evil' not in page
    # the only links are the page's own: its table of contents
    links = re.findall(r"<a [^>]*>", page)
    assert links and all(re.fullmatch(r'<a (class="top" )?href="#[a-z_]+">', a) for a in links)
    # The hostile header text became a rule id and a chart label: drawn as text, no mathtext.
    assert "\\x1b[2jevil.gr" in page


def test_csv_cells_cannot_run_formulas(tmp_path: Path) -> None:
    csv_render.write(_report(), tmp_path)
    cells = [
        cell
        for path in tmp_path.glob("*.csv")
        for row in csv.reader(path.open(encoding="utf-8"))
        for cell in row
    ]
    assert cells
    assert not any(cell.startswith(("=", "+", "@", "\t")) for cell in cells)
    assert not any(cell.startswith("-") and not cell.lstrip("-").replace(".", "").isdigit()
                   for cell in cells if cell)  # fmt: skip


def test_escape_functions() -> None:
    assert for_terminal("a\x1b[31mb\x9b2J\x00") == "a\\x1b[31mb\\x9b2J\\x00"
    assert for_markdown("[x](http://e) <b> a|b *c* `d`") == (
        "\\[x\\](http://e) \\<b\\> a\\|b \\*c\\* \\`d\\`"
    )
    assert for_csv("=1+2") == "'=1+2"
    assert for_csv("-cmd") == "'-cmd"
    assert for_csv(-5) == -5
    assert for_csv("plain") == "plain"
