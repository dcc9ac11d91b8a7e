"""The registry: every report section, in the order the report shows them.

A section is one module here (see docs/architecture.md): what it computes, the
accumulators a store's day summary keeps, its tables and its Prometheus metrics, all
named by its `SECTION`. Adding one is a module and a line in `_REGISTRY`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reports import per_period
from reports.section import SectionKind
from reports.sections import (
    catchall,
    checks,
    deliveries,
    overview,
    parse,
    problems,
    rejects,
    sasl,
    sessions,
    spammers,
    spf,
    timeline,
    tls,
)
from reports.tables import Table

_REGISTRY: list[SectionKind[Any]] = [
    overview.SECTION,
    tls.SECTION,
    spammers.SECTION,
    spf.SECTION,
    checks.SECTION,
    rejects.SECTION,
    catchall.SECTION,
    deliveries.SECTION,
    problems.SECTION,
    sessions.SECTION,
    sasl.SECTION,
    timeline.SECTION,
    parse.SECTION,
]


def registered() -> tuple[SectionKind[Any], ...]:
    """Every section, in the report's order."""
    return tuple(_REGISTRY)


def register(kind: SectionKind[Any], *, before: str = "parse") -> None:
    """Add a section (a plugin's, a test's) in front of `before` (what was read comes last)."""
    if kind.name in names():
        raise ValueError(f"a section named {kind.name!r} is registered already")
    where = next((i for i, k in enumerate(_REGISTRY) if k.name == before), len(_REGISTRY))
    _REGISTRY.insert(where, kind)


def names() -> tuple[str, ...]:
    return tuple(kind.name for kind in _REGISTRY)


def versions() -> dict[str, int]:
    """Each section's version: a day summary is valid for exactly these."""
    return {kind.name: kind.version for kind in _REGISTRY}


def part(kind: SectionKind[Any], data: Mapping[str, Any]) -> Any:
    """The section's result within a report's data; None if the report lacks it."""
    if kind.keys is None:
        return data.get(kind.name)
    found = {key: data[key] for key in kind.keys if key in data}
    return found or None


def report_keys(kind: SectionKind[Any]) -> tuple[str, ...]:
    """The keys of the report's data the section's result stands at."""
    return (kind.name,) if kind.keys is None else kind.keys


def tables(data: Mapping[str, Any]) -> list[tuple[SectionKind[Any], list[Table]]]:
    """Each section in the report with its tables, in order (sections without any left out)."""
    out = []
    split = (data.get("period") or {}).get("split")
    for kind in _REGISTRY:
        result = part(kind, data)
        if result is not None:
            found = kind.tables(result)
            if kind.name == "overview" and split in ("week", "month"):
                # --period splits the totals too (the data has them per day)
                found = [*found, per_period.traffic_table(result["by_day"], split)]
            if found:
                out.append((kind, found))
    return out
