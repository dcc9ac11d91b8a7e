# ruff: noqa: E501  (log lines are as long as Postfix writes them)
"""`maillogs trace` on the real Postfix logs of sample_logs/: what it finds equals the
generator's ground truth, a message is one story however its lines are split, and the
store tells the same stories as the logs."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import polars as pl
import pytest

from maillogs.inputs import expand_inputs, iter_chunks
from maillogs.pipeline import ParseSettings
from maillogs.store.ingest import ingest
from maillogs.store.read import store_batches
from parsers.envelope import LogFormat
from parsers.schema import EventKind
from parsers.stream import EventParser
from parsers.timestamps import TimeContext
from reports.trace import Story, TraceQuery, Tracer
from reports.trace.render import render_jsonl, render_text

SAMPLE = Path(__file__).parents[1] / "sample_logs"
TRUTH = json.loads((SAMPLE / "truth.json").read_text())
NOW = datetime(2026, 11, 25, tzinfo=UTC)
Batch = dict[EventKind, pl.DataFrame]


def _parse(chunk_bytes: int) -> list[Batch]:
    times = TimeContext(tz="UTC", reference=NOW, year=2026)
    parser = EventParser()
    return [
        batch
        for source in expand_inputs([str(SAMPLE / "classic")])
        for batch in parser.parse_chunks(iter_chunks(source, chunk_bytes), times)
    ]


@cache
def batches(chunk_bytes: int = 64 * 1024) -> list[Batch]:
    return _parse(chunk_bytes)


def trace(query: TraceQuery, source: Iterable[Batch] | None = None) -> list[Story]:
    tracer = Tracer(query)
    stories: list[Story] = []
    for batch in batches() if source is None else source:
        stories += tracer.add(batch)
        if not tracer.wants_more():
            break
    return stories + tracer.finish()


def _as_jsonl(stories: list[Story]) -> list[str]:
    return sorted(render_jsonl(stories))


CATCHALL = sorted(
    set(TRUTH["catchall"]["by_address"]) | set(TRUTH["catchall"]["rejected_by_address"])
)


@pytest.mark.parametrize("address", CATCHALL)
def test_catchall_address_finds_the_truths_deliveries_and_refusals(address: str) -> None:
    stories = trace(TraceQuery.of(recipients=[address.upper()]))
    delivered = [
        s
        for s in stories
        if any(
            d["status"] == "sent" and address in (d["recipient"], d["orig_recipient"])
            for d in s["deliveries"]
        )
    ]
    refused = [r for s in stories for r in s["refused"] if str(r["recipient"]).lower() == address]
    assert len(delivered) == TRUTH["catchall"]["by_address"].get(address, 0)
    assert len({s["queue_id"] for s in delivered}) == len(delivered)
    assert len(refused) == TRUTH["catchall"]["rejected_by_address"].get(address, 0)
    # the others were addressed to it but discarded or held by a check: nothing else
    others = [s for s in stories if s not in delivered and not s["refused"]]
    for story in others:
        assert story["state"] in ("discarded", "held"), story["state"]
        assert any(str(e.get("recipient")).lower() == address for e in story["events"])


def test_refused_sender_has_its_refusal_and_the_sessions_tls() -> None:
    (story, *others) = trace(TraceQuery.of(senders=["<USER18@pass.test>"]))
    assert story["queue_id"] is None and story["state"] == "refused"
    assert story["client"] == {
        "host": "spam1.botnet.test",
        "ip": "127.0.6.1",
        "ip_family": "ipv4",
        "tls": {"level": "Untrusted", "protocol": "TLSv1.3", "cipher": "TLS_AES_256_GCM_SHA384"},
        "sasl_username": None,
        "sasl_method": None,
        "session": story["events"][0]["session"],
    }
    (refusal,) = story["refused"]
    assert (refusal["stage"], refusal["code"], refusal["dsn"], refusal["reason_class"]) == (
        "RCPT",
        554,
        "5.7.1",
        "rbl",
    )
    assert (
        refusal["reply"]
        == "Service unavailable; Client host [127.0.6.1] blocked using zen.rbl.test"
    )
    assert [e["kind"] for e in story["events"]] == ["connect", "tls", "reject", "disconnect"]
    assert story["events"][0]["time"] == datetime(2026, 11, 22, 6, 5, tzinfo=UTC)
    assert story["events"][-1]["time"] == datetime(2026, 11, 22, 6, 5, 25, tzinfo=UTC)
    assert all(other["sender"] == "user18@pass.test" for other in others)


def test_every_refusal_over_tls_is_found_with_its_tls() -> None:
    rejects = pl.concat([b[EventKind.REJECT] for b in batches()])
    over_tls = rejects.filter(pl.col("tls_level").is_not_null() & pl.col("session").is_not_null())
    assert over_tls.height > 50
    by_sender = over_tls.group_by("sender").agg(pl.len()).sort("sender").head(12)
    for sender, count in by_sender.iter_rows():
        stories = trace(TraceQuery.of(senders=[sender]))
        refusals = [
            (s["client"]["tls"], r)
            for s in stories
            for r in s["refused"]
            if r["by"] == "smtpd" and s["client"]["tls"] is not None
        ]
        logged = over_tls.filter(pl.col("sender") == sender)
        assert len(refusals) == logged.height == count
        for tls, refusal in refusals:
            at = (pl.col("time") == refusal["time"]) & (pl.col("recipient") == refusal["recipient"])
            row = logged.filter(at).row(0, named=True)
            assert tls == {"level": row["tls_level"], "protocol": row["tls_protocol"],
                           "cipher": row["tls_cipher"]}  # fmt: skip


def test_deferred_message_across_two_files_and_days_is_one_story() -> None:
    """Deferred on Nov 22 (maillog.1.gz), deleted with postsuper on Nov 24 (maillog)."""
    (story,) = trace(TraceQuery.of(queue_ids=["7678620c6c4"]))
    assert [e["kind"] for e in story["events"]] == [
        "pickup", "message_id", "queued", "delivery", "postsuper",
    ]  # fmt: skip
    (delivery,) = story["deliveries"]
    assert (delivery["status"], delivery["dsn"], delivery["recipient"]) == (
        "deferred", "4.7.4", "friend11@encrypt.test",
    )  # fmt: skip
    assert story["state"] == "removed"
    assert story["removed"] == datetime(2026, 11, 24, 20, 19, 54, tzinfo=UTC)
    assert (story["sender"], story["size"], story["nrcpt"], story["client"]) == (
        "me@mx.example.net", 298, 1, None,
    )  # fmt: skip


# The sample logs hold no deferred message that was delivered later: the sample's
# deferred message 7678620C6C4 with a successful retry two days later appended, in the
# words Postfix uses for one (qmgr's from= again, smtp's status=sent).
RETRIED = b"""\
Nov 22 06:42:47 mx postfix/pickup[196]: 7678620C6C4: uid=0 from=<me@mx.example.net>
Nov 22 06:42:47 mx postfix/cleanup[408]: 7678620C6C4: message-id=<23.761068934@generator.test>
Nov 22 06:43:21 mx postfix/qmgr[197]: 7678620C6C4: from=<me@mx.example.net>, size=298, nrcpt=1 (queue active)
Nov 22 06:43:39 mx postfix/smtp[412]: 7678620C6C4: to=<friend11@encrypt.test>, relay=mx.encrypt.test[127.0.2.4]:25, delay=0.01, delays=0/0/0.01/0, dsn=4.7.4, status=deferred (TLS is required, but was not offered by host mx.encrypt.test[127.0.2.4])
Nov 24 06:44:02 mx postfix/qmgr[197]: 7678620C6C4: from=<me@mx.example.net>, size=298, nrcpt=1 (queue active)
Nov 24 06:44:03 mx postfix/smtp[5120]: Verified TLS connection established to mx.encrypt.test[127.0.2.4]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)
Nov 24 06:44:03 mx postfix/smtp[5120]: 7678620C6C4: to=<friend11@encrypt.test>, relay=mx.encrypt.test[127.0.2.4]:25, delay=172876, delays=172875/0.01/0.5/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 9A1B220C6B3)
Nov 24 06:44:03 mx postfix/qmgr[197]: 7678620C6C4: removed
"""


def _parse_text(text: bytes, chunk_bytes: int) -> list[Batch]:
    times = TimeContext(tz="UTC", reference=NOW, year=2026)
    parser = EventParser()
    chunks, rest = [], text
    while rest:
        cut = rest.find(b"\n", chunk_bytes) + 1 or len(rest)
        chunks.append(rest[:cut])
        rest = rest[cut:]
    return list(parser.parse_chunks(chunks, times, LogFormat.CLASSIC))


@pytest.mark.parametrize("chunk_bytes", [1, 300, 1 << 20])
def test_deferred_then_delivered_is_one_story(chunk_bytes: int) -> None:
    (story,) = trace(TraceQuery.of(recipients=["friend11@encrypt.test"]),
                     _parse_text(RETRIED, chunk_bytes))  # fmt: skip
    assert [(d["status"], d["tls"]) for d in story["deliveries"]] == [
        ("deferred", None),
        ("sent", {"level": "Verified", "protocol": "TLSv1.3", "cipher": "TLS_AES_256_GCM_SHA384"}),
    ]
    assert [e["kind"] for e in story["events"]].count("queued") == 2
    assert story["state"] == "removed" and story["message_id"] == "<23.761068934@generator.test>"


def test_a_message_still_queued_at_the_end_says_so() -> None:
    (story,) = trace(TraceQuery.of(queue_ids=["7678620C6C4"]), _parse_text(RETRIED[:600], 1))
    assert story["state"] == "in_queue"
    assert "still in the queue at the end of the input" in "".join(render_text([story], "UTC"))


def test_chunking_does_not_change_any_story() -> None:
    everything = _as_jsonl(trace(TraceQuery()))
    assert len(everything) > TRUTH["overview"]["received"]
    assert _as_jsonl(trace(TraceQuery(), _parse(4096))) == everything


def test_trace_from_the_store_equals_trace_from_the_logs(tmp_path: Path) -> None:
    settings = ParseSettings(tz="UTC", year=2026, chunk_bytes=64 * 1024)
    ingest([str(SAMPLE / "classic")], tmp_path, settings, NOW, wait=False)
    queries = [
        TraceQuery(),
        TraceQuery.of(recipients=["list@example.org"]),
        TraceQuery.of(clients=["127.0.6.0/24"]),
        TraceQuery.of(
            senders=["me@mx.example.net"],
            since=datetime(2026, 11, 23, tzinfo=UTC),
            until=datetime(2026, 11, 24, tzinfo=UTC),
        ),
    ]
    for query in queries:
        # the days of the period, and the next ones while its messages are in the queue
        from_store = trace(query, store_batches(tmp_path, query.since, None))
        from_logs = trace(query)
        assert from_store, query
        assert _as_jsonl(from_store) == _as_jsonl(from_logs), query


def test_period_selects_messages_and_follows_them_after_it() -> None:
    since, until = (
        datetime(2026, 11, 22, 6, 43, tzinfo=UTC),
        datetime(2026, 11, 22, 6, 44, tzinfo=UTC),
    )
    stories = trace(TraceQuery.of(since=since, until=until))
    assert stories and all(since <= s["first_seen"] < until for s in stories)
    (deferred,) = [s for s in stories if s["queue_id"] == "7678620C6C4"]
    assert deferred["removed"] == datetime(2026, 11, 24, 20, 19, 54, tzinfo=UTC)


HOSTILE = (
    b"Nov 22 06:05:00 mx postfix/smtpd[409]: connect from evil.test[192.0.2.1]\n"
    b"Nov 22 06:05:01 mx postfix/smtpd[409]: NOQUEUE: reject: RCPT from evil.test[192.0.2.1]: "
    b"550 5.1.1 <x\x1b[2J@example.org>: Recipient address rejected: User unknown; "
    b"from=<\x1b]0;owned\x07@evil.test> to=<x\x1b[2J@example.org> proto=ESMTP helo=<\xc2\x9b31m>\n"
    b"Nov 22 06:05:02 mx postfix/smtpd[409]: disconnect from evil.test[192.0.2.1] quit=1 commands=1\n"
)


def test_hostile_strings_are_escaped_in_text() -> None:
    stories = trace(TraceQuery.of(clients=["EVIL.test"]), _parse_text(HOSTILE, 1 << 20))
    text = "".join(render_text(stories, "UTC"))
    assert "\\x1b[2J" in text and "\\x1b]0;owned\\x07" in text and "\\x9b31m" in text
    assert not any((ord(c) < 32 and c != "\n") or 0x7F <= ord(c) <= 0x9F for c in text)
    (line,) = render_jsonl(stories)
    assert not any((ord(c) < 32 and c != "\n") or 0x7F <= ord(c) <= 0x9F for c in line)
    assert json.loads(line)["sender"] == "\x1b]0;owned\x07@evil.test"
    assert json.loads(line)["helo"] == "\x9b31m"


def _ids(stories: Iterable[Story]) -> Iterator[str | None]:
    return (s["queue_id"] for s in stories)


def test_criteria_combine_with_and() -> None:
    to_list = trace(TraceQuery.of(recipients=["list@example.org"]))
    ipv6 = [s for s in to_list if s["client"] and s["client"]["ip_family"] == "ipv6"]
    assert 0 < len(ipv6) < len(to_list)
    clients = sorted({s["client"]["ip"] for s in ipv6})
    both = trace(TraceQuery.of(recipients=["list@example.org"], clients=clients))
    assert sorted(_ids(both)) == sorted(_ids(ipv6))
    by_id = trace(TraceQuery.of(message_ids=[ipv6[0]["message_id"]]))
    assert list(_ids(by_id)) == [ipv6[0]["queue_id"]]


def test_hosts_sharing_a_log_have_their_own_queues() -> None:
    """The sample's pickup message logged by two hosts under the same queue id."""
    lines = RETRIED.splitlines(keepends=True)[:4]
    other = [line.replace(b" mx ", b" mx2 ").replace(b"friend11@", b"friend12@") for line in lines]
    mixed = b"".join(line for pair in zip(lines, other, strict=True) for line in pair)
    stories = trace(TraceQuery.of(queue_ids=["7678620C6C4"]), _parse_text(mixed, 1 << 20))
    assert sorted(s["deliveries"][0]["recipient"] for s in stories) == [
        "friend11@encrypt.test",
        "friend12@encrypt.test",
    ]
    assert all(len(s["events"]) == 4 for s in stories)
