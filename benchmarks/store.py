"""Benchmark the event store: ingest the large log, then reports read from the store.

    python benchmarks/store.py                     # uses benchmarks/data/maillog-1G
    python benchmarks/store.py --log some.log --store /tmp/store

Prints a Markdown table: ingest time (with the merging and day summaries it does),
lines/s, peak RSS, store size against the raw log; a report over the whole store, over
its last 7 days, and over 06:00-18:00 of its last day (its events, not its summary),
with wall time and peak RSS; with --compare, the report of the raw log too.

    python benchmarks/amplify.py --size 1G --days 1 --output benchmarks/data/maillog-1G-day
    python benchmarks/store.py --log benchmarks/data/maillog-1G-day --compare   # one busy day
Each command is its own process, timed with wait4 like benchmarks/run.py.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import count_lines, run_once  # noqa: E402

MAILLOGS = [sys.executable, "-m", "maillogs"]
COMMON = ["--tz", "UTC", "--year", "2026", "--quiet"]


def size_of(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def last_day(store: Path) -> str:
    days = sorted(p.name[5:] for p in store.glob("kind=connect/date=*") if p.name != "date=unknown")
    return days[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--log", type=Path, default=HERE / "data" / "maillog-1G")
    parser.add_argument("--store", type=Path, default=HERE / "data" / "store")
    parser.add_argument("--compare", action="store_true", help="also time a report of the log")
    args = parser.parse_args()
    if not args.log.exists():
        raise SystemExit(f"{args.log}: build it first: python benchmarks/run.py (or amplify.py)")
    shutil.rmtree(args.store, ignore_errors=True)
    lines = count_lines(args.log)
    seconds, rss, status = run_once(
        [*MAILLOGS, "ingest", *COMMON, "--store", str(args.store), str(args.log)]
    )
    if status:
        raise SystemExit(f"ingest failed with status {status}")
    raw, stored = args.log.stat().st_size, size_of(args.store)
    summaries = size_of(args.store / "_summaries")
    from datetime import date

    end = date.fromisoformat(last_day(args.store)) + timedelta(days=1)
    week = (end - timedelta(days=7)).isoformat()
    report = [*MAILLOGS, "report", *COMMON, "--format", "json"]
    whole = run_once([*report, "--store", str(args.store)])
    recent = run_once([*report, "--store", str(args.store), "--since", week,
                       "--until", end.isoformat()])  # fmt: skip
    # the last day from 06:00 to 18:00: its events are read, not its summary
    last = end - timedelta(days=1)
    part = run_once([*report, "--store", str(args.store), "--since", f"{last}T06:00",
                     "--until", f"{last}T18:00"])  # fmt: skip
    raw_log = run_once([*report, str(args.log)]) if args.compare else None
    print(f"{args.log.name}: {raw / 2**20:,.0f} MiB, {lines:,} lines\n")
    print("| step | wall s | lines/s | peak RSS MiB | notes |")
    print("|---|---:|---:|---:|---|")
    print(f"| ingest | {seconds:.1f} | {lines / seconds:,.0f} | {rss:.0f} | store "
          f"{stored / 2**20:,.0f} MiB = {stored / raw:.1%} of the raw log, of which day "
          f"summaries {summaries / 2**20:,.1f} MiB |")  # fmt: skip
    print(f"| report --store (all) | {whole[0]:.1f} | | {whole[1]:.0f} | |")
    print(f"| report --store (last 7 days) | {recent[0]:.1f} | | {recent[1]:.0f} | |")
    print(f"| report --store (last day, 06:00-18:00) | {part[0]:.1f} | | {part[1]:.0f} | |")
    if raw_log is not None:
        print(f"| report of the raw log | {raw_log[0]:.1f} | {lines / raw_log[0]:,.0f} "
              f"| {raw_log[1]:.0f} | |")  # fmt: skip
    failed = [row for row in (whole, recent, part, raw_log) if row is not None and row[2]]
    if failed:
        raise SystemExit(f"a report failed with status {failed[0][2]}")


if __name__ == "__main__":
    main()
