"""The report's numbers as Prometheus metrics, for node_exporter's textfile collector.

What postfix_exporter exports, from the logs: every metric is a gauge holding the count
over the report's period (`--since today` from cron: today so far), labelled as the
JSON report breaks it down. prometheus_client writes the exposition format: it escapes
label values (log text: cipher names, RBL names, addresses) and, for a file, writes a
temporary file and renames it, so node_exporter never reads half a file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest, write_to_textfile
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from reports.builder import Report
from reports.escape import for_terminal

PREFIX = "maillogs_"
Json = Mapping[str, Any]  # a part of the report's data


class _Families:
    """Gauge families by name, filled sample by sample."""

    def __init__(self) -> None:
        self.found: dict[str, GaugeMetricFamily] = {}

    def put(self, name: str, documentation: str, value: object, **labels: object) -> None:
        """One sample; a missing value (no data for it in the period) gives none."""
        if not isinstance(value, int | float) or isinstance(value, bool):
            return
        family = self.found.get(name)
        if family is None:
            family = GaugeMetricFamily(PREFIX + name, documentation, labels=list(labels))
            self.found[name] = family
        # control characters made visible, as in the terminal; prometheus_client
        # escapes the backslashes and quotes
        family.add_metric([for_terminal(v) for v in labels.values()], float(value))

    def each(
        self, name: str, documentation: str, label: str, counts: Json, **fixed: object
    ) -> None:
        """A sample per key of `counts`, labelled `label`, and `fixed` labels on each."""
        for key, value in counts.items():
            self.put(name, documentation, value, **fixed, **{label: key})

    def nested(self, name: str, documentation: str, labels: tuple[str, str], table: Json) -> None:
        """A sample per inner key of {outer: {inner: value}}, labelled by both keys."""
        outer, inner = labels
        for key, counts in table.items():
            self.each(name, documentation, inner, counts, **{outer: key})


def _timestamp(value: object) -> float | None:
    return datetime.fromisoformat(value).timestamp() if isinstance(value, str) else None


def _overview(put: _Families, data: Json) -> None:
    for outcome in (
        "received",
        "accepted",
        "queued",
        "delivered",
        "forwarded",
        "deferred",
        "deferrals",
        "bounced",
        "expired",
        "rejected",
        "discarded",
        "held",
        "warned",
    ):
        put.put("messages", "Messages by outcome over the period.", data[outcome], outcome=outcome)
    put.each(
        "received_messages",
        "Messages received (smtpd client= lines, pickups), by where they came from.",
        "source",
        data["received_by_source"],
    )
    put.each(
        "queued_messages",
        "Messages that entered the queue, by where they came from.",
        "source",
        data["queued_by_source"],
    )
    for direction in ("received", "delivered"):
        put.put(
            "message_bytes",
            "Bytes of the messages received and delivered.",
            data[f"bytes_{direction}"],
            direction=direction,
        )
    put.put("smtpd_connections", "smtpd connections (connect from lines).", data["connections"])
    for what in ("senders", "sending_domains", "recipients", "recipient_domains"):
        put.put(
            "distinct", "Distinct senders, recipients and their domains.", data[what], what=what
        )
    for severity, key in (
        ("warning", "warnings"),
        ("error", "errors"),
        ("fatal", "fatal"),
        ("panic", "panic"),
    ):
        put.put(
            "log_messages", "Postfix's own log lines by severity.", data[key], severity=severity
        )


def _tls(put: _Families, data: Json) -> None:
    for direction, side in data.items():
        for name, label, what in (
            ("tls_connections", "level", "Connections by TLS trust level (none: no TLS)."),
            ("tls_protocol_connections", "protocol", "TLS connections by protocol."),
            ("tls_cipher_connections", "cipher", "TLS connections by cipher."),
        ):
            put.each(name, what, label, side[f"by_{label}"], direction=direction)
        for family, counts in side["by_ip_family"].items():
            for over, count in (("all", counts["connections"]), ("tls", counts["tls"])):
                put.put(
                    "ip_family_connections",
                    "Connections by IP family, all and over TLS.",
                    count,
                    direction=direction,
                    family=family,
                    over=over,
                )
        messages = side.get("accepted_messages") or side.get("delivered_messages") or {}
        for over, key in (("all", "total"), ("tls", "tls"), ("unknown", "unknown")):
            if key not in messages and over == "unknown":
                continue
            put.put(
                "tls_messages",
                "Messages accepted (inbound) or delivered (outbound), all, over TLS and "
                "of unknown TLS (not logged).",
                messages.get(key),
                direction=direction,
                over=over,
            )


def _spf(put: _Families, spf: Json) -> None:
    put.nested(
        "spf_verdicts",
        "policyd-spf verdicts by identity and result.",
        ("identity", "result"),
        spf["by_identity"],
    )
    for action in ("rejected", "deferred"):
        put.put("spf_actions", "Messages SPF refused or deferred.", spf[action], action=action)


def _checks(put: _Families, report: Json) -> None:
    for table in ("header_checks", "body_checks"):
        if table in report:
            put.each(
                f"{table}_actions", f"{table} hits by action.", "action", report[table]["by_action"]
            )
            put.each(
                f"{table}_rejects",
                f"{table} REJECT hits by rule id (id= in the text).",
                "id",
                report[table]["reject_by_id"],
            )


def _rejects(put: _Families, rejects: Json) -> None:
    put.each("rejects", "smtpd rejects by reason class.", "class", rejects["by_class"])
    put.each("rbl_rejects", "RBL rejects by list.", "list", rejects["rbl_by_list"])


def _catchall(put: _Families, catchall: Json) -> None:
    put.each(
        "catchall_deliveries",
        "Deliveries to each catch-all address.",
        "address",
        catchall["by_address"],
    )
    put.each(
        "catchall_rejects",
        "Mail to each catch-all address refused as spam.",
        "address",
        catchall["rejected_by_address"],
    )


def _deliveries(put: _Families, deliveries: Json) -> None:
    put.nested(
        "deliveries",
        "Delivery attempts by transport and status.",
        ("transport", "status"),
        deliveries["by_transport"],
    )
    for name, quantile in (("p50", "0.5"), ("p90", "0.9"), ("p99", "0.99")):
        put.put(
            "delivery_delay_seconds",
            "Delay of sent mail (delay=), by quantile.",
            deliveries["delay_seconds"][name],
            quantile=quantile,
        )


def _problems(put: _Families, problems: Json) -> None:
    put.each(
        "smtpd_session_errors",
        "smtpd sessions that ended badly, by error.",
        "error",
        problems["session_errors"],
    )
    put.each(
        "smtpd_lost_connections",
        "Clients that hung up, by the SMTP command they had reached.",
        "after",
        problems["lost_connection_after"],
    )
    for direction in ("inbound", "outbound"):
        put.put(
            "tls_handshake_failures",
            "Failed TLS handshakes.",
            problems["tls_failures"][direction],
            direction=direction,
        )
    put.each("postscreen_verdicts", "postscreen verdicts.", "event", problems["postscreen"])


def _sessions(put: _Families, sessions: Json) -> None:
    for label, key in (("all", "ended"), ("timed", "timed")):
        put.put(
            "smtpd_sessions",
            "smtpd sessions that ended (timed: their connect was read).",
            sessions[key],
            sessions=label,
        )
    put.put(
        "smtpd_connect_seconds",
        "Connect time of the timed smtpd sessions, added up.",
        sessions["total_seconds"],
    )
    put.put("smtpd_longest_session_seconds", "The longest smtpd session.", sessions["max_seconds"])


def _sasl(put: _Families, sasl: Json) -> None:
    put.each(
        "sasl_messages",
        "Messages sent after SMTP AUTH, over TLS or plaintext.",
        "over",
        sasl["messages_over"],
    )
    put.each("sasl_failures", "Failed and aborted SMTP AUTH logins.", "outcome", sasl["failures"])
    put.each(
        "sasl_failures_by_mechanism",
        "Failed and aborted logins by SASL mechanism.",
        "mechanism",
        sasl["failures_by_mechanism"],
    )


def _parse(put: _Families, parse: Json) -> None:
    put.put("lines", "Log lines read.", parse["lines"])
    put.put("not_mail_lines", "Lines of programs that are not mail.", parse["not_mail"])
    put.put("all_unparsed_lines", "Lines no rule understood, all programs.", parse["unparsed"])
    put.each("events", "Events by kind.", "kind", parse["events_by_kind"])
    put.each(
        "unparsed_lines",
        "Lines no rule understood, by program.",
        "program",
        parse["unparsed_by_program"],
    )
    for edge in ("first", "last"):
        put.put(
            f"log_{edge}_line_timestamp_seconds",
            f"Time of the {edge} line read.",
            _timestamp(parse[f"{edge}_time"]),
        )


def _period(put: _Families, period: Json) -> None:
    for edge, key in (("start", "since"), ("end", "until")):
        put.put(
            f"period_{edge}_timestamp_seconds",
            f"The period's {edge} (--{key}).",
            _timestamp(period[key]),
        )


# The report's sections that have numbers to export, in the order written.
_SECTIONS = {
    "overview": _overview,
    "tls": _tls,
    "spf": _spf,
    "rejects": _rejects,
    "catchall": _catchall,
    "deliveries": _deliveries,
    "problems": _problems,
    "sessions": _sessions,
    "sasl": _sasl,
    "parse": _parse,
    "period": _period,
}


def _collect(report: Json) -> Iterator[Metric]:
    put = _Families()
    for name, export in _SECTIONS.items():
        if name in report:
            export(put, report[name])
    _checks(put, report)  # header_checks and body_checks stand at the top of the report
    yield from put.found.values()


class _ReportCollector(Collector):
    def __init__(self, report: Report) -> None:
        self.report = report

    def collect(self) -> Iterator[Metric]:
        return _collect(self.report.data)


def _registry(report: Report) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_ReportCollector(report))
    return registry


def render(report: Report) -> str:
    return generate_latest(_registry(report)).decode("utf-8")


def write(report: Report, path: Path) -> None:
    """Write to `path` whole or not at all (a temporary file, then a rename)."""
    write_to_textfile(str(path), _registry(report))
