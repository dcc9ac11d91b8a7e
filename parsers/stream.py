"""The streaming parser: chunks of raw log bytes in, typed event batches out.

Each chunk (whole lines, a few MB) goes through the Rust engine in one pass (envelope,
each line to its daemon's rule table, captures into columns per event kind:
parsers/native.py), captures become typed columns, and connection state is carried to
the next chunk. Memory is bounded by the chunk size
plus the open connections, whatever the input size.
"""

from __future__ import annotations

import os
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from parsers.correlate import SessionCorrelator, SmtpTlsCorrelator, restore, state_of
from parsers.envelope import LogFormat, detect_format
from parsers.extract_polars import Extracted, extract_polars
from parsers.garbage import SourceTally
from parsers.native import extract_native
from parsers.schema import EventKind, conform, empty_frame
from parsers.timestamps import TimeContext

EventBatch = dict[EventKind, pl.DataFrame]

_SESSION_KINDS = (
    EventKind.CONNECT,
    EventKind.DISCONNECT,
    EventKind.SESSION_ERROR,
    EventKind.CLIENT,
    EventKind.SASL_FAILURE,
    EventKind.TLS,
    EventKind.TLS_ERROR,
    EventKind.REJECT,
)
_SESSION_TLS = ("tls_level", "tls_protocol", "tls_cipher")


@dataclass
class ParseStats:
    """What was read: every line is an event, unparsed (by program) or not mail."""

    lines: int = 0
    not_mail: int = 0
    events_by_kind: Counter[str] = field(default_factory=Counter)
    unparsed_by_program: Counter[str] = field(default_factory=Counter)
    not_mail_by_program: Counter[str] = field(default_factory=Counter)
    debug_by_program: Counter[str] = field(default_factory=Counter)  # verbose-mode lines
    first_time: datetime | None = None
    last_time: datetime | None = None

    @property
    def events(self) -> int:
        return sum(self.events_by_kind.values())

    def widen(self, first: object, last: object) -> None:
        """Stretch the time span to take in [first, last] (either may be missing)."""
        if isinstance(first, datetime) and (self.first_time is None or first < self.first_time):
            self.first_time = first
        if isinstance(last, datetime) and (self.last_time is None or last > self.last_time):
            self.last_time = last

    @property
    def unparsed(self) -> int:
        return sum(self.unparsed_by_program.values())


# Which does the per-line rule work: the Rust engine, or the Polars path it replaces
# (kept as its reference; MAILLOGS_RULES=polars selects it, for comparisons).
RULES_ENGINE = "polars" if os.environ.get("MAILLOGS_RULES") == "polars" else "rust"


def extract(
    chunk: bytes,
    fmt: LogFormat,
    times: TimeContext,
    first_seq: int,
    source: str = "<input>",
    offset: int = 0,
) -> Extracted:
    """Lines → envelope → per-daemon rules → derived columns. Pure, so chunks can run
    in parallel; `seq` numbers the lines from `first_seq` to keep their order. `source`
    and `offset` (the chunk's first byte in it) name the input if the engine fails."""
    step = extract_polars if RULES_ENGINE == "polars" else extract_native
    return step(chunk, fmt, times, first_seq, source, offset)


# Chunks are numbered apart by this much so `seq` stays ordered across chunks
# extracted in parallel (a chunk never holds 2**32 lines).
_SEQ_STRIDE = 1 << 32


class EventParser:
    """Parses chunks of one or more sources in order, keeping connection state and stats.

    Extraction of up to `workers` chunks runs in parallel threads (Polars releases the
    GIL); correlation and counting then run in input order.
    """

    def __init__(self, workers: int = 2) -> None:
        self.stats = ParseStats()
        self._sessions = SessionCorrelator()
        self._smtp_tls = SmtpTlsCorrelator()
        self._chunks = 0
        self._workers = max(1, workers)
        self.source = SourceTally()  # the source parse_chunks is reading (or last read)

    def export_state(self) -> dict[str, pl.DataFrame]:
        """Open connections and the line counter, for a later run to go on from here
        exactly as if the input had not stopped (see maillogs.store)."""
        return {
            "sessions": state_of(self._sessions),
            "smtp_tls": state_of(self._smtp_tls),
            "chunks": pl.DataFrame({"chunks": [self._chunks]}, schema={"chunks": pl.Int64}),
        }

    def import_state(self, frames: dict[str, pl.DataFrame]) -> None:
        restore(self._sessions, frames["sessions"])
        restore(self._smtp_tls, frames["smtp_tls"])
        self._chunks = int(frames["chunks"].item())

    def _next_seq(self) -> int:
        self._chunks += 1
        return self._chunks * _SEQ_STRIDE

    def parse_chunks(
        self,
        chunks: Iterable[bytes],
        times: TimeContext,
        fmt: LogFormat | None = None,
        source: str = "<input>",
    ) -> Iterator[EventBatch]:
        """Parse one source's chunks; its format is detected from the first chunk unless given."""
        pending: deque[Future[Extracted]] = deque()
        failure: Exception | None = None
        self.source = SourceTally()
        # The first chunk waits for a second before threads start: a small input (one
        # chunk) is parsed here, without a pool.
        held: tuple[bytes, int, int] | None = None  # chunk, first seq, byte offset
        pool: ThreadPoolExecutor | None = None
        offset = 0
        remaining = iter(chunks)
        try:
            while True:
                try:
                    chunk = next(remaining)
                except StopIteration:
                    break
                except Exception as error:
                    # A source that broke mid-way still has its complete chunks parsed.
                    failure = error
                    break
                if fmt is None:
                    fmt = detect_format(chunk[:4096].decode("utf-8", "replace").splitlines()[:20])
                seq = self._next_seq()
                at, offset = offset, offset + len(chunk)
                if pool is None and held is None:
                    held = (chunk, seq, at)
                    continue
                if pool is None:
                    pool = ThreadPoolExecutor(max_workers=self._workers)
                if held is not None:
                    pending.append(
                        pool.submit(extract, held[0], fmt, times, held[1], source, held[2])
                    )
                    held = None
                pending.append(pool.submit(extract, chunk, fmt, times, seq, source, at))
                while len(pending) >= self._workers:
                    yield self.finish(pending.popleft().result())
            if held is not None:
                assert fmt is not None  # detected from the held chunk
                yield self.finish(extract(held[0], fmt, times, held[1], source, held[2]))
            while pending:
                yield self.finish(pending.popleft().result())
        finally:
            if pool is not None:
                # stopped early (Ctrl-C, an error, a closed generator): drop what waits
                pool.shutdown(wait=True, cancel_futures=True)
        if failure is not None:
            raise failure

    def parse_chunk(self, chunk: bytes, fmt: LogFormat, times: TimeContext) -> EventBatch:
        return self.finish(extract(chunk, fmt, times, self._next_seq()))

    def finish(self, extracted: Extracted) -> EventBatch:
        """Correlate with the state of earlier chunks, conform to the schema, count."""
        self.stats.lines += extracted.lines
        self.source.add(extracted.lines, extracted.odd)
        for program, count in extracted.not_mail_by_program.items():
            self.stats.not_mail += count
            self.stats.not_mail_by_program[program] += count
        # In line order from here on: correlation relies on it, and keeps it.
        derived = {kind: frame.sort("seq") for kind, frame in extracted.derived.items()}
        self._correlate(derived)
        batch: EventBatch = {}
        for kind in EventKind:
            if kind is EventKind.UNPARSED:
                continue
            got = derived.get(kind)
            batch[kind] = conform(kind, got) if got is not None else empty_frame(kind)
        batch[EventKind.UNPARSED] = conform(EventKind.UNPARSED, extracted.unparsed.sort("seq"))
        self._count(batch)
        return batch

    def _count(self, batch: EventBatch) -> None:
        for kind, events in batch.items():
            if kind is EventKind.UNPARSED:
                for program, count in events.group_by("program").len().iter_rows():
                    self.stats.unparsed_by_program[str(program)] += int(count)
            elif events.height:
                self.stats.events_by_kind[kind.value] += events.height
                if kind is EventKind.DEBUG:
                    for program, count in events.group_by("program").len().iter_rows():
                        self.stats.debug_by_program[str(program)] += int(count)
                times = events.get_column("time")
                self.stats.widen(times.min(), times.max())

    def _correlate(self, derived: dict[EventKind, pl.DataFrame]) -> None:
        self._correlate_sessions(derived)
        self._correlate_smtp_tls(derived)

    def _correlate_sessions(self, derived: dict[EventKind, pl.DataFrame]) -> None:
        steps: list[pl.DataFrame] = []
        for code, kind in enumerate(_SESSION_KINDS):
            frame = derived.get(kind)
            if frame is None:
                continue
            smtpd = pl.col("daemon") == "smtpd"
            if kind is EventKind.TLS:
                smtpd = smtpd & (pl.col("direction") == "inbound")
            step = {
                EventKind.CONNECT: "connect",
                EventKind.DISCONNECT: "disconnect",
                EventKind.TLS: "tls",
            }.get(kind, "other")
            tls = (
                [
                    pl.col("level").alias("tls_level"),
                    pl.col("protocol").alias("tls_protocol"),
                    pl.col("cipher").alias("tls_cipher"),
                ]
                if kind is EventKind.TLS
                else [pl.lit(None, pl.String).alias(name) for name in _SESSION_TLS]
            )
            steps.append(
                frame.filter(smtpd).select(
                    "seq", "time", "host", "pid", pl.lit(step).alias("step"), *tls,
                    pl.lit(code, pl.Int8).alias("_kind"),
                )
            )  # fmt: skip
        if not steps:
            return
        ordered = pl.concat(steps).sort("seq")
        # annotate keeps its input's rows in order: each kind's rows come back in line order
        annotated = self._sessions.annotate(ordered.drop("_kind")).with_columns(ordered["_kind"])
        by_kind = annotated.partition_by("_kind", as_dict=True, include_key=False)
        for code, kind in enumerate(_SESSION_KINDS):
            frame = derived.get(kind)
            if frame is None:
                continue
            own = frame.drop(["session", *_SESSION_TLS], strict=False)
            found = by_kind.get((code,), annotated.clear().drop("_kind"))
            if found.height == frame.height and found["seq"].equals(frame["seq"]):
                derived[kind] = own.hstack(found.drop("seq"))  # every row is smtpd's
            else:
                derived[kind] = own.join(found, on="seq", how="left", maintain_order="left")

    def _correlate_smtp_tls(self, derived: dict[EventKind, pl.DataFrame]) -> None:
        # TLS lines alone still open connections that later chunks' deliveries use.
        deliveries = derived.get(EventKind.DELIVERY)
        client = pl.col("daemon").is_in(["smtp", "lmtp"])
        parts = []
        if deliveries is not None:
            parts.append(deliveries.filter(client).select(
                "seq", "time", "host", "pid",
                pl.lit(False).alias("is_tls"),
                pl.lit(None, pl.String).alias("t_level"),
                pl.lit(None, pl.String).alias("t_protocol"),
                pl.lit(None, pl.String).alias("t_cipher"),
                pl.lit(None, pl.String).alias("t_ip"),
                pl.lit(None, pl.Int32).alias("t_port"),
                "queue_id",
                "relay_ip",
                pl.col("relay_port").cast(pl.Int32, strict=False),
            ))  # fmt: skip
        tls = derived.get(EventKind.TLS)
        if tls is not None:
            parts.append(
                tls.filter(client & (pl.col("direction") == "outbound")).select(
                    "seq", "time", "host", "pid",
                    pl.lit(True).alias("is_tls"),
                    pl.col("level").alias("t_level"),
                    pl.col("protocol").alias("t_protocol"),
                    pl.col("cipher").alias("t_cipher"),
                    pl.col("peer_ip").alias("t_ip"),
                    pl.col("peer_port").cast(pl.Int32, strict=False).alias("t_port"),
                    pl.lit(None, pl.String).alias("queue_id"),
                    pl.lit(None, pl.String).alias("relay_ip"),
                    pl.lit(None, pl.Int32).alias("relay_port"),
                )
            )  # fmt: skip
        if not parts:
            return
        annotated = self._smtp_tls.annotate(pl.concat(parts).sort("seq"))
        if deliveries is not None:
            derived[EventKind.DELIVERY] = deliveries.drop(list(_SESSION_TLS), strict=False).join(
                annotated, on="seq", how="left"
            )
