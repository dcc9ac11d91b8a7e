"""The rejects section's detail (pflogsumm's "message reject detail", unknown recipients
and who tried them) on the real Postfix logs of sample_logs/, checked against the
ground truth and against the log lines counted with plain regular expressions."""

from __future__ import annotations

import gzip
import re
from collections import Counter
from functools import cache
from typing import Any

import polars as pl

from reports.builder import ReportBuilder
from reports.options import ReportOptions
from reports.reject_detail import reply_shape
from reports.section import ParseSummary
from tests.test_sample_logs import SAMPLE, TRUTH
from tests.test_trace import batches

OPTIONS = ReportOptions(tz="UTC", top=1000, sections=("rejects",))


def _lines() -> list[str]:
    classic = SAMPLE / "classic"
    old = gzip.decompress((classic / "maillog.1.gz").read_bytes()).decode()
    return (old + (classic / "maillog").read_text()).splitlines()


@cache
def rejects() -> dict[str, Any]:
    builder = ReportBuilder(OPTIONS)
    for batch in batches():
        builder.add(batch)
    return builder.finish(ParseSummary()).data["rejects"]


def test_replies_add_up_to_the_truths_classes() -> None:
    detail = rejects()["reject_detail"]
    by_class = {klass: sum(r["count"] for r in replies) for klass, replies in detail.items()}
    assert by_class == {k: n for k, n in TRUTH["rejects"]["by_class"].items() if n}
    assert list(detail) == [k for k, n in TRUTH["rejects"]["by_class"].items() if n]
    for replies in detail.values():
        for reply in replies:
            assert sum(c["count"] for c in reply["clients"]) == reply["count"]


def test_the_replies_are_postfixs_without_what_names_one_message() -> None:
    replies = {k: [r["reply"] for r in v] for k, v in rejects()["reject_detail"].items()}
    assert replies == {
        "unknown_recipient": [
            "550 5.1.1 Recipient address rejected: User unknown in local recipient table",
            "550 5.1.1 Recipient address rejected: User unknown in virtual alias table",
        ],
        "relay_denied": ["554 5.7.1 Relay access denied"],
        "rbl": ["554 5.7.1 Service unavailable; Client host blocked using zen.rbl.test"],
        "unknown_sender_domain": ["550 5.1.8 Sender address rejected: Domain not found"],
        "client_access": ["554 5.7.1 Client host rejected: Access denied"],
        "spf": [
            "550 5.7.23 Recipient address rejected: Message rejected due to: SPF fail - not "
            "authorized. Please see http://www.openspf.net/Why"
        ],
    }


def test_rbl_clients_are_the_logs() -> None:
    logged = Counter(
        m.group(1)
        for line in _lines()
        if (m := re.search(r"reject: RCPT from \S+\[([^\]]+)\]: 554 .* blocked using ", line))
    )
    (rbl,) = rejects()["reject_detail"]["rbl"]
    assert {c["client_ip"]: c["count"] for c in rbl["clients"]} == dict(logged)


def test_unknown_recipients_and_the_clients_that_tried_them_are_the_logs() -> None:
    pattern = re.compile(
        r"reject: RCPT from \S+\[([^\]]+)\]: 550 5\.1\.1 .*User unknown.* to=<([^>]*)>"
    )
    found = [m.groups() for line in _lines() if (m := pattern.search(line))]
    assert len(found) == TRUTH["rejects"]["by_class"]["unknown_recipient"]
    data = rejects()
    by_recipient = {r["recipient"]: r["count"] for r in data["unknown_recipients"]}
    assert by_recipient == dict(Counter(rcpt.lower() for _, rcpt in found))
    tried: dict[str, set[str]] = {}
    for ip, rcpt in found:
        tried.setdefault(ip, set()).add(rcpt.lower())
    clients = data["unknown_recipient_clients"]
    assert {c["client_ip"]: c["recipients"] for c in clients} == {
        ip: len(r) for ip, r in tried.items()
    }
    ranks = [(c["recipients"], c["count"]) for c in clients]
    assert ranks == sorted(ranks, reverse=True)
    first = clients[0]
    assert (first["client_host"], first["client_ip"], first["recipients"]) == (
        "mail7.sender0.test",
        "127.0.3.8",
        4,
    )
    assert (first["first_seen"], first["last_seen"]) == (
        "2026-11-22T14:29:01+00:00",
        "2026-11-23T11:25:27+00:00",
    )


def test_a_saved_state_loaded_then_fed_the_rest_gives_the_same_detail() -> None:
    everything = batches()
    half = len(everything) // 2
    first = ReportBuilder(OPTIONS)
    for batch in everything[:half]:
        first.add(batch)
    second = ReportBuilder(OPTIONS)
    second.load_state(first.dump_state())
    for batch in everything[half:]:
        second.add(batch)
    assert second.finish(ParseSummary()).data["rejects"] == rejects()


def test_reply_shape() -> None:
    frame = pl.DataFrame(
        {
            "code": [550, None, 450],
            "dsn": ["5.7.1", None, "4.7.1"],
            "reason": [
                "<[2001:db8::1]>: Client host rejected: cannot find your hostname, [2001:db8::1]",
                "Service unavailable; Client host [192.0.2.1] blocked using b.example",
                "<a@b>: Recipient address rejected: see https://x.example/q?ip=1;a=2 now",
            ],
        },
        schema={"code": pl.Int32, "dsn": pl.String, "reason": pl.String},
    )
    assert frame.select(reply_shape()).to_series().to_list() == [
        "550 5.7.1 Client host rejected: cannot find your hostname,",
        "Service unavailable; Client host blocked using b.example",
        "450 4.7.1 Recipient address rejected: see https://x.example/q now",
    ]
