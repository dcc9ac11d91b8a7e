"""The report on the real Postfix logs in sample_logs/ equals their ground truth, and the
RFC 3339 copy gives the same report as the classic one."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from maillogs.inputs import expand_inputs, iter_chunks
from parsers.schema import EventKind
from reports.options import ReportOptions
from tests.parsed_run import Parsed, parse_run

SAMPLE = Path(__file__).parents[1] / "sample_logs"
TRUTH = json.loads((SAMPLE / "truth.json").read_text())
# Compared through events, not the report: keys the report does not carry.
EVENT_ONLY = {"smtpd", "pickup", "postsuper"}
METADATA = {"schema", "seed", "postfix_version", "generated_at", "time_zone", "files", "period",
            "catchall_domains"}  # fmt: skip


def _parse(directory: str, top: int = 10) -> Parsed:
    options = ReportOptions(tz="UTC", catchall_domains=TRUTH["catchall_domains"], top=top)
    return parse_run(SAMPLE / directory, TRUTH_END, options)


TRUTH_END = __import__("datetime").datetime.fromisoformat(TRUTH["period"]["last"])


@cache
def classic() -> Parsed:
    return _parse("classic")


def _leaves(data: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, (*path, str(key)))
    else:
        yield path, data


def _truth_leaves() -> list[Any]:
    return [
        pytest.param(path, value, id=".".join(path))
        for path, value in _leaves(TRUTH)
        if path[0] not in METADATA | EVENT_ONLY
    ]


def report_path(path: tuple[str, ...]) -> tuple[str, ...]:
    """The report's key of a truth key. The truth's `received` is what the report calls
    `queued` (messages that entered the queue: report/2's `received` is pflogsumm's,
    smtpd client= lines and pickups), and its `deferred` (delivery lines) the report's
    `deferrals` (report/2's `deferred` counts messages, as pflogsumm does)."""
    renamed = {"received": "queued", "received_by_source": "queued_by_source"}
    if path[0] != "overview":
        return path
    if path[1:] == ("deferred",):
        return ("overview", "deferrals")
    if path[1] in renamed:
        return ("overview", renamed[path[1]], *path[2:])
    if path[1] == "by_day" and path[-1] == "received":
        return (*path[:-1], "queued")
    return path


@pytest.mark.parametrize(("path", "expected"), _truth_leaves())
def test_report_equals_truth(path: tuple[str, ...], expected: Any) -> None:
    value: Any = classic()[0].data
    for part in report_path(path):
        value = value.get(part, 0) if isinstance(value, dict) else None
    assert value == expected


def test_every_line_is_parsed() -> None:
    _, events, parser = classic()
    assert parser.stats.unparsed == 0, events[EventKind.UNPARSED].get_column("line").to_list()[:10]
    assert parser.stats.lines == TRUTH["parse"]["lines"]
    assert parser.stats.not_mail == TRUTH["parse"]["not_mail"]


def test_session_and_queue_counts_from_events() -> None:
    _, events, _ = classic()
    errors = events[EventKind.SESSION_ERROR].group_by("error", "after").len()
    count = {(e, a): n for e, a, n in errors.iter_rows()}
    smtpd = TRUTH["smtpd"]
    assert count.get(("lost_connection", "STARTTLS"), 0) == smtpd["lost_after_starttls"]
    assert (
        sum(n for (e, _), n in count.items() if e == "too_many_errors") == smtpd["too_many_errors"]
    )
    assert (
        sum(n for (e, _), n in count.items() if e == "improper_pipelining") == smtpd["pipelining"]
    )
    assert (
        sum(n for (e, _), n in count.items() if e == "non_smtp_command")
        == smtpd["non_smtp_command"]
    )
    inbound_errors = events[EventKind.TLS_ERROR].filter(pl.col("direction") == "inbound")
    assert inbound_errors.height == smtpd["handshake_failures"]
    assert events[EventKind.PICKUP].height == TRUTH["pickup"]["submitted"]
    postsuper = events[EventKind.POSTSUPER]
    assert (
        postsuper.filter(pl.col("action") == "removed").height
        == TRUTH["postsuper"]["removed_by_id"]
    )
    assert postsuper.get_column("count").sum() == TRUTH["postsuper"]["deleted"]


def test_rfc3339_copy_gives_the_same_report() -> None:
    report, _, _ = classic()
    other, _, _ = _parse("rfc3339")
    assert json.dumps(other.data, sort_keys=True) == json.dumps(report.data, sort_keys=True)


def test_truth_is_consistent_with_itself() -> None:
    overview, tls = TRUTH["overview"], TRUTH["tls"]
    assert sum(tls["inbound"]["by_level"].values()) == overview["connections"]
    families = tls["inbound"]["by_ip_family"].values()
    assert sum(f["connections"] for f in families) == overview["connections"]
    assert (
        sum(f["tls"] for f in families)
        == overview["connections"] - tls["inbound"]["by_level"]["none"]
    )
    assert sum(tls["inbound"]["by_protocol"].values()) == sum(tls["inbound"]["by_cipher"].values())
    assert sum(overview["received_by_source"].values()) == overview["received"]
    statuses = TRUTH["deliveries"]["by_status"]
    assert (
        statuses["sent"] == overview["delivered"] and statuses["deferred"] == overview["deferred"]
    )
    for status in statuses:
        assert (
            sum(row[status] for row in TRUTH["deliveries"]["by_transport"].values())
            == statuses[status]
        )
    days = overview["by_day"].values()
    for key in ("connections", "received", "rejected"):
        assert sum(day[key] for day in days) == overview[key]
    checks = (
        TRUTH["header_checks"]["by_action"]["REJECT"] + TRUTH["body_checks"]["by_action"]["REJECT"]
    )
    assert sum(TRUTH["rejects"]["by_class"].values()) + checks == overview["rejected"]
    spf_refused = sum(rows["fail"] for rows in TRUTH["spf"]["by_identity"].values())
    assert spf_refused == TRUTH["spf"]["rejected"] == TRUTH["rejects"]["by_class"]["spf"]


def _raw_lines() -> Iterator[str]:
    for source in expand_inputs([str(SAMPLE / "classic")]):
        for chunk in iter_chunks(source, 1 << 20):
            yield from chunk.decode().splitlines()


def test_bytes_and_senders_equal_a_plain_recount_of_the_log() -> None:
    """Each queued message's size once (its first qmgr line), times its sent deliveries."""
    queued = re.compile(r"qmgr\[\d+\]: (\w+): from=<([^>]*)>, size=(\d+),")
    sent = re.compile(r"\[\d+\]: (\w+): to=<.*, status=sent ")
    born = re.compile(r"(?:smtpd|pickup)\[\d+\]: (\w+): (?:client|uid|sender)=")
    sizes: dict[str, int] = {}
    senders: set[str] = set()
    sent_count: dict[str, int] = {}
    arrived: set[str] = set()
    for line in _raw_lines():
        if found := born.search(line):
            arrived.add(found.group(1))
        elif found := queued.search(line):
            qid, sender, size = found.groups()
            if qid not in sizes:
                sizes[qid] = int(size)
                if sender:
                    senders.add(sender.lower())
        elif found := sent.search(line):
            sent_count[found.group(1)] = sent_count.get(found.group(1), 0) + 1
    overview = classic()[0].data["overview"]
    assert overview["queued"] == len(sizes) == TRUTH["overview"]["received"]
    # pflogsumm's bytes received: of the messages smtpd or pickup brought (not the
    # notices Postfix made itself)
    by_source = TRUTH["overview"]["received_by_source"]
    assert len(arrived & set(sizes)) == by_source["smtpd"] + by_source["pickup"]
    assert overview["bytes_received"] == sum(sizes[q] for q in arrived if q in sizes)
    assert overview["bytes_delivered"] == sum(sizes.get(q, 0) * n for q, n in sent_count.items())
    assert overview["senders"] == len(senders)
