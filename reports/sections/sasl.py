"""SMTP AUTH: who sent mail after logging in, and who failed to log in (password guessing).

postfix-logwatch's "SASL authenticated" and "SASL authentication failed" lists, and
postfix_exporter's SASL failure counter. Postfix logs no line for a login as such: a
message accepted after one carries `sasl_username=` on its `client=` line, so logins
are counted as the messages they sent. Each side also says how many went over
plaintext: a password sent without TLS could be read on the way.
"""

from __future__ import annotations

from typing import TypedDict

import polars as pl

from parsers.schema import EventKind
from reports.metrics import Metrics
from reports.options import ReportOptions
from reports.section import Batch, Json, Needs, ParseSummary, SectionKind, ranked
from reports.tables import Table, count_table, ranked_table
from reports.tally import Accumulator, Tally, counts


class SaslResult(TypedDict):
    messages: int
    messages_by_method: dict[str, int]
    messages_over: dict[str, int]  # tls, plaintext
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
        "tls_level",
    ],
}

_OVER = pl.when(pl.col("tls_level").is_null()).then(pl.lit("plaintext")).otherwise(pl.lit("tls"))


class SaslAuth:
    name = "sasl"
    needs = NEEDS

    def __init__(self, options: ReportOptions) -> None:
        self.options = options
        self.senders = Tally(["sasl_username", "sasl_method", "over"])
        self.failures = Tally(["outcome", "mechanism", "over"], seen=False)
        self.failing_clients = Tally(["client_host", "client_ip"])
        self.tried_usernames = Tally(["sasl_username"])

    def add(self, batch: Batch) -> None:
        logged_in = batch[EventKind.CLIENT].filter(pl.col("sasl_username").is_not_null())
        self.senders.add(
            logged_in.select("time", "sasl_username", "sasl_method", _OVER.alias("over"))
        )
        failures = batch[EventKind.SASL_FAILURE]
        self.failures.add(failures.select("time", "outcome", "mechanism", _OVER.alias("over")))
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
        }

    def result(self, summary: ParseSummary) -> SaslResult:
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
            "messages_over": {"tls": 0, "plaintext": 0} | counts(senders, "over"),
            "top_users": ranked(by_user, "sasl_username", top, ("plaintext",)),
            "failures": {"failed": 0, "aborted": 0} | counts(failures, "outcome"),
            "failures_by_mechanism": counts(failures, "mechanism"),
            "failures_over": {"tls": 0, "plaintext": 0} | counts(failures, "over"),
            "top_failing_clients": ranked(
                self.failing_clients.frame(), "client_host", top, ("client_ip",)
            ),
            "top_tried_usernames": ranked(self.tried_usernames.frame(), "sasl_username", top),
        }


def _tables(data: SaslResult) -> list[Table]:
    over, failures, failed_over = data["messages_over"], data["failures"], data["failures_over"]
    totals = (
        ("messages sent after AUTH", data["messages"], over["plaintext"]),
        ("failed logins", failures["failed"], ""),
        ("aborted logins", failures["aborted"], ""),
        ("failed or aborted logins", sum(failures.values()), failed_over["plaintext"]),
    )
    return [
        Table("sasl", "totals", "SMTP AUTH", ("what", "count", "over plaintext"), totals),
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
        "Messages sent after SMTP AUTH, over TLS or plaintext.",
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
    version=1,
    make=lambda options, isolated: SaslAuth(options),
    tables=_tables,
    metrics=_metrics,
)
