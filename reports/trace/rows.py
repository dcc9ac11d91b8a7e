"""A batch's events as rows in the order a story tells them.

A batch holds one frame per kind, each in line order; the line numbers themselves are
not kept (nor stored). Lines are put in order by time, and lines of the same instant by
the order Postfix logs a message's steps in (`RANK`); lines of one kind and instant keep
the order they were logged in. Logs and a store give the same order.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import polars as pl

from parsers.schema import EventKind

Row = dict[str, Any]

RANK: dict[EventKind, int] = {
    EventKind.CONNECT: 0,
    EventKind.TLS: 1,
    EventKind.TLS_ERROR: 1,
    EventKind.SASL_FAILURE: 2,
    EventKind.SPF: 3,
    EventKind.REJECT: 4,
    EventKind.CLIENT: 5,
    EventKind.PICKUP: 5,
    EventKind.MESSAGE_ID: 6,
    EventKind.CONTENT_CHECK: 7,
    EventKind.QUEUED: 8,
    EventKind.CONNECT_ERROR: 9,
    EventKind.DELIVERY: 10,
    EventKind.NOTIFICATION: 11,
    EventKind.POSTSUPER: 12,
    EventKind.REMOVED: 13,
    EventKind.LOG: 14,
    EventKind.SESSION_ERROR: 15,
    EventKind.DISCONNECT: 16,
}
# Kinds whose lines belong to an smtpd session (they carry its id).
_SESSION_KINDS = (
    EventKind.CONNECT,
    EventKind.DISCONNECT,
    EventKind.SESSION_ERROR,
    EventKind.SASL_FAILURE,
    EventKind.TLS,
    EventKind.TLS_ERROR,
    EventKind.CLIENT,
    EventKind.REJECT,
)


def _wanted(kind: EventKind, columns: list[str]) -> pl.Expr | None:
    """The lines of a kind that a story can hold (None: all)."""
    if kind in (EventKind.SPF, EventKind.REJECT):
        return None
    keep = pl.col("queue_id").is_not_null()
    if kind in _SESSION_KINDS and "session" in columns:
        keep = keep | pl.col("session").is_not_null()
    return keep


def story_rows(batch: Mapping[EventKind, pl.DataFrame], since: datetime | None) -> list[Row]:
    """The batch's lines that stories are made of, as dicts without their null fields,
    in story order (see the module's docstring)."""
    rows: list[Row] = []
    for kind, rank in RANK.items():
        frame = batch.get(kind)
        if frame is None or frame.height == 0:
            continue
        keep = _wanted(kind, frame.columns)
        if since is not None:
            after = pl.col("time") >= since
            keep = after if keep is None else keep & after
        for row in (frame if keep is None else frame.filter(keep)).iter_rows(named=True):
            present = {name: value for name, value in row.items() if value is not None}
            present["kind"] = kind.value
            present["_rank"] = rank
            rows.append(present)
    rows.sort(key=_order)
    return rows


def _order(row: Row) -> tuple[datetime, int]:
    return row["time"], row["_rank"]


def in_order(rows: list[Row]) -> Iterator[Row]:
    """Rows gathered from several places (a message's and its session's), in story order."""
    return iter(sorted(rows, key=_order))
