"""Notices: what the reader must know to read the figures right, as data
({"code", "message"}; the codes are listed in docs/report-schema.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

# More unparsed lines than this share of the lines read: the figures say little.
MOSTLY = 0.5


@dataclass(frozen=True)
class Notice:
    code: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def _stamp(value: datetime | None) -> str:
    return value.replace(microsecond=0).isoformat() if value else "?"


def empty_period(
    events: int,
    since: datetime | None,
    until: datetime | None,
    first: datetime | None,
    last: datetime | None,
) -> Notice | None:
    """No event in the period: name the span the logs cover."""
    if events or (since is None and until is None):
        return None
    asked = f"{_stamp(since) if since else 'the start'} to {_stamp(until) if until else 'the end'}"
    if first is None or last is None:
        covered = "the logs hold no dated line"
    else:
        covered = f"the logs cover {_stamp(first)} to {_stamp(last)}"
    return Notice("empty-period", f"no events from {asked}: {covered}")


def tls_not_logged(direction: str, starttls: int, tls_lines: int) -> Notice | None:
    """STARTTLS succeeded (inbound: the session counters say so; outbound: attempts)
    but no TLS line was logged: trust level, protocol and cipher are unknown, not "none"."""
    if starttls == 0 or tls_lines > 0:
        return None
    if direction == "inbound":
        return Notice(
            "tls-not-logged",
            f"{starttls:,} inbound sessions used STARTTLS but no TLS connection was logged "
            "(smtpd_tls_loglevel = 0): trust level, protocol and cipher are unknown; set "
            "smtpd_tls_loglevel = 1 to see them",
        )
    return Notice(
        "tls-not-logged",
        f"{starttls:,} outbound delivery attempts and no TLS connection logged "
        "(smtp_tls_loglevel = 0, or no TLS at all): their TLS is unknown; set "
        "smtp_tls_loglevel = 1 to see it",
    )


def mostly_unparsed(lines: int, unparsed: int) -> Notice | None:
    if lines == 0 or unparsed <= lines * MOSTLY:
        return None
    return Notice(
        "mostly-unparsed",
        f"{unparsed:,} of {lines:,} lines ({unparsed / lines:.0%}) were not understood: "
        "is this a Postfix log? (maillogs events --unparsed shows them)",
    )


def year_from_mtime(files: Sequence[tuple[str, int]]) -> Notice | None:
    """Classic stamps carry no year: say which year each file's mtime gave them."""
    if not files:
        return None
    by_year: dict[int, list[str]] = {}
    for name, year in files:
        by_year.setdefault(year, []).append(name)
    years = "; ".join(
        f"{year} from the mtime of {', '.join(names)}" for year, names in by_year.items()
    )
    return Notice(
        "year-from-mtime",
        f"classic syslog stamps have no year: took {years} (--year sets it)",
    )


def collect(*found: Notice | None) -> list[Notice]:
    return [notice for notice in found if notice is not None]
