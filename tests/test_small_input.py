"""A small log is quick: no thread pool for one chunk, only the modules a command needs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import parsers.stream
from parsers.stream import EventParser
from parsers.timestamps import TimeContext

LINE = b"Nov 24 17:18:10 mx postfix/qmgr[1]: 1A2B3C4D5E: removed\n"
TIMES = TimeContext(tz="UTC", reference=datetime(2026, 12, 1, tzinfo=UTC), year=2026)


class _NoPool:
    def __init__(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("a thread pool for one chunk")


def test_one_chunk_is_parsed_without_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parsers.stream, "ThreadPoolExecutor", _NoPool)
    batches = list(EventParser().parse_chunks([LINE * 100], TIMES))
    assert len(batches) == 1
    assert sum(frame.height for frame in batches[0].values()) == 100


def test_several_chunks_keep_their_order() -> None:
    chunks = [LINE.replace(b"1A2B3C4D5E", f"{n:010X}".encode()) for n in range(5)]
    batches = list(EventParser().parse_chunks(chunks, TIMES))
    removed = [batch[parsers.stream.EventKind.REMOVED] for batch in batches]
    assert [frame.get_column("queue_id").to_list() for frame in removed] == [
        [f"{n:010X}"] for n in range(5)
    ]
