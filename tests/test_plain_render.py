"""The colourless text report's own drawing (reports/render/plain.py) gives the very
characters rich gives, for every table and rule it takes on; what it declines, rich
draws."""

from __future__ import annotations

import io
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from reports.render import plain, text
from reports.tables import Table
from reports.units import Bytes, Seconds

# Log text as it reaches a cell: any printable character, wide ones, marks and spaces.
_WORDS = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40
)
_VALUES = st.one_of(
    _WORDS,
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.integers(0, 10**12).map(Bytes),
    st.floats(0, 10**7).map(Seconds),
    st.none(),
)


def _both(draw: Callable[[text._RichOut], None], width: int) -> tuple[str, str]:
    """What `draw` writes through plain.py (where it can) and through rich alone."""
    ours, theirs = io.StringIO(), io.StringIO()
    draw(text._PlainOut(ours, width))
    draw(text._RichOut(text._console(theirs, width, color=False)))
    return ours.getvalue(), theirs.getvalue()


@settings(max_examples=300, deadline=None)
@given(
    title=_WORDS,
    columns=st.lists(_WORDS, min_size=1, max_size=6),
    data=st.data(),
    width=st.integers(20, 200),
)
def test_tables_are_drawn_as_rich_draws_them(
    title: str, columns: list[str], data: st.DataObject, width: int
) -> None:
    rows = data.draw(
        st.lists(st.lists(_VALUES, min_size=len(columns), max_size=len(columns)), max_size=8)
    )
    table = Table("s", "t", title, tuple(columns), [tuple(row) for row in rows])
    ours, theirs = _both(lambda out: out.table(table), width)
    assert ours == theirs


def test_the_usual_table_is_drawn_here() -> None:
    """The fast drawing is taken where it matters: a ranking that fits."""
    rows = [("mx.example.org", 1_234, Bytes(765_000)), ("spam.example.net", 8, Bytes(0))]
    cells = [[text._plain_cell(value) for value in row] for row in rows]
    drawn = plain.table("Top senders", ("host", "count", "size"), cells, [1, 1, 1], 80)
    assert drawn is not None
    assert drawn.splitlines()[4] == "│ mx.example.org   │ 1,234 │ 765 kB │"
    table = Table("s", "t", "Top senders", ("host", "count", "size"), rows)
    assert _both(lambda out: out.table(table), 80)[0] == drawn


@settings(max_examples=300, deadline=None)
@given(title=_WORDS, width=st.integers(1, 200))
def test_rules_are_drawn_as_rich_draws_them(title: str, width: int) -> None:
    ours, theirs = _both(lambda out: out.rule(title, "bold"), width)
    assert ours == theirs


@settings(max_examples=300, deadline=None)
@given(line=_WORDS, width=st.integers(1, 200))
def test_lines_are_printed_as_rich_prints_them(line: str, width: int) -> None:
    ours, theirs = _both(lambda out: out.line(line, "bold"), width)
    assert ours == theirs
