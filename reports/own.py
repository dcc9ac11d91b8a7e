"""The server's own domains and networks: never a spammer, never a proposed rule.

They come from three places: the Postfix configuration (mydestination, virtual and
relay domains, mynetworks), the user's config (own_domains, own_networks), and the log
itself: the domains of recipients that local, virtual or lmtp delivered (mail for them
ends here), and the clients that logged in with SMTP AUTH (the server's own users).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl

from parsers.schema import EventKind
from reports.expr import domain
from reports.section import Batch, Needs
from reports.tally import Accumulator, Tally

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# Transports whose deliveries end on this server: their recipients' domains are ours.
FINAL_TRANSPORTS = ("local", "virtual", "lmtp")

OWN_NEEDS: Needs = {
    EventKind.DELIVERY: ["transport", "status", "recipient", "orig_recipient"],
    EventKind.CLIENT: ["client_ip", "sasl_username"],
}


@dataclass(frozen=True)
class Own:
    """Own domains (a subdomain of one is one too) and networks."""

    domains: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = field(default=())

    def has_domain(self, name: str | None) -> bool:
        if not name:
            return False
        name = name.lower().rstrip(".")
        return any(name == d or name.endswith("." + d) for d in self.domains)

    def has_address(self, ip: str | None) -> bool:
        if not ip:
            return False
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    def ours(self, ips: pl.Series) -> pl.Series:
        """has_address of each of `ips`, at once: a year's clients are some 300,000
        addresses, too many to parse one by one. Dotted quads are compared with the IPv4
        networks as integers in Polars; the rest (IPv6) go through has_address."""
        v4 = [n for n in self.networks if isinstance(n, ipaddress.IPv4Network)]
        octet = r"(0|[1-9]\d{0,2})"
        quads = ips.str.extract_groups(rf"^{octet}\.{octet}\.{octet}\.{octet}$").struct.unnest()
        values = [quads.get_column(name).cast(pl.Int64) for name in quads.columns]
        valid = pl.Series([True] * len(ips)) if len(ips) else pl.Series([], dtype=pl.Boolean)
        number = pl.Series([0] * len(ips), dtype=pl.Int64)
        for value in values:
            valid = valid & value.is_not_null() & (value <= 255)
            number = number * 256 + value.fill_null(0)
        valid = valid.fill_null(False)
        inside = pl.Series([False] * len(ips), dtype=pl.Boolean)
        for network in v4:
            shift = 32 - network.prefixlen
            inside = inside | ((number // 2**shift) == int(network.network_address) // 2**shift)
        rest = ips.filter(~valid)
        others = {ip for ip in rest.unique().to_list() if self.has_address(ip)}
        return ((valid & inside) | ips.is_in(list(others))).fill_null(False)

    def domain_expr(self, column: pl.Expr) -> pl.Expr:
        """Is the domain in `column` (lower-case) one of ours? For filters."""
        names = sorted(self.domains)
        if not names:
            return pl.lit(False)
        suffixes = "|".join(_escape(name) for name in names)
        return column.str.contains(rf"(?:^|\.)(?:{suffixes})$").fill_null(False)


def _escape(name: str) -> str:
    return "".join("\\" + c if not (c.isalnum() or c == "-") else c for c in name)


def own_of(
    domains: Iterable[str] = (),
    networks: Iterable[str] = (),
    delivered_domains: Iterable[str] = (),
    sasl_clients: Iterable[str] = (),
) -> Own:
    """Own domains and networks from configured ones and what the log shows; a SASL
    client's address counts as a network of one address."""
    names = {d.strip().lower().rstrip(".") for d in (*domains, *delivered_domains)}
    found: dict[str, Network] = {}
    for text in (*networks, *sasl_clients):
        try:
            network = ipaddress.ip_network(text.strip(), strict=False)
        except ValueError:
            continue
        found[str(network)] = network
    return Own(frozenset(n for n in names if n), tuple(found.values()))


class OwnFromLog:
    """What the log says is ours, added up over batches (part of a section's state)."""

    def __init__(self, domains: Iterable[str] = (), networks: Iterable[str] = ()) -> None:
        self.configured_domains = tuple(domains)
        self.configured_networks = tuple(networks)
        self.delivered = Tally(["domain"], seen=False)
        self.sasl_clients = Tally(["client_ip"], seen=False)

    def add(self, batch: Batch) -> None:
        final = batch[EventKind.DELIVERY].filter(
            pl.col("transport").is_in(FINAL_TRANSPORTS) & (pl.col("status") == "sent")
        )
        addresses = pl.concat(
            [
                final.select("time", pl.col("recipient").alias("address")),
                final.select("time", pl.col("orig_recipient").alias("address")),
            ]
        )
        self.delivered.add(
            addresses.select(
                "time", domain(pl.col("address").str.to_lowercase()).alias("domain")
            ).drop_nulls("domain")
        )
        clients = batch[EventKind.CLIENT].filter(pl.col("sasl_username").is_not_null())
        self.sasl_clients.add(clients.select("time", "client_ip").drop_nulls("client_ip"))

    def accumulators(self, prefix: str = "own") -> dict[str, Accumulator]:
        return {f"{prefix}.delivered": self.delivered, f"{prefix}.sasl_clients": self.sasl_clients}

    def own(self) -> Own:
        return own_of(
            self.configured_domains,
            self.configured_networks,
            self.delivered.frame().get_column("domain").to_list(),
            self.sasl_clients.frame().get_column("client_ip").to_list(),
        )
