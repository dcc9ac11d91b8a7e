"""Messages smtpd accepted, and whether each came over TLS.

A message is accepted when it was queued: smtpd logged `client=` for its queue id and
qmgr took it (`from=`); a header/body check refusal, a discard or hold, or a client that
left in the middle of DATA never reach qmgr. Whether it came over TLS is known from
the session's TLS line (smtpd_tls_loglevel >= 1) or, when TLS is not logged, from the
STARTTLS counter of the session's `disconnect from ... starttls=N/M` line (Postfix 3.0
and later). Without either the message's TLS is unknown, not plaintext.

Each message waits (with a few columns) from its `client=` line until both answers are
known (reports.session_tls); one never queued is forgotten after NEVER_QUEUED of log time.
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from parsers.schema import EventKind
from reports.section import Batch, Needs
from reports.session_tls import (
    DECIDED,
    WAITING,
    Answered,
    Pending,
    SessionEnds,
    gone,
    newest,
    over,
    waiting,
    with_session_ends,
)
from reports.tally import Accumulator, Counters, Tally, owned

NEVER_QUEUED = timedelta(hours=1)

ACCEPTED_NEEDS: Needs = {
    EventKind.CLIENT: ["queue_id", "session", "tls_level", "client_host", "client_ip"],
    EventKind.QUEUED: ["queue_id"],
    EventKind.DISCONNECT: ["session", "commands"],
}
_PENDING: dict[str, pl.DataType] = {
    **WAITING,
    "queue_id": pl.String(),
    "client_host": pl.String(),
    "client_ip": pl.String(),
    "queued": pl.Boolean(),
}


class AcceptedMessages:
    def __init__(self, isolated: bool = False) -> None:
        self.answered = Answered()
        self.pending = Pending(_PENDING, self.answered.loaded)
        # a day summary keeps the ends of sessions the day before left waiting
        self.ends = SessionEnds(isolated, self.answered.loaded)
        self.counts = Counters("tls", "plaintext", "unknown")
        self.plaintext_clients = Tally(["client_host", "client_ip"])

    def accumulators(self) -> dict[str, Accumulator]:
        return {
            "accepted": self.counts,
            "plaintext_clients": self.plaintext_clients,
            "accepted_pending": self.pending,
            "accepted_session_ends": self.ends,
        }

    def _answer_loaded(self) -> None:
        """Count the waiting messages whose session's end a loaded state holds."""
        if not self.answered.due():
            return
        pending = self.pending.frame
        if pending.height == 0 or self.ends.frame.height == 0:
            return
        pending = with_session_ends(pending, self.ends.frame)
        known = pl.col("queued") & DECIDED
        self._count(pending.filter(known), plaintext_if_unseen=False)
        self.pending.frame = pending.filter(~known).select(list(_PENDING))

    def add(self, batch: Batch) -> None:
        self._answer_loaded()
        self.ends.add(batch)
        clients = batch[EventKind.CLIENT].filter(pl.col("queue_id").is_not_null())
        new = waiting(
            clients, "queue_id", "client_host", "client_ip", pl.lit(False).alias("queued")
        )
        pending = self.pending.frame
        pending = pl.concat([pending, owned(new)]) if new.height else pending
        if pending.height == 0:
            return
        queued = batch[EventKind.QUEUED].get_column("queue_id").drop_nulls().unique()
        pending = with_session_ends(pending, batch).with_columns(
            pl.col("queued") | pl.col("queue_id").is_in(queued.implode())
        )
        known = pl.col("queued") & DECIDED
        self._count(pending.filter(known), plaintext_if_unseen=False)
        rest = pending.filter(~known)
        latest = newest(batch)
        if latest is not None and rest.height:
            never = ~pl.col("queued") & (pl.col("time") < latest - NEVER_QUEUED)
            ended = pl.col("queued") & gone(rest, batch)
            self._count(rest.filter(ended), plaintext_if_unseen=False)
            rest = rest.filter(~never & ~ended)
        self.pending.frame = rest.select(list(_PENDING))

    def finish(self, tls_logged: bool) -> None:
        """Count the queued messages still waiting: their session's end is not in the
        period. When TLS is logged, one with no TLS line came in plaintext (if its
        session's start is in the period too)."""
        self._answer_loaded()
        waiting_ = self.pending.frame.filter(pl.col("queued"))
        self.pending.frame = self.pending.frame.clear()
        self._count(waiting_, plaintext_if_unseen=tls_logged)

    def _count(self, messages: pl.DataFrame, plaintext_if_unseen: bool) -> None:
        if messages.height == 0:
            return
        decided = messages.with_columns(over(plaintext_if_unseen).alias("_over"))
        for name, n in decided.group_by("_over").len().iter_rows():
            self.counts.add(str(name), int(n))
        rest = decided.filter(pl.col("_over") == "plaintext")
        self.plaintext_clients.add(rest.select("time", "client_host", "client_ip"))
