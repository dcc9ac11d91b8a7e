"""The report as Markdown: one heading per section, one pipe table per table."""

from __future__ import annotations

from collections.abc import Iterable

from reports.builder import Report
from reports.escape import for_markdown
from reports.render.preface import notices, period_text, problems
from reports.sections import tables
from reports.tables import Table
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
    data = report.data
    lines = ["# maillogs report", "", for_markdown(period_text(data))]
    lines += (
        ["", *(f"> **Notice:** {for_markdown(m)}" for m in notices(data))] if notices(data) else []
    )
    found = problems(data)
    if found:
        lines += ["", "## Problems first", ""]
        lines += [f"- {count:,} {for_markdown(label)}" for label, count in found]
    for section, section_tables in tables(data):
        lines += ["", f"## {section.title}"]
        for table in section_tables:
            lines += _table(table)
    return "\n".join(lines) + "\n"


def _table(table: Table) -> list[str]:
    lines = ["", f"### {for_markdown(table.title)}", ""]
    if not table.rows:
        return [*lines, "None."]
    lines.append("| " + " | ".join(for_markdown(c) for c in table.columns) + " |")
    lines.append(
        "|"
        + "|".join(
            "---:" if _numeric(row[i] for row in table.rows) else "---"
            for i in range(len(table.columns))
        )
        + "|"
    )
    return lines + ["| " + " | ".join(_cell(v) for v in row) + " |" for row in table.rows]
