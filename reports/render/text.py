"""The terminal report: rich tables, colour only on a terminal, fitted to its width.

Without colour (piped, mailed, written to a file) the tables that fit and the lines
that need no wrapping are drawn by reports.render.plain, the same characters rich
draws, in a small part of its time; rich draws the rest.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from reports.builder import Report
from reports.escape import for_terminal
from reports.render import plain
from reports.render.preface import notices, period_text, problems
from reports.sections import tables
from reports.tables import Table
from reports.units import Bytes, Seconds, human

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text


def _plain_cell(value: object) -> plain.Cell:
    if isinstance(value, Bytes | Seconds):
        return plain.Cell(human(value), right=True)
    if isinstance(value, int):
        return plain.Cell(f"{value:,}", right=True)
    if isinstance(value, float):
        return plain.Cell(f"{value:,.2f}", right=True)
    return plain.Cell(for_terminal("" if value is None else value), right=False)


def _cell(value: object) -> Text:
    from rich.text import Text

    cell = _plain_cell(value)
    return Text(cell.text, justify="right" if cell.right else "left")


def render(report: Report, *, width: int = 100, color: bool = False) -> str:
    buffer = io.StringIO()
    if color:
        _print(_RichOut(_console(buffer, width, color)), report)
    else:
        _print(_PlainOut(buffer, width), report)
    return buffer.getvalue()


def export_svg(report: Report, *, width: int = 100, title: str = "maillogs report") -> str:
    """The coloured terminal report as an SVG picture (rich's export)."""
    console = _console(io.StringIO(), width, color=True, record=True)
    _print(_RichOut(console), report)
    return console.export_svg(title=title)


def _console(file: io.StringIO, width: int, color: bool, record: bool = False) -> Console:
    from rich.console import Console

    return Console(
        file=file,
        width=width,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        highlight=False,
        emoji=False,
        record=record,
    )


class _RichOut:
    """Everything through rich: the coloured report and the SVG picture."""

    def __init__(self, console: Console) -> None:
        self._made = console

    def console(self) -> Console:
        return self._made

    def line(self, text: str, style: str = "") -> None:
        from rich.text import Text

        self.console().print(Text(text, style=style))

    def rule(self, title: str, style: str) -> None:
        from rich.text import Text

        self.console().rule(Text(title, style=style))

    def table(self, table: Table) -> None:
        _print_table(self.console(), table)


class _PlainOut(_RichOut):
    """Without colour: plain.py's drawing where it draws what rich would, else rich
    (made on first need, writing to the same buffer)."""

    def __init__(self, buffer: io.StringIO, width: int) -> None:
        self.buffer = buffer
        self.width = width
        self._rich: Console | None = None

    def console(self) -> Console:
        if self._rich is None:
            self._rich = _console(self.buffer, self.width, color=False)
        return self._rich

    def line(self, text: str, style: str = "") -> None:
        if plain.line_fits(text, self.width):
            self.buffer.write(text + "\n")
        else:
            super().line(text, style)

    def rule(self, title: str, style: str) -> None:
        drawn = plain.rule(title, self.width)
        if drawn is None:
            super().rule(title, style)
        else:
            self.buffer.write(drawn + "\n")

    def table(self, table: Table) -> None:
        if not table.rows:
            self.line(f"{table.title}: none", "dim")
            return
        rows = [[_plain_cell(value) for value in row] for row in table.rows]
        least = least_widths(table.columns, [[c.text for c in row] for row in rows], self.width)
        drawn = plain.table(table.title, table.columns, rows, least, self.width)
        if drawn is None:
            super().table(table)
        else:
            self.buffer.write(drawn)


def _print(out: _RichOut, report: Report) -> None:
    data = report.data
    out.line(f"maillogs report: {for_terminal(period_text(data))}", "bold")
    for message in notices(data):
        out.line(f"notice: {for_terminal(message)}", "yellow")
    found = problems(data)
    if found:
        out.rule("Problems first", "bold red")
        for label, count in found:
            out.line(f"{count:>8,}  {label}")
    for section, section_tables in tables(data):
        out.rule(section.title, "bold")
        for table in section_tables:
            out.table(table)


def _print_table(console: Console, table: Table) -> None:
    from rich.markup import escape as escape_markup
    from rich.table import Table as RichTable
    from rich.text import Text

    if not table.rows:
        console.print(Text(f"{table.title}: none", style="dim"))
        return
    rich_table = RichTable(title=escape_markup(table.title), title_justify="left", expand=False)
    cells = [[_cell(value) for value in row] for row in table.rows]
    least = least_widths(table.columns, [[c.plain for c in row] for row in cells], console.width)
    for column, width in zip(table.columns, least, strict=True):
        rich_table.add_column(escape_markup(column), overflow="fold", min_width=width)
    for row in cells:
        rich_table.add_row(*row)
    console.print(rich_table)


# A word longer than this may be cut (a long address); shorter ones never are.
_LONGEST_UNBROKEN = 28


def least_widths(columns: Sequence[str], rows: Sequence[Sequence[str]], width: int) -> list[int]:
    """Each column's least width: no word of it (a date, a number, a domain, a header
    word) is cut in two when the table is narrowed: it wraps between words. All 1 when
    they would not leave rich room (it crops what the least widths cannot fit)."""
    least = [
        min(
            max(
                (
                    len(word)
                    for text in (column, *(row[index] for row in rows))
                    for word in text.split()
                ),
                default=1,
            ),
            _LONGEST_UNBROKEN,
        )
        for index, column in enumerate(columns)
    ]
    if sum(least) + 3 * len(least) + 1 > width * 0.8:
        return [1] * len(least)
    return least
