"""The sasl section on real Postfix output: tests/sasl/maillog is what a Postfix 3.7 smtpd
with Cyrus SASL logged for the sessions tools/sasl_lines.sh drives, in this order:

1. PLAIN, wrong password for alice        (plaintext)  failed
2. LOGIN, wrong password for alice        (plaintext)  failed
3. LOGIN, "admin" (no such user)          (plaintext)  failed
4. PLAIN, alice, right password, one mail (plaintext)  sent
5. LOGIN, alice, right password, one mail (plaintext)  sent
6. LOGIN, "bob" (no such user)            (STARTTLS)   failed
7. PLAIN, alice, right password, one mail (STARTTLS)   sent
8. AUTH LOGIN, then "*"                   (plaintext)  aborted

Cyrus adds the realm to a bare user name (smtpd_sasl_local_domain): "admin" and "bob"
are logged as admin@example.net and bob@example.net.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from maillogs.cli import main
from maillogs.pipeline import ParseSettings
from maillogs.store.ingest import ingest

LOG = Path(__file__).parent / "sasl" / "maillog"


def _report(*options: str) -> dict[str, Any]:
    """The JSON report on the log (or on a store, when the options name one)."""
    inputs = [] if "--store" in options else [str(LOG)]
    result = CliRunner().invoke(
        main, ["report", "--format", "json", "--tz", "UTC", *options, *inputs]
    )
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_sasl_section_counts_what_the_sessions_did() -> None:
    sasl = _report("--section", "sasl")["sasl"]
    assert sasl["messages"] == 3
    assert sasl["messages_by_method"] == {"PLAIN": 2, "LOGIN": 1}
    assert sasl["messages_over"] == {"tls": 1, "plaintext": 2, "unknown": 0}
    assert [(u["sasl_username"], u["count"], u["plaintext"]) for u in sasl["top_users"]] == [
        ("alice@example.net", 3, 2)
    ]
    assert sasl["failures"] == {"failed": 4, "aborted": 1}
    assert sasl["failures_by_mechanism"] == {"LOGIN": 4, "PLAIN": 1}
    assert sasl["failures_over"] == {"tls": 1, "plaintext": 4, "unknown": 0}
    assert [(c["client_ip"], c["count"]) for c in sasl["top_failing_clients"]] == [("127.0.0.1", 5)]
    assert [(u["sasl_username"], u["count"]) for u in sasl["top_tried_usernames"]] == [
        ("alice@example.net", 2),
        ("admin@example.net", 1),
        ("bob@example.net", 1),
    ]


def test_client_failures_are_not_also_warnings() -> None:
    data = _report("--section", "overview", "--section", "parse", "--section", "problems")
    # libsasl's own "SASL authentication failure: Password verification failed" stays one
    assert data["overview"]["warnings"] == 1
    assert data["parse"]["events_by_kind"]["sasl_failure"] == 5
    assert data["parse"]["unparsed"] == 0
    assert [row["text"] for row in data["problems"]["logs"]["top"]] == [
        "SASL authentication failure: Password verification failed"
    ]


def test_the_store_gives_the_same_sasl_section(tmp_path: Path) -> None:
    """sasl_failure events go through the store's Parquet files with every column the
    section reads."""
    store = tmp_path / "store"
    settings = ParseSettings(tz="UTC", year=2026)
    now = datetime(2026, 11, 27, tzinfo=UTC)
    assert ingest([str(LOG)], store, settings, now, wait=False).errors == []
    from_store = _report("--year", "2026", "--section", "sasl", "--store", str(store), "-q")
    assert from_store["sasl"] == _report("--year", "2026", "--section", "sasl")["sasl"]
