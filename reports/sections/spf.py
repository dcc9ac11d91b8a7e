"""policyd-spf verdicts by identity and result, SPF rejects, the domains that fail."""

from __future__ import annotations

from typing import TypedDict

import polars as pl

from parsers.schema import EventKind
from reports.expr import domain
from reports.metrics import Metrics
from reports.options import ReportOptions
from reports.section import Batch, Json, Needs, ParseSummary, SectionKind, ranked
from reports.tables import Cell, Table, ranked_table
from reports.tally import Accumulator, Tally

RESULTS = ("pass", "fail", "softfail", "neutral", "none", "permerror", "temperror")
IDENTITIES = ("mailfrom", "helo")


class SpfResult(TypedDict):
    by_identity: dict[str, dict[str, int]]  # identity → result → verdicts
    rejected: int
    deferred: int
    top_failing_domains: list[Json]


NEEDS: Needs = {EventKind.SPF: ["identity", "result", "action", "helo", "envelope_from"]}


class SpfVerdicts:
    name = "spf"
    needs = NEEDS

    def __init__(self, options: ReportOptions) -> None:
        self.options = options
        self.verdicts = Tally(["identity", "result", "action"], seen=False)
        self.failing = Tally(["domain"])

    def add(self, batch: Batch) -> None:
        spf = batch[EventKind.SPF]
        self.verdicts.add(spf.select("time", "identity", "result", "action"))
        failing = spf.filter(pl.col("result").is_in(["fail", "softfail"]))
        # The domain SPF judged: the envelope sender's, or the HELO name for identity helo.
        judged = pl.when(pl.col("identity") == "helo").then(pl.col("helo").str.to_lowercase())
        self.failing.add(
            failing.select(
                "time", judged.otherwise(domain(pl.col("envelope_from"))).alias("domain")
            )
        )

    def accumulators(self) -> dict[str, Accumulator]:
        return {"verdicts": self.verdicts, "failing": self.failing}

    def result(self, summary: ParseSummary) -> SpfResult:
        verdicts = self.verdicts.frame()
        by_identity: dict[str, dict[str, int]] = {
            identity: dict.fromkeys(RESULTS, 0) for identity in IDENTITIES
        }
        for identity, result, count in (
            verdicts.group_by("identity", "result").agg(pl.col("count").sum()).iter_rows()
        ):
            by_identity.setdefault(str(identity), dict.fromkeys(RESULTS, 0))
            by_identity[str(identity)][str(result)] = by_identity[str(identity)].get(
                str(result), 0
            ) + int(count)
        refused = verdicts.filter(pl.col("action") == "reject").get_column("count").sum()
        deferred = verdicts.filter(pl.col("action") == "defer").get_column("count").sum()
        return {
            "by_identity": by_identity,
            "rejected": int(refused or 0),
            "deferred": int(deferred or 0),
            "top_failing_domains": ranked(
                self.failing.frame().drop_nulls("domain"), "domain", self.options.top
            ),
        }


def _tables(data: SpfResult) -> list[Table]:
    results = list(next(iter(data["by_identity"].values())).keys())
    rows: tuple[tuple[Cell, ...], ...] = tuple(
        (identity, *counts.values()) for identity, counts in data["by_identity"].items()
    )
    return [
        Table("spf", "by_identity", "SPF verdicts by identity", ("identity", *results), rows),
        Table(
            "spf",
            "actions",
            "SPF actions",
            ("rejected", "deferred"),
            ((data["rejected"], data["deferred"]),),
        ),
        ranked_table(
            "spf",
            "failing_domains",
            "Top SPF-failing domains",
            "domain",
            data["top_failing_domains"],
        ),
    ]


def _metrics(put: Metrics, spf: SpfResult) -> None:
    put.nested(
        "spf_verdicts",
        "policyd-spf verdicts by identity and result.",
        ("identity", "result"),
        spf["by_identity"],
    )
    for action in ("rejected", "deferred"):
        put.put("spf_actions", "Messages SPF refused or deferred.", spf[action], action=action)


SECTION: SectionKind[SpfResult] = SectionKind(
    name="spf",
    title="SPF",
    version=1,
    make=lambda options, isolated: SpfVerdicts(options),
    tables=_tables,
    metrics=_metrics,
)
