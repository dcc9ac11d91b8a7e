"""Columns computed from what the regexes captured: IP family, reply classes, rule ids."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from parsers.schema import EventKind

# A lazy frame of one kind's captures and the names of its columns → derived columns added.
Derivation = Callable[[pl.LazyFrame, frozenset[str]], pl.LazyFrame]

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


def _ensure(frame: pl.LazyFrame, columns: frozenset[str], *names: str) -> pl.LazyFrame:
    """Null string columns for captures no rule of this chunk produced."""
    missing = [pl.lit(None, pl.String).alias(name) for name in names if name not in columns]
    return frame.with_columns(missing) if missing else frame


def _with_family(frame: pl.LazyFrame, columns: frozenset[str], ip_column: str) -> pl.LazyFrame:
    if ip_column not in columns:
        return frame
    return frame.with_columns(ip_family(pl.col(ip_column)).alias("ip_family"))


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


def _connect(frame: pl.LazyFrame, columns: frozenset[str]) -> pl.LazyFrame:
    return _with_family(frame, columns, "client_ip")


def _disconnect(frame: pl.LazyFrame, columns: frozenset[str]) -> pl.LazyFrame:
    frame = _ensure(frame, columns, "commands")
    counts = pl.col("commands").str.extract_groups(
        r"(?:^| )commands=(?P<ok>\d+)(?:/(?P<total>\d+))?"
    )
    return _with_family(frame, columns, "client_ip").with_columns(
        counts.struct.field("ok").cast(pl.Int32, strict=False).alias("commands_ok"),
        pl.coalesce(counts.struct.field("total"), counts.struct.field("ok"))
        .cast(pl.Int32, strict=False)
        .alias("commands_total"),
    )


def _tls(frame: pl.LazyFrame, columns: frozenset[str]) -> pl.LazyFrame:
    frame = _ensure(frame, columns, "dir")
    direction = (
        pl.when(pl.col("dir") == "from").then(pl.lit("inbound")).otherwise(pl.lit("outbound"))
    )
    return _with_family(frame, columns, "peer_ip").with_columns(direction.alias("direction"))


def _peer(frame: pl.LazyFrame, columns: frozenset[str]) -> pl.LazyFrame:
    return _with_family(frame, columns, "peer_ip")


def _reject(frame: pl.LazyFrame, columns: frozenset[str]) -> pl.LazyFrame:
    frame = _ensure(frame, columns, "reason", "queue_id")
    rbl = pl.col("reason").str.extract(r" blocked using ([^\s;,]+?)[;,]?(?:\s|$)", 1)
    return _with_family(frame, columns, "client_ip").with_columns(
        reason_class().alias("reason_class"),
        rbl.alias("rbl_list"),
        pl.col("queue_id").replace("NOQUEUE", None),
    )


def _content_check(frame: pl.LazyFrame, columns: frozenset[str]) -> pl.LazyFrame:
    frame = _ensure(frame, columns, "text")
    text = pl.col("text")
    return _with_family(frame, columns, "client_ip").with_columns(
        text.str.extract(r"^([245]\.\d{1,3}\.\d{1,3})(?:\s|$)", 1).alias("dsn"),
        text.str.extract(r"\bid=\s*(\d{1,9})\b", 1).cast(pl.Int32, strict=False).alias("rule_id"),
    )


def _delivery(frame: pl.LazyFrame, columns: frozenset[str]) -> pl.LazyFrame:
    frame = _ensure(frame, columns, "relay")
    relay = pl.col("relay").str.extract_groups(
        r"^(?P<host>[^\[\]]*)\[(?P<ip>[^\]]*)\](?::(?P<port>\d+))?$"
    )
    ip = relay.struct.field("ip")
    family = ip_family(ip)
    return frame.with_columns(
        pl.col("daemon").alias("transport"),
        relay.struct.field("host").alias("relay_host"),
        # A unix-domain LMTP "ip" is a socket path, not an address.
        pl.when(family.is_not_null()).then(ip).alias("relay_ip"),
        relay.struct.field("port").alias("relay_port"),
        family.alias("ip_family"),
    )


def _spf(frame: pl.LazyFrame, columns: frozenset[str]) -> pl.LazyFrame:
    for missing in ("text", "code"):
        if missing not in columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(missing))
    columns = columns | {"text", "code"}
    text = pl.col("text")
    refused = pl.col("code").is_not_null()
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
        own = pl.col(column) if column in columns else pl.lit(None, pl.String)
        return pl.when(refused).then(from_text).otherwise(own).alias(column)

    return frame.with_columns(
        pl.when(refused)
        .then(
            pl.when(pl.col("code").str.starts_with("4"))
            .then(pl.lit("defer"))
            .otherwise(pl.lit("reject"))
        )
        .otherwise(pl.col("action") if "action" in columns else pl.lit(None, pl.String))
        .alias("action"),
        pick("result", result_from_text).str.to_lowercase().alias("result"),
        pick("identity", identity_from_text).str.to_lowercase().alias("identity"),
        pick("envelope_from", text.str.extract(r"[?&;]id=([^;&\s]*)", 1)),
        pick("client_ip", text.str.extract(r"[?&;]ip=([^;&\s]*)", 1)),
        pick("receiver", text.str.extract(r"[?&;]r=(\S*)$", 1)),
    ).pipe(_with_family, columns | {"client_ip"}, "client_ip")


def _postscreen(frame: pl.LazyFrame, columns: frozenset[str]) -> pl.LazyFrame:
    return _with_family(frame, columns, "client_ip")


DERIVATIONS: dict[EventKind, Derivation] = {
    EventKind.CONNECT: _connect,
    EventKind.DISCONNECT: _disconnect,
    EventKind.SESSION_ERROR: _connect,
    EventKind.CLIENT: _connect,
    EventKind.TLS: _tls,
    EventKind.TLS_ERROR: _peer,
    EventKind.TLS_SETUP: _peer,
    EventKind.CONNECT_ERROR: _peer,
    EventKind.REJECT: _reject,
    EventKind.CONTENT_CHECK: _content_check,
    EventKind.DELIVERY: _delivery,
    EventKind.SPF: _spf,
    EventKind.POSTSCREEN: _postscreen,
}


def derive(kind: EventKind, frame: pl.LazyFrame, columns: frozenset[str]) -> pl.LazyFrame:
    step = DERIVATIONS.get(kind)
    return step(frame, columns) if step is not None else frame
