"""One renderer per output format, behind one function."""

from __future__ import annotations

from enum import StrEnum
from typing import assert_never

from reports.builder import Report
from reports.render import json as json_format
from reports.render import markdown


class Format(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"
    HTML = "html"
    CSV = "csv"  # written to a directory: see reports.render.csv
    PROMETHEUS = "prometheus"  # node_exporter's textfile collector


def render(report: Report, fmt: Format, *, width: int = 100, color: bool = False) -> str:
    """The report as one document (CSV is several files: use reports.render.csv.write)."""
    if fmt is Format.TEXT:
        from reports.render import text  # rich loads only when asked for

        return text.render(report, width=width, color=color)
    if fmt is Format.MARKDOWN:
        return markdown.render(report)
    if fmt is Format.JSON:
        return json_format.render(report)
    if fmt is Format.HTML:
        from reports.render import html  # jinja2 and matplotlib load only when asked for

        return html.render(report)
    if fmt is Format.PROMETHEUS:
        from reports.render import prometheus  # prometheus_client loads only when asked for

        return prometheus.render(report)
    if fmt is Format.CSV:
        raise ValueError(
            "CSV is one file per table: use reports.render.csv.write(report, directory)"
        )
    assert_never(fmt)
