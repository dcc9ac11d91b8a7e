"""Per-day numbers laid out for people: traffic added up per week or month (`--period`),
and the timeline's days as a table (what the charts draw, for a terminal)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from reports.tables import Cell, Table, share


def bucket_of(day: str, bucket: str) -> str:
    """The period a local day (YYYY-MM-DD) falls in: itself, its ISO week's Monday, or
    its month (YYYY-MM), as the spammers' split labels them."""
    if bucket == "day":
        return day
    if bucket == "month":
        return day[:7]
    start = date.fromisoformat(day)
    return (start - timedelta(days=start.weekday())).isoformat()


def traffic_by(by_day: Mapping[str, Mapping[str, int]], bucket: str) -> dict[str, dict[str, int]]:
    """The overview's traffic per day, added up per day, week or month."""
    table: dict[str, dict[str, int]] = {}
    for day, row in sorted(by_day.items()):
        into = table.setdefault(bucket_of(day, bucket), dict.fromkeys(row, 0))
        for name, count in row.items():
            into[name] = into.get(name, 0) + count
    return table


def traffic_table(by_day: Mapping[str, Mapping[str, int]], bucket: str) -> Table:
    """The overview's traffic per week or month (`--period`)."""
    rows = traffic_by(by_day, bucket)
    names = next(iter(rows.values()), {}).keys()
    return Table(
        "overview",
        f"by_{bucket}",
        f"Traffic by {bucket}",
        (bucket, *names),
        tuple((label, *row.values()) for label, row in rows.items()),
    )


def timeline_table(days: Sequence[Mapping[str, Any]]) -> Table:
    """The timeline's series per day: mail received and refused, connections and TLS
    in and out, and SPF's pass and fail of the envelope sender."""
    columns = ("day", "received", "rejected", "conn in", "TLS in", "out",
               "TLS out", "SPF pass", "SPF fail")  # fmt: skip
    rows: list[tuple[Cell, ...]] = []
    for day in days:
        inbound, outbound, spf = day["inbound"], day["outbound"], day["spf"]
        rows.append(
            (
                day["date"],
                day["received"],
                day["rejected"],
                inbound["connections"],
                share(inbound["tls"], inbound["connections"]),
                outbound["attempts"],
                share(outbound["tls"], outbound["attempts"]),
                spf.get("pass", 0),
                spf.get("fail", 0),
            )
        )
    return Table("timeline", "days", "Per day", columns, tuple(rows))
