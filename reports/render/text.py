"""The terminal report: rich tables, colour only on a terminal, fitted to its width."""

from __future__ import annotations

import io

from rich.console import Console
from rich.markup import escape as escape_markup
from rich.table import Table as RichTable
from rich.text import Text

from reports.builder import Report
from reports.escape import for_terminal
from reports.render.preface import notices, period_text, problems
from reports.sections import tables
from reports.tables import Table
from reports.units import Bytes, Seconds, human


def _cell(value: object) -> Text:
    if isinstance(value, Bytes | Seconds):
        return Text(human(value), justify="right")
    if isinstance(value, int):
        return Text(f"{value:,}", justify="right")
    if isinstance(value, float):
        return Text(f"{value:,.2f}", justify="right")
    return Text(for_terminal("" if value is None else value))


def render(report: Report, *, width: int = 100, color: bool = False) -> str:
    buffer = io.StringIO()
    _print(_console(buffer, width, color), report)
    return buffer.getvalue()


def export_svg(report: Report, *, width: int = 100, title: str = "maillogs report") -> str:
    """The coloured terminal report as an SVG picture (rich's export)."""
    console = _console(io.StringIO(), width, color=True, record=True)
    _print(console, report)
    return console.export_svg(title=title)


def _console(file: io.StringIO, width: int, color: bool, record: bool = False) -> Console:
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


def _print(console: Console, report: Report) -> None:
    data = report.data
    console.print(Text(f"maillogs report: {for_terminal(period_text(data))}", style="bold"))
    for message in notices(data):
        console.print(Text(f"notice: {for_terminal(message)}", style="yellow"))
    found = problems(data)
    if found:
        console.rule(Text("Problems first", style="bold red"))
        for label, count in found:
            console.print(Text(f"{count:>8,}  {label}"))
    for section, section_tables in tables(data):
        console.rule(Text(section.title, style="bold"))
        for table in section_tables:
            _print_table(console, table)


def _print_table(console: Console, table: Table) -> None:
    if not table.rows:
        console.print(Text(f"{table.title}: none", style="dim"))
        return
    rich_table = RichTable(title=escape_markup(table.title), title_justify="left", expand=False)
    cells = [[_cell(value) for value in row] for row in table.rows]
    least = [_unbroken(column, cells, index) for index, column in enumerate(table.columns)]
    # rich crops what its columns' least widths cannot fit: leave it room, else its folds
    if sum(least) + 3 * len(least) + 1 > console.width * 0.8:
        least = [1] * len(least)
    for column, width in zip(table.columns, least, strict=True):
        rich_table.add_column(escape_markup(column), overflow="fold", min_width=width)
    for row in cells:
        rich_table.add_row(*row)
    console.print(rich_table)


# A word longer than this may be cut (a long address); shorter ones never are.
_LONGEST_UNBROKEN = 28


def _unbroken(column: str, cells: list[list[Text]], index: int) -> int:
    """The width a column needs so that no word of it (a date, a number, a domain, a
    header word) is cut in two when the table is narrowed: it wraps between words."""
    words = [*column.split(), *(word for row in cells for word in row[index].plain.split())]
    return min(max((len(word) for word in words), default=1), _LONGEST_UNBROKEN)
