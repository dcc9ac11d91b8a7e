"""The colourless terminal report's common shapes, drawn without rich.

Piped, mailed or written to a file, the text report has no colour, and most of its
tables fit the width: then rich's layout is simple (each column as wide as its widest
cell, one space of padding, the heavy-head box) and drawing it here costs a small part
of what rich's general layout does, which on a small server's day was a third of the
whole run. Everything else (a table that must be narrowed, a line that must wrap) goes
to rich. tests/test_plain_render.py checks that both draw the same characters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


def cell_len(text: str) -> int:
    """Terminal cells `text` takes, as rich counts them (wide East Asian characters are
    two, combining marks none)."""
    if text.isascii():
        return len(text)
    from rich.cells import cell_len as rich_cell_len  # its Unicode tables: only when needed

    return rich_cell_len(text)


def line_fits(text: str, width: int) -> bool:
    """A line rich prints as it is: no wrapping, nothing that rich rewrites."""
    return text.isprintable() and cell_len(text) <= width


def rule(title: str, width: int) -> str | None:
    """A centred `──── title ────` across `width` (rich's Rule), or None where rich
    would cut the title."""
    size = cell_len(title)
    if not title or title != title.strip() or not title.isprintable() or size > width - 4:
        return None
    start = "─" * ((width - size) // 2 - 1) + f" {title} "
    return start + "─" * (width - cell_len(start))


@dataclass(frozen=True)
class Cell:
    text: str
    right: bool  # numbers are right-aligned


def table(
    title: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    least: Sequence[int],
    width: int,
) -> str | None:
    """The table as rich draws it when it fits `width` unchanged (each column as wide
    as its widest cell, or its `least` width), or None."""
    texts = [title, *columns, *(cell.text for row in rows for cell in row)]
    if not all(text.isprintable() and text == text.strip() for text in texts if text):
        return None  # rich trims, wraps or rewrites these: let it
    if any("[" in text or "\\" in text for text in (title, *columns)):
        return None  # rich reads the title and headers as markup (escaped, mostly)
    widths = [max(cell_len(name), most) for name, most in zip(columns, least, strict=True)]
    for row in rows:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], cell_len(cell.text))
    total = sum(widths) + 3 * len(widths) + 1
    if total > width or cell_len(title) > total:
        return None

    def line(left: str, middle: str, right: str, cells: Sequence[str]) -> str:
        return left + middle.join(cells) + right

    def pad(text: str, size: int, right: bool) -> str:
        gap = " " * (size - cell_len(text))
        return f" {gap}{text} " if right else f" {text}{gap} "

    out = [title + " " * (total - cell_len(title))] if title else []
    out.append(line("┏", "┳", "┓", ["━" * (w + 2) for w in widths]))
    heads = [pad(name, w, False) for name, w in zip(columns, widths, strict=True)]
    out.append(line("┃", "┃", "┃", heads))
    out.append(line("┡", "╇", "┩", ["━" * (w + 2) for w in widths]))
    for row in rows:
        cells = [pad(c.text, w, c.right) for c, w in zip(row, widths, strict=True)]
        out.append(line("│", "│", "│", cells))
    out.append(line("└", "┴", "┘", ["─" * (w + 2) for w in widths]))
    return "\n".join(out) + "\n"
