# ruff: noqa: E501  (log lines are as long as Postfix writes them)
"""The server's own domain is never a spammer: not in the rankings, not in the monthly
post, never proposed as a rule, and no proposed rule matches its mail's headers."""

from __future__ import annotations

from datetime import UTC, datetime

from parsers.envelope import LogFormat
from parsers.stream import EventParser
from parsers.timestamps import TimeContext
from reports.blog import BlockedSpam, build_post
from reports.own import OwnFromLog
from reports.suggest import SuspectCollector, matches_own, own_headers, suggest
from tests.line_report import report_lines

# mx.example.net delivers locally; a check rule refuses a message of its own user (a
# rule that misfires); alice logs in from 192.0.2.7 and sends as partner.test; another
# client of 192.0.2.0/24 is RBL-listed; le.net's mail softfails SPF and gets in.
LINES = """\
Nov 20 10:00:00 mx postfix/smtpd[10]: connect from a.sender.test[198.51.100.1]
Nov 20 10:00:01 mx postfix/smtpd[10]: 1000000001: client=a.sender.test[198.51.100.1]
Nov 20 10:00:01 mx postfix/cleanup[11]: 1000000001: message-id=<1@sender.test>
Nov 20 10:00:01 mx postfix/qmgr[12]: 1000000001: from=<ann@sender.test>, size=900, nrcpt=1 (queue active)
Nov 20 10:00:02 mx postfix/local[13]: 1000000001: to=<me@mx.example.net>, relay=local, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (delivered to mailbox)
Nov 20 10:00:02 mx postfix/qmgr[12]: 1000000001: removed
Nov 20 10:00:03 mx postfix/smtpd[10]: disconnect from a.sender.test[198.51.100.1] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5
Nov 20 10:01:00 mx postfix/pickup[14]: 1000000002: uid=1000 from=<bob@mx.example.net>
Nov 20 10:01:00 mx postfix/cleanup[11]: 1000000002: reject: header Subject: casino night at the office from local; from=<bob@mx.example.net> to=<carol@far.test>: 5.7.1 "Plz stop sending SPAM id= 9 "
Nov 20 10:02:00 mx postfix/smtpd[10]: connect from spam.test[203.0.113.9]
Nov 20 10:02:01 mx postfix/smtpd[10]: 1000000003: client=spam.test[203.0.113.9]
Nov 20 10:02:01 mx postfix/cleanup[11]: 1000000003: reject: header Subject: casino from spam.test[203.0.113.9]; from=<x@spam.test> to=<me@mx.example.net> proto=ESMTP helo=<spam.test>: 5.7.1 "Plz stop sending SPAM id= 5 "
Nov 20 10:02:02 mx postfix/smtpd[10]: disconnect from spam.test[203.0.113.9] ehlo=1 mail=1 rcpt=1 data=0/1 quit=1 commands=4/5
Nov 20 10:03:00 mx postfix/smtpd[10]: NOQUEUE: reject: RCPT from bad.example[192.0.2.66]: 554 5.7.1 Service unavailable; Client host [192.0.2.66] blocked using zen.rbl.test; from=<y@bad.example> to=<me@mx.example.net> proto=ESMTP helo=<bad.example>
Nov 20 10:04:00 mx postfix/smtpd[15]: connect from laptop.home[192.0.2.7]
Nov 20 10:04:01 mx postfix/smtpd[15]: 1000000004: client=laptop.home[192.0.2.7], sasl_method=PLAIN, sasl_username=alice
Nov 20 10:04:01 mx postfix/qmgr[12]: 1000000004: from=<alice@partner.test>, size=700, nrcpt=1 (queue active)
Nov 20 10:04:02 mx postfix/smtp[16]: 1000000004: to=<z@far.test>, relay=mx.far.test[198.51.100.50]:25, delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (250 ok)
Nov 20 10:04:02 mx postfix/qmgr[12]: 1000000004: removed
Nov 20 10:04:03 mx postfix/smtpd[15]: disconnect from laptop.home[192.0.2.7] ehlo=1 auth=1 mail=1 rcpt=1 data=1 quit=1 commands=6
Nov 20 10:05:00 mx postfix/smtpd[10]: connect from mail.le.net[198.51.100.77]
Nov 20 10:05:01 mx policyd-spf[17]: : prepend Received-SPF: Softfail (mailfrom) identity=mailfrom; client-ip=198.51.100.77; helo=mail.le.net; envelope-from=news@le.net; receiver=me@mx.example.net
Nov 20 10:05:01 mx postfix/smtpd[10]: 1000000005: client=mail.le.net[198.51.100.77]
Nov 20 10:05:01 mx postfix/qmgr[12]: 1000000005: from=<news@le.net>, size=800, nrcpt=1 (queue active)
Nov 20 10:05:02 mx postfix/local[13]: 1000000005: to=<me@mx.example.net>, relay=local, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (delivered to mailbox)
Nov 20 10:05:02 mx postfix/qmgr[12]: 1000000005: removed
Nov 20 10:05:03 mx postfix/smtpd[10]: disconnect from mail.le.net[198.51.100.77] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5
"""


def _batches() -> list[dict]:  # type: ignore[type-arg]
    parser = EventParser()
    times = TimeContext(tz="UTC", reference=datetime(2026, 12, 31, tzinfo=UTC), year=2026)
    return [
        parser.parse_chunk(line.encode(), LogFormat.CLASSIC, times)
        for line in LINES.splitlines(keepends=True)
    ]


def test_the_own_domain_is_not_ranked_and_own_clients_not_as_networks() -> None:
    data, parser = report_lines(LINES, 2026, sections=("spammers",))
    assert parser.stats.unparsed == 0
    spammers = data["spammers"]
    assert spammers["own_domains"] == ["mx.example.net"]
    assert spammers["own_networks"] == ["192.0.2.7/32"]
    assert [row["sender_domain"] for row in spammers["sender_domains"]] == [
        "bad.example",
        "spam.test",
    ]
    assert [row["network"] for row in spammers["client_networks"]] == [
        "192.0.2.0/24",
        "203.0.113.0/24",
    ]
    assert spammers["client_networks"][0]["count"] == 1  # the RBL-listed one alone


def test_the_post_does_not_rank_the_own_domain() -> None:
    blocked = BlockedSpam("UTC", None, None, OwnFromLog())
    for batch in _batches():
        blocked.add(batch)
    post = build_post(
        blocked,
        {},
        header_checks=[],
        body_checks=[],
        top=5,
        title=None,
        first_day=datetime(2026, 11, 1).date(),
        last_day=datetime(2026, 11, 30).date(),
    )
    assert [(s.label, s.blocked) for s in post.spammers] == [("spam.test", 1)]


def test_no_rule_for_the_own_domain_nor_one_that_matches_its_mail() -> None:
    collector = SuspectCollector([])
    for batch in _batches():
        collector.add(batch)
    evidence = collector.evidence()
    # alice's mail (SASL, from the RBL-listed /24) is the server's own: no evidence
    assert "partner.test" not in evidence
    assert collector.own().has_address("192.0.2.7")
    assert evidence["le.net"].spf_softfail == 1
    own = sorted(collector.own().domains)
    assert own == ["mx.example.net"]
    # /le\.net/ would match every message of mx.example.net: not proposed
    assert suggest(evidence, header_checks=[], own_domains=[], top=10)[0].domain == "le.net"
    assert suggest(evidence, header_checks=[], own_domains=own, top=10) == []
    headers = own_headers(own)
    for found in suggest(evidence, header_checks=[], own_domains=[], top=10):
        assert matches_own(found, headers)
