"""The extra real Postfix runs in sample_logs/ (verbose, quirks, tls-unlogged, sasl; see
tools/sample_logs/README.md): every line is parsed in both envelopes, the RFC 3339 copy
gives the same report as the classic one, and the report's figures equal the run's
ground truth where they mean the same thing."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from parsers.schema import EventKind
from reports.options import ReportOptions
from tests.parsed_run import Parsed, parse_run

SAMPLE = Path(__file__).parents[1] / "sample_logs"
RUNS = ("verbose", "quirks", "tls-unlogged", "sasl")


@cache
def truth(run: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLE / run / "truth.json").read_text())
    return data


@cache
def parsed(run: str, envelope: str) -> Parsed:
    end = datetime.fromisoformat(truth(run)["period"]["last"])
    options = ReportOptions(tz="UTC", catchall_domains=["example.org"])
    return parse_run(SAMPLE / run / envelope, end, options)


@pytest.mark.parametrize("envelope", ["classic", "rfc3339"])
@pytest.mark.parametrize("run", RUNS)
def test_every_line_is_read(run: str, envelope: str) -> None:
    _, _, parser = parsed(run, envelope)
    assert parser.stats.lines == truth(run)["parse"]["lines"]
    assert parser.stats.not_mail == 0


@pytest.mark.parametrize("envelope", ["classic", "rfc3339"])
@pytest.mark.parametrize("run", RUNS)
def test_every_line_is_parsed(run: str, envelope: str) -> None:
    """Fails until the parser knows every shape these runs write (issue 17)."""
    _, events, parser = parsed(run, envelope)
    unparsed = events.get(EventKind.UNPARSED)
    sample = [] if unparsed is None else unparsed.get_column("line").to_list()[:5]
    assert parser.stats.unparsed == 0, sample


@pytest.mark.parametrize("run", RUNS)
def test_rfc3339_copy_gives_the_same_report(run: str) -> None:
    classic, rfc3339 = parsed(run, "classic")[0], parsed(run, "rfc3339")[0]
    assert json.dumps(rfc3339.data, sort_keys=True) == json.dumps(classic.data, sort_keys=True)


# Figures of the report that mean what the same truth key means, in the runs whose
# truth carries them (the verbose and tls-unlogged runs keep the main run's books).
SHARED = [
    ("overview", "connections"),
    ("overview", "delivered"),
    ("overview", "deferrals"),
    ("overview", "bounced"),
    ("overview", "rejected"),
    ("overview", "queued_by_source", "smtpd"),
    ("overview", "queued_by_source", "pickup"),
    ("spf", "rejected"),
    ("deliveries", "by_status", "sent"),
    ("deliveries", "by_status", "deferred"),
    ("rejects", "by_class", "relay_denied"),
    ("rejects", "by_class", "unknown_recipient"),
    ("header_checks", "reject_by_id"),
    ("body_checks", "reject_by_id"),
    ("catchall", "by_address"),
]


# The truth's names for figures the report calls otherwise since issue 18: its
# deferred counts deferral lines, its received_by_source the messages queued.
TRUTH_KEY = {
    ("overview", "deferrals"): ("overview", "deferred"),
    ("overview", "queued_by_source", "smtpd"): ("overview", "received_by_source", "smtpd"),
    ("overview", "queued_by_source", "pickup"): ("overview", "received_by_source", "pickup"),
}


def _at(data: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        data = data.get(part, 0) if isinstance(data, dict) else None
    return data


@pytest.mark.parametrize("path", SHARED, ids=".".join)
@pytest.mark.parametrize("run", ["verbose", "tls-unlogged"])
def test_report_equals_truth(run: str, path: tuple[str, ...]) -> None:
    assert _at(parsed(run, "classic")[0].data, path) == _at(truth(run), TRUTH_KEY.get(path, path))


def test_tls_unlogged_run_logs_no_tls_summary() -> None:
    """smtpd_tls_loglevel = smtp_tls_loglevel = 0: the report sees no TLS line, while the
    truth knows sessions used STARTTLS (the starttls=1/1 counters say so)."""
    events = parsed("tls-unlogged", "classic")[1]
    assert EventKind.TLS not in events or events[EventKind.TLS].height == 0
    starttls = truth("tls-unlogged")["starttls"]
    assert starttls["inbound_sessions"] > 0 and starttls["outbound_sessions"] > 0


def test_tls_unlogged_truth_is_consistent_with_itself() -> None:
    t = truth("tls-unlogged")
    messages, overview = t["messages"], t["overview"]
    assert messages["received"] == messages["smtpd_client_lines"] + messages["pickup"]
    assert messages["accepted_by_smtpd"] == overview["received_by_source"]["smtpd"]
    refused = t["header_checks"]["by_action"].get("REJECT", 0)
    refused += t["body_checks"]["by_action"].get("REJECT", 0)
    unfinished = messages["abandoned_after_rcpt"] + messages["abandoned_after_data"]
    assert messages["smtpd_client_lines"] == messages["accepted_by_smtpd"] + refused + unfinished
    assert messages["deferral_attempts"] == overview["deferred"]
    assert messages["deferral_attempts"] > messages["deferred_messages"] > 0


@pytest.mark.parametrize("envelope", ["classic", "rfc3339"])
def test_quirks_postscreen_verdicts_equal_truth(envelope: str) -> None:
    """postscreen's verdicts, as the generator's clients provoked them."""
    events = parsed("quirks", envelope)[1][EventKind.POSTSCREEN]
    counts = dict(events.group_by("event").len().iter_rows())
    expected = truth("quirks")["postscreen"]
    assert {event: counts.get(event, 0) for event in expected} == expected
