"""How long smtpd sessions last, per day and per client: pflogsumm's --smtpd-stats.

A session is timed from its `connect from` to its `disconnect from`, paired by the
parser's session id (host, pid and connect time), so two hosts' or two Postfix runs'
processes of one pid are never mixed up. Times are taken to the whole second, classic
syslog's precision, so a log gives the same lengths in every format it can be written
in. A session counts on the day and for the client of its disconnect; one whose connect
is not in the logs read (they start mid-session) ended, but has no length.
"""

from __future__ import annotations

from typing import Any, TypedDict

import polars as pl

from parsers.correlate import session_start_epoch
from parsers.schema import EventKind
from reports.metrics import Metrics
from reports.options import ReportOptions
from reports.section import Batch, Json, Needs, ParseSummary, SectionKind, records
from reports.tables import Table
from reports.tally import Accumulator, Counters, LocalTally, Tally, top_rows


class SessionsResult(TypedDict):
    ended: int
    timed: int  # the sessions whose connect was read: their length is known
    total_seconds: int
    average_seconds: float | None
    max_seconds: Any  # a number as Polars gives it, None without a timed session
    clients: int
    by_day: dict[str, Json]  # day → sessions, total, average and max seconds
    top_clients: list[Json]
    top_clients_by_time: list[Json]


NEEDS: Needs = {EventKind.DISCONNECT: ["session", "client_host", "client_ip"]}

_CLIENT = ["client_host", "client_ip"]


def _seconds() -> pl.Expr:
    """Whole seconds from connect to disconnect; null if the connect was not seen (or
    the clock went back, which leaves no length to trust)."""
    seconds = pl.col("time").dt.epoch("s") - session_start_epoch(pl.col("session")) // 1_000_000
    return pl.when(seconds >= 0).then(seconds).alias("seconds")


class Sessions:
    name = "sessions"
    needs = NEEDS

    def __init__(self, options: ReportOptions) -> None:
        self.options = options
        self.ended = Counters("ended", "timed")
        self.by_day = LocalTally(options.tz, ["day"], value="seconds", peak=True)
        self.clients = Tally(_CLIENT, value="seconds", peak=True)

    def add(self, batch: Batch) -> None:
        ended = batch[EventKind.DISCONNECT]
        timed = ended.select("time", *_CLIENT, _seconds()).drop_nulls("seconds")
        self.ended.add("ended", ended.height)
        self.ended.add("timed", timed.height)
        self.by_day.add(timed.select("time", "seconds"))
        self.clients.add(timed)

    def accumulators(self) -> dict[str, Accumulator]:
        return {"ended": self.ended, "by_day": self.by_day, "clients": self.clients}

    def result(self, summary: ParseSummary) -> SessionsResult:
        clients = _lengths(self.clients.merged(text=False))  # ranked below, in two orders
        days = _lengths(self.by_day.frame()).sort("day")
        timed = self.ended["timed"]
        total = int(clients.get_column("total_seconds").sum() or 0)
        top = self.options.top
        return {
            "ended": self.ended["ended"],
            "timed": timed,
            "total_seconds": total,
            "average_seconds": round(total / timed, 2) if timed else None,
            "max_seconds": clients.get_column("max_seconds").max(),
            "clients": clients.height,
            "by_day": {
                str(row.pop("day")): row
                for row in days.select(
                    "day", pl.col("count").alias("sessions"), *_LENGTHS
                ).iter_rows(named=True)
            },
            "top_clients": _ranked(clients, "count", top),
            "top_clients_by_time": _ranked(clients, "total_seconds", top),
        }


_LENGTHS = ("total_seconds", "average_seconds", "max_seconds")


def _lengths(frame: pl.DataFrame) -> pl.DataFrame:
    """A Tally frame of session lengths with the columns the report shows."""
    count = pl.col("count").cast(pl.Int64)
    total = pl.col("total").cast(pl.Int64)
    return frame.with_columns(
        count.alias("count"),
        total.alias("total_seconds"),
        (total / count).round(2).alias("average_seconds"),
        pl.col("peak").cast(pl.Int64).alias("max_seconds"),
    ).drop("total", "peak")


def _ranked(clients: pl.DataFrame, by: str, top: int) -> list[Json]:
    """The top clients by `by`, largest first (ties by client)."""
    ordered = top_rows(clients, [by, *_CLIENT], [True, False, False], top)
    return records(ordered.select(*_CLIENT, "count", *_LENGTHS, "first_seen", "last_seen"), top)


def _tables(data: SessionsResult) -> list[Table]:
    totals = (
        ("sessions ended", data["ended"]),
        ("sessions timed (connect seen)", data["timed"]),
        ("clients", data["clients"]),
        ("total connect time s", data["total_seconds"]),
        ("average s", data["average_seconds"]),
        ("longest s", data["max_seconds"]),
    )
    lengths = ("total s", "avg s", "max s")
    days = tuple(
        (day, r["sessions"], r["total_seconds"], r["average_seconds"], r["max_seconds"])
        for day, r in data["by_day"].items()
    )

    def clients(key: str, title: str, ranked: list[Json]) -> Table:
        rows = tuple(
            (
                r["client_host"],
                r["client_ip"],
                r["count"],
                r["total_seconds"],
                r["average_seconds"],
                r["max_seconds"],
            )
            for r in ranked
        )
        columns = ("client_host", "client_ip", "sessions", *lengths)
        return Table("sessions", key, title, columns, rows)

    return [
        Table("sessions", "totals", "smtpd sessions", ("what", "value"), totals),
        Table("sessions", "by_day", "smtpd sessions by day", ("day", "sessions", *lengths), days),
        clients("top_clients", "Clients with the most sessions", data["top_clients"]),
        clients("top_clients_by_time", "Clients connected longest", data["top_clients_by_time"]),
    ]


def _metrics(put: Metrics, sessions: SessionsResult) -> None:
    for label, count in (("all", sessions["ended"]), ("timed", sessions["timed"])):
        put.put(
            "smtpd_sessions",
            "smtpd sessions that ended (timed: their connect was read).",
            count,
            sessions=label,
        )
    put.put(
        "smtpd_connect_seconds",
        "Connect time of the timed smtpd sessions, added up.",
        sessions["total_seconds"],
    )
    put.put("smtpd_longest_session_seconds", "The longest smtpd session.", sessions["max_seconds"])


SECTION: SectionKind[SessionsResult] = SectionKind(
    name="sessions",
    title="smtpd sessions",
    version=1,
    make=lambda options, isolated: Sessions(options),
    tables=_tables,
    metrics=_metrics,
)
