"""Real lines, mutated: whatever a line turns into, the parser neither raises nor loses it.

Issue 19: a 31-digit size= or nrcpt= made Polars' strict cast fail the whole batch.
Each mutation below is applied to every real line of tests/corpus; a number past its
column's range must leave the field null (or the line unparsed), never an exception.
"""

import json
import random
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from parsers.envelope import LogFormat
from parsers.schema import EventKind
from parsers.stream import EventParser
from parsers.timestamps import TimeContext

TIMES = TimeContext(tz="UTC", reference=datetime(2026, 11, 25, tzinfo=UTC))
CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.jsonl"))
LINES = [
    json.loads(text)["line"].encode()
    for path in CORPUS
    for text in path.read_text(encoding="utf-8").splitlines()
    if text.strip()
]
HUGE = b"9" * 31  # past Int64 (19 digits) and UInt64 (20)


def _flip(rng: random.Random, line: bytes) -> bytes:
    data = bytearray(line)
    for _ in range(rng.randint(1, 4)):
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    return bytes(data)


def _cut(rng: random.Random, line: bytes) -> bytes:
    return line[: rng.randrange(len(line))]


def _splice(rng: random.Random, line: bytes) -> bytes:
    other = rng.choice(LINES)
    return line[: rng.randrange(len(line))] + other[rng.randrange(len(other)) :]


def _insert(rng: random.Random, line: bytes) -> bytes:
    at = rng.randrange(len(line))
    junk = rng.choice([b"\x00", b"\r", b"\x1b[31m", b"\xff\xfe", b"\xc3", b"\xe2\x80\xae", b"\t"])
    return line[:at] + junk + line[at:]


def _long_field(rng: random.Random, line: bytes) -> bytes:
    at = rng.randrange(len(line))
    return line[:at] + b"x" * 300_000 + line[at:]


def _big_numbers(rng: random.Random, line: bytes) -> bytes:
    # every number in the line, or one of them, becomes 31 digits (or negative)
    digits = list(re.finditer(rb"\d+", line))
    if not digits:
        return line + b" " + HUGE
    if rng.random() < 0.5:
        return re.sub(rb"\d+", HUGE, line)
    match = rng.choice(digits)
    replacement = rng.choice([HUGE, b"-" + HUGE, b"18446744073709551616", b"1e999"])
    return line[: match.start()] + replacement + line[match.end() :]


MUTATIONS: dict[str, Callable[[random.Random, bytes], bytes]] = {
    "flip": _flip,
    "cut": _cut,
    "splice": _splice,
    "insert": _insert,
    "long_field": _long_field,
    "big_numbers": _big_numbers,
}


def _accounted(data: bytes, fmt: LogFormat) -> None:
    parser = EventParser()
    batch = parser.parse_chunk(data, fmt, TIMES)
    stats = parser.stats
    assert stats.lines == stats.events + stats.unparsed + stats.not_mail
    assert sum(frame.height for frame in batch.values()) == stats.events + stats.unparsed


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_mutated_real_lines_are_accounted_for(name: str) -> None:
    rng = random.Random(f"issue-19-{name}")
    mutate = MUTATIONS[name]
    rounds = 1 if name == "long_field" else 3
    lines = [mutate(rng, line) for _ in range(rounds) for line in LINES]
    if name == "long_field":  # 300 kB each: a sample is enough
        lines = rng.sample(lines, 12)
    _accounted(b"\n".join(lines) + b"\n", LogFormat.CLASSIC)


_Q = b"Nov 24 17:18:10 mx postfix/qmgr[1]: 4516420F32: from=<a@b>, "
_RELAY = b"Nov 24 17:18:10 mx postfix/smtp[1]: 4516420F32: to=<a@b>, relay=x[192.0.2.1]:"
_ANVIL = b"Nov 24 17:18:10 mx postfix/anvil[1]: statistics: max connection rate "
_PREGREET = b"Nov 24 17:18:10 mx postfix/postscreen[1]: PREGREET "
PAST_RANGE = [
    (_Q + b"size=" + HUGE + b", nrcpt=1 (queue active)", EventKind.QUEUED, "size"),
    (_Q + b"size=1, nrcpt=" + HUGE + b" (queue active)", EventKind.QUEUED, "nrcpt"),
    (
        _RELAY + HUGE + b", delay=1, delays=1/1/1/1, dsn=2.0.0, status=sent (ok)",
        EventKind.DELIVERY,
        "relay_port",
    ),
    (
        _ANVIL + HUGE + b"/60s for (smtp:192.0.2.1) at Nov 24 17:00:00",
        EventKind.STATISTICS,
        "value",
    ),
    (_PREGREET + HUGE + b" after 0.1 from [192.0.2.1]:25: x", EventKind.POSTSCREEN, "bytes"),
]


@pytest.mark.parametrize(("line", "kind", "column"), PAST_RANGE)
def test_number_past_its_column_is_null(line: bytes, kind: EventKind, column: str) -> None:
    batch = EventParser().parse_chunk(line + b"\n", LogFormat.CLASSIC, TIMES)
    got = [found for found, frame in batch.items() if frame.height]
    assert got == [kind]
    assert batch[kind].item(0, column) is None
