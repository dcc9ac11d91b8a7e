"""Each message from its queue id's first line to its last: counted once, when it leaves.

A queue id is open while the message is in the queue. qmgr logs `from=, size=` each
time the message becomes active (again after a deferral): the first of those is the
one that counts. The message is folded into the totals when qmgr logs `removed` or
cleanup refuses it (a header/body check reject or discard), and at the end of the
report for the ones still open. Memory follows the messages in the queue, not every
message of the period, and a short queue id Postfix reuses later is a new message.

Queue ids that were never queued (a client that left in the middle of DATA) are kept
for STALE_AFTER of log time and then forgotten.

A ledger fed one day alone (`isolated`, for a store's day summary) cannot tell whether
a queue id it meets was queued the day before. It folds only the messages it saw born
(smtpd `client=`, pickup, a bounce notice's new id) and leave; a message that left
without being born that day is `sealed`, and one still in the queue stays open. Loaded
into the ledger of a report, the sealed ones close what the days before left open, and
the open ones go on, as if the day's lines had been fed one by one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import polars as pl

from parsers.schema import EventKind
from reports.expr import is_forwarding
from reports.section import Batch, Needs
from reports.tally import Accumulator, Backlog, Counters, LocalTally, Tally, owned

STALE_AFTER = timedelta(days=7)
# Batches whose lines are merged into the open messages at once: each merge has a fixed
# cost. A queue id removed and reused within this window would count once.
MERGE_EVERY = 8
_TIME = pl.Datetime("us", "UTC")
_OPEN_SCHEMA: dict[str, pl.DataType] = {
    "queue_id": pl.String(),
    "queued_at": _TIME,
    "size": pl.Int64(),
    "sender": pl.String(),
    "smtpd": pl.Boolean(),
    "pickup": pl.Boolean(),
    "notice": pl.Boolean(),
    "delivered": pl.List(pl.String()),  # recipients of its sent deliveries
    "closed": pl.Boolean(),  # removed, or refused by cleanup: it has left the queue
    "last_seen": _TIME,
}
LEDGER_NEEDS: Needs = {
    EventKind.QUEUED: ["queue_id", "size", "sender"],
    EventKind.CLIENT: ["queue_id"],
    EventKind.PICKUP: ["queue_id"],
    EventKind.NOTIFICATION: ["new_queue_id"],
    EventKind.DELIVERY: ["queue_id", "status", "reason", "recipient"],
    EventKind.REMOVED: ["queue_id"],
    EventKind.CONTENT_CHECK: ["queue_id", "action"],
    EventKind.REJECT: ["queue_id", "action", "program"],
}
_STREAM_FROM = 100_000  # rows
# Days of loaded rows merged at once, at most.
_LOADED_MERGE_EVERY = 32
# Messages that left are counted in bulk, once there are this many.
_COUNT_EVERY = 100_000
# cleanup actions after which the queue file is gone: a table's, and a milter's
_REFUSED = ("reject", "discard")
_MILTER_REFUSED = ("milter-reject", "milter-discard")
_BORN = pl.col("smtpd") | pl.col("pickup") | pl.col("notice")


class _Rows:
    """Ledger rows (one per queue id) as an accumulator of a day summary."""

    def __init__(
        self, dump: Callable[[], pl.DataFrame], load: Callable[[pl.DataFrame], None]
    ) -> None:
        self.dump, self.load = dump, load


class MessageLedger:
    def __init__(self, tz: str, isolated: bool = False) -> None:
        self.isolated = isolated
        self._open = pl.DataFrame(schema=_OPEN_SCHEMA)
        # messages born in the period that entered the queue, by local day and hour
        self.queued = LocalTally(tz, ["day", "hour"], value="size")
        # messages and bytes by envelope sender ("" is the null sender), of the ones
        # that arrived (smtpd or pickup) and entered the queue: pflogsumm's senders
        self.by_sender = Tally(["sender"], value="size", seen=False)
        # bytes delivered by recipient: the size of each message, once per sent delivery
        self.bytes_to = Tally(["recipient"], value="size", seen=False)
        # where the queued messages came from, and the bytes their sent deliveries carried
        self.counts = Counters("smtpd", "pickup", "postfix", "bytes_delivered")
        self._pending: list[pl.DataFrame] = []
        self._closed_ids: list[pl.Series] = []  # of the pending rows that left the queue
        self._sealed = self._open.clear()
        self._leaving = Backlog(_COUNT_EVERY)  # left the queue, to be counted

    def accumulators(self) -> dict[str, Accumulator]:
        """What a day summary keeps (an isolated ledger's, settled). Loaded in this
        order, a day's sealed messages close what the days before left open, then its
        open ones join them."""
        if self.isolated:
            self._settle()
            self._count_leaving()
        return {
            "queued": self.queued,
            "by_sender": self.by_sender,
            "bytes_to": self.bytes_to,
            "counts": self.counts,
            "sealed": _Rows(lambda: self._sealed, self._take),
            "open": _Rows(lambda: self._open, self._take),
        }

    def _take(self, rows: pl.DataFrame) -> None:
        """Loaded rows wait with the others, so that many days merge at once: merged
        together or one after the other, rows of one id give the same message, unless
        an earlier one left the queue (the id was used again): merge up to there first."""
        if rows.height == 0:
            return
        if self._closed_ids:
            ids = rows.get_column("queue_id")
            if ids.is_in(pl.concat(self._closed_ids).implode()).any():
                self._settle()
        self._wait(rows)
        if len(self._pending) >= _LOADED_MERGE_EVERY:
            self._settle()

    def add(self, batch: Batch) -> None:
        self._wait(_updates(batch))
        if len(self._pending) >= MERGE_EVERY:
            self._settle()

    def _wait(self, rows: pl.DataFrame) -> None:
        self._pending.append(rows)
        self._closed_ids.append(rows.filter(pl.col("closed")).get_column("queue_id"))

    def _settle(self) -> None:
        """Merge the pending lines into the open messages; fold the ones that left."""
        if not self._pending:
            return
        updates = pl.concat(self._pending)
        self._pending, self._closed_ids = [], []
        if updates.height == 0:
            return
        # Only the open messages these lines are about need merging: the others stay
        # as they are (one row per id already), however many the queue holds.
        touched = pl.col("queue_id").is_in(updates.get_column("queue_id").unique().implode())
        untouched = self._open.filter(~touched)
        merged = _merge(pl.concat([self._open.filter(touched), updates]))
        closing = pl.col("closed")
        if self.isolated:
            self._sealed = pl.concat([self._sealed, owned(merged.filter(closing & ~_BORN))])
            closing = closing & _BORN
        self._fold(merged.filter(closing))
        newest = updates.get_column("last_seen").max()
        still_open = pl.concat([untouched, merged.filter(~pl.col("closed"))])
        if isinstance(newest, datetime):
            stale = pl.col("queued_at").is_null() & (pl.col("last_seen") < newest - STALE_AFTER)
            still_open = still_open.filter(~stale)
        self._open = owned(still_open)

    def finish(self) -> None:
        """Fold the messages still in the queue at the end of the logs or the period."""
        self._settle()
        self._fold(self._open)
        self._open = self._open.clear()
        self._count_leaving()

    def _fold(self, messages: pl.DataFrame) -> None:
        """Count messages that left: in bulk, a count costs the same for one or many."""
        if self._leaving.put(messages):
            self._count_leaving()

    def _count_leaving(self) -> None:
        messages = self._leaving.take()
        if messages is None:
            return
        in_queue = messages.filter(pl.col("queued_at").is_not_null())
        if in_queue.height == 0:
            return
        # a message queued before the period (a retry) did not arrive in it
        born = in_queue.filter(_BORN)
        self.queued.add(born.select(pl.col("queued_at").alias("time"), "size"))
        self.by_sender.add(
            born.filter(pl.col("smtpd") | pl.col("pickup")).select(
                pl.col("sender").str.to_lowercase().fill_null(""), "size"
            )
        )
        self.bytes_to.add(
            in_queue.select(pl.col("delivered").alias("recipient"), "size")
            .explode("recipient")
            .drop_nulls("recipient")
        )
        self.counts.add("smtpd", int(in_queue.get_column("smtpd").sum()))
        self.counts.add("pickup", int(in_queue.get_column("pickup").sum()))
        self.counts.add("postfix", int(in_queue.get_column("notice").sum()))
        sent = in_queue.get_column("delivered").list.len().cast(pl.Int64)
        delivered = (sent * in_queue.get_column("size")).sum()
        self.counts.add("bytes_delivered", int(delivered or 0))


def _updates(batch: Batch) -> pl.DataFrame:
    """One row per line that tells something about a queue id, in the ledger's columns."""

    def flags(kind: EventKind, column: str, flag: str) -> pl.DataFrame:
        return batch[kind].select(
            pl.col(column).alias("queue_id"), "time", pl.lit(True).alias(flag)
        )

    # a forwarding hands the message on as a new one, whose own deliveries count
    sent = batch[EventKind.DELIVERY].filter((pl.col("status") == "sent") & ~is_forwarding())
    closers = [
        batch[EventKind.REMOVED].select("queue_id", "time", pl.lit(True).alias("closed")),
        batch[EventKind.CONTENT_CHECK].select(
            "queue_id", "time", pl.col("action").is_in(_REFUSED).alias("closed")
        ),
        batch[EventKind.REJECT]
        .filter(pl.col("program").str.ends_with("/cleanup"))
        .select("queue_id", "time", pl.col("action").is_in(_MILTER_REFUSED).alias("closed")),
    ]
    parts = [
        batch[EventKind.QUEUED].select(
            "queue_id", pl.col("time").alias("queued_at"), "size", "sender", "time"
        ),
        flags(EventKind.CLIENT, "queue_id", "smtpd"),
        flags(EventKind.PICKUP, "queue_id", "pickup"),
        flags(EventKind.NOTIFICATION, "new_queue_id", "notice"),
        sent.select(
            "queue_id",
            "time",
            pl.concat_list(pl.col("recipient").str.to_lowercase().fill_null("")).alias("delivered"),
        ),
        *closers,
    ]
    rows = pl.concat(parts, how="diagonal_relaxed").filter(pl.col("queue_id").is_not_null())
    return rows.select(
        [
            (pl.col(name) if name in rows.columns else pl.lit(None)).cast(dtype).alias(name)
            for name, dtype in _OPEN_SCHEMA.items()
            if name != "last_seen"
        ]
        + [pl.col("time").cast(_TIME).alias("last_seen")]
    )


def _merge(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per queue id: its first queueing (with that line's size and sender), the
    sources seen, the recipients of its sent deliveries, the last line's time.

    One grouping on the streaming engine, about three times faster than grouping and
    joining the first queueing back. Lines of one id queued at the same instant are
    qmgr logging the same message again (same size, same sender), so which of them
    comes first does not matter."""
    at_first = pl.col("queued_at")
    return (
        rows.lazy()
        .group_by("queue_id")
        .agg(
            at_first.min(),
            pl.col("size").sort_by(at_first, nulls_last=True).first(),
            pl.col("sender").sort_by(at_first, nulls_last=True).first(),
            pl.col("smtpd").any(),
            pl.col("pickup").any(),
            pl.col("notice").any(),
            pl.col("delivered").explode().drop_nulls(),
            pl.col("closed").any(),
            pl.col("last_seen").max(),
        )
        .select(list(_OPEN_SCHEMA))
        # the streaming engine pays off on big merges; it costs ~2 ms to start
        .collect(engine="streaming" if rows.height > _STREAM_FROM else "in-memory")
    )
