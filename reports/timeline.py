"""Per-day series for charts: TLS share in and out, spam blocked by rule, SPF results.

Days are local days of the report's time zone. Only days with at least one event of
these kinds appear; a chart spans them in order.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from parsers.schema import EventKind
from reports.options import ReportOptions
from reports.section import Batch, Json, Needs, ParseSummary
from reports.tally import LocalTally

SPF_RESULTS = ("pass", "fail", "softfail", "neutral", "none", "permerror", "temperror")


NEEDS: Needs = {
    EventKind.CONNECT: [],
    EventKind.TLS: ["direction"],
    EventKind.DELIVERY: ["transport", "relay_ip", "tls_level"],
    EventKind.CONTENT_CHECK: ["action", "part", "rule_id"],
    EventKind.REJECT: ["action"],
    EventKind.SPF: ["identity", "result"],
}


class Timeline:
    name = "timeline"
    needs = NEEDS

    def __init__(self, options: ReportOptions) -> None:
        # one tally per row shape: (day, series, key) → count
        self.series = LocalTally(options.tz, ["day"], ["series", "key"])

    def add(self, batch: Batch) -> None:
        tls = batch[EventKind.TLS]
        attempts = batch[EventKind.DELIVERY].filter(
            pl.col("transport").is_in(["smtp", "lmtp"]) & pl.col("relay_ip").is_not_null()
        )
        checks = batch[EventKind.CONTENT_CHECK].filter(pl.col("action") == "reject")
        rejects = batch[EventKind.REJECT].filter(pl.col("action") == "reject")
        spf = batch[EventKind.SPF]
        parts = [
            _rows(batch[EventKind.CONNECT], "inbound", pl.lit("connections")),
            _rows(tls.filter(pl.col("direction") == "inbound"), "inbound", pl.lit("tls")),
            _rows(attempts, "outbound", pl.lit("attempts")),
            _rows(attempts.filter(pl.col("tls_level").is_not_null()), "outbound", pl.lit("tls")),
            _rows(rejects, "rejected", pl.lit("smtpd")),
            _rows(checks, "rejected", pl.lit("cleanup")),
            _rows(
                checks.filter(pl.col("part") == "body"),
                "body_checks_reject_by_id",
                _rule_id(),
            ),
            _rows(
                checks.filter(pl.col("part") != "body"),
                "header_checks_reject_by_id",
                _rule_id(),
            ),
            _rows(spf.filter(pl.col("identity") == "mailfrom"), "spf", pl.col("result")),
        ]
        self.series.add(pl.concat(parts))

    def result(self, summary: ParseSummary) -> Json:
        frame = self.series.frame().sort("day", "series", "key")
        days: dict[str, Json] = {}
        for day, series, key, count in frame.select("day", "series", "key", "count").iter_rows():
            entry = days.setdefault(str(day), _empty_day(str(day)))
            if series == "rejected":
                entry["rejected"] += int(count)
            elif series in ("inbound", "outbound", "spf"):
                entry[series][str(key)] = entry[series].get(str(key), 0) + int(count)
            else:
                entry[series][str(key)] = int(count)
        for entry in days.values():
            for series in ("header_checks_reject_by_id", "body_checks_reject_by_id"):
                entry[series] = dict(sorted(entry[series].items(), key=_id_order))
        return {"days": [days[day] for day in sorted(days)]}


def _id_order(item: tuple[str, int]) -> tuple[int, str]:
    key = item[0]
    return (int(key), "") if key.isdigit() else (1 << 31, key)


def _rule_id() -> pl.Expr:
    return pl.col("rule_id").cast(pl.String).fill_null("none")


def _rows(frame: pl.DataFrame, series: str, key: pl.Expr) -> pl.DataFrame:
    return frame.select("time", pl.lit(series).alias("series"), key.cast(pl.String).alias("key"))


def _empty_day(day: str) -> Json:
    return {
        "date": day,
        "inbound": {"connections": 0, "tls": 0},
        "outbound": {"attempts": 0, "tls": 0},
        "received": 0,
        "rejected": 0,
        "header_checks_reject_by_id": {},
        "body_checks_reject_by_id": {},
        "spf": dict.fromkeys(SPF_RESULTS, 0),
    }


def add_received(timeline: Json, by_day: Iterable[tuple[str, int]]) -> None:
    """The overview's messages received per day (counted once per stay in the queue)."""
    days = {entry["date"]: entry for entry in timeline["days"]}
    for day, received in by_day:
        entry = days.get(day)
        if entry is None:
            entry = days[day] = _empty_day(day)
        entry["received"] = received
    timeline["days"] = [days[day] for day in sorted(days)]
