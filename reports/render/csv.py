"""The report as CSV: one file per table in a directory (or in memory, for email)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from reports.builder import Report
from reports.escape import for_csv
from reports.sections import tables
from reports.units import plain


def documents(report: Report) -> dict[str, str]:
    """File name → CSV text, one per table."""
    out = {}
    for _, section_tables in tables(report.data):
        for table in section_tables:
            buffer = io.StringIO(newline="")
            writer = csv.writer(buffer)
            writer.writerow(table.columns)
            writer.writerows([for_csv(plain(value)) for value in row] for row in table.rows)
            out[f"{table.section}-{table.slug}.csv"] = buffer.getvalue()
    return out


def write(report: Report, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in documents(report).items():
        path = directory / name
        path.write_text(text, encoding="utf-8", newline="")
        written.append(path)
    return written
