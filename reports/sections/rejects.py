"""smtpd's refusals by reason class (RBLs by list), and who was refused most."""

from __future__ import annotations

from typing import TypedDict

import polars as pl

from parsers.schema import EventKind
from reports.expr import domain, is_refusal
from reports.metrics import Metrics
from reports.options import ReportOptions
from reports.reject_detail import RejectDetail
from reports.reject_detail import tables as detail_tables
from reports.section import Batch, Json, Needs, ParseSummary, SectionKind, ranked
from reports.tables import Table, count_table, ranked_table
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


class RejectsResult(TypedDict):
    total: int
    by_class: dict[str, int]  # reason class → rejects
    rbl_by_list: dict[str, int]
    top_clients: list[Json]
    top_sender_domains: list[Json]
    reject_detail: dict[str, list[Json]]  # reason class → [{reply, count, clients}]
    unknown_recipients: list[Json]
    unknown_recipient_clients: list[Json]


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

    def result(self, summary: ParseSummary) -> RejectsResult:
        classes = self.classes.frame()
        by_class = dict.fromkeys(CLASSES, 0) | counts(classes, "reason_class")
        top = self.options.top
        detail = self.detail.result(top, CLASSES)
        return {
            "total": int(classes.get_column("count").sum() or 0),
            "by_class": by_class,
            "rbl_by_list": counts(classes.filter(pl.col("rbl_list").is_not_null()), "rbl_list"),
            "top_clients": ranked(self.clients.top(top), "client_host", top, ("client_ip",)),
            "top_sender_domains": ranked(
                regroup(self.senders.frame(), sender_domain=domain(pl.col("sender"))).drop_nulls(
                    "sender_domain"
                ),
                "sender_domain",
                top,
            ),
            "reject_detail": detail["reject_detail"],
            "unknown_recipients": detail["unknown_recipients"],
            "unknown_recipient_clients": detail["unknown_recipient_clients"],
        }


def _tables(data: RejectsResult) -> list[Table]:
    return [
        count_table("rejects", "by_class", "Rejects by reason", "reason", data["by_class"]),
        count_table("rejects", "rbl_by_list", "RBL rejects by list", "list", data["rbl_by_list"]),
        ranked_table(
            "rejects",
            "top_clients",
            "Most rejected clients",
            "client_host",
            data["top_clients"],
            ("client_ip",),
        ),
        ranked_table(
            "rejects",
            "top_sender_domains",
            "Most rejected sender domains",
            "sender_domain",
            data["top_sender_domains"],
        ),
        *detail_tables(data),
    ]


def _metrics(put: Metrics, rejects: RejectsResult) -> None:
    put.each("rejects", "smtpd rejects by reason class.", "class", rejects["by_class"])
    put.each("rbl_rejects", "RBL rejects by list.", "list", rejects["rbl_by_list"])


SECTION: SectionKind[RejectsResult] = SectionKind(
    name="rejects",
    title="Rejects",
    version=2,  # 2: the reject detail
    make=lambda options, isolated: Rejects(options),
    tables=_tables,
    metrics=_metrics,
)
