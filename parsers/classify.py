"""Apply a daemon's rule table to its messages: a kind per line, or unparsed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import polars as pl

from parsers.derive import per_distinct
from parsers.rules import FastPath, Rule, Test, ascii_classes
from parsers.schema import EventKind

_MATCHED = "_matched"
_RULE = "_rule"


@dataclass(frozen=True)
class Classified:
    events: list[tuple[EventKind, pl.DataFrame]]  # raw captures, not yet derived
    unparsed: pl.DataFrame  # the rows no rule matched, with all their columns


@cache
def _fast(pattern: str) -> str:
    return ascii_classes(pattern)


def _test(rule: Rule) -> pl.Expr:
    message = pl.col("message")
    if rule.test is Test.STARTS:
        return message.str.starts_with(rule.literal)
    if rule.test is Test.CONTAINS:
        return message.str.contains(rule.literal, literal=True)
    if rule.test is Test.WORDS:
        first = message.str.extract(_fast(f"^({rule.literal.removeprefix('^')})"), 1)
        # the captured prefix without its last character (":", "(" or " ")
        return first.str.head(-1).is_in(list(rule.words)).fill_null(False)
    return message.str.contains(_fast(rule.literal))


def first_rule(rules: Sequence[Rule]) -> pl.Expr:
    """The index of the first rule whose cheap test holds for `message`, else null."""
    return pl.coalesce(
        [pl.when(_test(rule)).then(pl.lit(index, pl.Int16)) for index, rule in enumerate(rules)]
    )


def _capture(rows: pl.DataFrame, pattern: str) -> pl.DataFrame:
    """`rows` with the pattern's groups as columns, and _MATCHED saying whether it matched."""
    body = _fast(pattern)
    # The marker goes after the anchor, which keeps the regex anchored (and one-pass).
    marked = f"^(?P<{_MATCHED}>){body[1:]}" if body.startswith("^") else f"(?P<{_MATCHED}>){body}"
    return (
        rows.with_columns(pl.col("message").str.extract_groups(marked).alias("_x"))
        .unnest("_x")
        .with_columns(pl.col(_MATCHED).is_not_null())
    )


def _fast_capture(rows: pl.DataFrame, fast: FastPath) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(the rows the fast path takes, with their captures; the rows it leaves)."""
    captured = _capture(rows, fast.pattern)
    taken = pl.col(_MATCHED)
    for group, regex in fast.checks.items():
        taken = taken & pl.col(group).str.contains(_fast(regex)).fill_null(True)
    for group, last in fast.closing.items():
        taken = taken & pl.col(group).str.ends_with(last).fill_null(True)
    tail_columns: list[str] = []
    if fast.tail is not None:
        group, regex = fast.tail
        tail = f"^(?P<_tail>){_fast(regex)[1:]}"
        # Tails repeat (a server logs a few kinds): each distinct one is split once.
        split = pl.col(group).str.extract_groups(tail).alias("_t")
        captured = per_distinct(captured, group, [split]).unnest("_t")
        taken = taken & pl.col("_tail").is_not_null()
        tail_columns = ["_tail", group]
    captured = captured.with_columns(taken.alias(_MATCHED))
    hits, left = _split(captured)
    hits = hits.with_columns(
        [pl.col(group).str.head(-len(last)) for group, last in fast.closing.items()]
    )
    return hits.drop(tail_columns), left.select(rows.columns)


def _split(captured: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(matched rows, the others); usually all match, and filtering a wide frame is dear."""
    matched = captured.get_column(_MATCHED)
    if matched.all():
        return captured, captured.clear()
    if not matched.any():
        return captured.clear(), captured
    return captured.filter(matched), captured.filter(~matched)


def classify(rows: pl.DataFrame, rules: Sequence[Rule]) -> Classified:
    """The first rule whose cheap test holds claims a row; its regex must then match."""
    if not rules or rows.height == 0:
        return Classified([], rows)
    tagged = rows.with_columns(first_rule(rules).alias(_RULE))

    events: list[tuple[EventKind, pl.DataFrame]] = []
    unparsed: list[pl.DataFrame] = []
    for (index,), part in tagged.partition_by(_RULE, as_dict=True).items():
        if index is None:
            unparsed.append(part.drop(_RULE))
            continue
        rule = rules[int(str(index))]
        found: list[pl.DataFrame] = []
        if rule.fast is not None:
            fast_hits, part = _fast_capture(part, rule.fast)
            found.append(fast_hits)
        if part.height:
            matched, left = _split(_capture(part, rule.pattern))
            unparsed.append(left.select(rows.columns))
            found.append(matched)
        # Events carry their captures; the raw line and message stay only with unparsed rows.
        hits = pl.concat(
            [frame.drop(_RULE, _MATCHED, "line", "message") for frame in found],
            how="diagonal_relaxed",
        )
        if hits.height:
            constants = [pl.lit(value).alias(name) for name, value in rule.constants.items()]
            events.append((rule.kind, hits.with_columns(constants) if constants else hits))
    return Classified(events, pl.concat(unparsed) if unparsed else rows.clear())
