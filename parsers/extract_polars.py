"""The Polars rule path: a chunk's lines through the envelope, each daemon's rule table
(`parsers/classify.py`, Polars regexes) and the derived columns.

The Rust engine does the same work in one pass (`parsers/native.py`); this path stays
as its reference (tests/test_native_rules.py checks that both give equal events) and
for the journald records the engine leaves to Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from parsers.classify import classify
from parsers.daemons import (
    POSTFIX_DAEMONS,
    SPF_DAEMON,
    SPF_PROGRAMS,
    debug_rules_for,
    rules_for,
)
from parsers.derive import derive
from parsers.envelope import NO_ENVELOPE, LogFormat, read_envelope
from parsers.schema import EventKind
from parsers.timestamps import TimeContext


def _daemon_of(program: str | None) -> str | None:
    """The rule table a program's lines go to; None for programs that are not mail."""
    if program is None:
        return None
    base = program.rsplit("/", 1)[-1]
    if base in SPF_PROGRAMS:
        return SPF_DAEMON
    if "/" in program and base in POSTFIX_DAEMONS:
        return base
    return None


@dataclass(frozen=True)
class Extracted:
    """One chunk's lines turned into derived events: everything that needs no state."""

    lines: int
    derived: dict[EventKind, pl.DataFrame]
    unparsed: pl.DataFrame
    not_mail_by_program: dict[str, int]
    odd: pl.Series  # unparsed and not-mail messages (the raw line without envelope)


def extract_polars(
    chunk: bytes,
    fmt: LogFormat,
    times: TimeContext,
    first_seq: int,
    source: str = "<input>",
    offset: int = 0,
) -> Extracted:
    """Lines → envelope → per-daemon rules → derived columns. Pure, so chunks can run
    in parallel; `seq` numbers the lines from `first_seq` to keep their order. `source`
    and `offset` (the chunk's first byte in it) name the input if the engine fails."""
    frame = read_envelope(chunk, fmt, times, source=source, offset=offset)
    lines = frame.height
    frame = frame.with_row_index("seq").with_columns(pl.col("seq").cast(pl.Int64) + first_seq)
    programs = frame.get_column("program").unique().to_list()
    daemon_map = {p: _daemon_of(p) for p in programs if p is not None}
    frame = frame.with_columns(
        pl.col("program")
        .replace_strict(daemon_map, default=None, return_dtype=pl.String)
        .alias("daemon")
    )
    no_envelope = frame.filter(pl.col("program").is_null())
    not_mail = frame.filter(pl.col("program").is_not_null() & pl.col("daemon").is_null())
    mail = frame.filter(pl.col("daemon").is_not_null())

    captured: dict[EventKind, list[pl.DataFrame]] = {}
    unparsed = [no_envelope.with_columns(pl.lit(NO_ENVELOPE).alias("program"))]
    for (daemon,), rows in mail.partition_by("daemon", as_dict=True).items():
        result = classify(rows, rules_for(str(daemon)))
        events = list(result.events)
        left = result.unparsed
        # Verbose-mode shapes are tried only on what the daemon's own rules left, one
        # rule at a time: each takes most of what reaches it, so the dearer ones after
        # it see few lines.
        for rule in debug_rules_for(str(daemon)):
            if left.height == 0:
                break
            verbose = classify(left, (rule,))
            events += verbose.events
            left = verbose.unparsed
        unparsed.append(left)
        for kind, hits in events:
            captured.setdefault(kind, []).append(hits)
    derived = {
        kind: derive(kind, pl.concat(parts, how="diagonal_relaxed"))
        for kind, parts in captured.items()
    }
    not_mail_counts = {
        str(program): int(count)
        for program, count in not_mail.group_by("program").len().iter_rows()
    }
    unparsed_frame = pl.concat(unparsed, how="diagonal_relaxed")
    odd = pl.concat(
        [
            unparsed_frame.select(
                pl.concat_str(
                    pl.col("program").fill_null(""),
                    pl.lit(": "),
                    pl.coalesce(pl.col("message"), pl.col("line")),
                ).alias("odd")
            ),
            not_mail.select(pl.concat_str("program", pl.lit(": "), "message").alias("odd")),
        ]
    ).get_column("odd")
    return Extracted(
        lines=lines,
        derived=derived,
        unparsed=unparsed_frame,
        not_mail_by_program=not_mail_counts,
        odd=odd,
    )
