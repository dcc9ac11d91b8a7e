"""pflogsumm's senders and recipients, and its host/domain summaries, for the overview."""

from __future__ import annotations

import polars as pl

from reports.expr import domain
from reports.section import Json, records
from reports.tally import regroup

# The null sender's name in the tables, as Postfix writes it.
NULL_SENDER = "<>"


def _named(address: pl.Expr) -> pl.Expr:
    return pl.when(address == "").then(pl.lit(NULL_SENDER)).otherwise(address)


def _domain_or_self(address: pl.Expr) -> pl.Expr:
    """The domain of an address; an unqualified address (or <>) stands for itself."""
    return pl.coalesce(domain(address), _named(address))


def _top(frame: pl.DataFrame, key: str, by: str, top: int) -> list[Json]:
    return records(frame.sort([by, key], descending=[True, False], nulls_last=True), top)


def people(by_sender: pl.DataFrame, sent: pl.DataFrame, bytes_to: pl.DataFrame, top: int) -> Json:
    """pflogsumm's "Senders/Recipients by message count/size": received messages by
    sender, and sent deliveries by recipient, each with the bytes they carried."""
    senders = by_sender.select(
        _named(pl.col("sender")).alias("sender"),
        pl.col("count").cast(pl.Int64).alias("messages"),
        pl.col("total").fill_null(0).cast(pl.Int64).alias("bytes"),
    )
    recipients = (
        sent.select("recipient", pl.col("count").cast(pl.Int64).alias("messages"))
        .join(
            bytes_to.select("recipient", pl.col("total").cast(pl.Int64).alias("bytes")),
            on="recipient",
            how="left",
        )
        .with_columns(pl.col("bytes").fill_null(0))
    )
    return {
        "top_senders": _top(senders, "sender", "messages", top),
        "top_senders_by_size": _top(senders, "sender", "bytes", top),
        "top_recipients": _top(recipients, "recipient", "messages", top),
        "top_recipients_by_size": _top(recipients, "recipient", "bytes", top),
    }


def by_sending_domain(by_sender: pl.DataFrame, top: int) -> list[Json]:
    """pflogsumm's "Host/Domain Summary: Messages Received"."""
    domains = regroup(by_sender, domain=_domain_or_self(pl.col("sender"))).select(
        "domain",
        pl.col("count").cast(pl.Int64).alias("messages"),
        pl.col("total").fill_null(0).cast(pl.Int64).alias("bytes"),
    )
    return _top(domains, "domain", "messages", top)


def by_recipient_domain(by_recipient: pl.DataFrame, bytes_to: pl.DataFrame, top: int) -> list[Json]:
    """pflogsumm's "Host/Domain Summary: Message Delivery": sent deliveries, the bytes
    they carried, deferrals and bounces, the average delay of the sent ones and the
    longest delay of a sent or deferred one. The `top` domains by sent deliveries,
    then the `top` domains with none sent (only deferred or bounced) by trouble."""
    by_domain = _domain_or_self(pl.col("recipient"))
    statuses = regroup(by_recipient, domain=by_domain, status=pl.col("status"))
    sized = regroup(bytes_to, domain=by_domain)

    def of(status: str) -> pl.Expr:
        return pl.col("status") == status

    waited = of("sent") | of("deferred")
    domains = (
        statuses.group_by("domain")
        .agg(
            pl.col("count").filter(of("sent")).sum().cast(pl.Int64).alias("sent"),
            pl.col("count").filter(of("deferred")).sum().cast(pl.Int64).alias("deferred"),
            pl.col("count").filter(of("bounced")).sum().cast(pl.Int64).alias("bounced"),
            pl.col("total").filter(of("sent")).sum().alias("_delay"),
            pl.col("peak").filter(waited).max().alias("max_delay"),
        )
        .join(sized.select("domain", pl.col("total").alias("bytes")), on="domain", how="left")
        .select(
            "domain",
            "sent",
            pl.col("bytes").fill_null(0).cast(pl.Int64),
            "deferred",
            "bounced",
            pl.when(pl.col("sent") > 0)
            .then((pl.col("_delay") / pl.col("sent")).round(2))
            .alias("average_delay"),
            pl.col("max_delay").round(2),
        )
    )
    ordered = domains.sort(
        ["sent", "deferred", "bounced", "domain"], descending=[True, True, True, False]
    )
    # Domains nothing reached rank last by sent mail, yet they are the trouble: the
    # top by sent, then up to as many of those (pflogsumm, unlimited, lists them too).
    unreached = pl.col("sent") == 0
    return records(ordered.filter(~unreached), top) + records(ordered.filter(unreached), top)
