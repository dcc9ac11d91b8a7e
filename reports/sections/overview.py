"""pflogsumm's grand totals, done exactly: messages in and out, rejects, bytes, per day."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from parsers.schema import EventKind
from reports import people
from reports.expr import domain, is_forwarding, is_refusal
from reports.ledger import LEDGER_NEEDS, MessageLedger
from reports.metrics import Metrics
from reports.options import ReportOptions
from reports.section import Batch, Json, Needs, ParseSummary, SectionKind, union
from reports.tables import Table, share
from reports.tally import Accumulator, LocalTally, Tally, counts
from reports.units import Bytes, seconds

_ONE_DAY_SECONDS = 86400


NEEDS: Needs = union(
    {
        EventKind.CONNECT: ["host"],
        EventKind.DELIVERY: ["host", "status", "recipient", "reason", "delay", "queue_id"],
        EventKind.REJECT: ["action"],
        EventKind.CONTENT_CHECK: ["action"],
        EventKind.LOG: ["severity"],
        EventKind.CLIENT: [],
        EventKind.PICKUP: [],
    },
    LEDGER_NEEDS,
)


class Overview:
    name = "overview"
    needs = NEEDS

    def __init__(self, options: ReportOptions, isolated: bool = False) -> None:
        self.options = options
        tz, at = options.tz, ["day", "hour"]
        self.connections = LocalTally(tz, at)
        self.messages = MessageLedger(tz, isolated)
        # pflogsumm's received: each smtpd `client=` line and each pickup, as they come
        self.arrivals = LocalTally(tz, at, ["source"])
        # pflogsumm's deferred: messages with a deferral (its deferrals are the lines)
        self.deferred_messages = Tally(["queue_id"], seen=False)
        self.deliveries = LocalTally(tz, at, ["status"])
        # deliveries (forwardings left out) by recipient and status, with their delays
        self.by_recipient = Tally(["recipient", "status"], value="delay", seen=False, peak=True)
        self.rejects = LocalTally(tz, at, ["source", "action"])
        self.logs = Tally(["severity"], seen=False)
        self.hosts = Tally(["host"], seen=False)  # the syslog host names: who the report is about

    def add(self, batch: Batch) -> None:
        self.connections.add(batch[EventKind.CONNECT].select("time"))
        self.messages.add(batch)
        self.arrivals.add(
            pl.concat(
                [
                    batch[EventKind.CLIENT].select("time", pl.lit("smtpd").alias("source")),
                    batch[EventKind.PICKUP].select("time", pl.lit("pickup").alias("source")),
                ]
            )
        )
        deliveries = batch[EventKind.DELIVERY]
        self.deferred_messages.add(
            deliveries.filter(pl.col("status") == "deferred").select("time", "queue_id")
        )
        self.hosts.add(batch[EventKind.CONNECT].select("time", "host"))
        self.hosts.add(deliveries.select("time", "host"))
        forwarded = deliveries.select(is_forwarding()).to_series()
        outcome = pl.when(forwarded).then(pl.lit("forwarded")).otherwise(pl.col("status"))
        self.deliveries.add(deliveries.select("time", outcome.alias("status")))
        self.by_recipient.add(
            deliveries.filter(~forwarded).select(
                "time", pl.col("recipient").str.to_lowercase(), "status", "delay"
            )
        )
        self.rejects.add(
            pl.concat(
                [
                    batch[EventKind.REJECT].select(
                        "time", pl.lit("smtpd").alias("source"), "action"
                    ),
                    batch[EventKind.CONTENT_CHECK].select(
                        "time", pl.lit("cleanup").alias("source"), "action"
                    ),
                ]
            )
        )
        self.logs.add(batch[EventKind.LOG].select("time", "severity"))

    def accumulators(self) -> dict[str, Accumulator]:
        ledger = {f"ledger.{name}": acc for name, acc in self.messages.accumulators().items()}
        return {
            "connections": self.connections,
            "arrivals": self.arrivals,
            "deferred_messages": self.deferred_messages,
            "deliveries": self.deliveries,
            "by_recipient": self.by_recipient,
            "rejects": self.rejects,
            "logs": self.logs,
            "hosts": self.hosts,
            **ledger,
        }

    def result(self, summary: ParseSummary) -> Json:
        self.messages.finish()
        queued = self.messages.queued.frame()
        arrivals = self.arrivals.frame()
        arrived = counts(arrivals, "source")
        deliveries = self.deliveries.frame()
        rejects = self.rejects.frame()
        by_status = counts(deliveries, "status")
        # a milter's reject, discard or hold counts as the table's
        plain = pl.col("action").str.strip_prefix("milter-")
        actions = rejects.group_by(plain).agg(pl.col("count").sum())
        action_count = {str(a): int(c) for a, c in actions.iter_rows()}
        sources = self.messages.counts
        by_sender = self.messages.by_sender.frame()
        senders = by_sender.get_column("sender").filter(by_sender.get_column("sender") != "")
        by_recipient = self.by_recipient.frame()
        bytes_to = self.messages.bytes_to.frame()
        sent = by_recipient.filter(pl.col("status") == "sent")
        recipients = sent.get_column("recipient").drop_nulls()
        top = self.options.top
        logs = counts(self.logs.frame(), "severity")
        return {
            "connections": self.connections.total(),
            # pflogsumm's received: smtpd `client=` lines and pickups in the period
            "received": sum(arrived.values()),
            "received_by_source": {
                "smtpd": arrived.get("smtpd", 0),
                "pickup": arrived.get("pickup", 0),
            },
            # messages smtpd accepted: queued (cleanup and qmgr took them)
            "accepted": sources["smtpd"],
            # messages born in the period that entered the queue, and where from
            "queued": int(queued.get_column("count").sum()),
            "queued_by_source": {
                "smtpd": sources["smtpd"],
                "pickup": sources["pickup"],
                "postfix": sources["postfix"],
            },
            "delivered": by_status.get("sent", 0),
            "forwarded": by_status.get("forwarded", 0),
            # pflogsumm's "N deferred (M deferrals)": messages, and delivery lines
            "deferred": self.deferred_messages.merged().height,
            "deferrals": by_status.get("deferred", 0),
            "bounced": by_status.get("bounced", 0),
            "expired": by_status.get("expired", 0),
            "rejected": action_count.get("reject", 0),
            "discarded": action_count.get("discard", 0),
            "held": action_count.get("hold", 0),
            # WARN actions, and what warn_if_reject let through ("reject_warning"):
            # pflogsumm's "reject warnings"
            "warned": sum(action_count.get(a, 0) for a in ("warning", "warn", "reject_warning")),
            "bytes_received": int(by_sender.get_column("total").sum() or 0),
            "bytes_delivered": sources["bytes_delivered"],
            "senders": senders.n_unique(),
            "sending_domains": _distinct_domains(senders),
            "recipients": recipients.n_unique(),
            "recipient_domains": _distinct_domains(recipients),
            **people.people(by_sender, sent, bytes_to, top),
            "by_sending_domain": people.by_sending_domain(by_sender, top),
            "by_recipient_domain": people.by_recipient_domain(by_recipient, bytes_to, top),
            "by_day": self._by(pl.col("day"), arrivals, queued, deliveries, rejects),
            "by_hour": (
                self._by(pl.col("hour"), arrivals, queued, deliveries, rejects)
                if self._one_day()
                else {}
            ),
            # every day's hours added up: when in the day the mail comes
            "by_hour_of_day": _every_hour(
                self._by(pl.col("hour").str.slice(11, 2), arrivals, queued, deliveries, rejects)
            ),
            "warnings": logs.get("warning", 0),
            "errors": logs.get("error", 0),
            "fatal": logs.get("fatal", 0),
            "panic": logs.get("panic", 0),
            "hosts": {
                str(host): int(count)
                for host, count in self.hosts.frame().select("host", "count").iter_rows()
                if host
            },
        }

    def _one_day(self) -> bool:
        since, until = self.options.since, self.options.until
        return bool(since and until and (until - since).total_seconds() <= _ONE_DAY_SECONDS)

    def _by(
        self,
        key: pl.Expr,
        received: pl.DataFrame,
        queued: pl.DataFrame,
        deliveries: pl.DataFrame,
        rejects: pl.DataFrame,
    ) -> dict[str, dict[str, int]]:
        """Traffic per value of `key`, an expression of the local "day" and "hour"
        labels (both are in every LocalTally frame)."""
        table: dict[str, dict[str, int]] = {}

        def put(frame: pl.DataFrame, name: str) -> None:
            grouped = frame.group_by(key.alias("_key")).agg(pl.col("count").sum())
            for label, count in grouped.iter_rows():
                row = table.setdefault(str(label), dict.fromkeys(_TRAFFIC, 0))
                row[name] += int(count)

        put(self.connections.frame(), "connections")
        put(received, "received")
        put(queued, "queued")
        for status in ("sent", "deferred", "bounced"):
            name = "delivered" if status == "sent" else status
            put(deliveries.filter(pl.col("status") == status), name)
        put(rejects.filter(is_refusal()), "rejected")
        return dict(sorted(table.items()))


# The columns of the traffic tables: pflogsumm's (deferred: its deferral lines, as its
# per-day table counts them), the connections and the messages queued.
_TRAFFIC = ("connections", "received", "queued", "delivered", "deferred", "bounced", "rejected")


def _every_hour(table: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """All 24 hours, quiet ones at zero (none at all if the period had no traffic)."""
    if not table:
        return table
    return {
        f"{hour:02d}": table.get(f"{hour:02d}", dict.fromkeys(_TRAFFIC, 0)) for hour in range(24)
    }


def _distinct_domains(addresses: pl.Series) -> int:
    found = pl.DataFrame({"a": addresses}).select(domain(pl.col("a")).drop_nulls().n_unique())
    return int(found.item())


def _tables(data: Mapping[str, Any]) -> list[Table]:
    rejected, discarded = data["rejected"], data["discarded"]
    # pflogsumm's shares: of the messages delivered, rejected or discarded
    handled = data["delivered"] + rejected + discarded
    totals = (
        ("received", data["received"], ""),
        ("accepted by smtpd", data["accepted"], ""),
        ("queued", data["queued"], ""),
        ("delivered", data["delivered"], ""),
        ("forwarded", data["forwarded"], ""),
        ("deferred", f"{data['deferred']} ({data['deferrals']} deferrals)", ""),
        ("bounced", data["bounced"], ""),
        ("rejected", rejected, share(rejected, handled)),
        ("reject warnings", data["warned"], ""),
        ("held", data["held"], ""),
        ("discarded", discarded, share(discarded, handled)),
        ("connections", data["connections"], ""),
        ("bytes received", Bytes(data["bytes_received"]), ""),
        ("bytes delivered", Bytes(data["bytes_delivered"]), ""),
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
    return tables + _people_tables(data)


def _people_tables(data: Mapping[str, Any]) -> list[Table]:
    """pflogsumm's host/domain summaries and its senders and recipients."""
    tables = []
    if "by_recipient_domain" in data:
        tables.append(
            Table(
                "overview",
                "recipient_domains",
                "Delivery by recipient domain",
                ("domain", "sent", "bytes", "deferred", "bounced", "avg delay", "max delay"),
                tuple(
                    (
                        r["domain"],
                        r["sent"],
                        Bytes(r["bytes"]),
                        r["deferred"],
                        r["bounced"],
                        seconds(r["average_delay"]),
                        seconds(r["max_delay"]),
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
                tuple(
                    (r["domain"], r["messages"], Bytes(r["bytes"]))
                    for r in data["by_sending_domain"]
                ),
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
                    tuple((r[name], r["messages"], Bytes(r["bytes"])) for r in data[key]),
                )
            )
    return tables


def _metrics(put: Metrics, data: Json) -> None:
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


SECTION: SectionKind[Json] = SectionKind(
    name="overview",
    title="Overview",
    version=2,
    make=Overview,
    tables=_tables,
    metrics=_metrics,
)
