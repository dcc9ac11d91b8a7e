"""One message's story: its lines and its session's, in order, and what they tell
(client, TLS, SPF, checks, refusals, deliveries) as a JSON-ready dict.

Times are datetimes here; the renderers write them (jsonl in UTC, text in the
report's zone).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from reports.trace.rows import Row, in_order

Story = dict[str, Any]

_REFUSALS = ("reject", "milter-reject")
_TLS = ("tls_level", "tls_protocol", "tls_cipher")
_DELAYS = ("delay_before_qmgr", "delay_in_qmgr", "delay_conn_setup", "delay_transmission")


def _first(rows: Iterable[Row], kinds: Sequence[str], name: str) -> Any:
    return next((r[name] for r in rows if r["kind"] in kinds and name in r), None)


def _tls(row: Row | None) -> dict[str, Any] | None:
    """The TLS a line's connection used; None: plaintext (or not known)."""
    if row is None or ("tls_level" not in row and "tls_protocol" not in row):
        return None
    return {
        "level": row.get("tls_level"),
        "protocol": row.get("tls_protocol"),
        "cipher": row.get("tls_cipher"),
    }


def _client(rows: list[Row], session: list[Row]) -> dict[str, Any] | None:
    source = next((r for r in rows if r["kind"] in ("client", "reject")), None)
    if source is None:
        source = next((r for r in rows if r["kind"] == "content_check" and "client_ip" in r), None)
    connect = next((r for r in session if r["kind"] == "connect"), None)
    if source is None and connect is None:
        return None
    known = source or connect or {}
    tls = _tls(source) if source is not None and source["kind"] != "content_check" else None
    if tls is None and (source is None or source["kind"] == "content_check"):
        inbound = [r for r in session if r["kind"] == "tls"]
        tls = (
            _tls({f"tls_{n}": inbound[-1].get(n) for n in ("level", "protocol", "cipher")})
            if (inbound)
            else None
        )
    return {
        "host": known.get("client_host"),
        "ip": known.get("client_ip"),
        "ip_family": known.get("ip_family") or (connect or {}).get("ip_family"),
        "tls": tls,
        "sasl_username": _first(rows, ("client",), "sasl_username"),
        "sasl_method": _first(rows, ("client",), "sasl_method"),
        "session": known.get("session"),
    }


def _spf(
    rows: list[Row], session: list[Row], starts: Sequence[datetime], sender: str | None
) -> list[Row]:
    """The session's SPF verdicts for this message: for its sender (a refusal names
    none), since the session's message before it was accepted, up to its own first line."""
    if not rows:
        return []
    start = rows[0]["time"]
    before = max((t for t in starts if t < start), default=None)
    wanted = None if sender is None else sender.lower()
    return [
        r
        for r in session
        if r["kind"] == "spf"
        and r["time"] <= start
        and (before is None or r["time"] >= before)
        and (wanted is None or str(r.get("envelope_from", wanted)).lower() == wanted)
    ]


def _check(row: Row, patterns: Mapping[str, Mapping[int, str]]) -> dict[str, Any]:
    table = patterns.get("body" if row.get("part") == "body" else "header", {})
    rule = row.get("rule_id")
    return {
        "time": row["time"],
        "action": row.get("action"),
        "part": row.get("part"),
        "content": row.get("content"),
        "rule_id": rule,
        "pattern": table.get(rule) if rule is not None else None,
        "text": row.get("text"),
    }


def _refusal(row: Row) -> dict[str, Any]:
    if row["kind"] == "content_check":
        return {
            "time": row["time"],
            "by": "cleanup",
            "action": row.get("action"),
            "stage": row.get("part"),
            "code": None,
            "dsn": row.get("dsn"),
            "reason_class": f"{row.get('part')}_checks",
            "reply": row.get("text"),
            "recipient": row.get("recipient"),
        }
    return {
        "time": row["time"],
        "by": str(row.get("program", "")).rsplit("/", 1)[-1],
        "action": row.get("action"),
        "stage": row.get("stage"),
        "code": row.get("code"),
        "dsn": row.get("dsn"),
        "reason_class": row.get("reason_class"),
        "reply": row.get("reason"),
        "recipient": row.get("recipient"),
    }


def _delivery(row: Row) -> dict[str, Any]:
    return {
        "time": row["time"],
        "recipient": row.get("recipient"),
        "orig_recipient": row.get("orig_recipient"),
        "transport": row.get("transport"),
        "relay": row.get("relay"),
        "status": row.get("status"),
        "dsn": row.get("dsn"),
        "delay": row.get("delay"),
        "delays": {name.removeprefix("delay_"): row.get(name) for name in _DELAYS},
        "tls": _tls(row),
        "reply": row.get("reason"),
    }


def event(row: Row) -> dict[str, Any]:
    """A line's event as the story lists it: time and kind first."""
    rest = {k: v for k, v in row.items() if k not in ("time", "kind") and not k.startswith("_")}
    return {"time": row["time"], "kind": row["kind"], **rest}


def build_story(
    rows: list[Row],
    session: list[Row],
    starts: Sequence[datetime],
    state: str,
    patterns: Mapping[str, Mapping[int, str]],
) -> Story:
    """`rows`: the message's lines; `session`: its session's own lines and SPF verdicts;
    `starts`: when the session's messages were accepted."""
    mine = list(in_order(rows))
    sender = _first(mine, ("queued", "pickup"), "sender")
    if sender is None:
        sender = _first(mine, ("reject", "content_check"), "sender")
    spf = _spf(mine, session, starts, sender)
    lines = list(in_order(mine + [r for r in session if r["kind"] != "spf"] + spf))
    refusals = [
        _refusal(r)
        for r in mine
        if (r["kind"] == "reject" and r.get("action") in _REFUSALS)
        or (r["kind"] == "content_check" and r.get("action") == "reject")
    ]
    return {
        "queue_id": _first(mine, tuple({r["kind"] for r in mine}), "queue_id"),
        "message_id": _first(mine, ("message_id",), "message_id"),
        "sender": sender,
        "size": _first(mine, ("queued",), "size"),
        "nrcpt": _first(mine, ("queued",), "nrcpt"),
        "client": _client(mine, session),
        "helo": _first(mine, ("reject", "content_check"), "helo") or _first(spf, ("spf",), "helo"),
        "spf": [
            {
                "time": r["time"],
                "identity": r.get("identity"),
                "result": r.get("result"),
                "action": r.get("action"),
                "text": r.get("text"),
            }
            for r in spf
        ],
        "checks": [_check(r, patterns) for r in mine if r["kind"] == "content_check"],
        "refused": refusals,
        "deliveries": [_delivery(r) for r in mine if r["kind"] == "delivery"],
        "notifications": [
            {"time": r["time"], "notice": r.get("notice"), "new_queue_id": r.get("new_queue_id")}
            for r in mine
            if r["kind"] == "notification"
        ],
        "removed": next(
            (r["time"] for r in mine if r["kind"] == "removed" or r.get("action") == "removed"),
            None,
        ),
        "state": state,
        "first_seen": lines[0]["time"] if lines else None,
        "last_seen": lines[-1]["time"] if lines else None,
        "events": [event(r) for r in lines],
    }
