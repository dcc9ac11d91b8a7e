"""Messages smtpd accepted, and whether each came over TLS.

A message is accepted when it was queued: smtpd logged `client=` for its queue id and
qmgr took it (`from=`); a header/body check refusal, a discard or hold, or a client that
left in the middle of DATA never reach qmgr. Whether it came over TLS is known from
the session's TLS line (smtpd_tls_loglevel >= 1) or, when TLS is not logged, from the
STARTTLS counter of the session's `disconnect from ... starttls=N/M` line (Postfix 3.0
and later). Without either the message's TLS is unknown, not plaintext.

Each message waits (with a few columns) from its `client=` line until both answers are
known; one never queued is forgotten after NEVER_QUEUED of log time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from parsers.schema import EventKind
from reports.section import Batch, Needs
from reports.tally import Accumulator, Counters, Tally, owned

NEVER_QUEUED = timedelta(hours=1)
# A session's answer comes with its disconnect; smtpd's longest sessions are well under.
SESSION_GONE = timedelta(hours=6)

ACCEPTED_NEEDS: Needs = {
    EventKind.CLIENT: ["queue_id", "session", "tls_level", "client_host", "client_ip"],
    EventKind.QUEUED: ["queue_id"],
    EventKind.DISCONNECT: ["session", "commands"],
}
_TIME = pl.Datetime("us", "UTC")
_PENDING: dict[str, pl.DataType] = {
    "queue_id": pl.String(),
    "session": pl.String(),
    "client_host": pl.String(),
    "client_ip": pl.String(),
    "tls_logged": pl.Boolean(),  # a TLS line came before client=
    "queued": pl.Boolean(),
    "starttls": pl.Int32(),  # the session's successful STARTTLS, once it disconnected
    "time": _TIME,  # of client=
}
_COLUMNS = [pl.col(name).cast(dtype) for name, dtype in _PENDING.items()]


def starttls_count(commands: pl.Expr) -> pl.Expr:
    """Successful STARTTLS commands in a disconnect line's counters: `starttls=1` or
    `starttls=0/1` (succeeded/tried); 0 when the session sent none."""
    found = commands.str.extract(r"(?:^|\s)starttls=(\d+)", 1).cast(pl.Int32)
    return pl.when(commands.is_null()).then(None).otherwise(found.fill_null(0))


class _Pending:
    """The waiting messages as an accumulator (a store's day summary keeps them)."""

    def __init__(self, owner: AcceptedMessages) -> None:
        self.owner = owner

    def dump(self) -> pl.DataFrame:
        return self.owner.pending

    def load(self, frame: pl.DataFrame) -> None:
        self.owner.pending = pl.concat([self.owner.pending, frame.select(_COLUMNS)])


class AcceptedMessages:
    def __init__(self) -> None:
        self.pending = pl.DataFrame(schema=_PENDING)
        self.counts = Counters("tls", "plaintext", "unknown")
        self.plaintext_clients = Tally(["client_host", "client_ip"])

    def accumulators(self) -> dict[str, Accumulator]:
        return {
            "accepted": self.counts,
            "plaintext_clients": self.plaintext_clients,
            "accepted_pending": _Pending(self),
        }

    def add(self, batch: Batch) -> None:
        clients = batch[EventKind.CLIENT].filter(pl.col("queue_id").is_not_null())
        new = clients.select(
            "queue_id",
            "session",
            "client_host",
            "client_ip",
            pl.col("tls_level").is_not_null().alias("tls_logged"),
            pl.lit(False).alias("queued"),
            pl.lit(None, pl.Int32).alias("starttls"),
            "time",
        )
        pending = pl.concat([self.pending, owned(new)]) if new.height else self.pending
        if pending.height == 0:
            return
        queued = batch[EventKind.QUEUED].get_column("queue_id").drop_nulls().unique()
        ends = (
            batch[EventKind.DISCONNECT]
            .select("session", starttls_count(pl.col("commands")).alias("_ended"))
            .drop_nulls()
            .unique("session", keep="last")
        )
        pending = (
            pending.join(ends, on="session", how="left")
            .with_columns(
                pl.col("queued") | pl.col("queue_id").is_in(queued.implode()),
                pl.coalesce("starttls", "_ended").alias("starttls"),
            )
            .drop("_ended")
        )
        known = pl.col("queued") & (pl.col("tls_logged") | pl.col("starttls").is_not_null())
        self._count(pending.filter(known), unknown=False)
        rest = pending.filter(~known)
        newest = self._newest(batch)
        if newest is not None and rest.height:
            never = ~pl.col("queued") & (pl.col("time") < newest - NEVER_QUEUED)
            gone = pl.col("queued") & (pl.col("time") < newest - SESSION_GONE)
            self._count(rest.filter(gone), unknown=True)
            rest = rest.filter(~never & ~gone)
        self.pending = rest

    @staticmethod
    def _newest(batch: Batch) -> datetime | None:
        times = [frame.get_column("time").max() for frame in batch.values() if frame.height]
        found = [t for t in times if isinstance(t, datetime)]
        return max(found) if found else None

    def finish(self, tls_logged: bool) -> None:
        """Count the queued messages still waiting: their session's end is not in the
        period. When TLS is logged, one with no TLS line came in plaintext."""
        waiting = self.pending.filter(pl.col("queued"))
        self.pending = self.pending.clear()
        self._count(waiting, unknown=not tls_logged)

    def _count(self, messages: pl.DataFrame, unknown: bool) -> None:
        if messages.height == 0:
            return
        over_tls = pl.col("tls_logged") | (pl.col("starttls").fill_null(0) > 0)
        tls = messages.filter(over_tls)
        rest = messages.filter(~over_tls)
        self.counts.add("tls", tls.height)
        if unknown:
            undecided = rest.filter(pl.col("starttls").is_null())
            rest = rest.filter(pl.col("starttls").is_not_null())
            self.counts.add("unknown", undecided.height)
        self.counts.add("plaintext", rest.height)
        self.plaintext_clients.add(rest.select("time", "client_host", "client_ip"))
