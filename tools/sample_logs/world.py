"""The private world the sample logs come from: names and addresses, DNS, certificates,
and the two Postfix instances' configuration. Everything lives under one work dir."""

from __future__ import annotations

import ipaddress
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

MX_V4 = "127.0.0.1"
MX_V6 = "2001:db8:100::1"
SINK_V6 = "2001:db8:200::1"
REFUSED_IP = "127.0.2.9"  # nothing listens there
MX_NAME = "mx.example.net"
CATCHALL = "example.org"
UNKNOWN_ALIAS_DOMAIN = "aliases.example.net"  # a virtual alias domain without catch-all
VMAIL_DOMAIN = "vmail.example.net"
RBL_ZONE = "zen.rbl.test"
LOCAL_USERS = ("me", "alice", "bob")
BLOCKED_NETWORK = "127.0.8.0/24"  # check_client_access REJECT

# Sender domains and their SPF records (None: no record). Every one has an MX, so
# reject_unknown_sender_domain passes them.
SPF_RECORDS: dict[str, str | None] = {
    "pass.test": "v=spf1 ip4:127.0.0.0/8 ip6:2001:db8::/32 -all",
    "fail.test": "v=spf1 -all",
    "softfail.test": "v=spf1 ~all",
    "neutral.test": "v=spf1 ?all",
    "nospf.test": None,
    "permerror.test": "v=spf1 ip4:127.0.0.0/8 frobnicate:x -all",
    # The included record's name server does not answer: DNS gives SERVFAIL.
    "temperror.test": "v=spf1 include:spf.dead.test -all",
    # The blog's greek spammers: real-looking senders whose mail header_checks refuse.
    "adsgreece.com": "v=spf1 ip4:127.0.0.0/8 ip6:2001:db8::/32 ~all",
    "mailendo.com": None,
    "4udeals.gr": "v=spf1 ?all",
    "eliamep.org": None,
    "mailinglist.gr": "v=spf1 ip4:127.0.0.0/8 ip6:2001:db8::/32 -all",
    "globalgreece.gr": None,
    "nfs.gr": "v=spf1 ~all",
    "specisoft.biz": None,
    "newsletter.test": "v=spf1 ip4:127.0.0.0/8 ip6:2001:db8::/32 -all",
}
HELO_SPF: dict[str, str] = {
    "helo-pass.test": "v=spf1 ip4:127.0.0.0/8 ip6:2001:db8::/32 -all",
    "helo-fail.test": "v=spf1 -all",
    "helo-softfail.test": "v=spf1 ~all",
    "helo-neutral.test": "v=spf1 ?all",
}

# Outbound destinations: domain → (next hop host, port, TLS policy or None, what happens).
OUTBOUND = {
    "verified.test": ("mx.verified.test", 25, "secure"),
    "verify.test": ("mx.verify.test", 2525, "verify"),
    "trusted.test": ("mx.trusted.test", 25, "may"),
    "untrusted.test": ("mx.untrusted.test", 25, "may"),
    "anon.test": ("mx.anon.test", 25, "may"),
    "plain.test": ("mx.plain.test", 25, "none"),
    "plainmay.test": ("mx.plainmay.test", 25, "may"),
    "encrypt.test": ("mx.encrypt.test", 25, "encrypt"),
    "verifyfail.test": ("mx.verifyfail.test", 25, "verify"),
    "v6.test": ("mx6.v6.test", 25, "may"),
    "refused.test": ("mx.refused.test", 25, "may"),
    "bounce.test": ("mx.bounce.test", 25, "may"),
}
SINK_ADDRESSES = {
    "ca": "127.0.2.1",  # CA-signed certificate for every mx.*.test name
    "selfsigned": "127.0.2.2",
    "anonymous": "127.0.2.3",  # aNULL ciphers only, at most TLSv1.2
    "plain": "127.0.2.4",  # no STARTTLS
    "v6": "127.0.2.5",
}
NEXTHOP_ADDRESS = {
    "mx.verified.test": SINK_ADDRESSES["ca"],
    "mx.verify.test": SINK_ADDRESSES["ca"],
    "mx.trusted.test": SINK_ADDRESSES["ca"],
    "mx.untrusted.test": SINK_ADDRESSES["selfsigned"],
    "mx.anon.test": SINK_ADDRESSES["anonymous"],
    "mx.plain.test": SINK_ADDRESSES["plain"],
    "mx.plainmay.test": SINK_ADDRESSES["plain"],
    "mx.encrypt.test": SINK_ADDRESSES["plain"],
    "mx.verifyfail.test": SINK_ADDRESSES["selfsigned"],
    "mx6.v6.test": SINK_ADDRESSES["v6"],
    "mx.refused.test": REFUSED_IP,
    "mx.bounce.test": SINK_ADDRESSES["ca"],
}
BOUNCING_RECIPIENT = "nobody@bounce.test"


@dataclass(frozen=True)
class Client:
    ip: str
    name: str | None  # PTR and matching A/AAAA; None: no PTR ("unknown")

    @property
    def family(self) -> str:
        return "ipv6" if ":" in self.ip else "ipv4"

    @property
    def shown(self) -> str:
        return self.name or "unknown"


@dataclass
class World:
    root: Path
    clients: list[Client] = field(default_factory=list)
    rbl_listed: list[Client] = field(default_factory=list)
    blocked: list[Client] = field(default_factory=list)
    uid: int = 0
    gid: int = 0

    @property
    def certs(self) -> Path:
        return self.root / "certs"

    def path(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)


def make_clients() -> tuple[list[Client], list[Client], list[Client]]:
    """Ordinary clients (v4 with and without PTR, v6), RBL-listed ones, blocked ones."""
    clients = []
    for index in range(1, 61):
        ip = f"127.0.{3 + index // 250}.{index % 250 + 1}"
        name = f"mail{index}.sender{index % 7}.test" if index % 4 else None
        clients.append(Client(ip, name))
    for index in range(1, 21):
        ip = f"2001:db8:300::{index:x}"
        name = f"mail6-{index}.sender{index % 5}.test" if index % 3 else None
        clients.append(Client(ip, name))
    listed = [
        Client(f"127.0.6.{i}", f"spam{i}.botnet.test" if i % 2 else None) for i in range(1, 9)
    ]
    listed.append(Client("2001:db8:666::1", None))
    blocked = [Client(f"127.0.8.{i}", None) for i in range(1, 6)]
    return clients, listed, blocked


def ipv6_client_addresses(world: World) -> list[str]:
    return [c.ip for c in (*world.clients, *world.rbl_listed, *world.blocked) if ":" in c.ip]


def _run(*args: str, cwd: Path | None = None) -> None:
    subprocess.run(args, check=True, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def make_certificates(world: World) -> None:
    """A CA; the mx's and the sink's CA-signed server certificates; a self-signed one;
    a CA-signed and a self-signed client certificate."""
    d = world.certs
    d.mkdir(parents=True, exist_ok=True)
    key = ["-newkey", "rsa:2048", "-nodes"]
    _run(
        "openssl",
        "req",
        "-x509",
        *key,
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "3650",
        "-subj",
        "/CN=maillogs test CA",
        cwd=d,
    )
    sink_names = sorted({host for host, _, _ in OUTBOUND.values()} | {"sink.example.com"})
    for name, sans in (
        ("mx", [MX_NAME]),
        ("sink", sink_names),
        ("client", ["client.example.test"]),
    ):
        san = ",".join(f"DNS:{s}" for s in sans)
        _run(
            "openssl",
            "req",
            *key,
            "-keyout",
            f"{name}.key",
            "-out",
            f"{name}.csr",
            "-subj",
            f"/CN={sans[0]}",
            "-addext",
            f"subjectAltName={san}",
            cwd=d,
        )
        _run(
            "openssl",
            "x509",
            "-req",
            "-in",
            f"{name}.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            f"{name}.pem",
            "-days",
            "3650",
            "-copy_extensions",
            "copy",
            cwd=d,
        )
    for name, cn in (("selfsigned", "mx.untrusted.test"), ("client-self", "self.example.test")):
        _run(
            "openssl",
            "req",
            "-x509",
            *key,
            "-keyout",
            f"{name}.key",
            "-out",
            f"{name}.pem",
            "-days",
            "3650",
            "-subj",
            f"/CN={cn}",
            cwd=d,
        )
    for path in d.iterdir():
        path.chmod(0o644)


def _reverse(ip: str) -> str:
    return ipaddress.ip_address(ip).reverse_pointer


def dnsmasq_config(world: World) -> str:
    lines = [
        "no-resolv",
        "no-hosts",
        "no-poll",
        "listen-address=127.0.0.1",
        "bind-interfaces",
        "port=53",
        "log-facility=/dev/null",
        "local-ttl=60",
        *(
            f"local=/{zone}/"
            for zone in (
                "test",
                "example.net",
                "example.org",
                "example.com",
                "in-addr.arpa",
                "ip6.arpa",
            )
        ),
        # dead.test's name server does not answer: lookups below it fail with SERVFAIL.
        "server=/dead.test/127.0.0.99",
        f"host-record={MX_NAME},{MX_V4},{MX_V6}",
        "host-record=sink.example.com,127.0.2.1",
    ]
    for client in (*world.clients, *world.rbl_listed):
        if client.name:
            lines.append(f"host-record={client.name},{client.ip}")
    for domain, record in {**SPF_RECORDS, **HELO_SPF}.items():
        lines.append(f"mx-host={domain},mx.{domain},10")
        lines.append(f"host-record=mx.{domain},127.0.50.1")
        if record:
            lines.append(f'txt-record={domain},"{record}"')
    for host, address in NEXTHOP_ADDRESS.items():
        extra = f",{SINK_V6}" if host == "mx6.v6.test" else ""
        lines.append(f"host-record={host},{address}{extra}")
    for client in world.rbl_listed:
        # 4.3.2.1.in-addr.arpa (or the ip6.arpa nibbles) less the .arpa suffix.
        reversed_ip = _reverse(client.ip).rsplit(".", 2)[0]
        lines.append(f"host-record={reversed_ip}.{RBL_ZONE},127.0.0.2")
    return "\n".join(lines) + "\n"
