"""`--format prometheus`: the report's numbers as gauges, read back with prometheus_client's
own parser and checked against truth.json; hostile label values survive intact and inert."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families

from maillogs.cli import main
from parsers.envelope import LogFormat
from parsers.stream import EventParser
from parsers.timestamps import TimeContext
from reports.builder import ReportBuilder
from reports.options import ReportOptions
from reports.render import Format, render
from reports.section import ParseSummary
from tests.test_sample_logs import TRUTH, classic

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _samples(text: str) -> Samples:
    """{(metric name, sorted labels): value}, parsed as Prometheus parses it."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@cache
def _sample_logs() -> Samples:
    return _samples(render(classic()[0], Format.PROMETHEUS))


def _get(name: str, **labels: str) -> float:
    return _sample_logs()[(f"maillogs_{name}", tuple(sorted(labels.items())))]


def test_every_metric_is_a_documented_gauge() -> None:
    families = list(text_string_to_metric_families(render(classic()[0], Format.PROMETHEUS)))
    assert len(families) > 30
    assert all(f.type == "gauge" and f.name.startswith("maillogs_") and f.documentation
               for f in families)  # fmt: skip


def test_every_metric_is_in_the_docs() -> None:
    docs = (Path(__file__).parents[1] / "docs" / "prometheus.md").read_text()
    documented = set(re.findall(r"^\| `(maillogs_\w+)` \|", docs, re.MULTILINE))
    assert {name for name, _ in _sample_logs()} <= documented


def test_sample_logs_numbers_equal_truth() -> None:
    overview = TRUTH["overview"]
    # the truth's received is the report's queued, its deferred (lines) the deferrals
    for outcome, key in (
        ("queued", "received"),
        ("delivered", "delivered"),
        ("deferrals", "deferred"),
        ("bounced", "bounced"),
        ("rejected", "rejected"),
    ):
        assert _get("messages", outcome=outcome) == overview[key]
    assert _get("smtpd_connections") == overview["connections"]
    for direction in ("inbound", "outbound"):
        tls = TRUTH["tls"][direction]
        for level, count in tls["by_level"].items():
            assert _get("tls_connections", direction=direction, level=level) == count
        for protocol, count in tls["by_protocol"].items():
            assert _get("tls_protocol_connections", direction=direction, protocol=protocol) == count
        for family, counts in tls["by_ip_family"].items():
            for over, key in (("all", "connections"), ("tls", "tls")):
                assert (
                    _get("ip_family_connections", direction=direction, family=family, over=over)
                    == counts[key]
                )
    for identity, results in TRUTH["spf"]["by_identity"].items():
        for result, count in results.items():
            assert _get("spf_verdicts", identity=identity, result=result) == count
    for rule, count in TRUTH["header_checks"]["reject_by_id"].items():
        assert _get("header_checks_rejects", id=rule) == count
    for reason, count in TRUTH["rejects"]["by_class"].items():
        assert _get("rejects", **{"class": reason}) == count
    for transport, statuses in TRUTH["deliveries"]["by_transport"].items():
        for status, count in statuses.items():
            assert _get("deliveries", transport=transport, status=status) == count
    for address, count in TRUTH["catchall"]["by_address"].items():
        assert _get("catchall_deliveries", address=address) == count
    assert _get("lines") == classic()[2].stats.lines
    assert _get("all_unparsed_lines") == 0


HOSTILE_LIST = 'zen"}\\evil{x="1"}'  # no space: an RBL name ends at one
HOSTILE_ADDRESS = 'a"b\\c\x1b[2J@example.org'
LINES = [
    "Nov 24 10:00:00 mx postfix/smtpd[7]: NOQUEUE: reject: RCPT from a.test[192.0.2.1]: "
    "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using "
    f"{HOSTILE_LIST}; from=<s@a.test> to=<x@example.org> proto=ESMTP helo=<a.test>",
    "Nov 24 10:00:01 mx postfix/virtual[8]: AAAA000001: "
    f"to=<me@example.net>, orig_to=<{HOSTILE_ADDRESS}>, relay=virtual, delay=0.1, "
    "delays=0.1/0/0/0, dsn=2.0.0, status=sent (delivered to mailbox)",
]


def test_hostile_label_values_round_trip_and_carry_no_control_characters() -> None:
    batch = EventParser().parse_chunk(
        "\n".join(LINES).encode() + b"\n",
        LogFormat.CLASSIC,
        TimeContext("UTC", datetime(2026, 11, 25, tzinfo=UTC)),
    )
    builder = ReportBuilder(ReportOptions(catchall_domains=["example.org"]))
    builder.add(batch)
    text = render(builder.finish(ParseSummary(lines=2)), Format.PROMETHEUS)
    assert "\x1b" not in text
    samples = _samples(text)
    assert samples[("maillogs_rbl_rejects", (("list", HOSTILE_LIST),))] == 1
    # lower-cased, as the catch-all section keys addresses; ESC visible, as in the terminal
    shown = HOSTILE_ADDRESS.lower().replace("\x1b", "\\x1b")
    assert samples[("maillogs_catchall_deliveries", (("address", shown),))] == 1


def test_output_file_is_written_whole(tmp_path: Path) -> None:
    target = tmp_path / "maillogs.prom"
    target.write_text("old\n")
    sample = Path(__file__).parents[1] / "sample_logs" / "classic"
    result = CliRunner().invoke(
        main, ["report", "--format", "prometheus", "--tz", "UTC", "-o", str(target), str(sample)]
    )
    assert result.exit_code == 0, result.output
    assert (
        _samples(target.read_text())[("maillogs_smtpd_connections", ())]
        == (TRUTH["overview"]["connections"])
    )
    assert [p.name for p in tmp_path.iterdir()] == ["maillogs.prom"]  # no temporary file left
