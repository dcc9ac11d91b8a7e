"""TLS summary lines, as tls_log_summary() in src/tls/tls_misc.c writes them.

`<Level> TLS connection established|reused from|to host[ip]:port[ to sni]: PROTO with
cipher NAME (used/alg bits)` and, since Postfix 3.4, optional `key-exchange`,
`server-signature`, `server-digest`, `client-signature`, `client-digest` details.
Before Postfix 2.9 the level word was missing; the level is then null.
"""

from parsers.rules import PEER, FastPath, Rule, Test
from parsers.schema import EventKind

_DETAIL = r"\S+(?: \([^)]*\))?"

_DETAILS = (
    rf"(?: key-exchange (?P<key_exchange>{_DETAIL}))?"
    rf"(?: server-signature (?P<server_signature>{_DETAIL}))?"
    r"(?: server-digest (?P<server_digest>\S+))?"
    rf"(?: client-signature (?P<client_signature>{_DETAIL}))?"
    r"(?: client-digest (?P<client_digest>\S+))?$"
)
TLS_SUMMARY = (
    r"^(?:(?P<level>Anonymous|Untrusted|Trusted|Verified) )?TLS connection "
    r"(?P<usage>established|reused) (?P<dir>from|to) " + PEER + r"(?: to (?P<sni>\S+))?: "
    r"(?P<protocol>\S+) with cipher (?P<cipher>\S+) \((?P<bits>\d+)/(?P<alg_bits>\d+) bits\)"
    + _DETAILS
)
# The usual line has a level and its peer port before any SNI; the optional details
# (which no one-pass regex can split) are taken whole and split by _DETAILS.
TLS_FAST = FastPath(
    r"^(?P<level>Anonymous|Untrusted|Trusted|Verified) TLS connection "
    r"(?P<usage>established|reused) (?P<dir>from|to) "
    r"(?P<peer_host>[^\[\]\s]*)\[(?P<peer_ip>[^\]]*)\]:"
    r"(?:(?P<peer_port>[0-9]+)(?: to (?P<sni>[^ \t:]+))?:)? "
    r"(?P<protocol>\S+) with cipher (?P<cipher>\S+) \((?P<bits>[0-9]+)/(?P<alg_bits>[0-9]+) "
    r"bits\)(?P<_details>.*)$",
    tail=("_details", "^" + _DETAILS),
)

TLS_RULES = (Rule(EventKind.TLS, "TLS connection ", TLS_SUMMARY, Test.CONTAINS, fast=TLS_FAST),)


# smtpd_tls_loglevel / smtp_tls_loglevel 2 and up narrate the handshake.
def _setup_rules(direction: str, word: str) -> tuple[Rule, ...]:
    side = "server" if direction == "inbound" else "client"
    return (
        Rule(
            EventKind.TLS_SETUP,
            f"initializing the {side}-side TLS engine",
            rf"^(?P<detail>initializing the {side}-side TLS engine)$",
            constants={"direction": direction},
        ),
        Rule(
            EventKind.TLS_SETUP,
            f"setting up TLS connection {word} ",
            rf"^(?P<detail>setting up TLS connection) {word} {PEER}$",
            constants={"direction": direction},
        ),
        Rule(
            EventKind.TLS_SETUP,
            ": TLS cipher list ",
            rf"^{PEER}: (?P<detail>TLS cipher list .*)$",
            Test.CONTAINS,
            constants={"direction": direction},
        ),
    )


SERVER_TLS_SETUP_RULES = _setup_rules("inbound", "from")
CLIENT_TLS_SETUP_RULES = _setup_rules("outbound", "to")

SERVER_TLS_ERROR_RULES = (
    Rule(
        EventKind.TLS_ERROR,
        "SSL_accept error from ",
        r"^SSL_accept error from " + PEER + r": (?P<error>.*)$",
        constants={"direction": "inbound"},
    ),
)

CLIENT_TLS_ERROR_RULES = (
    Rule(
        EventKind.TLS_ERROR,
        "SSL_connect error to ",
        r"^SSL_connect error to " + PEER + r": (?P<error>.*)$",
        constants={"direction": "outbound"},
    ),
    Rule(
        EventKind.TLS_ERROR,
        "certificate verification failed for ",
        r"^(?:server )?certificate verification failed for " + PEER + r": (?P<error>.*)$",
        Test.CONTAINS,
        constants={"direction": "outbound"},
    ),
)
