"""The figures of issue 18 on real Postfix runs of the sample-log generator: a run with
TLS logging off (smtpd_tls_loglevel = smtp_tls_loglevel = 0), mail deferred on one day
and delivered the next, local submissions; and --postfix-config on the main run.

These runs come from the generator's branch (sample_logs/tls-unlogged, sample_logs/
postfix): until they are in the tree, the tests that read them are skipped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from maillogs.cli import main

SAMPLE = Path(__file__).resolve().parent.parent / "sample_logs"
UNLOGGED = SAMPLE / "tls-unlogged"
MAIN_CF = SAMPLE / "postfix" / "main.cf"
needs_unlogged = pytest.mark.skipif(
    not (UNLOGGED / "truth.json").exists(), reason="needs the generator's tls-unlogged run"
)
needs_main_cf = pytest.mark.skipif(
    not MAIN_CF.exists(), reason="needs the generator's sample_logs/postfix"
)


def _report(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(
        main, ["report", "--format", "json", "--tz", "UTC", "--year", "2026", "-q", *args]
    )
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


@needs_unlogged
def test_tls_not_logged_gives_starttls_sessions_and_accepted_messages_over_tls() -> None:
    truth = json.loads((UNLOGGED / "truth.json").read_text())
    data = _report(str(UNLOGGED / "classic"))
    overview, inbound = data["overview"], data["tls"]["inbound"]
    messages = truth["messages"]
    assert overview["received"] == messages["received"]
    assert overview["received_by_source"] == {
        "smtpd": messages["smtpd_client_lines"],
        "pickup": messages["pickup"],
    }
    assert overview["accepted"] == messages["accepted_by_smtpd"]
    assert inbound["accepted_messages"]["total"] == messages["accepted_by_smtpd"]
    assert inbound["accepted_messages"]["tls"] == messages["accepted_by_smtpd_over_tls"]
    assert inbound["accepted_messages"]["unknown"] == 0  # every session's end is logged
    assert (overview["deferred"], overview["deferrals"]) == (
        messages["deferred_messages"],
        messages["deferral_attempts"],
    )
    assert inbound["starttls"] == {"sessions": truth["starttls"]["inbound_sessions"], "logged": 0}
    # the level, protocol and cipher of those sessions are unknown, not "none"
    assert inbound["by_level"]["unknown"] == truth["starttls"]["inbound_sessions"]
    assert inbound["by_protocol"] == {"unknown": truth["starttls"]["inbound_sessions"]}
    assert data["tls"]["outbound"]["tls_logged"] is False
    codes = [notice["code"] for notice in data["notices"]]
    assert codes == ["tls-not-logged", "tls-not-logged"]


@needs_unlogged
def test_a_day_and_the_next_add_up_to_both() -> None:
    """Mail deferred on the first day and delivered on the second arrived once."""
    truth = json.loads((UNLOGGED / "truth.json").read_text())
    logs = str(UNLOGGED / "classic")
    first = _report("--since", "2026-11-28", "--until", "2026-11-28", logs)["overview"]
    second = _report("--since", "2026-11-29", "--until", "2026-11-29", logs)["overview"]
    both = _report(logs)["overview"]
    for name in ("received", "accepted", "delivered", "deferrals", "rejected", "connections"):
        assert first[name] + second[name] == both[name], name
    for day, row in truth["messages"]["by_day"].items():
        one = first if day == "2026-11-28" else second
        assert one["received"] == row["received"], day
        assert one["accepted"] == row["accepted_by_smtpd"], day
        assert one["deferrals"] == row["deferral_attempts"], day


@needs_main_cf
def test_postfix_config_alone_gives_the_report_of_the_explicit_options() -> None:
    logs = str(SAMPLE / "classic")
    explicit = _report(
        "--catchall-domain", "example.org",
        "--header-checks", str(SAMPLE / "header_checks"),
        "--body-checks", str(SAMPLE / "body_checks"),
        logs,
    )  # fmt: skip
    from_main_cf = _report("--postfix-config", str(MAIN_CF), logs)
    for data in (explicit, from_main_cf):
        data["parse"].pop("files")
        data["spammers"].pop("own_domains")
        data["spammers"].pop("own_networks")
    assert from_main_cf == explicit


@needs_unlogged
def test_main_cf_says_whether_a_delivery_without_a_tls_line_was_plaintext() -> None:
    """The run's own main.cf (smtp_tls_loglevel = 0): the deliveries' TLS is unknown,
    and no destination is said to take mail in plaintext. A main.cf at level 1 read
    with the same log makes its silence mean plaintext (the rule; docs/report-schema.md)."""
    truth = json.loads((UNLOGGED / "truth.json").read_text())
    logs = str(UNLOGGED / "classic")
    own = _report("--postfix-config", str(UNLOGGED / "postfix" / "main.cf"), logs)
    outbound = own["tls"]["outbound"]
    sent = truth["deliveries"]["by_transport"]["smtp"]["sent"]
    assert outbound["tls_logged"] is False
    assert outbound["delivered_messages"] == {"total": sent, "tls": 0, "unknown": sent}
    assert outbound["encrypt_would_fail"] == [] and outbound["verify_would_fail"] == []
    assert {level for level, n in outbound["by_level"].items() if n} == {"unknown"}
    at_level_one = _report("--postfix-config", str(MAIN_CF), logs)["tls"]["outbound"]
    assert at_level_one["tls_logged"] is True
    assert at_level_one["delivered_messages"] == {"total": sent, "tls": 0, "unknown": 0}
    assert {level for level, n in at_level_one["by_level"].items() if n} == {"none"}
    assert at_level_one["encrypt_would_fail"] != []
    # and the TLS-logged run is read the same with its main.cf as without
    logged = str(SAMPLE / "classic")
    assert (
        _report("--postfix-config", "none", logged)["tls"]
        == _report("--postfix-config", str(MAIN_CF), logged)["tls"]
    )
