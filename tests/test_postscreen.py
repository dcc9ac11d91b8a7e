# ruff: noqa: E501  (log lines are as long as Postfix writes them)
"""postscreen's refusals count as rejects, as pflogsumm counts them: an RBL reject is
one whether postscreen or smtpd says it. Line formats from postscreen_smtpd.c (RCPT,
with a comma-separated envelope) and postscreen.c (CONNECT: too many connections)."""

from __future__ import annotations

from tests.line_report import report_lines

LINES = """\
Nov 20 10:00:00 mx postfix/postscreen[7]: CONNECT from [192.0.2.1]:40000 to [192.0.2.100]:25
Nov 20 10:00:00 mx postfix/postscreen[7]: DNSBL rank 3 for [192.0.2.1]:40000
Nov 20 10:00:01 mx postfix/postscreen[7]: NOQUEUE: reject: RCPT from [192.0.2.1]:40000: 550 5.7.1 Service unavailable; client [192.0.2.1] blocked using zen.spamhaus.org; from=<spam@spam.test>, to=<me@example.org>, proto=ESMTP, helo=<spam.test>
Nov 20 10:00:02 mx postfix/postscreen[7]: NOQUEUE: reject: RCPT from [192.0.2.1]:40000: 550 5.7.1 Service unavailable; client [192.0.2.1] blocked using zen.spamhaus.org; from=<spam@spam.test>, to=<you@example.org>, proto=ESMTP, helo=<spam.test>
Nov 20 10:00:03 mx postfix/postscreen[7]: DISCONNECT [192.0.2.1]:40000
Nov 20 10:00:04 mx postfix/postscreen[7]: NOQUEUE: reject: CONNECT from [192.0.2.2]:40001: too many connections
"""


def test_postscreen_rejects_are_rejects() -> None:
    data, parser = report_lines(LINES, 2026)
    assert parser.stats.unparsed_by_program == {}
    assert parser.stats.events_by_kind == {"postscreen": 3, "reject": 3}
    assert data["overview"]["rejected"] == 3
    assert data["rejects"]["by_class"]["rbl"] == 2
    assert data["rejects"]["by_class"]["other"] == 1
    assert data["rejects"]["rbl_by_list"] == {"zen.spamhaus.org": 2}
    clients = [
        (c["client_host"], c["client_ip"], c["count"]) for c in data["rejects"]["top_clients"]
    ]
    assert clients == [(None, "192.0.2.1", 2), (None, "192.0.2.2", 1)]
    assert [(d["sender_domain"], d["count"]) for d in data["rejects"]["top_sender_domains"]] == [
        ("spam.test", 2)
    ]
    assert [(n["network"], n["count"]) for n in data["spammers"]["client_networks"]] == [
        ("192.0.2.0/24", 3)
    ]
    assert data["problems"]["postscreen"] == {"CONNECT": 1, "DISCONNECT": 1, "DNSBL": 1}
