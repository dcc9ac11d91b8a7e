"""String views or plain strings from the engine: which costs Polars less?

    python benchmarks/engine_strings.py [LOG] [--lines N]

Times (process CPU, Polars on one thread) the engine's envelope of the first N lines of
LOG handed over as Arrow `Utf8View` (`vu`, pointing into the chunk's text) and as plain
`Utf8` (`u`, copied), then taken in by Polars and used once (a literal search in the
message, as the rule tests do).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ["POLARS_MAX_THREADS"] = "1"  # before Polars is imported

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import polars as pl

from benchmarks.stages import DATA, chunks_of
from parsers import _engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", nargs="?", type=Path, default=DATA / "maillog-1G")
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()
    chunks = chunks_of(args.log, args.lines, 12 << 20)
    print("| strings | Rust µs/line | to Polars µs/line | one search µs/line |")
    print("|---|---:|---:|---:|")
    for layout in ("view", "plain", "view", "plain"):
        spent = [0.0, 0.0, 0.0]
        for chunk in chunks:
            start = time.process_time()
            batch = _engine.split_envelope(chunk, "classic", strings=layout)
            split = time.process_time()
            frame = pl.DataFrame(batch)
            imported = time.process_time()
            frame.select(pl.col("message").str.contains("connect from", literal=True).sum())
            searched = time.process_time()
            for i, (a, b) in enumerate(((start, split), (split, imported), (imported, searched))):
                spent[i] += b - a
        per_line = [f"{s / args.lines * 1e6:.3f}" for s in spent]
        print(f"| {layout} | {' | '.join(per_line)} |")


if __name__ == "__main__":
    main()
