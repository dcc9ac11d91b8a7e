"""How fast a report could be if parsing cost nothing: the work no parser can take away.

    python benchmarks/free_parser.py [LOG] [--lines N]

The parser's per-chunk work (lines to frame, envelope, rules, captures, derived
columns: parsers.stream.extract) is done first, for the first N lines of LOG (by
default the benchmark's 1 GiB log, which benchmarks/run.py builds), and kept in memory.
Then what must follow in line order is timed, with all cores free for it: tying
sessions and TLS to their events (EventParser.finish) and the report's sections
(ReportBuilder.add, then finish). For comparison the same lines are also reported the
usual way, parsing included, in the same process.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.stages import chunks_of
from maillogs.pipeline import DEFAULT_CHUNK_BYTES
from parsers.envelope import LogFormat
from parsers.stream import EventParser, extract
from parsers.timestamps import TimeContext
from reports.builder import ReportBuilder
from reports.options import ReportOptions
from reports.section import ParseSummary

DATA = Path(__file__).parent / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", nargs="?", type=Path, default=DATA / "maillog-1G")
    parser.add_argument("--lines", type=int, default=2_000_000)
    args = parser.parse_args()
    chunks = chunks_of(args.log, args.lines, DEFAULT_CHUNK_BYTES)
    times = TimeContext(tz="UTC", reference=datetime.now(UTC), year=2026)

    events = EventParser()
    builder = ReportBuilder(ReportOptions())
    start = time.perf_counter()
    for batch in events.parse_chunks(chunks, times, LogFormat.CLASSIC):
        builder.add(batch)
    builder.finish(ParseSummary())
    usual = time.perf_counter() - start
    lines = events.stats.lines

    events = EventParser()
    extracted = [extract(chunk, LogFormat.CLASSIC, times, events._next_seq()) for chunk in chunks]
    builder = ReportBuilder(ReportOptions())
    start = time.perf_counter()
    for done in extracted:
        builder.add(events.finish(done))
    builder.finish(ParseSummary())
    after_parsing = time.perf_counter() - start

    print(f"{args.log.name}: the first {lines:,} lines, {len(chunks)} chunks")
    print("| report | wall s | lines/s |\n|---|---:|---:|")
    print(f"| parsing included (the usual way) | {usual:.2f} | {lines / usual:,.0f} |")
    print(f"| parsing done beforehand (a parser that costs nothing) "
          f"| {after_parsing:.2f} | {lines / after_parsing:,.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()
