"""Session and smtp TLS correlation hold across chunk boundaries."""

from datetime import UTC, datetime

import polars as pl

from parsers.envelope import LogFormat
from parsers.schema import EventKind
from parsers.stream import EventParser
from parsers.timestamps import TimeContext

TIMES = TimeContext(tz="UTC", reference=datetime(2026, 11, 25, tzinfo=UTC))

LINES = [
    "Nov 24 10:00:00 mx postfix/smtpd[7]: connect from a.example[192.0.2.1]",
    "Nov 24 10:00:01 mx postfix/smtpd[8]: connect from b.example[2001:db8::2]",
    "Nov 24 10:00:01 mx postfix/smtpd[7]: Anonymous TLS connection established from "
    "a.example[192.0.2.1]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)",
    "Nov 24 10:00:02 mx postfix/smtpd[8]: AAAA000001: client=b.example[2001:db8::2]",
    "Nov 24 10:00:02 mx postfix/smtpd[7]: AAAA000002: client=a.example[192.0.2.1]",
    "Nov 24 10:00:03 mx postfix/smtp[9]: Verified TLS connection established to "
    "s.example[192.0.2.9]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
    "Nov 24 10:00:03 mx postfix/smtp[9]: AAAA000002: to=<x@s.example>, relay=s.example"
    "[192.0.2.9]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=2.0.0, status=sent (250 ok)",
    "Nov 24 10:00:04 mx postfix/smtpd[7]: disconnect from a.example[192.0.2.1] commands=5",
    "Nov 24 10:00:04 mx postfix/smtp[9]: AAAA000002: to=<y@s.example>, relay=s.example"
    "[192.0.2.9]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=2.0.0, status=sent (250 ok)",
    "Nov 24 10:00:05 mx postfix/smtp[9]: AAAA000003: to=<z@s.example>, relay=s.example"
    "[192.0.2.9]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=2.0.0, status=sent (250 ok)",
    "Nov 24 10:00:06 mx postfix/smtpd[7]: connect from c.example[192.0.2.3]",
    "Nov 24 10:00:07 mx postfix/smtpd[7]: NOQUEUE: reject: RCPT from c.example[192.0.2.3]: "
    "554 5.7.1 <q@mx>: Relay access denied; from=<s@c.example> to=<q@elsewhere> proto=ESMTP "
    "helo=<c>",
]


def _parse(chunks: list[bytes]) -> dict[EventKind, pl.DataFrame]:
    batches = list(EventParser().parse_chunks(chunks, TIMES, LogFormat.CLASSIC))
    return {kind: pl.concat([b[kind] for b in batches]) for kind in EventKind}


def _expected(events: dict[EventKind, pl.DataFrame]) -> None:
    clients = events[EventKind.CLIENT].select("queue_id", "tls_protocol", "ip_family").rows()
    assert clients == [("AAAA000001", None, "ipv6"), ("AAAA000002", "TLSv1.3", "ipv4")]
    sessions = events[EventKind.CONNECT].get_column("session").to_list()
    assert events[EventKind.DISCONNECT].get_column("session").to_list() == [sessions[0]]
    reject = events[EventKind.REJECT].row(0, named=True)
    assert reject["session"] == sessions[2]
    assert reject["tls_level"] is None  # a new session on the same pid: no TLS yet
    deliveries = events[EventKind.DELIVERY].select("recipient", "tls_level").rows()
    assert deliveries == [
        ("x@s.example", "Verified"),
        ("y@s.example", "Verified"),
        ("z@s.example", None),  # another queue id on that process: a new, plaintext connection
    ]


def test_correlation_in_one_chunk() -> None:
    _expected(_parse(["\n".join(LINES).encode() + b"\n"]))


def test_correlation_across_every_chunk_boundary() -> None:
    _expected(_parse([f"{line}\n".encode() for line in LINES]))


# One smtpd process, three clients within one second (classic stamps have whole
# seconds): a quick reject, a message over TLS, a plaintext one.
SAME_SECOND = [
    "Nov 24 11:00:00 mx postfix/smtpd[7]: connect from a.example[192.0.2.1]",
    "Nov 24 11:00:00 mx postfix/smtpd[7]: disconnect from a.example[192.0.2.1] ehlo=1 "
    "quit=1 commands=2",
    "Nov 24 11:00:00 mx postfix/smtpd[7]: connect from b.example[192.0.2.2]",
    "Nov 24 11:00:00 mx postfix/smtpd[7]: Anonymous TLS connection established from "
    "b.example[192.0.2.2]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)",
    "Nov 24 11:00:00 mx postfix/smtpd[7]: BBBB000001: client=b.example[192.0.2.2]",
    "Nov 24 11:00:00 mx postfix/smtpd[7]: disconnect from b.example[192.0.2.2] ehlo=2 "
    "starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=7",
    "Nov 24 11:00:00 mx postfix/smtpd[7]: connect from c.example[192.0.2.3]",
    "Nov 24 11:00:00 mx postfix/smtpd[7]: BBBB000002: client=c.example[192.0.2.3]",
    "Nov 24 11:00:00 mx postfix/smtpd[7]: disconnect from c.example[192.0.2.3] ehlo=1 "
    "mail=1 rcpt=1 data=1 quit=1 commands=5",
    "Nov 24 11:00:01 mx postfix/smtpd[7]: connect from d.example[192.0.2.4]",
]


def _sessions(chunks: list[bytes]) -> list[tuple[str, str | None]]:
    events = _parse(chunks)
    connects = events[EventKind.CONNECT].get_column("session").to_list()
    ends = events[EventKind.DISCONNECT].get_column("session").to_list()
    clients = events[EventKind.CLIENT].select("session", "tls_protocol").rows()
    assert ends == connects[:3] and [s for s, _ in clients] == connects[1:3]
    return [(session, None) for session in connects] + clients


def test_sessions_of_one_process_within_one_second_have_their_own_ids() -> None:
    whole = _sessions(["\n".join(SAME_SECOND).encode() + b"\n"])
    connects = [session for session, _ in whole[:4]]
    assert len(set(connects)) == 4
    start = int(datetime(2026, 11, 24, 11, tzinfo=UTC).timestamp()) * 1_000_000
    assert connects == [f"mx/7/{start}", f"mx/7/{start + 1}", f"mx/7/{start + 2}",
                        f"mx/7/{start + 1_000_000}"]  # fmt: skip
    assert whole[4:] == [(connects[1], "TLSv1.3"), (connects[2], None)]
    # the same ids whichever line a chunk ends at
    for cut in range(1, len(SAME_SECOND)):
        parts = ["\n".join(SAME_SECOND[:cut]) + "\n", "\n".join(SAME_SECOND[cut:]) + "\n"]
        assert _sessions([part.encode() for part in parts]) == whole, cut
    assert _sessions([f"{line}\n".encode() for line in SAME_SECOND]) == whole
