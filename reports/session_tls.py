"""Whether something that happened in an smtpd session (a message accepted, a login)
happened over TLS.

Known from the session's TLS line (smtpd_tls_loglevel >= 1: the event's `tls_level`)
or, when TLS is not logged, from the STARTTLS counter of the session's `disconnect
from ... starttls=N/M` line (Postfix 3.0 and later), which may come in a later batch:
rows wait for it in a `Pending` frame (an accumulator, so a store's day summary keeps
them). A row whose session's end is not in the period is plaintext only if TLS is
logged there and the session's start is too (its TLS line would be); otherwise unknown.

A waiting row needs the columns of `WAITING`. A store's day summary is made from one
day's events alone: a session that began the day before ends there with no row
waiting for it, so the day keeps those sessions' ends (`SessionEnds`) to answer, when
the summaries are loaded together, the rows the day before left waiting.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import polars as pl

from parsers.correlate import session_start_epoch
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


_ENDS: dict[str, pl.DataType] = {"session": pl.String(), "_ended": pl.Int32()}


def session_ends(batch: Batch) -> pl.DataFrame:
    """session, _ended: the STARTTLS counter of each session that ended in `batch`."""
    return (
        batch[EventKind.DISCONNECT]
        .select("session", starttls_count(pl.col("commands")).alias("_ended"))
        .drop_nulls()
        .unique("session", keep="last")
    )


def with_session_ends(pending: pl.DataFrame, ends: Batch | pl.DataFrame) -> pl.DataFrame:
    """`pending` with the STARTTLS counters of the sessions that ended in `ends` (a
    batch, or a frame of `session_ends`)."""
    if not isinstance(ends, pl.DataFrame):
        ends = session_ends(ends)
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
    """Rows waiting for their session's answer, as an accumulator. `loaded` is called
    after a load; the owner answers the loaded rows from the session ends loaded
    (`SessionEnds`) once, before it next adds or finishes (`Answered`): matched on every
    load, a year's 41 summaries joined its 91,715 waiting rows 41 times (0.45 s)."""

    def __init__(
        self, schema: dict[str, pl.DataType], loaded: Callable[[], None] | None = None
    ) -> None:
        self.schema = schema
        self._frames = [pl.DataFrame(schema=schema)]
        self.loaded = loaded

    @property
    def frame(self) -> pl.DataFrame:
        if len(self._frames) > 1:
            self._frames = [pl.concat(self._frames)]
        return self._frames[0]

    @frame.setter
    def frame(self, frame: pl.DataFrame) -> None:
        self._frames = [frame]

    def dump(self) -> pl.DataFrame:
        return self.frame

    def load(self, frame: pl.DataFrame) -> None:
        columns = [pl.col(name).cast(dtype) for name, dtype in self.schema.items()]
        self._frames.append(frame.select(columns))
        if self.loaded is not None:
            self.loaded()


class SessionEnds:
    """The ends of sessions that began before the first event added (in a day summary:
    the day before), as an accumulator; loaded ones are kept to answer the rows that
    are waiting or loaded later (`loaded` is called after a load)."""

    def __init__(self, keep: bool, loaded: Callable[[], None]) -> None:
        self.keep = keep  # collect ends from the events added (a day summary's)
        self.first: int | None = None  # µs since the epoch of the first event added
        self._frames = [pl.DataFrame(schema=_ENDS)]
        self.loaded = loaded

    @property
    def frame(self) -> pl.DataFrame:
        if len(self._frames) > 1:
            # one end per session: a row waiting for it is joined to it, never
            # multiplied (a session id logged twice, or states of copied stores)
            joined = pl.concat(self._frames)
            self._frames = [joined.unique("session", keep="last", maintain_order=True)]
        return self._frames[0]

    def add(self, batch: Batch) -> None:
        if not self.keep:
            return
        if self.first is None:
            latest = [frame.get_column("time").min() for frame in batch.values() if frame.height]
            found = [t for t in latest if isinstance(t, datetime)]
            if not found:
                return
            self.first = int(min(found).timestamp() * 1_000_000)
        ended = batch[EventKind.DISCONNECT].filter(
            session_start_epoch(pl.col("session")) < self.first
        )
        if ended.height:
            ends = session_ends({EventKind.DISCONNECT: ended})
            self._frames = [pl.concat([self.frame, ends.select(list(_ENDS))])]

    def dump(self) -> pl.DataFrame:
        return self.frame

    def load(self, frame: pl.DataFrame) -> None:
        if frame.height:
            self._frames.append(frame.select(list(_ENDS)))
            self.loaded()


class Answered:
    """Whether the rows and session ends loaded so far were matched: `loaded` is the
    callback of a `Pending` and a `SessionEnds`, `due` says whether to match them now
    (once, before the owner adds events or finishes). A dumped state may hold rows its
    own ends answer: loaded again, they are matched then, and counted once."""

    def __init__(self) -> None:
        self._loaded = False

    def loaded(self) -> None:
        self._loaded = True

    def due(self) -> bool:
        due, self._loaded = self._loaded, False
        return due
