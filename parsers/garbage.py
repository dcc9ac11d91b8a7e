"""No silent garbage: notice an input that is mostly lines no rule understood.

A wrong `--log-format`, a binary file or a verbose log in a shape we do not know yet
would otherwise give a quiet, empty report. When more than 5% of a source's lines are
unparsed or not mail, `warning()` gives one line naming the source, the share and the
three commonest shapes of those lines (numbers, addresses and names masked).
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import TextIO

import polars as pl

THRESHOLD = 0.05
_KEPT = 20  # shapes kept per chunk: enough for the top three of a whole source
_WIDTH = 60


def mask(text: pl.Expr) -> pl.Expr:
    """The shape of a line: addresses, host names, hex ids and numbers blanked."""
    return (
        text.str.replace_all(r"<[^>]*>", "<A>")
        .str.replace_all(r"\[[^\]]*\]", "[N]")
        .str.replace_all(r"[\w.+-]+@[\w.-]+", "A")
        .str.replace_all(r"\b[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)+\b", "H")
        .str.replace_all(r"\b[0-9A-F]{6,}\b", "Q")
        .str.replace_all(r"\d+", "N")
        .str.replace_all(r"\s+", " ")
        .str.slice(0, _WIDTH)
    )


def chunk_shapes(lines: pl.Series) -> Counter[str]:
    """The commonest shapes of a chunk's odd lines."""
    counts = (
        lines.to_frame("line")
        .select(mask(pl.col("line")).alias("shape"))
        .group_by("shape")
        .len()
        .sort("len", descending=True)
        .head(_KEPT)
    )
    return Counter({str(shape): int(count) for shape, count in counts.iter_rows()})


@dataclass
class SourceTally:
    """One source's lines, and those no rule understood or not of a mail program."""

    lines: int = 0
    odd: int = 0
    shapes: Counter[str] = field(default_factory=Counter)

    def add(self, lines: int, odd: pl.Series) -> None:
        self.lines += lines
        self.odd += odd.len()
        # Shapes cost a few regexes per odd line: only where they may be reported.
        if odd.len() > THRESHOLD * lines:
            self.shapes.update(chunk_shapes(odd))


def warning(name: str, tally: SourceTally) -> str | None:
    """The stderr line for a source that is mostly garbage, or None."""
    if tally.lines == 0 or tally.odd <= THRESHOLD * tally.lines:
        return None
    share = 100 * tally.odd / tally.lines
    top = "; ".join(f"{shape!r} ({count})" for shape, count in tally.shapes.most_common(3))
    return (
        f"maillogs: {name}: {share:.1f}% of {tally.lines} lines are unparsed or not mail "
        f"(wrong --log-format? not a Postfix log?); commonest: {top}"
    )


def report(name: str, tally: SourceTally, stream: TextIO | None = None) -> None:
    """Write the warning for a source that is mostly garbage to stderr (or `stream`)."""
    line = warning(name, tally)
    if line is not None:
        print(line, file=stream if stream is not None else sys.stderr)
