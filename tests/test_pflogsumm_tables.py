# ruff: noqa: E501  (log lines are as long as Postfix writes them)
"""The overview's sender and recipient tables equal pflogsumm's on the same real logs.

tests/pflogsumm/sample_classic.txt is pflogsumm 1.1.5's output (Debian's package) on
sample_logs/classic, made by:

    (zcat sample_logs/classic/maillog.1.gz; cat sample_logs/classic/maillog) > all.log
    pflogsumm -h 1000 -u 1000 all.log > tests/pflogsumm/sample_classic.txt

Where maillogs uses one of pflogsumm's words it counts what pflogsumm counts: the grand
totals, the per-day and per-hour traffic and these tables are compared figure by figure.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.line_report import report_lines
from tests.test_sample_logs import SAMPLE, TRUTH, TRUTH_END, _parse

PFLOGSUMM = (Path(__file__).parent / "pflogsumm" / "sample_classic.txt").read_text()
ALL = 1000  # --top: every row


def _block(title: str) -> list[list[str]]:
    """The rows of one pflogsumm table, split on blanks, rules and headings left out."""
    lines = PFLOGSUMM.split(title, 1)[1].splitlines()[1:]
    rows = []
    for line in lines:
        if not line.strip():
            if rows:
                break
            continue
        if set(line.strip()) <= {"-", " "} or "host/domain" in line:
            continue
        rows.append(line.split())
    return rows


def _pflogsumm_users(title: str) -> dict[str, int]:
    return {address: int(value) for value, address in _block(title)}


@pytest.fixture(scope="module")
def overview() -> dict[str, Any]:
    report, _, _ = _parse("classic", top=ALL)
    return dict(report.data["overview"])


def test_recipient_domains_equal_pflogsumm(overview: dict[str, Any]) -> None:
    expected = {
        domain: (int(sent), int(size), int(defers), float(worst), float(average))
        for sent, size, defers, average, _s, worst, _s2, domain in _block(
            "Host/Domain Summary: Message Delivery"
        )
    }
    found = {
        row["domain"]: (
            row["sent"],
            row["bytes"],
            row["deferred"],
            row["max_delay"],
            row["average_delay"],
        )
        for row in overview["by_recipient_domain"]
    }
    # pflogsumm's table leaves out a domain whose mail only bounced; maillogs counts it
    bounced = [row for row in overview["by_recipient_domain"] if row["bounced"]]
    assert [(row["domain"], row["sent"], row["bounced"]) for row in bounced] == [
        ("bounce.test", 0, 1)
    ]
    del found["bounce.test"]
    assert {d: v[:3] for d, v in found.items()} == {d: v[:3] for d, v in expected.items()}
    # pflogsumm prints delays to a tenth of a second, maillogs to a hundredth
    for name, (*_, worst, average) in found.items():
        assert worst == pytest.approx(expected[name][3], abs=0.051), name
        assert (average or 0) == pytest.approx(expected[name][4], abs=0.051), name
    assert sum(v[0] for v in found.values()) == overview["delivered"] == 1007
    assert sum(v[1] for v in found.values()) == overview["bytes_delivered"]


def test_sending_domains_equal_pflogsumm(overview: dict[str, Any]) -> None:
    expected = {
        domain: (int(count), int(size))
        for count, size, domain in _block("Host/Domain Summary: Messages Received")
    }
    found = {
        row["domain"]: (row["messages"], row["bytes"]) for row in overview["by_sending_domain"]
    }
    # the non-delivery notice Postfix made itself did not arrive: in neither table
    assert "<>" not in found
    assert found == expected
    assert sum(v[0] for v in found.values()) == overview["queued"] - 1 == 946


@pytest.mark.parametrize(
    ("key", "title", "value"),
    [
        ("top_senders", "Senders by message count", "messages"),
        ("top_senders_by_size", "Senders by message size", "bytes"),
        ("top_recipients", "Recipients by message count", "messages"),
        ("top_recipients_by_size", "Recipients by message size", "bytes"),
    ],
)
def test_people_equal_pflogsumm(overview: dict[str, Any], key: str, title: str, value: str) -> None:
    name = "sender" if "sender" in key else "recipient"
    found = {row[name]: row[value] for row in overview[key] if row[name] != "<>"}
    assert found == _pflogsumm_users(title)


def test_top_ten_keeps_the_domains_nothing_reached() -> None:
    """pflogsumm (unlimited by default) lists the domains whose mail was only deferred;
    the top ten by sent deliveries must not push them out, nor the only-bounced one."""
    report, _, _ = _parse("classic")
    rows = report.data["overview"]["by_recipient_domain"]
    pflogsumm = _block("Host/Domain Summary: Message Delivery")
    top_sent = [row[-1] for row in pflogsumm if row[0] != "0"][:10]
    unreached = [row[-1] for row in pflogsumm if row[0] == "0"]
    assert unreached == ["refused.test", "encrypt.test", "verifyfail.test"]
    assert [row["domain"] for row in rows] == [*top_sent, *unreached, "bounce.test"]


def test_ranked_by_their_own_measure(overview: dict[str, Any]) -> None:
    for key, value in (("top_senders", "messages"), ("top_recipients_by_size", "bytes")):
        values = [row[value] for row in overview[key]]
        assert values == sorted(values, reverse=True)


LINES = """\
Nov 20 10:00:00 mx postfix/smtpd[1]: 1A2B3C4D5E: client=a.test[192.0.2.1]
Nov 20 10:00:01 mx postfix/qmgr[2]: 1A2B3C4D5E: from=<Ann@Sender.Test>, size=1000, nrcpt=2 (queue active)
Nov 20 10:00:02 mx postfix/smtp[3]: 1A2B3C4D5E: to=<x@far.test>, relay=mx.far.test[192.0.2.9]:25, delay=2, delays=0/0/1/1, dsn=4.4.1, status=deferred (connect to mx.far.test[192.0.2.9]:25: Connection refused)
Nov 20 10:00:02 mx postfix/local[4]: 1A2B3C4D5E: to=<bob@here.test>, relay=local, delay=1.5, delays=0/0/0/1.5, dsn=2.0.0, status=sent (delivered to mailbox)
Nov 20 11:00:00 mx postfix/qmgr[2]: 1A2B3C4D5E: from=<Ann@Sender.Test>, size=1000, nrcpt=2 (queue active)
Nov 20 11:00:09 mx postfix/smtp[3]: 1A2B3C4D5E: to=<x@far.test>, relay=mx.far.test[192.0.2.9]:25, delay=3609, delays=3600/0/1/8, dsn=2.0.0, status=sent (250 ok)
Nov 20 11:00:09 mx postfix/qmgr[2]: 1A2B3C4D5E: removed
Nov 20 12:00:00 mx postfix/smtp[3]: 9F8E7D6C5B: to=<y@far.test>, relay=mx.far.test[192.0.2.9]:25, delay=7, delays=0/0/1/6, dsn=2.0.0, status=sent (250 ok)
"""


def test_a_retried_message_counts_once_and_its_bytes_go_to_each_recipient() -> None:
    data, _ = report_lines(LINES, 2026, sections=("overview",))
    overview = data["overview"]
    assert overview["top_senders"] == [{"sender": "ann@sender.test", "messages": 1, "bytes": 1000}]
    assert overview["by_sending_domain"] == [
        {"domain": "sender.test", "messages": 1, "bytes": 1000}
    ]
    # 9F8E7D6C5B was queued before the logs begin: delivered, of unknown size
    assert overview["by_recipient_domain"] == [
        {
            "domain": "far.test",
            "sent": 2,
            "bytes": 1000,
            "deferred": 1,
            "bounced": 0,
            "average_delay": 1808.0,
            "max_delay": 3609.0,
        },
        {
            "domain": "here.test",
            "sent": 1,
            "bytes": 1000,
            "deferred": 0,
            "bounced": 0,
            "average_delay": 1.5,
            "max_delay": 1.5,
        },
    ]
    assert overview["top_recipients"] == [
        {"recipient": "bob@here.test", "messages": 1, "bytes": 1000},
        {"recipient": "x@far.test", "messages": 1, "bytes": 1000},
        {"recipient": "y@far.test", "messages": 1, "bytes": 0},
    ]
    assert overview["bytes_delivered"] == 2000


# pflogsumm's grand totals by their words, and the overview's key for each.
GRAND_TOTALS = {
    "received": "received",
    "delivered": "delivered",
    "forwarded": "forwarded",
    "deferred": "deferred",
    "bounced": "bounced",
    "rejected": "rejected",
    "reject warnings": "warned",
    "held": "held",
    "discarded": "discarded",
    "bytes received": "bytes_received",
    "bytes delivered": "bytes_delivered",
    "senders": "senders",
    "sending hosts/domains": "sending_domains",
    "recipients": "recipients",
    "recipient hosts/domains": "recipient_domains",
}


def _grand_totals() -> dict[str, int]:
    block = PFLOGSUMM.split("Grand Totals", 1)[1].split("Per-Day Traffic Summary", 1)[0]
    found = {}
    for line in block.splitlines():
        if match := re.match(r"\s*(\d+)\s+([a-z /]+?)(?:\s+\(|$)", line):
            found[match.group(2).strip()] = int(match.group(1))
    return found


def test_grand_totals_equal_pflogsumm(overview: dict[str, Any]) -> None:
    pflogsumm = _grand_totals()
    assert set(pflogsumm) == set(GRAND_TOTALS)
    assert {word: overview[key] for word, key in GRAND_TOTALS.items()} == pflogsumm
    deferrals = re.search(r"deferred\s+\((\d+)\s+deferrals\)", PFLOGSUMM)
    assert deferrals and overview["deferrals"] == int(deferrals.group(1))
    # its shares: of the messages delivered, rejected or discarded
    handled = overview["delivered"] + overview["rejected"] + overview["discarded"]
    assert f"rejected ({int(100 * overview['rejected'] / handled)}%)" in PFLOGSUMM


def test_days_equal_pflogsumm(overview: dict[str, Any]) -> None:
    """pflogsumm's per-day "rejected" adds its reject warnings, holds and discards to
    the refusals (its grand total does not): maillogs' by_day keeps the grand total's."""
    rows = _block("Per-Day Traffic Summary")[1:]
    found = overview["by_day"]
    assert len(rows) == len(found) == 3
    for (_month, day, _year, received, delivered, deferred, bounced, rejected), row in zip(
        rows, found.values(), strict=True
    ):
        assert row["received"] == int(received), day
        assert (row["delivered"], row["deferred"], row["bounced"]) == (
            int(delivered),
            int(deferred),
            int(bounced),
        )
        assert int(rejected) >= row["rejected"]
    refused_or_not = overview["rejected"] + overview["warned"] + overview["held"]
    assert sum(int(r[-1]) for r in rows) == refused_or_not + overview["discarded"]


def test_sample_is_the_one_pflogsumm_read() -> None:
    # the fixture's grand totals still describe sample_logs/classic
    delivered = re.search(r"(\d+)\s+delivered", PFLOGSUMM)
    assert delivered and int(delivered.group(1)) == 1007
    assert (SAMPLE / "classic" / "maillog").exists() and TRUTH_END.year == 2026


def test_hours_of_the_day_equal_pflogsumm_daily_averages(overview: dict[str, Any]) -> None:
    """pflogsumm divides each hour's total by the days read (3) and rounds half up;
    delivered, deferred and bounced count the same lines in both."""
    hours = _block("Per-Hour Traffic Daily Average")[1:]  # after the column names
    assert len(hours) == 24
    found = overview["by_hour_of_day"]
    assert list(found) == [f"{hour:02d}" for hour in range(24)]
    for row in hours:
        hour = row[0][:2]
        received, delivered, deferred, bounced, _rejected = (int(v) for v in row[1:])
        for name, expected in (
            ("received", received),
            ("delivered", delivered),
            ("deferred", deferred),
            ("bounced", bounced),
        ):
            assert int(found[hour][name] / 3 + 0.5) == expected, (hour, name)
    totals = {name: sum(r[name] for r in found.values()) for name in found["00"]}
    assert totals == {
        name: overview["deferrals" if name == "deferred" else name] for name in totals
    }
    assert totals["queued"] == TRUTH["overview"]["received"]
