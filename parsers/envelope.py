"""The syslog envelope: time, host, program, pid and message of each raw line.

The Rust engine (`parsers._engine`, built from engine/) splits a chunk of raw bytes
into lines and reads their envelopes, in all five formats; the message then goes to
its daemon's rules. Lines whose envelope cannot be read keep a null `program` and end
up counted as unparsed under "(no envelope)". What stays here is what Python still
does: classic stamps become instants by the year and zone rules of
parsers/timestamps.py (once per minute), and the few stamps and journald records the
engine does not vouch for are read with the Polars rules they always had.
"""

from __future__ import annotations

import enum
import re

import polars as pl

from parsers import _engine
from parsers.timestamps import TimeContext, classic_time_expr, classic_times, iso_time_expr


class LogFormat(enum.StrEnum):
    CLASSIC = "classic"  # Nov 24 17:18:10 mx postfix/smtpd[388]: ...
    RFC3339 = "rfc3339"  # 2026-11-24T17:18:10.594919+00:00 mx postfix/smtpd[388]: ...
    RFC5424 = "rfc5424"  # <22>1 2026-11-24T17:18:10.59Z mx postfix/smtpd 388 - - ...
    POSTLOG = "postlog"  # Postfix maillog_file: the classic layout, written by postlogd
    JOURNALD = "journald"  # journalctl -o json


NO_ENVELOPE = "(no envelope)"
EngineError = _engine.EngineError

_CLASSIC = (LogFormat.CLASSIC, LogFormat.POSTLOG)
ENVELOPE_COLUMNS = ("line", "time", "host", "program", "pid", "message")


def detect_format(sample: list[str]) -> LogFormat:
    """Guess a file's envelope format from its first non-empty lines (classic if unsure)."""
    for line in sample:
        text = line.lstrip("\ufeff")
        if not text.strip():
            continue
        if text.startswith("{"):
            return LogFormat.JOURNALD
        if re.match(r"<\d{1,3}>1 ", text):
            return LogFormat.RFC5424
        if re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", text):
            return LogFormat.RFC3339
        if re.match(r"[A-Z][a-z]{2} {1,2}[0-3]?\d \d\d:\d\d:\d\d ", text):
            return LogFormat.CLASSIC
    return LogFormat.CLASSIC


def read_envelope(
    chunk: bytes,
    fmt: LogFormat,
    times: TimeContext,
    *,
    source: str = "<input>",
    offset: int = 0,
) -> pl.DataFrame:
    """A chunk of whole lines → one row per line: line, time, host, program, pid, message.

    Lines are split at `\\n` (a trailing `\\r` dropped, invalid UTF-8 replaced). A failure
    inside the engine raises EngineError naming `source` and the byte offset (`offset` is
    the chunk's first byte in its input).
    """
    frame = pl.DataFrame(_engine.split_envelope(chunk, fmt.value, source=source, offset=offset))
    if fmt in _CLASSIC:
        frame = frame.with_columns(classic_times(frame.get_column("stamp"), times))
    if frame.get_column("odd").null_count() < frame.height:
        frame = _read_odd(frame, fmt, times)
    return frame.select(ENVELOPE_COLUMNS)


def envelope_times(frame: pl.DataFrame, fmt: LogFormat, times: TimeContext) -> pl.Series:
    """Each line's instant, from the engine's `time`, `stamp` and `odd` columns (an odd
    journald record excepted: the engine leaves those whole to Python)."""
    if fmt in _CLASSIC:
        frame = frame.with_columns(classic_times(frame.get_column("stamp"), times))
    odd = frame.get_column("odd")
    if fmt is not LogFormat.JOURNALD and odd.null_count() < frame.height:
        stamp = pl.col("odd")
        stamp_time = classic_time_expr(stamp, times) if fmt in _CLASSIC else iso_time_expr(stamp)
        frame = frame.with_columns(pl.coalesce("time", stamp_time).alias("time"))
    return frame.get_column("time")


def _read_odd(frame: pl.DataFrame, fmt: LogFormat, times: TimeContext) -> pl.DataFrame:
    """The stamps or records the engine left in `odd`, read with the Polars rules."""
    odd = pl.col("odd")
    if fmt is not LogFormat.JOURNALD:
        stamp_time = classic_time_expr(odd, times) if fmt in _CLASSIC else iso_time_expr(odd)
        return frame.with_columns(pl.coalesce("time", stamp_time).alias("time"))
    frame = frame.with_row_index("_row")
    left = frame.filter(odd.is_not_null())
    read = _journald(left.select(odd.alias("line"))).with_columns(left.get_column("_row"))
    kept = frame.filter(odd.is_null()).select("_row", *ENVELOPE_COLUMNS)
    return pl.concat([kept, read.select(kept.columns)]).sort("_row").drop("_row")


def _journald(lines: pl.DataFrame) -> pl.DataFrame:
    line = pl.col("line")

    def field(name: str) -> pl.Expr:
        return line.str.json_path_match(f"$.{name}")

    micros = field("__REALTIME_TIMESTAMP").cast(pl.Int64, strict=False)
    frame = lines.select(
        "line",
        pl.from_epoch(micros, time_unit="us").dt.replace_time_zone("UTC").alias("time"),
        field("_HOSTNAME").alias("host"),
        field("SYSLOG_IDENTIFIER").alias("program"),
        pl.coalesce(field("SYSLOG_PID"), field("_PID")).cast(pl.Int64, strict=False).alias("pid"),
        field("MESSAGE").alias("message"),
    )
    # A record without a readable time or message is not an envelope we can use.
    ok = pl.col("time").is_not_null() & pl.col("message").is_not_null()
    return frame.with_columns(pl.when(ok).then(pl.col("program")).alias("program"))
