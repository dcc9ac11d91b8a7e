# ruff: noqa: E501  (log lines are as long as Postfix writes them)
"""A reject that warn_if_reject let through is a warning, not a reject: pflogsumm counts
it under "reject warnings", the report under `overview.warned`."""

from __future__ import annotations

from tests.line_report import report_lines

# A real line from a forum post (2008, warn_if_reject on a HELO restriction).
# pflogsumm 1.1.5 on it: 0 rejected, 1 reject warning.
LINES = """\
Oct 22 23:25:32 Mailserver2 postfix/smtpd[5112]: NOQUEUE: reject_warning: RCPT from cpe-74-70-80-244.nycap.res.rr.com[74.76.30.251]: 504 5.5.2 <andsuch>: Helo command rejected: need fully-qualified hostname; from=<bryant@stopthat.org> to=<pokefunatme@gmail.com> proto=ESMTP helo=<andsuch>
"""


def test_a_reject_warning_is_warned_not_rejected() -> None:
    report, _ = report_lines(LINES, 2026)
    assert (report["overview"]["rejected"], report["overview"]["warned"]) == (0, 1)
    assert report["rejects"]["by_class"]["helo"] == 0
