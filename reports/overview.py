"""pflogsumm's grand totals, done exactly: messages in and out, rejects, bytes, per day."""

from __future__ import annotations

import polars as pl

from parsers.schema import EventKind
from reports.expr import domain, is_forwarding, is_refusal
from reports.ledger import LEDGER_NEEDS, MessageLedger
from reports.options import ReportOptions
from reports.section import Batch, Json, Needs, ParseSummary, union
from reports.tally import Accumulator, Distinct, LocalTally, Tally, counts

_ONE_DAY_SECONDS = 86400


NEEDS: Needs = union(
    {
        EventKind.CONNECT: ["host"],
        EventKind.DELIVERY: ["host", "status", "recipient", "reason"],
        EventKind.REJECT: ["action"],
        EventKind.CONTENT_CHECK: ["action"],
        EventKind.LOG: ["severity"],
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
        self.deliveries = LocalTally(tz, at, ["status"])
        self.recipients = Distinct(["recipient"])
        self.rejects = LocalTally(tz, at, ["source", "action"])
        self.logs = Tally(["severity"], seen=False)
        self.hosts = Tally(["host"], seen=False)  # the syslog host names: who the report is about

    def add(self, batch: Batch) -> None:
        self.connections.add(batch[EventKind.CONNECT].select("time"))
        self.messages.add(batch)
        deliveries = batch[EventKind.DELIVERY]
        self.hosts.add(batch[EventKind.CONNECT].select("time", "host"))
        self.hosts.add(deliveries.select("time", "host"))
        outcome = pl.when(is_forwarding()).then(pl.lit("forwarded")).otherwise(pl.col("status"))
        self.deliveries.add(deliveries.select("time", outcome.alias("status")))
        sent = deliveries.filter((pl.col("status") == "sent") & ~is_forwarding())
        self.recipients.add(sent.select(pl.col("recipient").str.to_lowercase()))
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
            "deliveries": self.deliveries,
            "recipients": self.recipients,
            "rejects": self.rejects,
            "logs": self.logs,
            "hosts": self.hosts,
            **ledger,
        }

    def result(self, summary: ParseSummary) -> Json:
        self.messages.finish()
        received = self.messages.received.frame()
        deliveries = self.deliveries.frame()
        rejects = self.rejects.frame()
        by_status = counts(deliveries, "status")
        # a milter's reject, discard or hold counts as the table's
        plain = pl.col("action").str.strip_prefix("milter-")
        actions = rejects.group_by(plain).agg(pl.col("count").sum())
        action_count = {str(a): int(c) for a, c in actions.iter_rows()}
        sources = self.messages.counts
        senders = self.messages.senders.frame().get_column("sender").drop_nulls()
        recipients = self.recipients.frame().get_column("recipient").drop_nulls()
        logs = counts(self.logs.frame(), "severity")
        return {
            "connections": self.connections.total(),
            "received": int(received.get_column("count").sum()),
            # Of the messages that entered the queue, where each came from.
            "received_by_source": {
                "smtpd": sources["smtpd"],
                "pickup": sources["pickup"],
                "postfix": sources["postfix"],
            },
            "delivered": by_status.get("sent", 0),
            "forwarded": by_status.get("forwarded", 0),
            "deferred": by_status.get("deferred", 0),
            "bounced": by_status.get("bounced", 0),
            "expired": by_status.get("expired", 0),
            "rejected": action_count.get("reject", 0),
            "discarded": action_count.get("discard", 0),
            "held": action_count.get("hold", 0),
            # WARN actions, and what warn_if_reject let through ("reject_warning"):
            # pflogsumm's "reject warnings"
            "warned": sum(action_count.get(a, 0) for a in ("warning", "warn", "reject_warning")),
            "bytes_received": int(received.get_column("total").sum() or 0),
            "bytes_delivered": sources["bytes_delivered"],
            "senders": senders.n_unique(),
            "sending_domains": _distinct_domains(senders),
            "recipients": recipients.n_unique(),
            "recipient_domains": _distinct_domains(recipients),
            "by_day": self._by("day", received, deliveries, rejects),
            "by_hour": self._by("hour", received, deliveries, rejects) if self._one_day() else {},
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
        self, unit: str, received: pl.DataFrame, deliveries: pl.DataFrame, rejects: pl.DataFrame
    ) -> dict[str, dict[str, int]]:
        table: dict[str, dict[str, int]] = {}

        def put(frame: pl.DataFrame, name: str) -> None:
            for key, count in frame.group_by(unit).agg(pl.col("count").sum()).iter_rows():
                row = table.setdefault(
                    str(key), dict.fromkeys(("connections", "received", "delivered", "rejected"), 0)
                )
                row[name] += int(count)

        put(self.connections.frame(), "connections")
        put(received, "received")
        put(deliveries.filter(pl.col("status") == "sent"), "delivered")
        put(rejects.filter(is_refusal()), "rejected")
        return dict(sorted(table.items()))


def _distinct_domains(addresses: pl.Series) -> int:
    found = pl.DataFrame({"a": addresses}).select(domain(pl.col("a")).drop_nulls().n_unique())
    return int(found.item())
