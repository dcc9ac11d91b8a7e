"""Columns computed from what the regexes captured: IP family, reply classes, rule ids."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from parsers.schema import EventKind

Derivation = Callable[[pl.DataFrame], pl.DataFrame]

_IPV4 = r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$"


def ip_family(ip: pl.Expr) -> pl.Expr:
    """ "ipv4", "ipv6" or null (unknown, a unix socket path)."""
    return (
        pl.when(ip.str.contains(_IPV4))
        .then(pl.lit("ipv4"))
        .when(ip.str.starts_with("::ffff:") & ip.str.contains(r"\.\d+$"))
        .then(pl.lit("ipv4"))
        .when(ip.str.contains(":", literal=True) & ip.str.contains(r"^[0-9A-Fa-f:.]+$"))
        .then(pl.lit("ipv6"))
        .otherwise(None)
    )


def per_distinct(frame: pl.DataFrame, column: str, exprs: list[pl.Expr]) -> pl.DataFrame:
    """`frame` with `exprs` of `column` worked out once per distinct value of it: client
    addresses and command counts repeat, and a join is cheaper than a regex per row."""
    distinct = frame.select(pl.col(column).unique())
    return frame.join(
        distinct.with_columns(exprs), on=column, how="left", maintain_order="left", nulls_equal=True
    )


def _with_family(frame: pl.DataFrame, ip_column: str) -> pl.DataFrame:
    if ip_column not in frame.columns:
        return frame
    if "_ip_family" in frame.columns:  # the engine's, of the address as captured
        return frame.drop("ip_family", strict=False).rename({"_ip_family": "ip_family"})
    family = ip_family(pl.col(ip_column)).alias("ip_family")
    return per_distinct(frame.drop("ip_family", strict=False), ip_column, [family])


# (class, test on the reply text) in order; the first that holds wins.
_REASON_CLASSES: tuple[tuple[str, pl.Expr], ...] = (
    ("rbl", pl.col("reason").str.contains(" blocked using ", literal=True)),
    ("spf", pl.col("reason").str.contains(r"\bSPF\b")),
    ("unknown_recipient", pl.col("reason").str.contains("User unknown", literal=True)),
    ("relay_denied", pl.col("reason").str.contains("Relay access denied", literal=True)),
    (
        "unknown_sender_domain",
        pl.col("reason").str.contains("Sender address rejected: Domain not found", literal=True),
    ),
    ("helo", pl.col("reason").str.contains("Helo command rejected:", literal=True)),
    ("client_access", pl.col("reason").str.contains("Client host rejected:", literal=True)),
)


def reason_class() -> pl.Expr:
    first = pl.coalesce([pl.when(test).then(pl.lit(name)) for name, test in _REASON_CLASSES])
    return first.fill_null(pl.lit("other"))


def _connect(frame: pl.DataFrame) -> pl.DataFrame:
    return _with_family(frame, "client_ip")


def _disconnect(frame: pl.DataFrame) -> pl.DataFrame:
    counts = pl.col("commands").str.extract_groups(
        r"(?:^| )commands=(?P<ok>\d+)(?:/(?P<total>\d+))?"
    )
    return per_distinct(
        _with_family(frame, "client_ip"),
        "commands",
        [
            counts.struct.field("ok").cast(pl.Int32, strict=False).alias("commands_ok"),
            pl.coalesce(counts.struct.field("total"), counts.struct.field("ok"))
            .cast(pl.Int32, strict=False)
            .alias("commands_total"),
        ],
    )


def _tls(frame: pl.DataFrame) -> pl.DataFrame:
    direction = (
        pl.when(pl.col("dir") == "from").then(pl.lit("inbound")).otherwise(pl.lit("outbound"))
    )
    return _with_family(frame, "peer_ip").with_columns(direction.alias("direction"))


def _peer(frame: pl.DataFrame) -> pl.DataFrame:
    return _with_family(frame, "peer_ip")


def _reject(frame: pl.DataFrame) -> pl.DataFrame:
    if "client_host" not in frame.columns:  # only proxy-accept/reject lines: no client
        frame = frame.with_columns(pl.lit(None, pl.String).alias("client_host"))
    rbl = pl.col("reason").str.extract(r" blocked using ([^\s;,]+?)[;,]?(?:\s|$)", 1)
    return _with_family(frame, "client_ip").with_columns(
        reason_class().alias("reason_class"),
        rbl.alias("rbl_list"),
        pl.col("queue_id").replace("NOQUEUE", None),
        # postscreen names no host ("[ip]:port"): none, rather than an empty name
        pl.col("client_host").replace("", None),
    )


def _content_check(frame: pl.DataFrame) -> pl.DataFrame:
    text = pl.col("text")
    return _with_family(frame, "client_ip").with_columns(
        text.str.extract(r"^([245]\.\d{1,3}\.\d{1,3})(?:\s|$)", 1).alias("dsn"),
        text.str.extract(r"\bid=\s*(\d{1,9})\b", 1).cast(pl.Int32, strict=False).alias("rule_id"),
    )


def _delivery(frame: pl.DataFrame) -> pl.DataFrame:
    relay = pl.col("relay").str.extract_groups(
        r"^(?P<host>[^\[\]]*)\[(?P<ip>[^\]]*)\](?::(?P<port>\d+))?$"
    )
    ip = relay.struct.field("ip")
    family = ip_family(ip)
    if "relay" not in frame.columns:  # only qmgr's expiry lines, which name no relay
        frame = frame.with_columns(pl.lit(None, pl.String).alias("relay"))
    # A few relays take every delivery: each is split once.
    return per_distinct(
        frame.with_columns(pl.col("daemon").alias("transport")),
        "relay",
        [
            relay.struct.field("host").alias("relay_host"),
            # A unix-domain LMTP "ip" is a socket path, not an address.
            pl.when(family.is_not_null()).then(ip).alias("relay_ip"),
            relay.struct.field("port").alias("relay_port"),
            family.alias("ip_family"),
        ],
    )


def _spf(frame: pl.DataFrame) -> pl.DataFrame:
    if "text" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, pl.String).alias("text"))
    if "code" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, pl.String).alias("code"))
    if "action" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, pl.String).alias("action"))
    text = pl.col("text")
    deferred = (pl.col("action") == "defer_if_permit").fill_null(False)
    # The verdict is in the reply text: a reject's or a defer's.
    refused = pl.col("code").is_not_null() | deferred
    result_from_text = (
        pl.when(text.str.contains("SPF Temporary Error", literal=True))
        .then(pl.lit("temperror"))
        .when(text.str.contains("SPF Permanent Error", literal=True))
        .then(pl.lit("permerror"))
        .otherwise(text.str.extract(r"SPF (\w+)", 1).str.to_lowercase())
    )
    scope = text.str.extract(r"[?&;]s=(\w+)", 1)
    identity_from_text = pl.when(scope == "mfrom").then(pl.lit("mailfrom")).otherwise(scope)

    def pick(column: str, from_text: pl.Expr) -> pl.Expr:
        own = pl.col(column) if column in frame.columns else pl.lit(None, pl.String)
        return pl.when(refused).then(from_text).otherwise(own).alias(column)

    actions = {"Header field not prepended": "none", "result_only": "result_only"}
    return frame.with_columns(
        pl.when(refused)
        .then(
            pl.when(pl.col("code").str.starts_with("4") | deferred)
            .then(pl.lit("defer"))
            .otherwise(pl.lit("reject"))
        )
        .otherwise(pl.col("action").replace(actions))
        .alias("action"),
        pick("result", result_from_text).str.to_lowercase().alias("result"),
        pick("identity", identity_from_text).str.to_lowercase().alias("identity"),
        pick("envelope_from", text.str.extract(r"[?&;]id=([^;&\s]*)", 1)),
        pick("client_ip", text.str.extract(r"[?&;]ip=([^;&\s]*)", 1)),
        pick("receiver", text.str.extract(r"[?&;]r=(\S*)$", 1)),
    ).pipe(_with_family, "client_ip")


def _postscreen(frame: pl.DataFrame) -> pl.DataFrame:
    # the verdict rule's other places for the detail: HANGUP's test, PREGREET's text,
    # a 2.8 NON-SMTP COMMAND's command
    others = [pl.col(name) for name in ("test", "text", "command") if name in frame.columns]
    if others:
        frame = frame.with_columns(pl.coalesce(pl.col("detail"), *others).alias("detail"))
    return _with_family(frame, "client_ip")


def _fill(frame: pl.DataFrame, column: str, value: pl.Expr) -> pl.Expr:
    """`column` where the regex captured it, else `value`."""
    own = pl.col(column) if column in frame.columns else pl.lit(None, pl.String)
    return pl.coalesce(own, value).alias(column)


def _connect_error(frame: pl.DataFrame) -> pl.DataFrame:
    """Split a soft error's reason: "host H[A] said: 450 4.2.0 TEXT (in reply to RCPT TO
    command)", "... while receiving the initial server greeting", "SASL ... failed; ..."."""
    error = pl.col("error")
    peer = error.str.extract_groups(
        r"(?:^host |^lost connection with |^conversation with |server )"
        r"(?P<h>[^\[\]\s]*)\[(?P<a>[^\]]*)\](?::(?P<p>\d+))?"
    )
    reply = error.str.extract(r"(?:said|refused to talk to me): (.*?)(?: \(in reply to .*\))?$", 1)
    stage = pl.coalesce(
        error.str.extract(r" \(in reply to (.+?) command\)$", 1),
        error.str.extract(r" while (.*)$", 1),
        pl.when(error.str.starts_with("SASL ")).then(pl.lit("AUTH")),
    )
    code = reply.str.extract(r"^([245]\d\d)(?:[ -]|$)", 1)
    return frame.with_columns(
        _fill(frame, "peer_host", peer.struct.field("h")),
        _fill(frame, "peer_ip", peer.struct.field("a")),
        _fill(frame, "peer_port", peer.struct.field("p")),
        reply.alias("reply"),
        stage.alias("stage"),
        code.alias("code"),
        reply.str.extract(r"^[245]\d\d[ -]([245]\.\d{1,3}\.\d{1,3})(?:\s|$)", 1).alias("dsn"),
    ).pipe(_with_family, "peer_ip")


# A warning's client: "hostname H does not resolve to address A", or the first
# "host[addr]" after "from " or at the start ("H[A]: ...", "... limit exceeded: 5 from
# H[A] for service smtp"). Only for the daemons whose peers are clients.
_CLIENT_DAEMONS = ("smtpd", "postscreen", "qmqpd")
_RESOLVE = r"^(?:\S+: )?hostname (\S+) does not resolve to address ([0-9A-Fa-f:.]+?)(?:: |$)"
# Postfix 2.x (smtpd_peer.c): "ADDR: hostname H verification failed: ...", "ADDR: address
# not listed for hostname H".
_VERIFY = (
    r"^([0-9A-Fa-f:.]+): "
    r"(?:hostname (\S+) verification failed|address not listed for hostname (\S+))"
)
_NAMADDR = r"(?:^|from |client=)([^\s\[\]]*)\[([0-9A-Fa-f:.]+)\](?::\d+)?(?:[:,;\s]|$)"


def _log(frame: pl.DataFrame) -> pl.DataFrame:
    text = pl.col("text")
    resolve = text.str.extract_groups(_RESOLVE)
    verify = text.str.extract_groups(_VERIFY)
    namaddr = text.str.extract_groups(_NAMADDR)
    is_client = pl.col("daemon").is_in(_CLIENT_DAEMONS)
    host = pl.coalesce(
        resolve.struct.field("1"),
        verify.struct.field("2"),
        verify.struct.field("3"),
        namaddr.struct.field("1"),
    )
    ip = pl.coalesce(resolve.struct.field("2"), verify.struct.field("1"), namaddr.struct.field("2"))
    return frame.with_columns(
        # policyd-spf's ERROR/WARNING lines, or none (an exception report): an error
        pl.col("severity").str.to_lowercase().fill_null("error"),
        pl.when(is_client).then(host).alias("client_host"),
        pl.when(is_client).then(ip).alias("client_ip"),
    ).pipe(_with_family, "client_ip")


def _statistics(frame: pl.DataFrame) -> pl.DataFrame:
    def first(name: str, *others: str) -> pl.Expr:
        present = [pl.col(c) for c in (name, *others) if c in frame.columns]
        return (pl.coalesce(present) if present else pl.lit(None, pl.String)).alias(name)

    return frame.with_columns(
        first("figure", "figure2", "figure3", "figure4", "figure5"),
        first("value", "value2"),
        first("at", "at2", "at3"),
    )


def _tls_setup(frame: pl.DataFrame) -> pl.DataFrame:
    if "dir" in frame.columns:  # tlsproxy's CONNECT from|to
        direction = (
            pl.when(pl.col("dir") == "from ")
            .then(pl.lit("inbound"))
            .when(pl.col("dir") == "to ")
            .then(pl.lit("outbound"))
        )
        frame = frame.with_columns(_fill(frame, "direction", direction))
    return _with_family(frame, "peer_ip")


def _debug(frame: pl.DataFrame) -> pl.DataFrame:
    # The function or shape that wrote it: "smtpd_check_addr", "<", ">>>", "dict_eval".
    source = pl.col("text").str.extract(r"^([<>]+|[A-Za-z_][A-Za-z0-9_.-]*)", 1)
    return frame.with_columns(_fill(frame, "source", source))


DERIVATIONS: dict[EventKind, Derivation] = {
    EventKind.CONNECT: _connect,
    EventKind.DISCONNECT: _disconnect,
    EventKind.SESSION_ERROR: _connect,
    EventKind.CLIENT: _connect,
    EventKind.SASL_FAILURE: _connect,
    EventKind.TLS: _tls,
    EventKind.TLS_ERROR: _peer,
    EventKind.TLS_SETUP: _tls_setup,
    EventKind.CONNECT_ERROR: _connect_error,
    EventKind.NOTICE: _peer,
    EventKind.LOG: _log,
    EventKind.STATISTICS: _statistics,
    EventKind.DEBUG: _debug,
    EventKind.REJECT: _reject,
    EventKind.CONTENT_CHECK: _content_check,
    EventKind.DELIVERY: _delivery,
    EventKind.SPF: _spf,
    EventKind.POSTSCREEN: _postscreen,
}


# The kinds whose family derive.py works out of the address as the rule captured it:
# the Rust engine does that itself, as `_ip_family` (engine/src/family.rs).
ENGINE_FAMILIES: dict[EventKind, str] = {
    EventKind.CONNECT: "client_ip",
    EventKind.DISCONNECT: "client_ip",
    EventKind.SESSION_ERROR: "client_ip",
    EventKind.CLIENT: "client_ip",
    EventKind.SASL_FAILURE: "client_ip",
    EventKind.TLS: "peer_ip",
    EventKind.TLS_ERROR: "peer_ip",
    EventKind.TLS_SETUP: "peer_ip",
    EventKind.NOTICE: "peer_ip",
    EventKind.REJECT: "client_ip",
    EventKind.CONTENT_CHECK: "client_ip",
    EventKind.POSTSCREEN: "client_ip",
}


def derive(kind: EventKind, frame: pl.DataFrame) -> pl.DataFrame:
    step = DERIVATIONS.get(kind)
    derived = step(frame) if step is not None else frame
    if "queue_id" in derived.columns:  # "NOQUEUE" is the absence of a queue id
        derived = derived.with_columns(pl.col("queue_id").replace("NOQUEUE", None))
    return derived.drop("_ip_family", strict=False)
