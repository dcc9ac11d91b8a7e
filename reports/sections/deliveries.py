"""Deliveries: status by transport and relay domain, why mail was deferred or bounced,
and how long delivery took."""

from __future__ import annotations

from typing import TypedDict

import polars as pl

from parsers.schema import EventKind
from reports.expr import text_shape
from reports.metrics import Metrics
from reports.options import ReportOptions
from reports.section import Batch, Json, Needs, ParseSummary, SectionKind, ranked
from reports.tables import Table, count_table, ranked_table
from reports.tally import Accumulator, Tally, Values, counts, regroup
from reports.units import seconds

STATUSES = ("sent", "deferred", "bounced", "expired")


class DeliveriesResult(TypedDict):
    by_status: dict[str, int]
    by_transport: dict[str, dict[str, int]]  # transport → status → attempts
    by_relay: dict[str, int]
    top_deferral_reasons: list[Json]
    top_bounce_reasons: list[Json]
    delay_seconds: dict[str, float | None]  # p50, p90, p99


NEEDS: Needs = {
    EventKind.DELIVERY: ["transport", "status", "relay_host", "relay", "reason", "delay"]
}


class Deliveries:
    name = "deliveries"
    needs = NEEDS

    def __init__(self, options: ReportOptions) -> None:
        self.options = options
        self.by_transport = Tally(["transport", "status"], seen=False)
        self.by_relay = Tally(["relay_host", "relay", "status"], seen=False)
        self.reasons = Tally(["status", "reason"])
        self.delays = Values()  # of sent deliveries

    def add(self, batch: Batch) -> None:
        deliveries = batch[EventKind.DELIVERY]
        self.by_transport.add(deliveries.select("time", "transport", "status"))
        self.by_relay.add(deliveries.select("time", "relay_host", "relay", "status"))
        trouble = deliveries.filter(pl.col("status").is_in(["deferred", "bounced", "expired"]))
        self.reasons.add(
            trouble.select("time", "status", text_shape(pl.col("reason")).alias("reason"))
        )
        sent = deliveries.filter(pl.col("status") == "sent")
        self.delays.add(sent.get_column("delay").cast(pl.Float32))

    def accumulators(self) -> dict[str, Accumulator]:
        return {
            "by_transport": self.by_transport,
            "by_relay": self.by_relay,
            "reasons": self.reasons,
            "delays": self.delays,
        }

    def result(self, summary: ParseSummary) -> DeliveriesResult:
        transports = self.by_transport.frame()
        by_transport: dict[str, dict[str, int]] = {}
        for transport, status, count in (
            transports.group_by("transport", "status")
            .agg(pl.col("count").sum())
            .sort("transport", "status")
            .iter_rows()
        ):
            row = by_transport.setdefault(str(transport), dict.fromkeys(STATUSES, 0))
            row[str(status)] = row.get(str(status), 0) + int(count)
        relay_domain = pl.coalesce(
            pl.col("relay_host").str.to_lowercase(), pl.col("relay").str.to_lowercase()
        )
        relays = regroup(self.by_relay.frame(), relay_domain=relay_domain, status=pl.col("status"))
        by_relay = {
            str(relay): int(count)
            for relay, count in relays.group_by("relay_domain")
            .agg(pl.col("count").sum())
            .sort(["count", "relay_domain"], descending=[True, False])
            .head(self.options.top)
            .iter_rows()
        }
        reasons = self.reasons.frame()
        return {
            "by_status": dict.fromkeys(STATUSES, 0) | counts(transports, "status"),
            "by_transport": by_transport,
            "by_relay": by_relay,
            "top_deferral_reasons": ranked(
                reasons.filter(pl.col("status") == "deferred"), "reason", self.options.top
            ),
            "top_bounce_reasons": ranked(
                reasons.filter(pl.col("status") == "bounced"), "reason", self.options.top
            ),
            "delay_seconds": {
                name: (round(v, 2) if (v := self.delays.quantile(q)) is not None else None)
                for name, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))
            },
        }


def _tables(data: DeliveriesResult) -> list[Table]:
    statuses = tuple(data["by_status"].keys())
    delay = data["delay_seconds"]
    return [
        count_table("deliveries", "by_status", "Deliveries by status", "status", data["by_status"]),
        Table(
            "deliveries",
            "by_transport",
            "Deliveries by transport",
            ("transport", *statuses),
            tuple(
                (t, *(row.get(s, 0) for s in statuses)) for t, row in data["by_transport"].items()
            ),
        ),
        count_table("deliveries", "by_relay", "Deliveries by relay", "relay", data["by_relay"]),
        ranked_table(
            "deliveries",
            "deferral_reasons",
            "Top deferral reasons",
            "reason",
            data["top_deferral_reasons"],
        ),
        ranked_table(
            "deliveries",
            "bounce_reasons",
            "Top bounce reasons",
            "reason",
            data["top_bounce_reasons"],
        ),
        Table(
            "deliveries",
            "delay",
            "Delivery delay of sent mail",
            ("p50", "p90", "p99"),
            ((seconds(delay["p50"]), seconds(delay["p90"]), seconds(delay["p99"])),),
        ),
    ]


def _metrics(put: Metrics, deliveries: DeliveriesResult) -> None:
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


SECTION: SectionKind[DeliveriesResult] = SectionKind(
    name="deliveries",
    title="Deliveries",
    version=1,
    make=lambda options, isolated: Deliveries(options),
    tables=_tables,
    metrics=_metrics,
)
