"""`maillogs trace` on the command line: logs or a store, text or JSON lines."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from maillogs.cli import main
from maillogs.pipeline import ParseSettings
from maillogs.store.ingest import ingest
from tests.test_trace import NOW, SAMPLE, TRUTH

LOGS = ["--tz", "UTC", "--year", "2026", "--quiet", str(SAMPLE / "classic")]


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["trace", *args], env={"NO_COLOR": "1"})
    return result.exit_code, result.output


def _jsonl(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines()]


def test_jsonl_finds_the_catchall_addresses_mail() -> None:
    code, output = _run("--to", "twitter.com@example.org", "--format", "jsonl", *LOGS)
    assert code == 0
    stories = _jsonl(output)
    sent = [
        s
        for s in stories
        if any(d["status"] == "sent" for d in s["deliveries"])  # type: ignore[attr-defined]
    ]
    assert len(sent) == TRUTH["catchall"]["by_address"]["twitter.com@example.org"]


def test_text_shows_the_timeline_in_the_zone_asked_with_the_rules_pattern() -> None:
    code, output = _run(
        "--queue-id", "7678620C6C4", "--tz", "Europe/Athens", *LOGS[2:],
    )  # fmt: skip
    assert code == 0
    # the classic stamps are read in Athens time and shown in it
    assert "2026-11-22 06:43:39  deferred to=<friend11@encrypt.test>" in output
    assert output.startswith("7678620C6C4 <23.761068934@generator.test>: ")


def test_check_hits_show_the_rules_pattern_with_the_table() -> None:
    args = ["--format", "jsonl", "--client", "127.0.3.39", *LOGS]
    plain = [c for s in _jsonl(_run(*args)[1]) for c in s["checks"]]  # type: ignore[attr-defined]
    assert plain and all(c["pattern"] is None for c in plain)
    code, output = _run("--body-checks", str(SAMPLE / "body_checks"), *args)
    assert code == 0
    hits = [c for s in _jsonl(output) for c in s["checks"]]  # type: ignore[attr-defined]
    with_id = [c for c in hits if c["part"] == "body" and c["rule_id"] is not None]
    assert with_id and all(c["pattern"] for c in with_id)


def test_store_gives_the_logs_stories(tmp_path: Path) -> None:
    ingest([str(SAMPLE / "classic")], tmp_path, ParseSettings(tz="UTC", year=2026), NOW, False)
    query = ["--from", "me@mx.example.net", "--since", "2026-11-23", "--until", "2026-11-23"]
    code, from_logs = _run(*query, "--format", "jsonl", *LOGS)
    assert code == 0 and from_logs
    code, from_store = _run(
        *query, "--format", "jsonl", "--tz", "UTC", "-q", "--store", str(tmp_path)
    )
    assert code == 0
    assert sorted(from_store.splitlines()) == sorted(from_logs.splitlines())


def test_a_bad_network_is_a_usage_error() -> None:
    code, output = _run("--client", "192.0.2.0/99", *LOGS)
    assert code == 2 and "--client" in output


def test_the_docs_example_is_the_output() -> None:
    docs = (SAMPLE.parent / "docs" / "trace.md").read_text(encoding="utf-8")
    example = docs.split("```\n5E02120C6B2", 1)[1].split("```", 1)[0]
    code, output = _run("--queue-id", "5E02120C6B2", *LOGS)
    assert code == 0
    assert output == "5E02120C6B2" + example


def test_real_deferred_then_delivered_messages_are_one_story_each() -> None:
    """The tls-unlogged run: mail deferred on one day and delivered the next (real
    Postfix, a file of its own) is one story per message, as its truth counts them."""
    run = SAMPLE / "tls-unlogged"
    truth = json.loads((run / "truth.json").read_text())["messages"]
    code, output = _run(
        "--format", "jsonl", "--tz", "UTC", "--quiet", str(run / "classic" / "maillog.gz")
    )  # fmt: skip
    assert code == 0
    deferred = [
        story
        for story in _jsonl(output)
        if any(d["status"] == "deferred" for d in story["deliveries"])  # type: ignore[attr-defined]
    ]
    assert len(deferred) == truth["deferred_messages"]
    attempts = [d for story in deferred for d in story["deliveries"]]  # type: ignore[attr-defined]
    assert sum(d["status"] == "deferred" for d in attempts) == truth["deferral_attempts"]
    for story in deferred:
        statuses = [d["status"] for d in story["deliveries"]]  # type: ignore[attr-defined]
        assert statuses[-1] == "sent", story["queue_id"]
        first, last = str(story["first_seen"]), str(story["last_seen"])
        assert first[:10] < last[:10], "deferred one day, delivered the next"
    assert sum(s["state"] == "removed" for s in deferred) == truth["delivered_after_deferral"]
