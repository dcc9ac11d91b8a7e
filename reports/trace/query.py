"""What `maillogs trace` looks for: each criterion repeatable (any of its values),
the criteria together (all of them), and the period."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

Row = dict[str, Any]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(value: str) -> str:
    """An address as compared: without <>, lower case ("" is the null sender)."""
    return value.strip().removeprefix("<").removesuffix(">").lower()


def _message_id(value: str) -> str:
    return value.strip().removeprefix("<").removesuffix(">")


@dataclass(frozen=True)
class TraceQuery:
    queue_ids: frozenset[str] = frozenset()
    message_ids: frozenset[str] = frozenset()  # without <>, as written (case matters)
    senders: frozenset[str] = frozenset()  # lower case; "" is the null sender
    recipients: frozenset[str] = frozenset()  # lower case; to= or orig_to=
    client_names: frozenset[str] = frozenset()  # host names and addresses, lower case
    client_networks: tuple[Network, ...] = ()
    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def of(
        cls,
        queue_ids: Iterable[str] = (),
        message_ids: Iterable[str] = (),
        senders: Iterable[str] = (),
        recipients: Iterable[str] = (),
        clients: Iterable[str] = (),
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> TraceQuery:
        """From what a user typed: `<addr>` or `addr`, `<>` for the null sender, a
        client as host name, IP address or network (192.0.2.0/24)."""
        names, networks = set(), []
        for client in clients:
            text = client.strip().lower()
            if "/" in text:
                networks.append(ipaddress.ip_network(text, strict=False))
            else:
                names.add(text.removeprefix("[").removesuffix("]"))
        return cls(
            queue_ids=frozenset(q.strip().upper() for q in queue_ids),
            message_ids=frozenset(_message_id(m) for m in message_ids),
            senders=frozenset(_address(s) for s in senders),
            recipients=frozenset(_address(r) for r in recipients),
            client_names=frozenset(names),
            client_networks=tuple(networks),
            since=since,
            until=until,
        )

    def client_matches(self, host: str | None, ip: str | None) -> bool:
        if host is not None and host.lower() in self.client_names:
            return True
        if ip is None:
            return False
        if ip.lower() in self.client_names:
            return True
        if not self.client_networks:
            return False
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(address in network for network in self.client_networks)


# Criteria decided by the first line that tells (a message has one sender, one client,
# one Message-ID): a message that fails one can be forgotten at once.
ONCE = ("sender", "client", "message_id")
_ENVELOPES = ("reject", "content_check")


class Verdict:
    """How far a message matches the query, line by line."""

    __slots__ = ("decided", "matched", "query")

    def __init__(self, query: TraceQuery) -> None:
        self.query = query
        self.matched: dict[str, bool] = {}
        self.decided: set[str] = set()

    def _tell(self, criterion: str, hit: bool) -> None:
        self.decided.add(criterion)
        self.matched[criterion] = self.matched.get(criterion, False) or hit

    def see(self, row: Row) -> None:
        q, kind = self.query, row["kind"]
        if q.senders and (kind in ("queued", "pickup") or (kind in _ENVELOPES and "sender" in row)):
            self._tell("sender", _address(row.get("sender") or "") in q.senders)
        if q.message_ids and kind == "message_id":
            self._tell("message_id", _message_id(row.get("message_id", "")) in q.message_ids)
        if q.client_names or q.client_networks:
            if kind in ("client", "reject", "content_check") and (
                "client_ip" in row or "client_host" in row
            ):
                self._tell("client", q.client_matches(row.get("client_host"), row.get("client_ip")))
            elif kind == "pickup":
                self._tell("client", False)  # submitted on this host: no client
        if q.recipients and kind in ("delivery", "reject", "content_check"):
            for name in ("recipient", "orig_recipient"):
                if name in row and _address(row[name]) in q.recipients:
                    self._tell("recipient", True)

    def failed(self) -> bool:
        """A criterion decided against the message: it cannot match any more."""
        return any(c in self.decided and not self.matched[c] for c in ONCE)

    def holds(self, queue_id: str | None) -> bool:
        """Every criterion met, once the message's lines are all in."""
        q = self.query
        wanted = [
            (q.senders, "sender"),
            (q.message_ids, "message_id"),
            (q.client_names or q.client_networks, "client"),
            (q.recipients, "recipient"),
        ]
        if q.queue_ids and (queue_id is None or queue_id.upper() not in q.queue_ids):
            return False
        return all(self.matched.get(name, False) for asked, name in wanted if asked)
