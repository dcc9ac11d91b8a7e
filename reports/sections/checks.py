"""header_checks and body_checks: hits by action and by the rule id in the reply text."""

from __future__ import annotations

import polars as pl

from parsers.schema import EventKind
from reports.options import ReportOptions
from reports.section import Batch, Json, Needs, ParseSummary
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

    def result(self, summary: ParseSummary) -> Json:
        hits = self.hits.frame()
        out: Json = {}
        for part in ("header", "body"):
            rows = hits.filter(pl.col("part") == part)
            by_action = {
                str(a): int(c)
                for a, c in rows.group_by("action")
                .agg(pl.col("count").sum())
                .sort("action")
                .iter_rows()
            }
            rejects = rows.filter((pl.col("action") == "REJECT") & pl.col("rule_id").is_not_null())
            by_id = rejects.group_by("rule_id").agg(pl.col("count").sum())
            out[f"{part}_checks"] = {
                "by_action": by_action,
                "reject_by_id": {
                    str(i): int(c)
                    for i, c in sorted(by_id.iter_rows(), key=lambda row: int(str(row[0])))
                },
            }
        return out
