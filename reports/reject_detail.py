"""pflogsumm's "message reject detail", and who tries unknown recipients.

Per reject class, the commonest replies and the clients that drew them; the recipients
refused as unknown, and the clients that tried the most of them (a dictionary attack
stands out). A reply is shown as Postfix wrote it without what names one message: the
address or client it starts with (`<x@example.org>: `), bracketed addresses, and the
query of a link (SPF's `Why?s=...;ip=...`), so the same refusal counts as one reply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

import polars as pl

from reports.section import Json, records
from reports.tables import Cell, Table, stamp
from reports.tally import Accumulator, Tally, merge_tallies, top_rows

_CLIENT = ["client_host", "client_ip"]


def reply_shape() -> pl.Expr:
    """`554 5.7.1 Service unavailable; Client host blocked using zen.spamhaus.org`."""
    text = (
        pl.col("reason")
        .fill_null("")
        .str.replace(r"^<[^>]*>: ", "")
        .str.replace_all(r"\s*\[[0-9A-Fa-f:.]+\]", "")
        .str.replace_all(r"(https?://[^\s?]+)\?\S*", "$1")
    )
    head = pl.concat_str(
        [pl.col("code").cast(pl.String), pl.col("dsn")], separator=" ", ignore_nulls=True
    )
    return pl.concat_str([head, text], separator=" ", ignore_nulls=True).str.strip_chars()


class RejectDetailResult(TypedDict):
    reject_detail: dict[str, list[Json]]  # class → [{reply, count, clients}]
    unknown_recipients: list[Json]
    unknown_recipient_clients: list[Json]


class RejectDetail:
    """Fed the refusals (reject events that turned mail away) of every batch."""

    def __init__(self) -> None:
        self.replies = Tally(["reason_class", "reply", *_CLIENT])
        self.unknown = Tally(["recipient", *_CLIENT])

    def add(self, refusals: pl.DataFrame) -> None:
        self.replies.add(
            refusals.select("time", "reason_class", reply_shape().alias("reply"), *_CLIENT)
        )
        unknown = refusals.filter(pl.col("reason_class") == "unknown_recipient")
        self.unknown.add(unknown.select("time", pl.col("recipient").str.to_lowercase(), *_CLIENT))

    def accumulators(self) -> dict[str, Accumulator]:
        return {"detail_replies": self.replies, "unknown_recipients": self.unknown}

    def result(self, top: int, classes: Sequence[str]) -> RejectDetailResult:
        """`classes`: the reject classes in the order the report lists them. The
        tallies unsorted (`merged`): each list is ranked on its own, and sorting a
        year's replies by client first cost more than the rest of the section."""
        unknown = self.unknown.merged(text=False)
        return {
            "reject_detail": _detail(self.replies.merged(text=False), top, classes),
            "unknown_recipients": _ranked(unknown, ["recipient"], top),
            "unknown_recipient_clients": _ranked(unknown, _CLIENT, top),
        }


def _ranked(frame: pl.DataFrame, keys: list[str], top: int) -> list[Json]:
    """Per key: refusals, distinct recipients (of a client), first and last seen."""
    distinct = (
        [pl.col("recipient").n_unique().alias("recipients")] if "recipient" not in keys else []
    )
    grouped = frame.group_by(keys).agg(
        pl.col("count").sum(),
        *distinct,
        pl.col("first_seen").min(),
        pl.col("last_seen").max(),
    )
    order = ["recipients", "count"] if distinct else ["count"]
    descending = [True] * len(order) + [False] * len(keys)
    grouped = top_rows(grouped, [*order, *keys], descending, top)
    return records(grouped.select(*keys, *order[::-1], "first_seen", "last_seen"), top)


def _detail(frame: pl.DataFrame, top: int, classes: Sequence[str]) -> dict[str, list[Json]]:
    """{class: [{reply, count, clients: [{client_host, client_ip, count, ...}]}]}, the
    classes in the report's order, then any other."""
    replies = merge_tallies(frame.drop(_CLIENT), ["reason_class", "reply"]).sort(
        ["count", "reply"], descending=[True, False]
    )
    by_class = replies.partition_by("reason_class", as_dict=True, maintain_order=True)
    order = {name: index for index, name in enumerate(classes)}
    shown = [rows.head(top) for rows in by_class.values()]
    # the clients that may be among a shown reply's top ones (as many as its top-th
    # count or more), taken out of a year's rows in one pass rather than one filter of
    # them all per reply (a null class or reply draws no clients)
    reply_keys = ["reason_class", "reply"]
    wanted = pl.concat(shown).select(reply_keys) if shown else replies.select(reply_keys)
    bound = pl.col("count").top_k(top).min().over(reply_keys)
    clients_of = (
        frame.filter(pl.col("count") >= bound)
        .join(wanted, on=reply_keys, how="semi")
        .partition_by(reply_keys, as_dict=True)
    )
    detail: dict[str, list[Json]] = {}
    for (klass,), rows in sorted(
        by_class.items(), key=lambda item: (order.get(str(item[0][0]), len(order)), str(item[0][0]))
    ):
        listed = []
        for reply in rows.head(top).iter_rows(named=True):
            clients = top_rows(
                clients_of.get((klass, reply["reply"]), frame.clear()),
                ["count", *_CLIENT],
                [True, False, False],
                top,
            )
            listed.append(
                {
                    "reply": reply["reply"],
                    "count": reply["count"],
                    "clients": records(
                        clients.select(*_CLIENT, "count", "first_seen", "last_seen"), top
                    ),
                }
            )
        detail["none" if klass is None else str(klass)] = listed
    return detail


def tables(data: Mapping[str, Any]) -> list[Table]:
    """The rejects section's detail tables (text, Markdown, HTML, CSV)."""
    replies: list[tuple[Cell, ...]] = []
    clients: list[tuple[Cell, ...]] = []
    for klass, listed in data["reject_detail"].items():
        for reply in listed:
            number = len(replies) + 1
            replies.append((number, klass, reply["reply"], reply["count"]))
            clients += [
                (number, c["client_host"], c["client_ip"], c["count"], stamp(c["last_seen"]))
                for c in reply["clients"]
            ]  # fmt: skip
    seen = ("first seen", "last seen")
    return [
        Table("rejects", "reject_replies", "Reject detail: replies by reason",
              ("#", "reason", "reply", "count"), tuple(replies)),
        Table("rejects", "reject_reply_clients", "Reject detail: clients by reply",
              ("reply #", "client_host", "client_ip", "count", "last seen"), tuple(clients)),
        Table("rejects", "unknown_recipients", "Recipients refused as unknown",
              ("recipient", "count", *seen),
              tuple((r["recipient"], r["count"], stamp(r["first_seen"]), stamp(r["last_seen"]))
                    for r in data["unknown_recipients"])),
        # "tried": distinct unknown recipients (the JSON has the refusals too)
        Table("rejects", "unknown_recipient_clients", "Clients that tried unknown recipients",
              ("client_host", "client_ip", "tried", *seen),
              tuple((c["client_host"], c["client_ip"], c["recipients"],
                     stamp(c["first_seen"]), stamp(c["last_seen"]))
                    for c in data["unknown_recipient_clients"])),
    ]  # fmt: skip
