"""Apply a daemon's rule table to its messages: a kind per line, or unparsed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import polars as pl

from parsers.rules import Rule, Test, ascii_classes
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
    return message.str.contains(_fast(rule.literal))


def classify(rows: pl.DataFrame, rules: Sequence[Rule]) -> Classified:
    """The first rule whose cheap test holds claims a row; its regex must then match."""
    if not rules or rows.height == 0:
        return Classified([], rows)
    first_hit = pl.coalesce(
        [pl.when(_test(rule)).then(pl.lit(index, pl.Int16)) for index, rule in enumerate(rules)]
    )
    tagged = rows.with_columns(first_hit.alias(_RULE))

    events: list[tuple[EventKind, pl.DataFrame]] = []
    unparsed: list[pl.DataFrame] = []
    for (index,), part in tagged.partition_by(_RULE, as_dict=True).items():
        if index is None:
            unparsed.append(part.drop(_RULE))
            continue
        rule = rules[int(str(index))]
        captured = part.with_columns(
            pl.col("message")
            .str.extract_groups(f"(?P<{_MATCHED}>){_fast(rule.pattern)}")
            .alias("_x")
        ).unnest("_x")
        matched = pl.col(_MATCHED).is_not_null()
        unparsed.append(captured.filter(~matched).select(rows.columns))
        # Events carry their captures; the raw line and message stay only with unparsed rows.
        hits = captured.filter(matched).drop(_RULE, _MATCHED, "line", "message")
        if hits.height:
            constants = [pl.lit(value).alias(name) for name, value in rule.constants.items()]
            events.append((rule.kind, hits.with_columns(constants) if constants else hits))
    return Classified(events, pl.concat(unparsed) if unparsed else rows.clear())
