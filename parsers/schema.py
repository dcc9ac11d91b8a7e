"""The one place where every event kind's columns and Polars dtypes are defined.

Every event frame has the COMMON columns first, then its kind's own columns, in this
order and with these dtypes; `conform` enforces that, so reports can rely on it.
docs/events.md documents the meaning of each column.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

import polars as pl

Schema = Mapping[str, pl.DataType]

TIME = pl.Datetime("us", "UTC")
STR = pl.String()
I32 = pl.Int32()
I64 = pl.Int64()
F64 = pl.Float64()


class EventKind(enum.StrEnum):
    CONNECT = "connect"
    DISCONNECT = "disconnect"
    SESSION_ERROR = "session_error"
    CLIENT = "client"
    SASL_FAILURE = "sasl_failure"
    TLS = "tls"
    TLS_ERROR = "tls_error"
    TLS_SETUP = "tls_setup"
    REJECT = "reject"
    CONTENT_CHECK = "content_check"
    MESSAGE_ID = "message_id"
    QUEUED = "queued"
    REMOVED = "removed"
    PICKUP = "pickup"
    DELIVERY = "delivery"
    CONNECT_ERROR = "connect_error"
    NOTIFICATION = "notification"
    POSTSUPER = "postsuper"
    SPF = "spf"
    POSTSCREEN = "postscreen"
    LOG = "log"
    MASTER = "master"
    STATISTICS = "statistics"
    NOTICE = "notice"
    DEBUG = "debug"
    UNPARSED = "unparsed"


COMMON: dict[str, pl.DataType] = {
    "time": TIME,
    "host": STR,
    "program": STR,
    "pid": I64,
    "queue_id": STR,
}

_CLIENT = {"client_host": STR, "client_ip": STR, "ip_family": STR}
_SESSION = {"session": STR}
_SESSION_TLS = {"tls_level": STR, "tls_protocol": STR, "tls_cipher": STR}
_ENVELOPE = {"sender": STR, "recipient": STR, "proto": STR, "helo": STR}

KIND_COLUMNS: dict[EventKind, dict[str, pl.DataType]] = {
    EventKind.CONNECT: {**_CLIENT, **_SESSION},
    EventKind.DISCONNECT: {
        **_CLIENT,
        **_SESSION,
        "commands": STR,
        "commands_ok": I32,
        "commands_total": I32,
    },
    EventKind.SESSION_ERROR: {
        "error": STR,
        "after": STR,
        **_CLIENT,
        **_SESSION,
        "detail": STR,
        "bytes": I64,
    },
    EventKind.CLIENT: {
        **_CLIENT,
        **_SESSION,
        "sasl_method": STR,
        "sasl_username": STR,
        **_SESSION_TLS,
    },
    EventKind.SASL_FAILURE: {
        **_CLIENT,
        "mechanism": STR,
        "outcome": STR,
        "reason": STR,
        "sasl_username": STR,
        **_SESSION,
        **_SESSION_TLS,
    },
    EventKind.TLS: {
        "direction": STR,
        "usage": STR,
        "level": STR,
        "peer_host": STR,
        "peer_ip": STR,
        "peer_port": I32,
        "ip_family": STR,
        "sni": STR,
        "protocol": STR,
        "cipher": STR,
        "bits": I32,
        "alg_bits": I32,
        "key_exchange": STR,
        "server_signature": STR,
        "server_digest": STR,
        "client_signature": STR,
        "client_digest": STR,
        **_SESSION,
    },
    EventKind.TLS_ERROR: {
        "direction": STR,
        "peer_host": STR,
        "peer_ip": STR,
        "peer_port": I32,
        "ip_family": STR,
        "error": STR,
        **_SESSION,
    },
    EventKind.TLS_SETUP: {
        "direction": STR,
        "peer_host": STR,
        "peer_ip": STR,
        "peer_port": I32,
        "ip_family": STR,
        "detail": STR,
    },
    EventKind.REJECT: {
        "action": STR,
        "stage": STR,
        **_CLIENT,
        "code": I32,
        "dsn": STR,
        "reason": STR,
        "reason_class": STR,
        "rbl_list": STR,
        **_ENVELOPE,
        **_SESSION,
        **_SESSION_TLS,
    },
    EventKind.CONTENT_CHECK: {
        "action": STR,
        "part": STR,
        "content": STR,
        "origin": STR,
        **_CLIENT,
        **_ENVELOPE,
        "text": STR,
        "dsn": STR,
        "rule_id": I32,
    },
    EventKind.MESSAGE_ID: {"message_id": STR, "resent_message_id": STR},
    EventKind.QUEUED: {"sender": STR, "size": I64, "nrcpt": I32},
    EventKind.REMOVED: {},
    EventKind.PICKUP: {"uid": I64, "sender": STR},
    EventKind.DELIVERY: {
        "transport": STR,
        "recipient": STR,
        "orig_recipient": STR,
        "relay": STR,
        "relay_host": STR,
        "relay_ip": STR,
        "relay_port": I32,
        "ip_family": STR,
        "conn_use": I32,
        "delay": F64,
        "delay_before_qmgr": F64,
        "delay_in_qmgr": F64,
        "delay_conn_setup": F64,
        "delay_transmission": F64,
        "tls_summary": STR,
        "dsn": STR,
        "status": STR,
        "reason": STR,
        "sender": STR,
        **_SESSION_TLS,
    },
    EventKind.CONNECT_ERROR: {
        "peer_host": STR,
        "peer_ip": STR,
        "peer_port": I32,
        "ip_family": STR,
        "error": STR,
        "code": I32,
        "dsn": STR,
        "reply": STR,
        "stage": STR,
    },
    EventKind.NOTIFICATION: {"notice": STR, "new_queue_id": STR},
    EventKind.POSTSUPER: {"action": STR, "count": I64},
    EventKind.SPF: {
        "action": STR,
        "result": STR,
        "identity": STR,
        "client_ip": STR,
        "ip_family": STR,
        "helo": STR,
        "envelope_from": STR,
        "receiver": STR,
        "text": STR,
    },
    EventKind.POSTSCREEN: {
        "event": STR,
        "client_ip": STR,
        "client_port": I32,
        "ip_family": STR,
        "rank": I32,
        "detail": STR,
        "bytes": I32,
        "delay": F64,
        "stage": STR,
    },
    EventKind.LOG: {"severity": STR, "text": STR, **_CLIENT},
    EventKind.MASTER: {"action": STR, "text": STR, "version": STR},
    EventKind.STATISTICS: {
        "figure": STR,
        "value": I64,
        "period": I32,
        "service": STR,
        "client": STR,
        "at": STR,
        "hits": I64,
        "misses": I64,
        "retained": I64,
        "dropped": I64,
        "text": STR,
    },
    EventKind.NOTICE: {
        "topic": STR,
        "peer_host": STR,
        "peer_ip": STR,
        "ip_family": STR,
        "detail": STR,
    },
    EventKind.DEBUG: {"source": STR, "text": STR},
    EventKind.UNPARSED: {"line": STR},
}


def schema_of(kind: EventKind) -> dict[str, pl.DataType]:
    """All columns of `kind`, common ones first."""
    return {**COMMON, **KIND_COLUMNS[kind]}


def empty_frame(kind: EventKind) -> pl.DataFrame:
    return pl.DataFrame(schema=schema_of(kind))


def conform(kind: EventKind, frame: pl.DataFrame) -> pl.DataFrame:
    """Select the kind's columns in order, cast to their dtypes, null-fill what is missing."""
    present = set(frame.columns)
    return frame.select(
        [
            # Not strict: a number past the dtype's range (a 31-digit size=) becomes null
            # rather than failing the whole batch.
            (pl.col(name) if name in present else pl.lit(None))
            .cast(dtype, strict=False)
            .alias(name)
            for name, dtype in schema_of(kind).items()
        ]
    )
