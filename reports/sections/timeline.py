"""Per-day series for charts: TLS share in and out, spam blocked by rule, SPF results.

Days are local days of the report's time zone. Only days with at least one event of
these kinds appear; a chart spans them in order.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypedDict

import polars as pl

from parsers.schema import EventKind
from reports.expr import is_refusal
from reports.options import ReportOptions
from reports.per_period import timeline_table
from reports.section import Batch, Json, Needs, ParseSummary, SectionKind
from reports.tally import Accumulator, LocalTally

# (series, key) of every count; key None: counted by day and a key of the events
_SERIES = (
    ("inbound", "connections"),
    ("inbound", "tls"),
    ("outbound", "attempts"),
    ("outbound", "tls"),
    ("rejected", "smtpd"),
    ("rejected", "cleanup"),
    ("body_checks_reject_by_id", None),
    ("header_checks_reject_by_id", None),
    ("spf", None),
)
SPF_RESULTS = ("pass", "fail", "softfail", "neutral", "none", "permerror", "temperror")


class TimelineResult(TypedDict):
    # per local day, in order: inbound and outbound TLS, received, rejected, the
    # checks' REJECT hits by rule id, SPF results (charts draw them)
    days: list[Json]


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
        self.tz = options.tz
        # (series, key) → count by day; key None: the tally is by day and key
        self._tallies: dict[tuple[str, str | None], LocalTally] = {}

    def add(self, batch: Batch) -> None:
        tls = batch[EventKind.TLS]
        attempts = batch[EventKind.DELIVERY].filter(
            pl.col("transport").is_in(["smtp", "lmtp"]) & pl.col("relay_ip").is_not_null()
        )
        checks = batch[EventKind.CONTENT_CHECK].filter(pl.col("action") == "reject")
        rejects = batch[EventKind.REJECT].filter(is_refusal())
        spf = batch[EventKind.SPF]
        self._count("inbound", "connections", batch[EventKind.CONNECT])
        self._count("inbound", "tls", tls.filter(pl.col("direction") == "inbound"))
        self._count("outbound", "attempts", attempts)
        self._count("outbound", "tls", attempts.filter(pl.col("tls_level").is_not_null()))
        self._count("rejected", "smtpd", rejects)
        self._count("rejected", "cleanup", checks)
        body = pl.col("part") == "body"
        self._by_key("body_checks_reject_by_id", checks.filter(body), _rule_id())
        self._by_key("header_checks_reject_by_id", checks.filter(~body), _rule_id())
        self._by_key(
            "spf", spf.filter(pl.col("identity") == "mailfrom"), pl.col("result").cast(pl.String)
        )

    def accumulators(self) -> dict[str, Accumulator]:
        # every series, present in this batch or not, so that a loaded day fills in
        names = {(series, key): f"{series}/{key or ''}" for series, key in _SERIES}
        return {name: self._tally(series, key) for (series, key), name in names.items()}

    def _tally(self, series: str, key: str | None) -> LocalTally:
        tally = self._tallies.get((series, key))
        if tally is None:
            tally = LocalTally(self.tz, ["day"], [] if key else ["key"])
            self._tallies[(series, key)] = tally
        return tally

    def _count(self, series: str, key: str, frame: pl.DataFrame) -> None:
        self._tally(series, key).add(frame.select("time"))

    def _by_key(self, series: str, frame: pl.DataFrame, key: pl.Expr) -> None:
        self._tally(series, None).add(frame.select("time", key.alias("key")))

    def result(self, summary: ParseSummary) -> TimelineResult:
        days: dict[str, Json] = {}
        for (series, fixed), tally in sorted(self._tallies.items(), key=lambda item: item[0][0]):
            frame = tally.frame()
            if fixed is not None:
                frame = frame.with_columns(pl.lit(fixed).alias("key"))
            for day, key, count in frame.sort("day", "key").select("day", "key", "count").rows():
                entry = days.setdefault(str(day), _empty_day(str(day)))
                if series == "rejected":
                    entry["rejected"] += int(count)
                else:
                    entry[series][str(key)] = entry[series].get(str(key), 0) + int(count)
        for entry in days.values():
            for series in ("header_checks_reject_by_id", "body_checks_reject_by_id"):
                entry[series] = dict(sorted(entry[series].items(), key=_id_order))
        return {"days": [days[day] for day in sorted(days)]}


def _id_order(item: tuple[str, int]) -> tuple[int, str]:
    key = item[0]
    return (int(key), "") if key.isdigit() else (1 << 31, key)


def _rule_id() -> pl.Expr:
    return pl.col("rule_id").cast(pl.String).fill_null("none")


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


def add_received(timeline: TimelineResult, by_day: Iterable[tuple[str, int]]) -> None:
    """The overview's messages received per day (counted once per stay in the queue)."""
    days = {entry["date"]: entry for entry in timeline["days"]}
    for day, received in by_day:
        entry = days.get(day)
        if entry is None:
            entry = days[day] = _empty_day(day)
        entry["received"] = received
    timeline["days"] = [days[day] for day in sorted(days)]


def _complete(data: Json) -> None:
    if "timeline" in data and "overview" in data:
        by_day = data["overview"]["by_day"].items()
        add_received(data["timeline"], ((day, row["received"]) for day, row in by_day))


SECTION: SectionKind[TimelineResult] = SectionKind(
    name="timeline",
    title="Timeline",
    version=1,
    make=lambda options, isolated: Timeline(options),
    tables=lambda result: [timeline_table(result["days"])],
    complete=_complete,
)
