# ruff: noqa: E501  (log lines are as long as Postfix writes them)
"""Messages are counted once per stay in the queue: a deferred message that qmgr queues
again counts once, a queue id Postfix reuses after `removed` is a new message."""

from __future__ import annotations

from typing import Any

import pytest

from reports import ledger
from tests.line_report import report_lines

# Shapes as Postfix 3.7 logs them (see sample_logs/classic); ids and times changed.
DEFERRED_TWICE = """\
Nov 24 10:00:00 mx postfix/smtpd[100]: 4AB12C3D4E: client=a.example[192.0.2.1]
Nov 24 10:00:01 mx postfix/qmgr[50]: 4AB12C3D4E: from=<x@a.example>, size=1000, nrcpt=1 (queue active)
Nov 24 10:00:02 mx postfix/smtp[200]: 4AB12C3D4E: to=<y@b.example>, relay=none, delay=1, delays=0.1/0/1/0, dsn=4.4.1, status=deferred (connect to b.example[192.0.2.2]:25: Connection refused)
Nov 24 11:00:00 mx postfix/qmgr[50]: 4AB12C3D4E: from=<x@a.example>, size=1000, nrcpt=1 (queue active)
Nov 24 11:00:01 mx postfix/smtp[201]: 4AB12C3D4E: to=<y@b.example>, relay=b.example[192.0.2.2]:25, delay=3601, delays=3600/0/0.5/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok)
Nov 24 11:00:01 mx postfix/qmgr[50]: 4AB12C3D4E: removed
"""
REUSED = """\
Nov 24 12:00:00 mx postfix/pickup[300]: 4AB12C3D4E: uid=0 from=<root>
Nov 24 12:00:01 mx postfix/qmgr[50]: 4AB12C3D4E: from=<root@mx.example>, size=500, nrcpt=1 (queue active)
Nov 24 12:00:02 mx postfix/local[400]: 4AB12C3D4E: to=<root@mx.example>, relay=local, delay=1, delays=0.5/0/0/0.5, dsn=2.0.0, status=sent (delivered to mailbox)
Nov 24 12:00:02 mx postfix/qmgr[50]: 4AB12C3D4E: removed
"""


def _overview(text: str) -> dict[str, Any]:
    report, _ = report_lines(text, 2026, sections=("overview",))
    overview: dict[str, Any] = report["overview"]
    return overview


def test_a_deferred_message_queued_twice_counts_once() -> None:
    overview = _overview(DEFERRED_TWICE)
    assert overview["received"] == overview["queued"] == overview["accepted"] == 1
    assert overview["bytes_received"] == 1000
    assert overview["bytes_delivered"] == 1000
    assert overview["queued_by_source"] == {"smtpd": 1, "pickup": 0, "postfix": 0}
    # pflogsumm's "1 deferred (1 deferrals)"
    assert (overview["deferred"], overview["deferrals"]) == (1, 1)


def test_a_queue_id_reused_after_removed_is_a_new_message(monkeypatch: pytest.MonkeyPatch) -> None:
    # Lines are merged into the open messages every MERGE_EVERY batches; here every batch.
    monkeypatch.setattr(ledger, "MERGE_EVERY", 1)
    overview = _overview(DEFERRED_TWICE + REUSED)
    assert overview["received"] == overview["queued"] == 2
    assert overview["bytes_received"] == 1500
    assert overview["bytes_delivered"] == 1500
    assert overview["queued_by_source"] == {"smtpd": 1, "pickup": 1, "postfix": 0}
    assert overview["senders"] == 2
