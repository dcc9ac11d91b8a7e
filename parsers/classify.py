"""Apply a daemon's rule table to its messages: a kind per line, or unparsed.

Everything here builds lazy plans: a chunk's daemons and rules become one set of
queries that Polars runs together (shared subplans are computed once), instead of
hundreds of small eager steps whose fixed cost would dominate.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import polars as pl

from parsers.rules import Rule, Test, ascii_classes
from parsers.schema import EventKind

_MATCHED = "_matched"
_RULE = "_rule"
_GROUP_NAME = re.compile(r"\(\?P<([A-Za-z_][A-Za-z0-9_]*)>")


@dataclass(frozen=True)
class Captured:
    """The raw captures of one rule (not yet derived) and the columns they have."""

    kind: EventKind
    frame: pl.LazyFrame
    columns: frozenset[str]


@dataclass(frozen=True)
class Classified:
    events: list[Captured]
    unparsed: list[pl.LazyFrame]  # rows no rule matched, with the input's columns


@cache
def _fast(pattern: str) -> str:
    return ascii_classes(pattern)


@cache
def group_names(pattern: str) -> frozenset[str]:
    return frozenset(_GROUP_NAME.findall(pattern))


def _test(rule: Rule) -> pl.Expr:
    message = pl.col("message")
    if rule.test is Test.STARTS:
        return message.str.starts_with(rule.literal)
    if rule.test is Test.CONTAINS:
        return message.str.contains(rule.literal, literal=True)
    return message.str.contains(_fast(rule.literal))


def tag(rows: pl.LazyFrame, rules: Sequence[Rule]) -> pl.LazyFrame:
    """`_rule`: the index of the first rule whose cheap test holds, null if none."""
    first_hit = pl.coalesce(
        [pl.when(_test(rule)).then(pl.lit(index, pl.Int16)) for index, rule in enumerate(rules)]
    )
    return rows.with_columns(first_hit.alias(_RULE))


def classify(tagged: pl.DataFrame, columns: Sequence[str], rules: Sequence[Rule]) -> Classified:
    """Rows `tag`ged with `rules`: the rule a row went to must match it, else it is
    unparsed. `columns` are the columns of the rows before tagging."""
    present = tagged.get_column(_RULE).unique().drop_nulls().to_list()
    lazy = tagged.lazy()
    unparsed = [lazy.filter(pl.col(_RULE).is_null()).select(columns)]
    events: list[Captured] = []
    for index in sorted(present):
        rule = rules[index]
        pattern = _fast(rule.pattern)
        captured = (
            lazy.filter(pl.col(_RULE) == index)
            .with_columns(
                pl.col("message").str.extract_groups(f"(?P<{_MATCHED}>){pattern}").alias("_x")
            )
            .unnest("_x")
        )
        matched = pl.col(_MATCHED).is_not_null()
        unparsed.append(captured.filter(~matched).select(columns))
        hits = captured.filter(matched).drop(_RULE, _MATCHED)
        constants = [pl.lit(value).alias(name) for name, value in rule.constants.items()]
        names = frozenset(columns) | group_names(pattern) | frozenset(rule.constants)
        events.append(
            Captured(rule.kind, hits.with_columns(constants) if constants else hits, names)
        )
    return Classified(events, unparsed)
