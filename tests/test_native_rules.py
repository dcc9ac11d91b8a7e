"""The Rust engine's rule path gives the events the Polars rule path gives: every kind,
every column, every dtype, on sample_logs, the corpus and generated lines (issue 21:
one engine, tested against the one it replaces)."""

from __future__ import annotations

import gzip
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from parsers import stream
from parsers.envelope import LogFormat, detect_format
from parsers.stream import EventBatch, EventParser
from parsers.timestamps import TimeContext

ROOT = Path(__file__).parents[1]
TIMES = TimeContext(tz="UTC", reference=datetime(2026, 11, 25, tzinfo=UTC))


def _read(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def _logs() -> list[Path]:
    """Every run's log (a run's postfix/ folder holds its configuration)."""
    return [
        path
        for path in sorted((ROOT / "sample_logs").rglob("*"))
        if path.is_file()
        and "postfix" not in path.parts
        and path.suffix not in (".md", ".json")
        and (path.name.startswith("maillog") or path.parent.name != "sample_logs")
    ]


def _parse(data: bytes, fmt: LogFormat, engine: str, chunk: int) -> list[EventBatch]:
    saved = stream.RULES_ENGINE
    stream.RULES_ENGINE = engine
    try:
        # whole lines per chunk, as maillogs.inputs reads them
        lines = data.splitlines(keepends=True)
        chunks, part, size = [], [], 0
        for line in lines:
            part.append(line)
            size += len(line)
            if size >= chunk:
                chunks.append(b"".join(part))
                part, size = [], 0
        if part:
            chunks.append(b"".join(part))
        parser = EventParser(workers=1)
        batches = list(parser.parse_chunks(chunks, TIMES, fmt))
        batches.append({"stats": _stats(parser)})  # type: ignore[dict-item]
        return batches
    finally:
        stream.RULES_ENGINE = saved


def _stats(parser: EventParser) -> pl.DataFrame:
    s = parser.stats
    return pl.DataFrame(
        {
            "what": ["lines", "not_mail", "events", "unparsed", "odd"],
            "n": [s.lines, s.not_mail, s.events, s.unparsed, parser.source.odd],
        }
    ).vstack(
        pl.DataFrame(
            {
                "what": [f"{k}:{n}" for k, n in sorted(s.unparsed_by_program.items())]
                + [f"d:{k}" for k in sorted(s.debug_by_program)]
                + [f"m:{k}" for k in sorted(s.not_mail_by_program)]
                + [f"e:{k}" for k in sorted(s.events_by_kind)],
                "n": [n for _, n in sorted(s.unparsed_by_program.items())]
                + [n for _, n in sorted(s.debug_by_program.items())]
                + [n for _, n in sorted(s.not_mail_by_program.items())]
                + [n for _, n in sorted(s.events_by_kind.items())],
            }
        )
    )


def assert_same_events(data: bytes, fmt: LogFormat, chunk: int = 1 << 20) -> None:
    polars = _parse(data, fmt, "polars", chunk)
    rust = _parse(data, fmt, "rust", chunk)
    assert len(polars) == len(rust)
    for one, other in zip(polars, rust, strict=True):
        assert list(one) == list(other)
        for kind, frame in one.items():
            assert_frame_equal(other[kind], frame, check_exact=True), kind


@pytest.mark.parametrize("path", _logs(), ids=lambda p: str(p.relative_to(ROOT)))
def test_sample_logs(path: Path) -> None:
    data = _read(path)
    fmt = detect_format(data[:4096].decode("utf-8", "replace").splitlines()[:20])
    assert_same_events(data, fmt, chunk=64 << 10)


def test_corpus() -> None:
    assert_same_events("\n".join(_corpus_lines()).encode() + b"\n", LogFormat.CLASSIC)


def _corpus_lines() -> list[str]:
    lines = []
    for path in sorted((ROOT / "tests" / "corpus").glob("*.jsonl")):
        for text in path.read_text(encoding="utf-8").splitlines():
            if text.strip():
                lines.append(json.loads(text)["line"])
    return lines


_PIECES = st.sampled_from(
    [" ", ": ", "[", "]", "<", ">", "=", ",", ";", "from ", "to ", "NOQUEUE", "4F2B1C3D5E",
     "warning: ", "connect from ", "status=", "relay=", "TLS connection ", "(", ")", "\t",
     "é", "\x00", "\ufffd", "1.2.3.4", "::1", "mx.example.com", "250 2.0.0", "bits)"]
)  # fmt: skip


@st.composite
def _mutated(draw: st.DrawFn) -> str:
    line = draw(st.sampled_from(_corpus_lines()))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(line)))
        cut = draw(st.integers(0, 8))
        piece = draw(st.one_of(_PIECES, st.text(max_size=6)))
        line = line[:at] + piece + line[at + cut :]
    return line.replace("\n", " ").replace("\r", " ")


@settings(max_examples=150, deadline=None)
@given(st.lists(_mutated(), min_size=1, max_size=12))
def test_generated_lines(lines: list[str]) -> None:
    assert_same_events("\n".join(lines).encode() + b"\n", LogFormat.CLASSIC)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
@example(b"\n\n")
@example(b'{"MESSAGE": [1]}\n\n{}\n{"MESSAGE":"x","SYSLOG_IDENTIFIER":"postfix/smtpd"}')
def test_arbitrary_bytes(data: bytes) -> None:
    for fmt in (LogFormat.CLASSIC, LogFormat.JOURNALD, LogFormat.RFC5424):
        assert_same_events(data, fmt)


def _rewritten(line: str, fmt: LogFormat, index: int) -> str:
    """A classic sample line in another envelope format (every 7th journald record odd:
    its MESSAGE as bytes, which the engine leaves to Python)."""
    match = re.match(r"(\w{3} [ \d]\d \d\d:\d\d:\d\d) (\S+) ([^\[:]+)(?:\[(\d+)\])?: (.*)$", line)
    if match is None:
        return line
    _, host, program, pid, message = match.groups()
    micros = 1_795_540_690_000_000 + index * 1_000_000
    if fmt is LogFormat.RFC5424:
        stamp = datetime.fromtimestamp(micros / 1e6, UTC).isoformat()
        return f"<22>1 {stamp} {host} {program} {pid or '-'} - - {message}"
    record: dict[str, object] = {
        "__REALTIME_TIMESTAMP": str(micros),
        "_HOSTNAME": host,
        "SYSLOG_IDENTIFIER": program,
        "MESSAGE": list(message.encode()) if index % 7 == 0 else message,
    }
    if pid:
        record["_PID"] = pid
    return json.dumps(record)


@pytest.mark.parametrize("fmt", [LogFormat.JOURNALD, LogFormat.RFC5424])
def test_other_envelopes(fmt: LogFormat) -> None:
    lines = _read(ROOT / "sample_logs" / "quirks" / "classic" / "maillog.gz").decode().splitlines()
    text = "\n".join(_rewritten(line, fmt, i) for i, line in enumerate(lines[:3000]))
    assert_same_events(text.encode() + b"\n", fmt, chunk=32 << 10)
