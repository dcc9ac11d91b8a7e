"""SMTP AUTH: who sent mail after logging in, and who failed to log in (password guessing).

postfix-logwatch's "SASL authenticated" and "SASL authentication failed" lists, and
postfix_exporter's SASL failure counter. Postfix logs no line for a login as such: a
message accepted after one carries `sasl_username=` on its `client=` line, so logins
are counted as the messages they sent. Each side also says how many went over
plaintext: a password sent without TLS could be read on the way. Whether a login's
session used TLS is decided as for accepted messages (reports.session_tls): its TLS
line, else its disconnect line's `starttls=` counter, else (its session's end not in
the period) plaintext only when TLS is logged, unknown when not.
"""

from __future__ import annotations

from typing import TypedDict

import polars as pl

from parsers.schema import EventKind
from reports.metrics import Metrics
from reports.options import ReportOptions
from reports.section import Batch, Json, Needs, ParseSummary, SectionKind, ranked
from reports.session_tls import (
    DECIDED,
    WAITING,
    Answered,
    Pending,
    SessionEnds,
    gone,
    over,
    waiting,
    with_session_ends,
)
from reports.tables import Cell, Table, count_table, ranked_table
from reports.tally import Accumulator, Counters, Tally, counts, owned


class SaslResult(TypedDict):
    messages: int
    messages_by_method: dict[str, int]
    messages_over: dict[str, int]  # tls, plaintext, unknown
    top_users: list[Json]
    failures: dict[str, int]  # failed, aborted
    failures_by_mechanism: dict[str, int]
    failures_over: dict[str, int]
    top_failing_clients: list[Json]
    top_tried_usernames: list[Json]


NEEDS: Needs = {
    EventKind.CLIENT: ["sasl_method", "sasl_username", "tls_level"],
    EventKind.SASL_FAILURE: [
        "client_host",
        "client_ip",
        "mechanism",
        "outcome",
        "sasl_username",
        "session",
        "tls_level",
    ],
    EventKind.DISCONNECT: ["session", "commands"],
    EventKind.TLS: ["direction"],
}
# A login's event, waiting for its session's TLS: a message sent after it (kind
# "sent": user and method) or a failed one ("failed"/"aborted": mechanism).
_PENDING: dict[str, pl.DataType] = {
    **WAITING,
    "kind": pl.String(),
    "sasl_username": pl.String(),
    "sasl_method": pl.String(),
}
_OVER_KEYS = {"tls": 0, "plaintext": 0, "unknown": 0}


class SaslAuth:
    name = "sasl"
    needs = NEEDS

    def __init__(self, options: ReportOptions, isolated: bool = False) -> None:
        self.options = options
        self.senders = Tally(["sasl_username", "sasl_method", "over"])
        self.failures = Tally(["outcome", "mechanism", "over"], seen=False)
        self.failing_clients = Tally(["client_host", "client_ip"])
        self.tried_usernames = Tally(["sasl_username"])
        self.answered = Answered()
        self.pending = Pending(_PENDING, self.answered.loaded)
        # a day summary keeps the ends of sessions the day before left waiting
        self.ends = SessionEnds(isolated, self.answered.loaded)
        # inbound TLS lines in the period: without any, TLS is not logged
        self.tls_lines = Counters("inbound")

    def add(self, batch: Batch) -> None:
        self._answer_loaded()
        self.ends.add(batch)
        tls = batch[EventKind.TLS]
        self.tls_lines.add("inbound", tls.filter(pl.col("direction") == "inbound").height)
        logged_in = batch[EventKind.CLIENT].filter(pl.col("sasl_username").is_not_null())
        failures = batch[EventKind.SASL_FAILURE]
        new = pl.concat(
            [
                waiting(logged_in, pl.lit("sent").alias("kind"), "sasl_username", "sasl_method"),
                waiting(
                    failures,
                    pl.col("outcome").alias("kind"),
                    "sasl_username",
                    pl.col("mechanism").alias("sasl_method"),
                ),
            ]
        )
        pending = self.pending.frame
        pending = pl.concat([pending, owned(new.select(list(_PENDING)))]) if new.height else pending
        if pending.height:
            pending = with_session_ends(pending, batch)
            self._count(pending.filter(DECIDED), plaintext_if_unseen=False)
            ended = ~DECIDED & gone(pending, batch)
            self._count(pending.filter(ended), plaintext_if_unseen=False)
            self.pending.frame = pending.filter(~DECIDED & ~ended).select(list(_PENDING))
        self.failing_clients.add(failures.select("time", "client_host", "client_ip"))
        self.tried_usernames.add(
            failures.filter(pl.col("sasl_username").is_not_null()).select("time", "sasl_username")
        )

    def accumulators(self) -> dict[str, Accumulator]:
        return {
            "senders": self.senders,
            "failures": self.failures,
            "failing_clients": self.failing_clients,
            "tried_usernames": self.tried_usernames,
            "pending": self.pending,
            "session_ends": self.ends,
            "tls_lines": self.tls_lines,
        }

    def _answer_loaded(self) -> None:
        """Count the waiting logins whose session's end a loaded state holds."""
        if not self.answered.due():
            return
        pending = self.pending.frame
        if pending.height == 0 or self.ends.frame.height == 0:
            return
        pending = with_session_ends(pending, self.ends.frame)
        self._count(pending.filter(DECIDED), plaintext_if_unseen=False)
        self.pending.frame = pending.filter(~DECIDED).select(list(_PENDING))

    def _count(self, rows: pl.DataFrame, plaintext_if_unseen: bool) -> None:
        if rows.height == 0:
            return
        rows = rows.with_columns(over(plaintext_if_unseen).alias("over"))
        sent = pl.col("kind") == "sent"
        self.senders.add(rows.filter(sent).select("time", "sasl_username", "sasl_method", "over"))
        self.failures.add(
            rows.filter(~sent).select(
                "time",
                pl.col("kind").alias("outcome"),
                pl.col("sasl_method").alias("mechanism"),
                "over",
            )
        )

    def finish(self) -> None:
        """Count the logins still waiting: their session's end is not in the period."""
        self._answer_loaded()
        rows = self.pending.frame
        self.pending.frame = rows.clear()
        # TLS logged: lines in the period, or main.cf's smtpd_tls_loglevel (when read)
        level = self.options.smtpd_tls_loglevel
        logged = self.tls_lines["inbound"] > 0 or (level is not None and level >= 1)
        self._count(rows, plaintext_if_unseen=logged)

    def result(self, summary: ParseSummary) -> SaslResult:
        self.finish()
        senders = self.senders.frame()
        failures = self.failures.frame()
        by_user = (
            senders.group_by("sasl_username")
            .agg(
                pl.col("count").sum().cast(pl.Int64),
                pl.col("count")
                .filter(pl.col("over") == "plaintext")
                .sum()
                .cast(pl.Int64)
                .alias("plaintext"),
                pl.col("first_seen").min(),
                pl.col("last_seen").max(),
            )
            .sort(["count", "sasl_username"], descending=[True, False])
        )
        top = self.options.top
        return {
            "messages": int(senders.get_column("count").sum() or 0),
            "messages_by_method": counts(senders, "sasl_method"),
            "messages_over": _OVER_KEYS | counts(senders, "over"),
            "top_users": ranked(by_user, "sasl_username", top, ("plaintext",)),
            "failures": {"failed": 0, "aborted": 0} | counts(failures, "outcome"),
            "failures_by_mechanism": counts(failures, "mechanism"),
            "failures_over": _OVER_KEYS | counts(failures, "over"),
            "top_failing_clients": ranked(
                self.failing_clients.frame(), "client_host", top, ("client_ip",)
            ),
            "top_tried_usernames": ranked(self.tried_usernames.frame(), "sasl_username", top),
        }


def _tables(data: SaslResult) -> list[Table]:
    over, failures, failed_over = data["messages_over"], data["failures"], data["failures_over"]
    # "TLS unknown" (TLS not logged, session cut by the period) only when there is some
    unknown = bool(over.get("unknown") or failed_over.get("unknown"))
    extra: tuple[str, ...] = ("TLS unknown",) if unknown else ()

    def row(what: str, count: int, side: dict[str, int] | None) -> tuple[Cell, ...]:
        cells: tuple[Cell, ...] = (side["plaintext"], side.get("unknown", 0)) if side else ("", "")
        return (what, count, *cells[: 1 + len(extra)])

    totals = (
        row("messages sent after AUTH", data["messages"], over),
        row("failed logins", failures["failed"], None),
        row("aborted logins", failures["aborted"], None),
        row("failed or aborted logins", sum(failures.values()), failed_over),
    )
    return [
        Table("sasl", "totals", "SMTP AUTH", ("what", "count", "over plaintext", *extra), totals),
        ranked_table(
            "sasl",
            "top_users",
            "Users who sent mail after AUTH",
            "sasl_username",
            data["top_users"],
            ("plaintext",),
        ),
        count_table(
            "sasl",
            "failures_by_mechanism",
            "Failed logins by mechanism",
            "mechanism",
            data["failures_by_mechanism"],
        ),
        ranked_table(
            "sasl",
            "top_failing_clients",
            "Clients that failed to log in",
            "client_host",
            data["top_failing_clients"],
            ("client_ip",),
        ),
        ranked_table(
            "sasl",
            "top_tried_usernames",
            "User names tried in failed logins",
            "sasl_username",
            data["top_tried_usernames"],
        ),
    ]


def _metrics(put: Metrics, sasl: SaslResult) -> None:
    put.each(
        "sasl_messages",
        "Messages sent after SMTP AUTH, over TLS, plaintext or of unknown TLS.",
        "over",
        sasl["messages_over"],
    )
    put.each("sasl_failures", "Failed and aborted SMTP AUTH logins.", "outcome", sasl["failures"])
    put.each(
        "sasl_failures_by_mechanism",
        "Failed and aborted logins by SASL mechanism.",
        "mechanism",
        sasl["failures_by_mechanism"],
    )


SECTION: SectionKind[SaslResult] = SectionKind(
    name="sasl",
    title="SMTP AUTH",
    version=2,
    make=lambda options, isolated: SaslAuth(options, isolated),
    tables=_tables,
    metrics=_metrics,
)
