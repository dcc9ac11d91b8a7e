"""Where the time goes: CPU per line of each parser stage and report section.

    python benchmarks/stages.py [LOG] [--lines N] [--chunk-mb MB]

Runs single-threaded (Polars on one thread, one parser worker) so each stage's time
is its own CPU time, on the first N lines of LOG (by default the benchmark's 1 GiB log,
which benchmarks/run.py builds). Stages are timed from outside, by wrapping the
functions the parser and the report call, so the code measured is the code shipped.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ["POLARS_MAX_THREADS"] = "1"  # before Polars is imported

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from parsers import native, stream
from parsers.envelope import LogFormat
from parsers.timestamps import TimeContext
from reports.builder import ReportBuilder
from reports.options import ReportOptions

DATA = Path(__file__).parent / "data"
SPENT: defaultdict[str, float] = defaultdict(float)
INSIDE = "parse: engine pass, of which"


def timed(owner: Any, name: str, label: str) -> None:
    """Replace owner.name by a wrapper that adds the process CPU time it takes to SPENT
    (CPU, not wall time: the machine may be shared, and the run has one thread)."""
    original: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            SPENT[label] += time.process_time() - start

    setattr(owner, name, wrapper)


def chunks_of(path: Path, lines: int, chunk_bytes: int) -> list[bytes]:
    with path.open("rb") as handle:
        head = b"".join(line for _, line in zip(range(lines), handle, strict=False))
    chunks, start = [], 0
    while start < len(head):
        end = head.rfind(b"\n", start, start + chunk_bytes) + 1 or len(head)
        chunks.append(head[start:end])
        start = end
    return chunks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", nargs="?", type=Path, default=DATA / "maillog-1G")
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--chunk-mb", type=int, default=12)
    args = parser.parse_args()
    chunks = chunks_of(args.log, args.lines, args.chunk_mb << 20)
    times = TimeContext(tz="UTC", reference=datetime.now(UTC), year=2026)

    # The Rust call (envelope, rules, captures) is inside extract_native; the rows "of
    # which" are not added to the parse total.
    timed(stream, "extract_native", "parse: engine pass (envelope, rules, derived columns)")
    timed(native, "envelope_times", f"{INSIDE} classic stamps' instants (Polars)")
    timed(native, "derive", f"{INSIDE} derived columns (Polars)")
    timed(stream, "conform", "parse: schema")
    events = stream.EventParser(workers=1)
    timed(events, "_correlate", "parse: sessions and smtp TLS")
    report = ReportBuilder(ReportOptions())
    for section in report.sections:
        timed(section, "add", f"report: {section.name}")

    start = time.process_time()
    for chunk in chunks:
        report.add(events.parse_chunk(chunk, LogFormat.CLASSIC, times))
    cpu = time.process_time() - start
    lines = events.stats.lines
    print(f"{args.log.name}: {lines:,} lines in {len(chunks)} chunks; CPU {cpu:.2f} s, "
          f"{cpu / lines * 1e6:.2f} µs/line (one thread)")  # fmt: skip
    print("| stage | CPU s | µs/line |\n|---|---:|---:|")
    parse_parts = sum(
        v for k, v in SPENT.items() if k.startswith("parse:") and not k.startswith(INSIDE)
    )
    rows = sorted(SPENT.items())
    report_total = sum(v for k, v in SPENT.items() if k.startswith("report:"))
    rows.append(
        ("parse: the rest (partitions, concats, counting)", cpu - parse_parts - report_total)
    )
    for label, seconds in sorted(rows):
        print(f"| {label} | {seconds:.2f} | {seconds / lines * 1e6:.2f} |")


if __name__ == "__main__":
    main()
