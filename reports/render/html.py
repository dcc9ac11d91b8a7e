"""The report as one self-contained HTML page: inline CSS, charts as images, no script.

jinja2 autoescapes every value; control characters are made visible first (they are
not valid in HTML, and an escape sequence must not reach a terminal that shows the
source). Images come from `image_src`: data URIs for a file, `cid:` for an email.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from reports.builder import SCHEMA, Report
from reports.charts import Chart, report_charts
from reports.escape import for_terminal
from reports.render.preface import notices, period_text, problems
from reports.render.templates import environment
from reports.section import SectionKind
from reports.sections import tables
from reports.tables import Table, share
from reports.units import Bytes, Seconds, human


@dataclass(frozen=True)
class _Image:
    src: str
    alt: str


def data_uri(chart: Chart) -> str:
    return "data:image/png;base64," + base64.b64encode(chart.png).decode("ascii")


def render(
    report: Report,
    *,
    image_src: Callable[[Chart], str] | None = None,
    charts: Sequence[Chart] | None = None,
) -> str:
    """The page; `charts` default to the report's own, `image_src` to data URIs."""
    chosen = report_charts(report) if charts is None else charts
    source = image_src or data_uri
    bounds = _text(period_text(report.data))
    heading = "maillogs report"
    return (
        environment()
        .get_template("report.html.j2")
        .render(
            title=f"{heading}: {bounds}",
            heading=heading,
            period=bounds,
            notices=[_text(message) for message in notices(report.data)],
            problems=[(_text(label), f"{count:,}") for label, count in problems(report.data)],
            numbers=_key_numbers(report.data),
            charts=[_Image(source(chart), chart.alt) for chart in chosen],
            sections=_sections(tables(report.data)),
            version=_version(),
            schema=SCHEMA,
        )
    )


def _version() -> str:
    """The installed maillogs' version, read without importing the CLI's package."""
    try:
        return metadata.version("maillogs")
    except metadata.PackageNotFoundError:
        return "unknown"


def _text(value: object) -> str:
    return for_terminal("" if value is None else value)


def _cell(value: object) -> tuple[str, bool]:
    """(text, is a number)."""
    if isinstance(value, bool):
        return str(value), False
    if isinstance(value, Bytes | Seconds):
        return human(value), True
    if isinstance(value, int):
        return f"{value:,}", True
    if isinstance(value, float):
        return f"{value:,.2f}", True
    return _text(value), False


def _sections(grouped: list[tuple[SectionKind[Any], list[Table]]]) -> list[dict[str, Any]]:
    return [
        {"slug": kind.name, "title": kind.title, "tables": [_table(table) for table in found]}
        for kind, found in grouped
    ]


def _table(table: Table) -> dict[str, Any]:
    rows = [[_cell(value) for value in row] for row in table.rows]
    numeric = [all(row[i][1] or row[i][0] == "" for row in rows) and bool(rows)
               for i in range(len(table.columns))]  # fmt: skip
    return {
        "title": _text(table.title),
        "columns": [(_text(c), numeric[i]) for i, c in enumerate(table.columns)],
        "rows": rows,
    }


def _key_numbers(data: dict[str, Any]) -> list[tuple[str, str]]:
    numbers: list[tuple[str, str]] = []
    overview = data.get("overview")
    if overview:
        received, rejected = overview["received"], overview["rejected"]
        numbers += [
            ("received", f"{received:,}"),
            ("rejected", f"{rejected:,}"),
            ("delivered", f"{overview['delivered']:,}"),
        ]
    tls = data.get("tls")
    if tls:
        levels = tls["inbound"]["by_level"]
        total = sum(levels.values())
        numbers.append(("connections over TLS", share(total - levels.get("none", 0), total)))
    return numbers
