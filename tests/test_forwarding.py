# ruff: noqa: E501  (log lines are as long as Postfix writes them)
"""A local forwarding ("status=sent (forwarded as QID)") is counted as forwarded, not
delivered, as pflogsumm counts it: the new message's own delivery is the delivery."""

from __future__ import annotations

from tests.line_report import report_lines

# A real log, posted to a forum ("postfix .forward does not forward mails", 2011): a
# .forward file hands the message on; the relay's address was masked by its poster.
# pflogsumm 1.1.5 on these lines: 1 delivered, 1 forwarded.
FORWARDED = """\
Apr 27 15:38:24 doug-64 postfix/local[14723]: 2D894DC097E: to=<me@myserver.com>, relay=local, delay=0.21, delays=0.16/0.01/0/0.04, dsn=2.0.0, status=sent (forwarded as 46983DC0B35)
Apr 27 15:38:24 doug-64 postfix/qmgr[1057]: 2D894DC097E: removed
Apr 27 15:38:27 doug-64 postfix/smtp[14724]: 46983DC0B35: to=<me@my_isp_account.net>, orig_to=<me@myserver.com>, relay=my_isp_MTA.net[xxx.xxx.xxx.xxx]:25, delay=3.1, delays=0.04/0.03/0.15/2.9, dsn=2.0.0, status=sent (250 2.0.0 cmez1g02248hjER01mf0Np **mail accepted for delivery**)
Apr 27 15:38:27 doug-64 postfix/qmgr[1057]: 46983DC0B35: removed
"""


def test_a_forwarding_is_counted_as_forwarded_not_delivered() -> None:
    report, parser = report_lines(FORWARDED, 2026)
    overview = report["overview"]
    assert parser.stats.unparsed_by_program == {}
    assert (overview["delivered"], overview["forwarded"]) == (1, 1)
    assert overview["recipients"] == 1  # me@my_isp_account.net; the alias is not one
    # the deliveries section still counts delivery lines by status
    assert report["deliveries"]["by_status"]["sent"] == 2
