# ruff: noqa: E501  (log lines are as long as Postfix writes them)
"""A milter's verdict counts as a reject: cleanup logs it at END-OF-MESSAGE, as pflogsumm
counts it, and the message it refused has left the queue."""

from __future__ import annotations

import pytest

from reports import ledger
from tests.line_report import report_lines

# A real log: the i-MSCP ClamAV plugin's README, "Expected result in /var/log/mail.log"
# (clamav-milter refusing the EICAR test file).
CLAMAV = """\
Feb 20 03:26:16 precise postfix/smtpd[19062]: connect from unknown[192.168.5.100]
Feb 20 03:26:16 precise postfix/smtpd[19062]: Anonymous TLS connection established from unknown[192.168.5.100]: TLSv1.2 with cipher ECDHE-RSA-AES128-GCM-SHA256 (128/128 bits)
Feb 20 03:26:16 precise postfix/smtpd[19062]: 0A618260345: client=unknown[192.168.5.100], sasl_method=CRAM-MD5, sasl_username=nuxwin@domain.tld
Feb 20 03:26:16 precise postfix/cleanup[19158]: 0A618260345: message-id=<54E6A8BF.3080504@domain.tld>
Feb 20 03:26:16 precise clamav-milter[18878]: Message from <nuxwin@domain.tld> to <nuxwin@domain.tld> infected by Eicar-Test-Signature
Feb 20 03:26:16 precise postfix/cleanup[19158]: 0A618260345: milter-reject: END-OF-MESSAGE from unknown[192.168.5.100]: 5.7.1 Blocked by ClamAV - FOUND VIRUS: Eicar-Test-Signature; from=<nuxwin@domain.tld> to=<nuxwin@domain.tld> proto=ESMTP helo=<[192.168.5.100]>
"""
# The queue id used again later, as Postfix may once the refused queue file is gone
# (shapes as sample_logs has them).
REUSED = """\
Feb 20 04:00:00 precise postfix/pickup[300]: 0A618260345: uid=0 from=<root>
Feb 20 04:00:01 precise postfix/qmgr[50]: 0A618260345: from=<root@precise>, size=500, nrcpt=1 (queue active)
Feb 20 04:00:02 precise postfix/local[400]: 0A618260345: to=<root@precise>, relay=local, delay=1, delays=0.5/0/0/0.5, dsn=2.0.0, status=sent (delivered to mailbox)
Feb 20 04:00:02 precise postfix/qmgr[50]: 0A618260345: removed
"""


def test_a_milter_reject_in_cleanup_is_a_reject_event_and_counts_as_rejected() -> None:
    report, parser = report_lines(CLAMAV, 2026)
    assert parser.stats.unparsed_by_program == {}
    assert dict(parser.stats.not_mail_by_program) == {"clamav-milter": 1}
    assert report["overview"]["rejected"] == 1
    assert [day["rejected"] for day in report["timeline"]["days"]] == [1]
    assert report["rejects"]["by_class"]["other"] == 1
    assert [row["client_ip"] for row in report["rejects"]["top_clients"]] == ["192.168.5.100"]
    spammers = report["spammers"]
    # the client logged in (SASL): one of the server's own, never ranked as a spammer
    assert spammers["client_networks"] == []
    assert spammers["own_networks"] == ["192.168.5.100/32"]
    assert [row["sender_domain"] for row in spammers["sender_domains"]] == ["domain.tld"]


def test_the_message_a_milter_refused_has_left_the_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ledger, "MERGE_EVERY", 1)
    report, _ = report_lines(CLAMAV + REUSED, 2026)
    # The reused id is a new message from pickup, not the refused one from smtpd.
    assert report["overview"]["queued_by_source"] == {"smtpd": 0, "pickup": 1, "postfix": 0}
    assert report["overview"]["queued"] == 1
    # both arrived (pflogsumm's received): smtpd's client= line and the pickup
    assert report["overview"]["received_by_source"] == {"smtpd": 1, "pickup": 1}
