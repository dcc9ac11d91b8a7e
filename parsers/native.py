"""The per-line rule work in the Rust engine: envelope, dispatch by daemon, each
daemon's rules and their captures, in one pass over a chunk (engine/src/events.rs).

The rule tables stay where they are written and documented, in `parsers/daemons/`;
`rule_table()` hands them to the engine once, which compiles them with the `regex`
crate. What stays in Polars: the instants of classic stamps (year and zone rules,
once per minute), the typed and derived columns (`parsers/derive.py`), and the few
journald records the engine leaves whole (through `parsers/extract_polars.py`).
"""

from __future__ import annotations

from functools import cache

import polars as pl

from parsers import _engine
from parsers.daemons import (
    POSTFIX_DAEMONS,
    SPF_DAEMON,
    SPF_PROGRAMS,
    debug_rules_for,
    rules_for,
)
from parsers.derive import ENGINE_FAMILIES, derive
from parsers.envelope import LogFormat, envelope_times
from parsers.extract_polars import Extracted, extract_polars
from parsers.rules import FastPath, Rule, Test, ascii_classes
from parsers.schema import EventKind
from parsers.timestamps import TimeContext

Pairs = list[tuple[str, str]]
FastRow = tuple[str, Pairs, Pairs, tuple[str, str] | None]
RuleRow = tuple[str, str, str, str, Pairs, list[str], FastRow | None, str | None]


def _fast_row(fast: FastPath | None) -> FastRow | None:
    if fast is None:
        return None
    return (
        ascii_classes(fast.pattern),
        [(group, ascii_classes(regex)) for group, regex in fast.checks.items()],
        list(fast.closing.items()),
        None if fast.tail is None else (fast.tail[0], ascii_classes(fast.tail[1])),
    )


def _row(rule: Rule) -> RuleRow:
    """A rule as the engine reads it, with the ASCII classes classify.py gives Polars."""
    literal = rule.literal
    if rule.test in (Test.REGEX, Test.WORDS):
        literal = ascii_classes(literal)
    return (
        rule.kind.value,
        rule.test.value,
        literal,
        ascii_classes(rule.pattern),
        list(rule.constants.items()),
        sorted(rule.words),
        _fast_row(rule.fast),
        rule.scanner,
    )


@cache
def rule_table() -> _engine.RuleTable:
    """Every daemon's rules (and verbose rules), compiled by the engine once."""
    rows: list[RuleRow] = []
    index: dict[int, int] = {}  # id(rule) → its row: tables share rules

    def indexes(rules: tuple[Rule, ...]) -> list[int]:
        out = []
        for rule in rules:
            if id(rule) not in index:
                index[id(rule)] = len(rows)
                rows.append(_row(rule))
            out.append(index[id(rule)])
        return out

    daemons = [
        (name, indexes(rules_for(name)), indexes(debug_rules_for(name)))
        for name in sorted({*POSTFIX_DAEMONS, SPF_DAEMON})
    ]
    families = [(kind.value, column) for kind, column in ENGINE_FAMILIES.items()]
    return _engine.RuleTable(
        rows, daemons, sorted(POSTFIX_DAEMONS), sorted(SPF_PROGRAMS), SPF_DAEMON, families
    )


def extract_native(
    chunk: bytes,
    fmt: LogFormat,
    times: TimeContext,
    first_seq: int,
    source: str = "<input>",
    offset: int = 0,
) -> Extracted:
    """`parsers.extract_polars.extract_polars`, with the per-line work in the engine."""
    got = rule_table().parse(chunk, fmt.value, first_seq=first_seq, source=source, offset=offset)
    envelope = pl.DataFrame(got["envelope"])
    time = envelope_times(envelope, fmt, times)

    def timed(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.with_columns(time.gather(frame.get_column("seq") - first_seq))

    extracted = Extracted(
        lines=int(got["rows"]),
        derived={
            EventKind(kind): derive(EventKind(kind), timed(pl.DataFrame(columns)))
            for kind, columns in got["kinds"].items()
        },
        unparsed=timed(pl.DataFrame(got["unparsed"])),
        not_mail_by_program={str(program): int(count) for program, count in got["not_mail"]},
        odd=pl.DataFrame(got["odd"]).get_column("odd"),
    )
    deferred: list[int] = got["deferred"]
    if not deferred:
        return extracted
    records = envelope.get_column("odd").gather(deferred)
    return _merge(extracted, _odd_records(records, deferred, fmt, times, first_seq))


def _odd_records(
    records: pl.Series, rows: list[int], fmt: LogFormat, times: TimeContext, first_seq: int
) -> Extracted:
    """The journald records the engine left whole, through the Polars path, numbered as
    the lines they are."""
    text = "".join(f"{record}\n" for record in records.fill_null("").to_list())
    part = extract_polars(text.encode(), fmt, times, 0)
    seqs = pl.Series("seq", rows, pl.Int64) + first_seq

    def renumbered(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.with_columns(seqs.gather(frame.get_column("seq")).alias("seq"))

    return Extracted(
        lines=0,
        derived={kind: renumbered(frame) for kind, frame in part.derived.items()},
        unparsed=renumbered(part.unparsed),
        not_mail_by_program=part.not_mail_by_program,
        odd=part.odd,
    )


def _merge(one: Extracted, other: Extracted) -> Extracted:
    derived = dict(one.derived)
    for kind, frame in other.derived.items():
        mine = derived.get(kind)
        derived[kind] = frame if mine is None else pl.concat([mine, frame], how="diagonal_relaxed")
    not_mail = dict(one.not_mail_by_program)
    for program, count in other.not_mail_by_program.items():
        not_mail[program] = not_mail.get(program, 0) + count
    return Extracted(
        lines=one.lines + other.lines,
        derived=derived,
        unparsed=pl.concat([one.unparsed, other.unparsed], how="diagonal_relaxed"),
        not_mail_by_program=not_mail,
        odd=pl.concat([one.odd, other.odd]),
    )
