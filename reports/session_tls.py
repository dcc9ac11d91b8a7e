"""Whether something that happened in an smtpd session (a message accepted, a login)
happened over TLS.

Known from the session's TLS line (smtpd_tls_loglevel >= 1: the event's `tls_level`)
or, when TLS is not logged, from the STARTTLS counter of the session's `disconnect
from ... starttls=N/M` line (Postfix 3.0 and later), which may come in a later batch:
rows wait for it in a `Pending` frame (an accumulator, so a store's day summary keeps
them). A row whose session's end is not in the period is plaintext only if TLS is
logged there and the session's start is too (its TLS line would be); otherwise unknown.

A waiting row needs the columns of `WAITING`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from parsers.schema import EventKind
from reports.section import Batch

# A session's answer comes with its disconnect; smtpd's longest sessions are well under.
SESSION_GONE = timedelta(hours=6)

TIME = pl.Datetime("us", "UTC")
WAITING: dict[str, pl.DataType] = {
    "session": pl.String(),  # null: the session's connect is not in the log
    "tls_logged": pl.Boolean(),  # a TLS line came before the event in its session
    "starttls": pl.Int32(),  # the session's successful STARTTLS, once it disconnected
    "time": TIME,  # of the event
}
DECIDED = pl.col("tls_logged") | pl.col("starttls").is_not_null()


def starttls_count(commands: pl.Expr) -> pl.Expr:
    """Successful STARTTLS commands in a disconnect line's counters: `starttls=1` or
    `starttls=0/1` (succeeded/tried); 0 when the session sent none."""
    found = commands.str.extract(r"(?:^|\s)starttls=(\d+)", 1).cast(pl.Int32)
    return pl.when(commands.is_null()).then(None).otherwise(found.fill_null(0))


def waiting(events: pl.DataFrame, *payload: str | pl.Expr) -> pl.DataFrame:
    """Rows to wait with, of events that carry `session` and `tls_level`."""
    return events.select(
        "session",
        pl.col("tls_level").is_not_null().alias("tls_logged"),
        pl.lit(None, pl.Int32).alias("starttls"),
        "time",
        *payload,
    )


def with_session_ends(pending: pl.DataFrame, batch: Batch) -> pl.DataFrame:
    """`pending` with the STARTTLS counters of the sessions that ended in `batch`."""
    ends = (
        batch[EventKind.DISCONNECT]
        .select("session", starttls_count(pl.col("commands")).alias("_ended"))
        .drop_nulls()
        .unique("session", keep="last")
    )
    return (
        pending.join(ends, on="session", how="left")
        .with_columns(pl.coalesce("starttls", "_ended").alias("starttls"))
        .drop("_ended")
    )


def over(plaintext_if_unseen: bool) -> pl.Expr:
    """ "tls", "plaintext" or "unknown". A row whose session's end was not seen is
    plaintext when `plaintext_if_unseen` (TLS is logged in the period) and its
    session's start was seen, else unknown."""
    unseen = pl.lit("plaintext" if plaintext_if_unseen else "unknown")
    return (
        pl.when(pl.col("tls_logged") | (pl.col("starttls").fill_null(0) > 0))
        .then(pl.lit("tls"))
        .when(pl.col("starttls").is_not_null())
        .then(pl.lit("plaintext"))
        .when(pl.col("session").is_not_null())
        .then(unseen)
        .otherwise(pl.lit("unknown"))
    )


def newest(batch: Batch) -> datetime | None:
    """The latest event time of `batch`, if it has events."""
    times = [frame.get_column("time").max() for frame in batch.values() if frame.height]
    found = [t for t in times if isinstance(t, datetime)]
    return max(found) if found else None


def gone(pending: pl.DataFrame, batch: Batch) -> pl.Expr:
    """Rows of sessions that cannot still be open, by the newest time of `batch`."""
    latest = newest(batch)
    if latest is None or pending.height == 0:
        return pl.lit(False)
    return pl.col("time") < latest - SESSION_GONE


class Pending:
    """Rows waiting for their session's answer, as an accumulator."""

    def __init__(self, schema: dict[str, pl.DataType]) -> None:
        self.schema = schema
        self.frame = pl.DataFrame(schema=schema)

    def dump(self) -> pl.DataFrame:
        return self.frame

    def load(self, frame: pl.DataFrame) -> None:
        columns = [pl.col(name).cast(dtype) for name, dtype in self.schema.items()]
        self.frame = pl.concat([self.frame, frame.select(columns)])
