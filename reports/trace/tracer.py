"""Follow messages through event batches and hand back the stories of those that match.

Streamed: a batch at a time, keeping only what can still be needed: the smtpd sessions
still open, and the messages still in the queue that may match (a message whose sender,
client or Message-ID is not the one asked for is forgotten at its first line that
tells; one whose recipient is asked for waits until it leaves the queue, since its
deliveries may come days later). A message is told once it has left the queue and its
session has ended (the story ends with the disconnect), or at the end of the input,
still queued.

Messages: a queue id from its first line to qmgr's `removed` (or cleanup's refusal;
Postfix may use a short queue id again later, which is then a new message), and the
refusals without a queue id (NOQUEUE) of one smtpd session and one envelope sender
(postscreen's, which have no session, one by one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import polars as pl

from parsers.schema import EventKind
from reports.trace.query import TraceQuery, Verdict
from reports.trace.rows import Row, story_rows
from reports.trace.story import Story, build_story

# A session with no line for this long has ended unseen (as parsers.correlate does).
SESSION_IDLE = timedelta(hours=6)
# A queue id that never entered the queue (the client left during DATA) is done when
# its session has ended and nothing more came for this long.
NEVER_QUEUED_AFTER = timedelta(hours=1)
# Messages still in the queue at the end of the period are followed this much longer
# (Postfix's maximal_queue_lifetime is 5 days by default).
FOLLOW = timedelta(days=7)
_SESSION_LEVEL = {"connect", "disconnect", "session_error", "sasl_failure", "tls", "tls_error"}
_REFUSING_CHECKS = ("reject", "discard")
_MILTER_REFUSALS = ("milter-reject", "milter-discard")


@dataclass
class _Session:
    id: str
    rows: list[Row] = field(default_factory=list)
    starts: list[datetime] = field(default_factory=list)  # its accepted messages' client=
    ended: bool = False
    last: datetime | None = None
    waiting: set[str] = field(default_factory=set)  # messages told after it ends
    process: tuple[str, int] | None = None  # its keys in the tracer's lookups
    client: tuple[str, str] | None = None


@dataclass
class _Message:
    key: str
    queue_id: str | None
    place: tuple[str, str] | None  # (host, queue id)
    verdict: Verdict
    rows: list[Row] = field(default_factory=list)
    session: str | None = None
    closed: bool = False  # left the queue (or a refusal without a queue id, done)
    queued: bool = False
    held: bool = False
    excluded: bool = False
    last: datetime | None = None


def _closes(row: Row) -> bool:
    kind = row["kind"]
    if kind == "removed":
        return True
    if kind == "postsuper":
        return row.get("action") == "removed"
    if kind == "content_check":
        return row.get("action") in _REFUSING_CHECKS
    if kind == "reject":
        return str(row.get("program", "")).endswith("/cleanup") and (
            row.get("action") in _MILTER_REFUSALS
        )
    return False


class Tracer:
    def __init__(
        self, query: TraceQuery, patterns: Mapping[str, Mapping[int, str]] | None = None
    ) -> None:
        """`patterns`: rule id → pattern of the "header" and "body" check tables."""
        self.query = query
        self.patterns = patterns or {}
        self._sessions: dict[str, _Session] = {}
        self._by_process: dict[tuple[str, int], str] = {}  # (host, pid) → its session
        self._by_client: dict[tuple[str, str], str] = {}  # (host, client ip) → session
        self._messages: dict[str, _Message] = {}
        # (host, queue id) → key of its message in the queue: hosts sharing a log each
        # have their own queue
        self._current: dict[tuple[str, str], str] = {}
        self._told: list[Story] = []
        # sessions whose process has started another: ended once the log is past that
        # second (their disconnect may come after the new connect within it)
        self._superseded: list[tuple[datetime, str]] = []
        self.newest: datetime | None = None

    # --- feeding
    def add(self, batch: Mapping[EventKind, pl.DataFrame]) -> list[Story]:
        """Take a batch; return the stories it completed, in the order they ended."""
        for row in story_rows(batch, self.query.since):
            self._take(row)
        self._expire()
        told, self._told = self._told, []
        return told

    def finish(self) -> list[Story]:
        """The end of the input: tell the matching messages still open, oldest first."""
        self._superseded.clear()
        for session in list(self._sessions.values()):
            self._end_session(session)
        for message in sorted(self._messages.values(), key=_first_time):
            self._tell(message)
        self._messages.clear()
        told, self._told = self._told, []
        return told

    def wants_more(self) -> bool:
        """False once the period is over and no message open at its end may match (or
        they have been followed for FOLLOW): the rest of the input can be skipped."""
        until = self.query.until
        if until is None or self.newest is None or self.newest < until:
            return True
        if self.newest >= until + FOLLOW:
            return False
        return any(not m.excluded for m in self._messages.values())

    def _late(self, time: datetime) -> bool:
        """After the period: lines of what is already open only."""
        until = self.query.until
        return until is not None and time >= until

    def _take(self, row: Row) -> None:
        time: datetime = row["time"]
        if self.newest is None or time > self.newest:
            self.newest = time
        if self.query.until is not None and time >= self.query.until + FOLLOW:
            return
        while self._superseded and self._superseded[0][0] < time:
            self._end(self._superseded.pop(0)[1])
        kind = row["kind"]
        if kind == "spf":
            self._take_spf(row)
        elif kind == "connect":
            self._connect(row)
        elif row.get("queue_id") is None and kind != "reject":
            session = self._session_of(row)
            if session is not None:
                self._add_to_session(session, row)
                if kind == "disconnect":
                    self._end_session(session)
        else:
            self._take_message_row(row)

    # --- sessions
    def _session_of(self, row: Row) -> _Session | None:
        sid = row.get("session")
        if sid is None:
            return None
        session = self._sessions.get(sid)
        if session is None and row["kind"] != "disconnect" and not self._late(row["time"]):
            # the input began during this session, or it is a later line of one
            session = self._sessions[sid] = _Session(sid)
            self._track(session, row)
        return session

    def _track(self, session: _Session, row: Row) -> None:
        host, pid = row.get("host") or "", row.get("pid")
        if pid is not None:
            previous = self._by_process.get((host, pid))
            if previous is not None and previous != session.id:
                self._superseded.append((row["time"], previous))  # one smtpd, one session
            session.process = (host, pid)
            self._by_process[session.process] = session.id
        if "client_ip" in row:
            session.client = (host, row["client_ip"])
            self._by_client[session.client] = session.id

    def _connect(self, row: Row) -> None:
        if self._late(row["time"]) or "session" not in row:
            return
        session = self._sessions.get(row["session"])
        if session is None:
            session = self._sessions[row["session"]] = _Session(row["session"])
            self._track(session, row)
        self._add_to_session(session, row)

    def _add_to_session(self, session: _Session, row: Row) -> None:
        session.last = row["time"]
        if row["kind"] in _SESSION_LEVEL or row["kind"] == "spf":
            session.rows.append(row)
        elif row["kind"] == "client":
            session.starts.append(row["time"])

    def _take_spf(self, row: Row) -> None:
        """policyd-spf names the client's address, not the session: the latest session
        of that address on that host."""
        sid = self._by_client.get((row.get("host") or "", row.get("client_ip", "")))
        session = self._sessions.get(sid) if sid is not None else None
        if session is not None and not session.ended:
            self._add_to_session(session, row)

    def _end(self, sid: str) -> None:
        session = self._sessions.get(sid)
        if session is not None:
            self._end_session(session)

    def _end_session(self, session: _Session) -> None:
        if session.ended:
            return
        session.ended = True
        for key in list(session.waiting):
            message = self._messages.get(key)
            if message is None:
                continue
            if message.queue_id is None:
                message.closed = True  # refusals of the session: done with it
            if message.closed:
                self._tell(message)
        self._forget_session(session)

    def _forget_session(self, session: _Session) -> None:
        if session.ended and not session.waiting:
            self._sessions.pop(session.id, None)
            # the lookups hold only sessions still known: memory follows open sessions
            if session.process and self._by_process.get(session.process) == session.id:
                del self._by_process[session.process]
            if session.client and self._by_client.get(session.client) == session.id:
                del self._by_client[session.client]

    # --- messages
    def _key_of(self, row: Row) -> str:
        qid = row.get("queue_id")
        if qid is not None:
            known = self._current.get((row.get("host") or "", qid))
            return known or f"{row.get('host')}/{qid}@{row['time'].isoformat()}"
        sender = str(row.get("sender", "")).lower()
        if "session" in row:
            return f"NOQUEUE@{row['session']}@{sender}"
        parts = (row.get("host"), row.get("pid"), row["time"].isoformat(), row.get("client_ip"))
        return "NOQUEUE@" + "@".join(map(str, (*parts, sender, row.get("recipient"))))

    def _take_message_row(self, row: Row) -> None:
        key = self._key_of(row)
        message = self._messages.get(key)
        if message is None:
            if self._late(row["time"]):
                return
            qid = row.get("queue_id")
            place = None if qid is None else (row.get("host") or "", qid)
            message = self._messages[key] = _Message(key, qid, place, Verdict(self.query))
            if place is not None:
                self._current[place] = key
            if self.query.queue_ids and (qid is None or qid.upper() not in self.query.queue_ids):
                message.excluded = True
        session = self._session_of(row)
        if session is not None:
            self._add_to_session(session, row)
            if message.session is None:
                message.session = session.id
                session.waiting.add(key)
        message.last = row["time"]
        kind = row["kind"]
        message.queued = message.queued or kind in ("queued", "pickup")
        action = row.get("action")
        if action in ("hold", "milter-hold", "placed on hold"):
            message.held = True
        elif action == "released from hold":
            message.held = False
        if not message.excluded:
            message.verdict.see(row)
            if message.verdict.failed():
                message.excluded = True
                message.rows.clear()
            else:
                message.rows.append(row)
        if _closes(row):
            message.closed = True
            if message.place is not None:
                self._current.pop(message.place, None)
        if message.queue_id is None and "session" not in row:
            message.closed = True  # postscreen's: one line, no session
        if message.closed:
            session_open = message.session in self._sessions and not (
                self._sessions[message.session].ended
            )
            if not session_open:
                self._tell(message)

    def _tell(self, message: _Message) -> None:
        """The message is done: its story, if it matches."""
        self._messages.pop(message.key, None)
        if message.place is not None and self._current.get(message.place) == message.key:
            del self._current[message.place]
        session = self._sessions.get(message.session) if message.session else None
        if session is not None:
            session.waiting.discard(message.key)
        if not message.excluded and message.rows and message.verdict.holds(message.queue_id):
            rows, starts = (session.rows, session.starts) if session else ([], [])
            story = build_story(message.rows, rows, starts, _state(message), self.patterns)
            self._told.append(story)
        if session is not None:
            self._forget_session(session)

    def _expire(self) -> None:
        """Forget sessions that ended unseen, and queue ids that never entered the queue."""
        if self.newest is None:
            return
        for session in list(self._sessions.values()):
            if not session.ended and session.last and session.last < self.newest - SESSION_IDLE:
                self._end_session(session)
        stale = self.newest - NEVER_QUEUED_AFTER
        for message in list(self._messages.values()):
            if message.queued or message.held or message.last is None or message.last >= stale:
                continue
            owner = self._sessions.get(message.session) if message.session else None
            if owner is None or owner.ended:
                self._tell(message)


def _first_time(message: _Message) -> tuple[bool, datetime | None]:
    return (not message.rows, message.rows[0]["time"] if message.rows else None)


def _state(message: _Message) -> str:
    """Where the message stands at the end of its story."""
    kinds = {row["kind"]: row for row in message.rows}
    if message.queue_id is None:
        return "refused"
    if message.closed:
        last = message.rows[-1] if message.rows else {}
        if last.get("kind") in ("removed", "postsuper"):
            return "removed"
        if last.get("action") in ("discard", "milter-discard"):
            return "discarded"
        return "refused"
    if message.held:
        return "held"
    if "queued" in kinds or "pickup" in kinds:
        return "in_queue"
    if any(row.get("action") in ("reject", "milter-reject") for row in message.rows):
        return "refused"  # at the end of DATA (smtpd's milter): it never got queued
    return "never_queued"
