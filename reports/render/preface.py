"""What heads every rendered report: the period's real bounds, the notices, and the
problems first (only when there are some)."""

from __future__ import annotations

from typing import Any

from reports.section import Json

# The problems-first summary's lines: label, and where the count is.
_PROBLEMS = (
    ("fatal errors", ("problems", "alerts", "fatal")),
    ("panics", ("problems", "alerts", "panic")),
    ("services at their process limit", ("problems", "alerts", "process_limit")),
    ("queue file write errors or no disk space", ("problems", "alerts", "queue_write_errors")),
    ("messages deferred for over a day", ("problems", "alerts", "deferred_over_a_day")),
)


def period_text(data: Json) -> str:
    """`first event to last event (zone)`: the period's real bounds, not the asked ones."""
    period = data["period"]
    first = period.get("first_event") or period["since"]
    last = period.get("last_event") or period["until"]
    if first is None and last is None:
        return f"no events ({period['time_zone']})"
    return f"{_when(first)} to {_when(last)} ({period['time_zone']})"


def _when(value: str | None) -> str:
    return value.replace("T", " ")[:19] if value else "?"


def _get(data: Json, path: tuple[str, ...]) -> Any:
    value: Any = data
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def problems(data: Json) -> list[tuple[str, int]]:
    """(what, count) for each problem the period shows; empty when all is well."""
    found = [
        (label, int(_get(data, path) or _get(data, ("overview", path[-1])) or 0))
        for label, path in _PROBLEMS
    ]
    tls = [n for n in data.get("notices", []) if n.get("code") == "tls-not-logged"]
    found.append(("TLS not logged", len(tls)))
    return [(label, count) for label, count in found if count]


def notices(data: Json) -> list[str]:
    return [str(notice["message"]) for notice in data.get("notices", [])]
