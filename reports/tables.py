"""The report's data laid out as titled tables, shared by the text, Markdown and CSV
renderers (JSON renders the data itself)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from reports.builder import Report
from reports.units import Bytes, Seconds

Cell = str | int | float | Bytes | Seconds | None

# A section's heading, in every renderer.
SECTION_TITLES = {
    "overview": "Overview",
    "tls": "TLS",
    "spammers": "Spammers",
    "spf": "SPF",
    "checks": "header_checks and body_checks",
    "rejects": "Rejects",
    "catchall": "Catch-all addresses",
    "deliveries": "Deliveries",
    "problems": "Problems",
    "sessions": "smtpd sessions",
    "sasl": "SMTP AUTH",
    "parse": "Parsing",
}


@dataclass(frozen=True)
class Table:
    section: str
    slug: str  # file name for CSV
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def _day(value: object) -> str:
    return str(value)[:19].replace("T", " ") if value else ""


def _counts(section: str, slug: str, title: str, key: str, data: Mapping[str, int]) -> Table:
    total = sum(data.values())
    rows = tuple((name, count, share(count, total)) for name, count in data.items())
    return Table(section, slug, title, (key, "count", "share"), rows)


def _ranked(
    section: str,
    slug: str,
    title: str,
    key: str,
    items: Iterable[Mapping[str, Any]],
    extra: tuple[str, ...] = (),
    first_seen: bool = True,
) -> Table:
    """Ranked items as rows of key, extra columns, count and last seen (and first seen,
    where the table has room for it)."""
    seen = ("first seen", "last seen") if first_seen else ("last seen",)
    rows = tuple(
        (
            item[key],
            *(item.get(name) for name in extra),
            item["count"],
            *((_day(item.get("first_seen")),) if first_seen else ()),
            _day(item.get("last_seen")),
        )
        for item in items
    )
    return Table(section, slug, title, (key, *extra, "count", *seen), rows)


def _overview(data: Mapping[str, Any]) -> list[Table]:
    received, rejected = data["received"], data["rejected"]
    totals = (
        ("messages received", received, ""),
        ("delivered", data["delivered"], ""),
        ("forwarded", data["forwarded"], ""),
        ("deferred", data["deferred"], ""),
        ("bounced", data["bounced"], ""),
        ("rejected", rejected, share(rejected, received + rejected)),
        ("discarded", data["discarded"], ""),
        ("held", data["held"], ""),
        ("connections", data["connections"], ""),
        ("bytes received", data["bytes_received"], ""),
        ("bytes delivered", data["bytes_delivered"], ""),
        ("senders", data["senders"], ""),
        ("sending domains", data["sending_domains"], ""),
        ("recipients", data["recipients"], ""),
        ("recipient domains", data["recipient_domains"], ""),
        (
            "warnings / errors / fatal / panic",
            f"{data['warnings']} / {data['errors']} / {data['fatal']} / {data['panic']}",
            "",
        ),
    )
    tables = [Table("overview", "totals", "Grand totals", ("what", "count", "share"), totals)]
    traffic = ("connections", "received", "delivered", "deferred", "bounced", "rejected")
    for key, unit, title in (
        ("by_day", "day", "Traffic by day"),
        ("by_hour", "hour", "Traffic by hour"),
        ("by_hour_of_day", "hour", "Traffic by hour of day (every day added up)"),
    ):
        rows = data.get(key) or {}
        if rows:
            tables.append(
                Table(
                    "overview",
                    key,
                    title,
                    (unit, *traffic),
                    tuple((label, *(r[name] for name in traffic)) for label, r in rows.items()),
                )
            )
    return tables + _people(data)


def _people(data: Mapping[str, Any]) -> list[Table]:
    """pflogsumm's host/domain summaries and its senders and recipients."""
    tables = []
    if "by_recipient_domain" in data:
        tables.append(
            Table(
                "overview",
                "recipient_domains",
                "Delivery by recipient domain",
                ("domain", "sent", "bytes", "deferred", "bounced", "avg delay s", "max delay s"),
                tuple(
                    (
                        r["domain"],
                        r["sent"],
                        r["bytes"],
                        r["deferred"],
                        r["bounced"],
                        r["average_delay"],
                        r["max_delay"],
                    )
                    for r in data["by_recipient_domain"]
                ),
            )
        )
    if "by_sending_domain" in data:
        tables.append(
            Table(
                "overview",
                "sending_domains",
                "Received by sender domain",
                ("domain", "messages", "bytes"),
                tuple((r["domain"], r["messages"], r["bytes"]) for r in data["by_sending_domain"]),
            )
        )
    for key, title in (
        ("top_senders", "Top senders by messages"),
        ("top_recipients", "Top recipients by messages"),
        ("top_senders_by_size", "Top senders by size"),
        ("top_recipients_by_size", "Top recipients by size"),
    ):
        name = "sender" if "sender" in key else "recipient"
        if key in data:
            tables.append(
                Table(
                    "overview",
                    key,
                    title,
                    (name, "messages", "bytes"),
                    tuple((r[name], r["messages"], r["bytes"]) for r in data[key]),
                )
            )
    return tables


def _tls_direction(name: str, data: Mapping[str, Any]) -> list[Table]:
    what = "connections" if name == "inbound" else "delivery attempts"
    title = name.capitalize()
    tables = [
        _counts(
            "tls",
            f"{name}_by_level",
            f"{title} TLS by trust level ({what})",
            "level",
            data["by_level"],
        ),
        _counts(
            "tls", f"{name}_by_protocol", f"{title} TLS protocols", "protocol", data["by_protocol"]
        ),
        _counts("tls", f"{name}_by_cipher", f"{title} TLS ciphers", "cipher", data["by_cipher"]),
        Table(
            "tls",
            f"{name}_by_ip_family",
            f"{title} by IP family",
            ("family", what, "over TLS", "share"),
            tuple(
                (family, row["connections"], row["tls"], share(row["tls"], row["connections"]))
                for family, row in data["by_ip_family"].items()
            ),
        ),
    ]
    messages = data.get("accepted_messages") or data.get("delivered_messages")
    if messages:
        label = "accepted messages" if name == "inbound" else "delivered messages"
        tables.append(
            Table(
                "tls",
                f"{name}_messages",
                f"{title} {label} over TLS",
                ("messages", "over TLS", "share"),
                ((messages["total"], messages["tls"], share(messages["tls"], messages["total"])),),
            )
        )
    if name == "inbound":
        tables.append(
            _ranked(
                "tls",
                "plaintext_clients",
                "Top plaintext clients (accepted messages)",
                "client_host",
                data["top_plaintext_clients"],
                ("client_ip",),
            )
        )
        refuse = data["encrypt_would_refuse"]
        tables.append(
            Table(
                "tls",
                "encrypt_would_refuse",
                "Refused had smtpd_tls_security_level = encrypt been set",
                ("plaintext clients", "accepted messages"),
                ((refuse["clients"], refuse["messages"]),),
            )
        )
    else:
        for key, label in (
            ("encrypt_would_fail", "plaintext"),
            ("verify_would_fail", "unverified"),
        ):
            rows = tuple((d["destination"], d["attempts"], d[label]) for d in data[key])
            level = key.split("_")[0]
            tables.append(
                Table(
                    "tls",
                    key,
                    f"Destinations that would fail under {level}",
                    ("destination", "attempts", label),
                    rows,
                )
            )
    return tables


def _spammers(data: Mapping[str, Any]) -> list[Table]:
    tables = []
    for period, lists in data["periods"].items():
        suffix = "" if period == "all" else f" ({period})"
        slug = "" if period == "all" else f"_{period}"
        for part in ("header_checks", "body_checks"):
            rows = tuple(
                (
                    r["id"],
                    r["label"],
                    r["pattern"],
                    r["count"],
                    _day(r["first_seen"]),
                    _day(r["last_seen"]),
                )
                for r in lists[part]
            )
            tables.append(
                Table(
                    "spammers",
                    f"{part}{slug}",
                    f"Top {part} rules{suffix}",
                    ("id", "label", "pattern", "count", "first seen", "last seen"),
                    rows,
                )
            )
        tables.append(
            _ranked(
                "spammers",
                f"sender_domains{slug}",
                f"Most refused sender domains{suffix}",
                "sender_domain",
                lists["sender_domains"],
            )
        )
        tables.append(
            _ranked(
                "spammers",
                f"client_networks{slug}",
                f"Most refused client networks{suffix}",
                "network",
                lists["client_networks"],
            )
        )
        tables.append(
            _ranked(
                "spammers",
                f"spf_failing{slug}",
                f"SPF-failing sender domains{suffix}",
                "domain",
                lists["spf_failing_domains"],
            )
        )
    return tables


def _spf(data: Mapping[str, Any]) -> list[Table]:
    results = list(next(iter(data["by_identity"].values())).keys())
    rows = tuple((identity, *counts.values()) for identity, counts in data["by_identity"].items())
    return [
        Table("spf", "by_identity", "SPF verdicts by identity", ("identity", *results), rows),
        Table(
            "spf",
            "actions",
            "SPF actions",
            ("rejected", "deferred"),
            ((data["rejected"], data["deferred"]),),
        ),
        _ranked(
            "spf",
            "failing_domains",
            "Top SPF-failing domains",
            "domain",
            data["top_failing_domains"],
        ),
    ]


def _checks(data: Mapping[str, Any]) -> list[Table]:
    tables = []
    for part in ("header_checks", "body_checks"):
        if part in data:
            tables.append(
                _counts(
                    "checks",
                    f"{part}_by_action",
                    f"{part} by action",
                    "action",
                    data[part]["by_action"],
                )
            )
            tables.append(
                _counts(
                    "checks",
                    f"{part}_reject_by_id",
                    f"{part} REJECT hits by rule id",
                    "id",
                    data[part]["reject_by_id"],
                )
            )
    return tables


def _rejects(data: Mapping[str, Any]) -> list[Table]:
    return [
        _counts("rejects", "by_class", "Rejects by reason", "reason", data["by_class"]),
        _counts("rejects", "rbl_by_list", "RBL rejects by list", "list", data["rbl_by_list"]),
        _ranked(
            "rejects",
            "top_clients",
            "Most rejected clients",
            "client_host",
            data["top_clients"],
            ("client_ip",),
        ),
        _ranked(
            "rejects",
            "top_sender_domains",
            "Most rejected sender domains",
            "sender_domain",
            data["top_sender_domains"],
        ),
    ]


def _catchall(data: Mapping[str, Any]) -> list[Table]:
    rows = tuple(
        (
            a["address"],
            a["site"],
            a["delivered"],
            a["rejected"],
            _day(a["first_seen"]),
            _day(a["last_seen"]),
        )
        for a in data["addresses"]
    )
    domains = ", ".join(data["domains"]) or "none configured"
    return [
        Table(
            "catchall",
            "addresses",
            f"Catch-all addresses ({domains})",
            ("address", "given to", "delivered", "rejected", "first seen", "last seen"),
            rows,
        )
    ]


def _deliveries(data: Mapping[str, Any]) -> list[Table]:
    statuses = tuple(data["by_status"].keys())
    delay = data["delay_seconds"]
    return [
        _counts("deliveries", "by_status", "Deliveries by status", "status", data["by_status"]),
        Table(
            "deliveries",
            "by_transport",
            "Deliveries by transport",
            ("transport", *statuses),
            tuple(
                (t, *(row.get(s, 0) for s in statuses)) for t, row in data["by_transport"].items()
            ),
        ),
        _counts("deliveries", "by_relay", "Deliveries by relay", "relay", data["by_relay"]),
        _ranked(
            "deliveries",
            "deferral_reasons",
            "Top deferral reasons",
            "reason",
            data["top_deferral_reasons"],
        ),
        _ranked(
            "deliveries",
            "bounce_reasons",
            "Top bounce reasons",
            "reason",
            data["top_bounce_reasons"],
        ),
        Table(
            "deliveries",
            "delay",
            "Delivery delay of sent mail (seconds)",
            ("p50", "p90", "p99"),
            ((delay["p50"], delay["p90"], delay["p99"]),),
        ),
    ]


def _parse(data: Mapping[str, Any]) -> list[Table]:
    totals = (
        ("lines read", data["lines"]),
        ("events", data["events"]),
        ("unparsed", data["unparsed"]),
        ("not mail", data["not_mail"]),
        ("first line", _day(data["first_time"])),
        ("last line", _day(data["last_time"])),
        ("files", len(data["files"])),
    )
    return [
        Table("parse", "totals", "What was read", ("what", "value"), totals),
        _counts(
            "parse",
            "unparsed_by_program",
            "Unparsed lines by program",
            "program",
            data["unparsed_by_program"],
        ),
    ]


def _problems(data: Mapping[str, Any]) -> list[Table]:
    logs, tls = data["logs"], data["tls_failures"]
    return [
        _counts(
            "problems",
            "by_severity",
            "Postfix warnings and errors",
            "severity",
            logs["by_severity"],
        ),
        _ranked(
            "problems",
            "logs",
            "Most frequent warnings and errors",
            "severity",
            logs["top"],
            ("program", "text"),
            first_seen=False,
        ),
        _ranked(
            "problems",
            "delivery_failures",
            "Failed connections to other servers",
            "program",
            data["delivery_failures"],
            ("error", "peer_host"),
        ),
        _counts(
            "problems",
            "session_errors",
            "smtpd sessions that ended badly",
            "error",
            data["session_errors"],
        ),
        _counts(
            "problems",
            "lost_connection_after",
            "Clients that hung up, by the command they had reached",
            "after",
            data["lost_connection_after"],
        ),
        Table(
            "problems",
            "tls_failures",
            "TLS handshake failures",
            ("inbound", "outbound"),
            ((tls["inbound"], tls["outbound"]),),
        ),
        _ranked(
            "problems",
            "tls_failures_by_error",
            "TLS handshake failures by error",
            "direction",
            tls["by_error"],
            ("error",),
        ),
        _ranked(
            "problems",
            "tls_failures_by_peer",
            "TLS handshake failures by peer",
            "direction",
            tls["top_peers"],
            ("peer_host", "peer_ip"),
            first_seen=False,
        ),
        _counts("problems", "postscreen", "postscreen verdicts", "event", data["postscreen"]),
        _ranked(
            "problems",
            "master",
            "Starts, stops and reloads",
            "program",
            data["master"],
            ("action",),
        ),
    ]


def _sessions(data: Mapping[str, Any]) -> list[Table]:
    totals = (
        ("sessions ended", data["ended"]),
        ("sessions timed (connect seen)", data["timed"]),
        ("clients", data["clients"]),
        ("total connect time s", data["total_seconds"]),
        ("average s", data["average_seconds"]),
        ("longest s", data["max_seconds"]),
    )
    lengths = ("total s", "avg s", "max s")
    days = tuple(
        (day, r["sessions"], r["total_seconds"], r["average_seconds"], r["max_seconds"])
        for day, r in data["by_day"].items()
    )

    def clients(key: str, title: str) -> Table:
        rows = tuple(
            (
                r["client_host"],
                r["client_ip"],
                r["count"],
                r["total_seconds"],
                r["average_seconds"],
                r["max_seconds"],
            )
            for r in data[key]
        )
        columns = ("client_host", "client_ip", "sessions", *lengths)
        return Table("sessions", key, title, columns, rows)

    return [
        Table("sessions", "totals", "smtpd sessions", ("what", "value"), totals),
        Table("sessions", "by_day", "smtpd sessions by day", ("day", "sessions", *lengths), days),
        clients("top_clients", "Clients with the most sessions"),
        clients("top_clients_by_time", "Clients connected longest"),
    ]


def _sasl(data: Mapping[str, Any]) -> list[Table]:
    over, failures, failed_over = data["messages_over"], data["failures"], data["failures_over"]
    totals = (
        ("messages sent after AUTH", data["messages"], over["plaintext"]),
        ("failed logins", failures["failed"], ""),
        ("aborted logins", failures["aborted"], ""),
        ("failed or aborted logins", sum(failures.values()), failed_over["plaintext"]),
    )
    return [
        Table("sasl", "totals", "SMTP AUTH", ("what", "count", "over plaintext"), totals),
        _ranked(
            "sasl",
            "top_users",
            "Users who sent mail after AUTH",
            "sasl_username",
            data["top_users"],
            ("plaintext",),
        ),
        _counts(
            "sasl",
            "failures_by_mechanism",
            "Failed logins by mechanism",
            "mechanism",
            data["failures_by_mechanism"],
        ),
        _ranked(
            "sasl",
            "top_failing_clients",
            "Clients that failed to log in",
            "client_host",
            data["top_failing_clients"],
            ("client_ip",),
        ),
        _ranked(
            "sasl",
            "top_tried_usernames",
            "User names tried in failed logins",
            "sasl_username",
            data["top_tried_usernames"],
        ),
    ]


def tables(report: Report) -> list[Table]:
    data = report.data
    out: list[Table] = []
    if "overview" in data:
        out += _overview(data["overview"])
    if "tls" in data:
        out += _tls_direction("inbound", data["tls"]["inbound"])
        out += _tls_direction("outbound", data["tls"]["outbound"])
    if "spammers" in data:
        out += _spammers(data["spammers"])
    if "spf" in data:
        out += _spf(data["spf"])
    out += _checks(data)
    if "rejects" in data:
        out += _rejects(data["rejects"])
    if "catchall" in data:
        out += _catchall(data["catchall"])
    if "deliveries" in data:
        out += _deliveries(data["deliveries"])
    if "problems" in data:
        out += _problems(data["problems"])
    if "sessions" in data:
        out += _sessions(data["sessions"])
    if "sasl" in data:
        out += _sasl(data["sasl"])
    if "parse" in data:
        out += _parse(data["parse"])
    return out
