"""The disposable catch-all domain: mail per address (the local part names the site it
was given to), first and last seen, and how much of it was refused as spam."""

from __future__ import annotations

from typing import TypedDict

import polars as pl

from parsers.schema import EventKind
from reports.expr import bucket_label, domain, is_refusal
from reports.metrics import Metrics
from reports.options import ReportOptions
from reports.section import Batch, Json, Needs, ParseSummary, SectionKind, iso
from reports.tables import Table, stamp
from reports.tally import Accumulator, Distinct, Tally


class CatchAllResult(TypedDict):
    domains: list[str]
    by_address: dict[str, int]
    rejected_by_address: dict[str, int]
    addresses: list[Json]
    by_period: Json


NEEDS: Needs = {
    EventKind.DELIVERY: ["queue_id", "orig_recipient", "recipient", "status"],
    EventKind.REJECT: ["action", "recipient"],
    EventKind.CONTENT_CHECK: ["action", "recipient"],
}


class CatchAll:
    name = "catchall"
    needs = NEEDS

    def __init__(self, options: ReportOptions) -> None:
        self.options = options
        self.domains = [d.lower() for d in options.catchall_domains]
        self._bucket = bucket_label(options.tz, options.bucket).alias("period")
        # A message to a list address is delivered to several people: count it once.
        self.delivered = Distinct(["queue_id", "address", "period", "time"])
        self.refused = Tally(["address", "period"])

    def add(self, batch: Batch) -> None:
        if not self.domains:
            return
        address = pl.coalesce(pl.col("orig_recipient"), pl.col("recipient")).str.to_lowercase()
        sent = batch[EventKind.DELIVERY].filter(pl.col("status") == "sent")
        sent = sent.select("queue_id", "time", address.alias("address"), self._bucket)
        self.delivered.add(sent.filter(domain(pl.col("address")).is_in(self.domains)))
        refused = pl.concat(
            [
                batch[EventKind.REJECT].filter(is_refusal()).select("time", "recipient"),
                batch[EventKind.CONTENT_CHECK]
                .filter(pl.col("action") == "reject")
                .select("time", "recipient"),
            ]
        ).select("time", pl.col("recipient").str.to_lowercase().alias("address"), self._bucket)
        self.refused.add(refused.filter(domain(pl.col("address")).is_in(self.domains)))

    def accumulators(self) -> dict[str, Accumulator]:
        return {"delivered": self.delivered, "refused": self.refused}

    def result(self, summary: ParseSummary) -> CatchAllResult:
        delivered = (
            self.delivered.frame()
            .sort("time")
            .unique(["queue_id", "address"], keep="first")
            .group_by("address", "period")
            .agg(
                pl.len().alias("count"),
                pl.col("time").min().alias("first_seen"),
                pl.col("time").max().alias("last_seen"),
            )
        )
        refused = self.refused.frame()
        by_address = _totals(delivered)
        refused_by_address = _totals(refused)
        addresses = sorted(
            set(by_address) | set(refused_by_address), key=lambda a: (-by_address.get(a, 0), a)
        )
        firsts = _first_last(delivered, refused)
        return {
            "domains": self.domains,
            "by_address": by_address,
            "rejected_by_address": refused_by_address,
            "addresses": [
                {
                    "address": address,
                    "site": address.rsplit("@", 1)[0],
                    "delivered": by_address.get(address, 0),
                    "rejected": refused_by_address.get(address, 0),
                    "first_seen": iso(firsts.get(address, (None, None))[0]),
                    "last_seen": iso(firsts.get(address, (None, None))[1]),
                }
                for address in addresses
            ],
            "by_period": _by_period(delivered),
        }


def _totals(frame: pl.DataFrame) -> dict[str, int]:
    grouped = (
        frame.group_by("address")
        .agg(pl.col("count").sum())
        .sort(["count", "address"], descending=[True, False])
    )
    return {str(a): int(c) for a, c in grouped.iter_rows()}


def _first_last(*frames: pl.DataFrame) -> dict[str, tuple[object, object]]:
    rows = pl.concat([f.select("address", "first_seen", "last_seen") for f in frames])
    grouped = rows.group_by("address").agg(pl.col("first_seen").min(), pl.col("last_seen").max())
    return {str(a): (first, last) for a, first, last in grouped.iter_rows()}


def _by_period(delivered: pl.DataFrame) -> dict[str, dict[str, int]]:
    table: dict[str, dict[str, int]] = {}
    for address, period, count in (
        delivered.select("address", "period", "count").sort("period", "address").iter_rows()
    ):
        table.setdefault(str(period), {})[str(address)] = int(count)
    return table


def _tables(data: CatchAllResult) -> list[Table]:
    rows = tuple(
        (
            a["address"],
            a["site"],
            a["delivered"],
            a["rejected"],
            stamp(a["first_seen"]),
            stamp(a["last_seen"]),
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


def _metrics(put: Metrics, catchall: CatchAllResult) -> None:
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


SECTION: SectionKind[CatchAllResult] = SectionKind(
    name="catchall",
    title="Catch-all addresses",
    version=1,
    make=lambda options, isolated: CatchAll(options),
    tables=_tables,
    metrics=_metrics,
)
