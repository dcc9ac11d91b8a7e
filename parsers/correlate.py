"""Tie lines of one connection together, across batch boundaries.

smtpd: a session starts at `connect from` and belongs to (host, pid) until the next
connect; every session event carries its id (host/pid/connect time) and the TLS
level, protocol and cipher established in it so far. Classic stamps have whole
seconds, and an smtpd process may take its next client within the second its last
one left: a connect no later than the process's previous session's start gets that
start plus 1 µs, so every session's id is its own, however the log is cut into chunks.

smtp/lmtp: a TLS summary line starts a connection of that (host, pid); the delivery
lines that follow for the same queue id and the same server ip:port went over it.
Once that process logs a delivery of another queue id, the TLS connection is over:
a later delivery without its own TLS line was plaintext (Postfix does not cache TLS
connections unless tlsproxy reuse is on, and reuse logs its own "reused" line).

Each correlator keeps, per (host, pid), only the state of the connection still open,
and forgets it after IDLE_LIMIT of log time without a line from that process.
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

IDLE_LIMIT = timedelta(hours=6)
_KEY = ["host", "pid"]
_TLS_FIELDS = ("tls_level", "tls_protocol", "tls_cipher")
_NO_TLS = "\x00"  # marks "reset at connect" while forward-filling


def session_id(host: pl.Expr, pid: pl.Expr, started_us: pl.Expr) -> pl.Expr:
    """A session's id: host/pid/connect time in µs since the epoch (docs/events.md)."""
    return (
        host.fill_null("")
        + "/"
        + pid.cast(pl.String).fill_null("")
        + "/"
        + started_us.cast(pl.String)
    )


def _starts() -> pl.Expr:
    """Each connect's start in µs (`_t`, in line order per process), or 1 µs after the
    start of the session before it in the same process when that is not earlier (`_p`:
    the start of the process's session carried from earlier chunks).
    start_i = max(t_i, start_(i-1) + 1) = i + max(max over j <= i of (t_j - j), _p + 1)."""
    index = pl.int_range(pl.len()).over(_KEY)
    base = (pl.col("_t") - index).cum_max().over(_KEY)
    return pl.max_horizontal(base, pl.col("_p") + 1) + index


def session_start_epoch(session: pl.Expr) -> pl.Expr:
    """The connect time a session id carries, in µs since the epoch (null for a null id)."""
    return session.str.split("/").list.last().cast(pl.Int64)


def _prune(state: pl.DataFrame, newest: object) -> pl.DataFrame:
    if state.height == 0 or newest is None:
        return state
    return state.filter(pl.col("last_time") >= pl.lit(newest) - IDLE_LIMIT)


class SessionCorrelator:
    """Session id and TLS state for smtpd events."""

    def __init__(self) -> None:
        self._state = pl.DataFrame(
            schema={
                "host": pl.String,
                "pid": pl.Int64,
                "session": pl.String,
                **{name: pl.String for name in _TLS_FIELDS},
                "last_time": pl.Datetime("us", "UTC"),
            }
        )

    def annotate(self, steps: pl.DataFrame) -> pl.DataFrame:
        """`steps`: seq, time, host, pid, step ("connect"|"tls"|"disconnect"|"other") and
        the TLS fields on tls rows. Returns seq → session and TLS fields."""
        state = self._state
        # Open sessions re-enter as a connect (and a TLS line, if they had one).
        carried_connects = state.select(pl.lit(-2, pl.Int64).alias("seq"), "host", "pid", "session")
        carried_tls = state.filter(pl.col("tls_level").is_not_null()).select(
            pl.lit(-1, pl.Int64).alias("seq"), "host", "pid", *_TLS_FIELDS
        )
        step = pl.col("step")
        previous = state.select(*_KEY, session_start_epoch(pl.col("session")).alias("_p"))
        new = (
            steps.filter(step == "connect")
            .select("seq", *_KEY, pl.col("time").dt.epoch("us").alias("_t"))
            .join(previous, on=_KEY, how="left", maintain_order="left")
        )
        started = new.select(
            "seq", *_KEY, session_id(pl.col("host"), pl.col("pid"), _starts()).alias("session")
        )
        connects = pl.concat([carried_connects, started]).with_columns(
            pl.col("seq").alias("connect_seq")
        )
        tls = pl.concat(
            [carried_tls, steps.filter(step == "tls").select("seq", "host", "pid", *_TLS_FIELDS)]
        ).with_columns(pl.col("seq").alias("tls_seq"))
        joined = (
            steps.drop(list(_TLS_FIELDS))
            .join_asof(connects, on="seq", by=_KEY, strategy="backward", check_sortedness=False)
            .join_asof(tls, on="seq", by=_KEY, strategy="backward", check_sortedness=False)
        )
        # A TLS line counts for the session it was logged in, not for a later one.
        in_session = pl.col("tls_seq").is_not_null() & (
            pl.col("connect_seq").is_null() | (pl.col("tls_seq") > pl.col("connect_seq"))
        )
        annotated = joined.with_columns(
            [pl.when(in_session).then(pl.col(name)).alias(name) for name in _TLS_FIELDS]
        )
        # Rows are in line order, so the last of each group is its latest state.
        last = annotated.group_by(_KEY, maintain_order=True).last()
        self._state = _prune(
            pl.concat(
                [
                    # an ended session stays too: the process's next session starts
                    # after it, and a stray line after the disconnect belongs to it
                    # (as within a chunk)
                    last.select(
                        "host", "pid", "session", *_TLS_FIELDS, pl.col("time").alias("last_time")
                    ),
                    # Sessions of earlier chunks that had no line in this one stay open.
                    state.join(last.select(_KEY), on=_KEY, how="anti"),
                ]
            ),
            annotated.get_column("time").max(),
        )
        return annotated.select("seq", "session", *_TLS_FIELDS)


_T_DTYPES: dict[str, pl.DataType] = {
    "t_level": pl.String(),
    "t_protocol": pl.String(),
    "t_cipher": pl.String(),
    "t_ip": pl.String(),
    "t_port": pl.Int32(),
}


class SmtpTlsCorrelator:
    """TLS level, protocol and cipher of each smtp/lmtp delivery attempt."""

    _FIELDS = ("t_level", "t_protocol", "t_cipher", "t_ip", "t_port", "t_seq")

    def __init__(self) -> None:
        self._state = pl.DataFrame(
            schema={
                "host": pl.String,
                "pid": pl.Int64,
                "t_level": pl.String,
                "t_protocol": pl.String,
                "t_cipher": pl.String,
                "t_ip": pl.String,
                "t_port": pl.Int32,
                "t_seq": pl.Int64,
                "first_qid": pl.String,
                "ended": pl.Boolean,
                "last_time": pl.Datetime("us", "UTC"),
            }
        )

    def annotate(self, steps: pl.DataFrame) -> pl.DataFrame:
        """`steps`: seq, time, host, pid, is_tls, t_level/t_protocol/t_cipher/t_ip/t_port
        (on TLS rows), queue_id, relay_ip, relay_port (on delivery rows).
        Returns seq → tls_level, tls_protocol, tls_cipher for delivery rows."""
        state = self._state
        # The open connection re-enters as a TLS row plus the deliveries it has had.
        carried_tls = state.select(
            pl.lit(-3, pl.Int64).alias("seq"),
            pl.col("last_time").alias("time"),
            "host",
            "pid",
            pl.lit(True).alias("is_tls"),
            "t_level",
            "t_protocol",
            "t_cipher",
            "t_ip",
            "t_port",
            pl.lit(None, pl.String).alias("queue_id"),
            pl.lit(None, pl.String).alias("relay_ip"),
            pl.lit(None, pl.Int32).alias("relay_port"),
        )
        carried_first = state.filter(pl.col("first_qid").is_not_null()).select(
            pl.lit(-2, pl.Int64).alias("seq"),
            pl.col("last_time").alias("time"),
            "host",
            "pid",
            pl.lit(False).alias("is_tls"),
            *[pl.lit(None, dtype).alias(n) for n, dtype in _T_DTYPES.items()],
            pl.col("first_qid").alias("queue_id"),
            pl.lit(None, pl.String).alias("relay_ip"),
            pl.lit(None, pl.Int32).alias("relay_port"),
        )
        carried_end = state.filter(pl.col("ended")).select(
            pl.lit(-1, pl.Int64).alias("seq"),
            pl.col("last_time").alias("time"),
            "host",
            "pid",
            pl.lit(False).alias("is_tls"),
            *[pl.lit(None, dtype).alias(n) for n, dtype in _T_DTYPES.items()],
            pl.lit(_NO_TLS).alias("queue_id"),
            pl.lit(None, pl.String).alias("relay_ip"),
            pl.lit(None, pl.Int32).alias("relay_port"),
        )
        frame = pl.concat(
            [carried_tls, carried_first, carried_end, steps], how="vertical_relaxed"
        ).sort("seq", maintain_order=True)
        frame = frame.with_columns(
            pl.when(pl.col("is_tls")).then(pl.col("seq")).alias("t_seq")
        ).with_columns(pl.col(list(self._FIELDS)).forward_fill().over(_KEY))
        segment = [*_KEY, "t_seq"]
        first_qid = pl.col("queue_id").drop_nulls().first().over(segment)
        other_qid = (pl.col("queue_id") != first_qid).fill_null(False)
        frame = frame.with_columns(
            first_qid.alias("first_qid"),
            other_qid.cast(pl.Int8).cum_max().over(segment).cast(pl.Boolean).alias("ended"),
        )
        same_peer = (pl.col("relay_ip") == pl.col("t_ip")) & (
            pl.col("t_port").is_null() | (pl.col("relay_port") == pl.col("t_port"))
        )
        over_tls = pl.col("t_seq").is_not_null() & ~pl.col("ended") & same_peer.fill_null(False)
        last = frame.group_by(_KEY, maintain_order=True).last()
        self._state = _prune(
            last.filter(pl.col("t_seq").is_not_null()).select(
                "host",
                "pid",
                "t_level",
                "t_protocol",
                "t_cipher",
                "t_ip",
                "t_port",
                "t_seq",
                "first_qid",
                "ended",
                pl.col("time").alias("last_time"),
            ),
            frame.get_column("time").max(),
        )
        return frame.filter((pl.col("seq") >= 0) & ~pl.col("is_tls")).select(
            "seq",
            pl.when(over_tls).then(pl.col("t_level")).alias("tls_level"),
            pl.when(over_tls).then(pl.col("t_protocol")).alias("tls_protocol"),
            pl.when(over_tls).then(pl.col("t_cipher")).alias("tls_cipher"),
        )


Correlator = SessionCorrelator | SmtpTlsCorrelator


def state_of(correlator: Correlator) -> pl.DataFrame:
    """The connections still open: what a later run needs to go on exactly."""
    return correlator._state


def restore(correlator: Correlator, state: pl.DataFrame) -> None:
    expected = correlator._state.schema
    if state.schema != expected:
        raise ValueError(f"saved connection state has columns {state.schema}, not {expected}")
    correlator._state = state
