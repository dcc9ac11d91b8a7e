"""The JSON contract (docs/report-schema.md): stable paths, versioned by "schema"."""

from __future__ import annotations

import json

from reports.builder import Report


def render(report: Report) -> str:
    return json.dumps(report.data, indent=2, ensure_ascii=False) + "\n"
