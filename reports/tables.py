"""Titled tables, the shape the text, Markdown, HTML and CSV renderers share (JSON
renders the data itself); each section lays its own data out with these helpers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from reports.units import Bytes, Seconds

Cell = str | int | float | Bytes | Seconds | None


@dataclass(frozen=True)
class Table:
    section: str
    slug: str  # file name for CSV
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def stamp(value: object) -> str:
    """An ISO 8601 time as `YYYY-MM-DD HH:MM:SS` (empty if there is none)."""
    return str(value)[:19].replace("T", " ") if value else ""


def count_table(section: str, slug: str, title: str, key: str, data: Mapping[str, int]) -> Table:
    total = sum(data.values())
    rows = tuple((name, count, share(count, total)) for name, count in data.items())
    return Table(section, slug, title, (key, "count", "share"), rows)


def ranked_table(
    section: str,
    slug: str,
    title: str,
    key: str,
    items: Iterable[Mapping[str, Any]],
    extra: tuple[str, ...] = (),
    first_seen: bool = True,
) -> Table:
    """Ranked items as rows of key, extra columns, count and last seen (and first seen,
    where the table has room for it)."""
    seen = ("first seen", "last seen") if first_seen else ("last seen",)
    rows = tuple(
        (
            item[key],
            *(item.get(name) for name in extra),
            item["count"],
            *((stamp(item.get("first_seen")),) if first_seen else ()),
            stamp(item.get("last_seen")),
        )
        for item in items
    )
    return Table(section, slug, title, (key, *extra, "count", *seen), rows)
