"""smtpd's refusals by reason class (RBLs by list), and who was refused most."""

from __future__ import annotations

import polars as pl

from parsers.schema import EventKind
from reports.expr import domain, is_refusal
from reports.options import ReportOptions
from reports.reject_detail import RejectDetail
from reports.section import Batch, Json, Needs, ParseSummary, ranked
from reports.tally import Accumulator, Tally, counts, regroup

CLASSES = (
    "unknown_recipient",
    "relay_denied",
    "rbl",
    "unknown_sender_domain",
    "client_access",
    "spf",
    "helo",
    "other",
)


NEEDS: Needs = {
    EventKind.REJECT: [
        "action",
        "reason_class",
        "rbl_list",
        "client_host",
        "client_ip",
        "sender",
        "recipient",
        "code",
        "dsn",
        "reason",
    ]
}


class Rejects:
    name = "rejects"
    needs = NEEDS

    def __init__(self, options: ReportOptions) -> None:
        self.options = options
        self.classes = Tally(["reason_class", "rbl_list"], seen=False)
        self.clients = Tally(["client_host", "client_ip"])
        self.senders = Tally(["sender"])
        self.detail = RejectDetail()

    def add(self, batch: Batch) -> None:
        rejects = batch[EventKind.REJECT].filter(is_refusal())
        self.classes.add(rejects.select("time", "reason_class", "rbl_list"))
        self.clients.add(rejects.select("time", "client_host", "client_ip"))
        self.senders.add(rejects.select("time", "sender"))
        self.detail.add(rejects)

    def accumulators(self) -> dict[str, Accumulator]:
        return {
            "classes": self.classes,
            "clients": self.clients,
            "senders": self.senders,
            **self.detail.accumulators(),
        }

    def result(self, summary: ParseSummary) -> Json:
        classes = self.classes.frame()
        by_class = dict.fromkeys(CLASSES, 0) | counts(classes, "reason_class")
        top = self.options.top
        return {
            "total": int(classes.get_column("count").sum() or 0),
            "by_class": by_class,
            "rbl_by_list": counts(classes.filter(pl.col("rbl_list").is_not_null()), "rbl_list"),
            "top_clients": ranked(self.clients.frame(), "client_host", top, ("client_ip",)),
            "top_sender_domains": ranked(
                regroup(self.senders.frame(), sender_domain=domain(pl.col("sender"))).drop_nulls(
                    "sender_domain"
                ),
                "sender_domain",
                top,
            ),
            **self.detail.result(top, CLASSES),
        }
