"""header_checks and body_checks: hits by action and by the rule id in the reply text."""

from __future__ import annotations

from typing import TypedDict

import polars as pl

from parsers.schema import EventKind
from reports.metrics import Metrics
from reports.options import ReportOptions
from reports.section import Batch, Needs, ParseSummary, SectionKind
from reports.tables import Table, count_table
from reports.tally import Accumulator, Tally

# cleanup logs a past-tense word for the table action the user wrote.
ACTION_WORDS = {
    "reject": "REJECT",
    "warning": "WARN",
    "info": "INFO",
    "filter": "FILTER",
    "pass": "PASS",
    "discard": "DISCARD",
    "hold": "HOLD",
    "delay": "DELAY",
    "prepend": "PREPEND",
    "replace": "REPLACE",
    "redirect": "REDIRECT",
    "bcc": "BCC",
    "strip": "STRIP",
}


class CheckHits(TypedDict):
    by_action: dict[str, int]
    reject_by_id: dict[str, int]  # the rule's id= in the reply text


class ChecksResult(TypedDict):
    """At the top of the report's data, not under "checks"."""

    header_checks: CheckHits
    body_checks: CheckHits


NEEDS: Needs = {EventKind.CONTENT_CHECK: ["part", "action", "rule_id"]}


class ContentChecks:
    name = "checks"
    needs = NEEDS

    def __init__(self, options: ReportOptions) -> None:
        self.options = options
        self.hits = Tally(["part", "action", "rule_id"], seen=False)

    def add(self, batch: Batch) -> None:
        checks = batch[EventKind.CONTENT_CHECK]
        self.hits.add(
            checks.select(
                "time",
                pl.when(pl.col("part") == "body")
                .then(pl.lit("body"))
                .otherwise(pl.lit("header"))
                .alias("part"),
                pl.col("action").replace_strict(
                    ACTION_WORDS, default=pl.col("action").str.to_uppercase()
                ),
                pl.col("rule_id").cast(pl.String),
            )
        )

    def accumulators(self) -> dict[str, Accumulator]:
        return {"hits": self.hits}

    def result(self, summary: ParseSummary) -> ChecksResult:
        hits = self.hits.frame()
        return {"header_checks": _hits(hits, "header"), "body_checks": _hits(hits, "body")}


def _hits(hits: pl.DataFrame, part: str) -> CheckHits:
    rows = hits.filter(pl.col("part") == part)
    by_action = {
        str(a): int(c)
        for a, c in rows.group_by("action").agg(pl.col("count").sum()).sort("action").iter_rows()
    }
    rejects = rows.filter((pl.col("action") == "REJECT") & pl.col("rule_id").is_not_null())
    by_id = rejects.group_by("rule_id").agg(pl.col("count").sum())
    return {
        "by_action": by_action,
        "reject_by_id": {
            str(i): int(c) for i, c in sorted(by_id.iter_rows(), key=lambda row: int(str(row[0])))
        },
    }


def _parts(data: ChecksResult) -> tuple[tuple[str, CheckHits], ...]:
    return (("header_checks", data["header_checks"]), ("body_checks", data["body_checks"]))


def _tables(data: ChecksResult) -> list[Table]:
    tables = []
    for part, hits in _parts(data):
        tables.append(
            count_table(
                "checks", f"{part}_by_action", f"{part} by action", "action", hits["by_action"]
            )
        )
        tables.append(
            count_table(
                "checks",
                f"{part}_reject_by_id",
                f"{part} REJECT hits by rule id",
                "id",
                hits["reject_by_id"],
            )
        )
    return tables


def _metrics(put: Metrics, data: ChecksResult) -> None:
    for table, hits in _parts(data):
        put.each(f"{table}_actions", f"{table} hits by action.", "action", hits["by_action"])
        put.each(
            f"{table}_rejects",
            f"{table} REJECT hits by rule id (id= in the text).",
            "id",
            hits["reject_by_id"],
        )


SECTION: SectionKind[ChecksResult] = SectionKind(
    name="checks",
    title="header_checks and body_checks",
    version=1,
    make=lambda options, isolated: ContentChecks(options),
    tables=_tables,
    metrics=_metrics,
    keys=("header_checks", "body_checks"),
)
