"""The report as CSV: one file per table in a directory."""

from __future__ import annotations

import csv
from pathlib import Path

from reports.builder import Report
from reports.escape import for_csv
from reports.tables import tables


def write(report: Report, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for table in tables(report):
        path = directory / f"{table.section}-{table.slug}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(table.columns)
            writer.writerows([for_csv(value) for value in row] for row in table.rows)
        written.append(path)
    return written
