"""The report as Markdown: one heading per section, one pipe table per table."""

from __future__ import annotations

from collections.abc import Iterable

from reports.builder import Report
from reports.escape import for_markdown
from reports.tables import SECTION_TITLES, tables
from reports.units import Bytes, Seconds, human


def _cell(value: object) -> str:
    if isinstance(value, Bytes | Seconds):
        return human(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return for_markdown("" if value is None else value)


def _numeric(column: Iterable[object]) -> bool:
    """A column is aligned right when its first value (a missing one aside) is a number."""
    first = next((value for value in column if value is not None), None)
    return isinstance(first, int | float | Bytes | Seconds)


def render(report: Report) -> str:
    period = report.data["period"]
    since, until = period["since"] or "start of the logs", period["until"] or "end of the logs"
    lines = [
        "# maillogs report",
        "",
        f"{for_markdown(since)} to {for_markdown(until)} ({for_markdown(period['time_zone'])})",
    ]
    section = None
    for table in tables(report):
        if table.section != section:
            section = table.section
            lines += ["", f"## {SECTION_TITLES.get(section, section)}"]
        lines += ["", f"### {for_markdown(table.title)}", ""]
        if not table.rows:
            lines.append("None.")
            continue
        lines.append("| " + " | ".join(for_markdown(c) for c in table.columns) + " |")
        lines.append(
            "|"
            + "|".join(
                "---:" if _numeric(row[i] for row in table.rows) else "---"
                for i in range(len(table.columns))
            )
            + "|"
        )
        lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in table.rows]
    return "\n".join(lines) + "\n"
