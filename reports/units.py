"""Sizes and durations as a mail administrator reads them: `765 kB`, `18.2 m`, `2.1 d`.

The report's data keeps plain numbers (bytes, seconds); tables mark the cells that are
sizes or durations, and the renderers for people (text, Markdown, HTML, mail) show
them with a unit, while JSON and CSV keep the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

_BYTE_UNITS = ("kB", "MB", "GB", "TB", "PB")  # SI, as `ls -h --si` and mail clients
_DURATIONS = ((86400.0, "d"), (3600.0, "h"), (60.0, "m"))


@dataclass(frozen=True)
class Bytes:
    """A table cell holding a size in bytes."""

    value: int


@dataclass(frozen=True)
class Seconds:
    """A table cell holding a duration in seconds."""

    value: float


def _scaled(value: float, unit: str) -> str:
    # three significant digits at most: 1.5 kB, 18.2 kB, 765 kB
    return f"{value:.0f} {unit}" if abs(value) >= 99.95 else f"{value:.1f} {unit}"


def human_bytes(count: int) -> str:
    """512 B, 1.5 kB, 765 kB, 12.3 MB (powers of 1000)."""
    if abs(count) < 1000:
        return f"{count} B"
    value = float(count)
    for unit in _BYTE_UNITS:
        value /= 1000
        if abs(value) < 999.5 or unit == _BYTE_UNITS[-1]:
            return _scaled(value, unit)
    raise AssertionError("unreachable")


def human_seconds(seconds: float) -> str:
    """0.4 s, 45.0 s, 18.2 m, 3.5 h, 2.1 d."""
    for size, unit in _DURATIONS:
        if abs(seconds) >= size:
            return _scaled(seconds / size, unit)
    return _scaled(seconds, "s")


def seconds(value: float | None) -> Seconds | None:
    """A duration cell; none stays none."""
    return None if value is None else Seconds(value)


def plain(value: object) -> object:
    """The number inside a marked cell (for JSON and CSV); other values as they are."""
    return value.value if isinstance(value, Bytes | Seconds) else value


def human(value: Bytes | Seconds) -> str:
    return human_bytes(value.value) if isinstance(value, Bytes) else human_seconds(value.value)
