"""Stories as text (one timeline per message, for a terminal) and as JSON lines."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from reports.escape import for_terminal
from reports.trace.story import Story

STATES = {
    "removed": "delivered or returned, and removed from the queue",
    "refused": "refused",
    "discarded": "discarded",
    "held": "on hold at the end of the input",
    "in_queue": "still in the queue at the end of the input",
    "never_queued": "never entered the queue (the client left before the end of DATA)",
}


def _json_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


# json.dumps escapes C0 controls only: DEL and C1 (U+009B is a CSI to some terminals)
# are written as \u escapes too, so that the lines are safe to look at.
_DEL_C1 = re.compile("[\x7f-\x9f]")


def to_json(story: Story) -> str:
    """One story as one line of JSON (times in ISO 8601, UTC as logged)."""
    text = json.dumps(story, default=_json_value, ensure_ascii=False)
    return _DEL_C1.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def render_jsonl(stories: Iterable[Story]) -> Iterable[str]:
    for story in stories:
        yield to_json(story) + "\n"


def _addr(value: object) -> str:
    return f"<{'' if value is None else value}>"


def _client(e: dict[str, Any]) -> str:
    return f"{e.get('client_host') or ''}[{e.get('client_ip') or ''}]"


def _tls(level: object, protocol: object, cipher: object) -> str:
    return f"{level or 'TLS'} {protocol or ''} {cipher or ''}".rstrip()


def _delivery(e: dict[str, Any]) -> str:
    to = f"to={_addr(e.get('recipient'))}"
    if e.get("orig_recipient"):
        to += f" (orig_to={_addr(e['orig_recipient'])})"
    tls = (
        f", {_tls(e.get('tls_level'), e.get('tls_protocol'), e.get('tls_cipher'))}"
        if e.get("tls_protocol") or e.get("tls_level")
        else ""
    )
    delays = "/".join(
        str(e.get(n, "?"))
        for n in ("delay_before_qmgr", "delay_in_qmgr", "delay_conn_setup", "delay_transmission")
    )
    return (
        f"{e.get('status')} {to} via {e.get('transport')} relay={e.get('relay')}{tls}, "
        f"delay={e.get('delay')} ({delays}), dsn={e.get('dsn')}: {e.get('reason', '')}"
    )


_DESCRIBE: dict[str, Callable[[dict[str, Any]], str]] = {
    "connect": lambda e: f"connect from {_client(e)} ({e.get('ip_family') or '?'})",
    "disconnect": lambda e: f"disconnect from {_client(e)} {e.get('commands', '')}",
    "session_error": lambda e: f"{e.get('error')} after {e.get('after')} from {_client(e)}",
    "sasl_failure": lambda e: (
        f"SASL {e.get('mechanism')} login {e.get('outcome')}"
        f" (user {e.get('sasl_username') or '?'}): {e.get('reason') or ''}"
    ),
    "tls": lambda e: (
        f"{_tls(e.get('level'), e.get('protocol'), e.get('cipher'))} connection "
        f"{e.get('usage')} {'from' if e.get('direction') == 'inbound' else 'to'} "
        f"{e.get('peer_host')}[{e.get('peer_ip')}]"
    ),
    "tls_error": lambda e: (
        f"TLS error with {e.get('peer_host')}[{e.get('peer_ip')}]: {e.get('error')}"
    ),
    "spf": lambda e: (
        f"SPF {e.get('result')} ({e.get('identity')}) for {e.get('envelope_from') or '?'}"
        f", helo {e.get('helo') or '?'}: {e.get('action')}"
        + (f" {e['text']}" if e.get("text") else "")
    ),
    "reject": lambda e: (
        f"{e.get('action')} at {e.get('stage')} from {_client(e)}: {e.get('code')} {e.get('dsn')} "
        f"{e.get('reason')} [{e.get('reason_class')}] from={_addr(e.get('sender'))} "
        f"to={_addr(e.get('recipient'))} helo={_addr(e.get('helo'))}"
    ),
    "client": lambda e: (
        f"accepted from {_client(e)}"
        + (
            f", SASL {e.get('sasl_method')} user {e['sasl_username']}"
            if e.get("sasl_username")
            else ""
        )
        + (
            f", {_tls(e.get('tls_level'), e.get('tls_protocol'), e.get('tls_cipher'))}"
            if e.get("tls_protocol")
            else ", no TLS"
        )
    ),
    "pickup": lambda e: f"submitted on this host: uid={e.get('uid')} from={_addr(e.get('sender'))}",
    "message_id": lambda e: f"message-id={e.get('message_id')}",
    "content_check": lambda e: (
        f"{e.get('part')}_checks {e.get('action')}"
        + (f" rule {e['rule_id']}" if e.get("rule_id") is not None else "")
        + f": {e.get('content')}: {e.get('text') or ''}"
    ),
    "queued": lambda e: (
        f"queued: from={_addr(e.get('sender'))}, size={e.get('size')}, nrcpt={e.get('nrcpt')}"
    ),
    "connect_error": lambda e: f"{e.get('peer_host')}[{e.get('peer_ip')}]: {e.get('error')}",
    "delivery": _delivery,
    "notification": lambda e: f"{e.get('notice')}: {e.get('new_queue_id')}",
    "postsuper": lambda e: f"postsuper: {e.get('action')}",
    "removed": lambda e: "removed from the queue",
    "log": lambda e: f"{e.get('severity')}: {e.get('text')}",
}


def _when(value: object, zone: ZoneInfo) -> str:
    if not isinstance(value, datetime):
        return "?"
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def _heading(story: Story) -> list[str]:
    qid = story["queue_id"] or "NOQUEUE"
    head = f"{qid}"
    if story["message_id"]:
        head += f" {story['message_id']}"
    lines = [f"{head}: {STATES.get(story['state'], story['state'])}"]
    sender = "" if story["sender"] is None else _addr(story["sender"])
    facts = [f"from {sender}" if sender else "sender unknown"]
    if story["size"] is not None:
        facts.append(f"{story['size']} bytes, {story['nrcpt']} recipient(s)")
    client = story["client"]
    if client:
        tls = client["tls"]
        facts.append(
            f"client {client['host'] or ''}[{client['ip'] or ''}] ({client['ip_family'] or '?'}), "
            + (_tls(tls["level"], tls["protocol"], tls["cipher"]) if tls else "no TLS")
            + (f", SASL user {client['sasl_username']}" if client["sasl_username"] else "")
        )
    if story["helo"]:
        facts.append(f"helo {story['helo']}")
    lines.append("  " + "; ".join(facts))
    for check in story["checks"]:
        if check["pattern"] is not None:
            lines.append(f"  {check['part']}_checks rule {check['rule_id']}: /{check['pattern']}/")
    return lines


def render_text(stories: Iterable[Story], tz: str) -> Iterable[str]:
    """Each story: a heading, then one line per event; control characters escaped."""
    zone = ZoneInfo(tz)
    for number, story in enumerate(stories):
        lines = ([""] if number else []) + _heading(story)
        for event in story["events"]:
            describe = _DESCRIBE.get(event["kind"], str)
            lines.append(f"  {_when(event['time'], zone)}  {describe(event)}")
        yield "".join(for_terminal(line) + "\n" for line in lines)
