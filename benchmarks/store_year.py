"""A year of stored events, and how fast reports read it.

    python benchmarks/store.py          # first: ingests the 1 GB log into benchmarks/data/store
    python benchmarks/store_year.py     # then: builds benchmarks/data/store-year from it

The 1 GB log covers 30 days. Its store is copied fourteen times, each copy's event
times moved 25 days later than the one before (queue ids and all else unchanged), so
the year's store holds 14 times the events of the month (over 100 million), spread over
355 days, the copies overlapping by five days. Then, each its own process:

1. `report --store` over the 30 days before the newest while the store has no day
   summaries yet (it reads every event of them, and keeps the summaries it makes);
2. `store summarize`: the summaries of every other day but the newest, which `ingest`
   makes as days complete (here the store was copied, not ingested);
3. `report --store` over those 30 days, over the 30 days up to the newest (whose
   events are read: it is the day still being logged to) and over the whole year.

`--no-build` reuses the year's store (its summaries deleted first).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import astuple
from datetime import date, timedelta
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import measure, run_once  # noqa: E402

MAILLOGS = [sys.executable, "-m", "maillogs"]
COMMON = ["--tz", "UTC", "--year", "2026", "--quiet", "--format", "json"]
COPIES = 14
SHIFT = timedelta(days=25)


def build(month: Path, year: Path) -> int:
    shutil.rmtree(year, ignore_errors=True)
    events = 0
    for part in sorted(month.glob("kind=*/date=*/*.parquet")):
        frame = pl.read_parquet(part)
        kind_dir = part.parent.parent.name
        for copy in range(COPIES):
            shifted = frame.with_columns(pl.col("time") + SHIFT * copy)
            for (day,), rows in (
                shifted.with_columns(
                    pl.col("time").dt.strftime("%Y-%m-%d").fill_null("unknown").alias("_day")
                )
                .partition_by("_day", as_dict=True)
                .items()
            ):
                target = year / kind_dir / f"date={day}"
                target.mkdir(parents=True, exist_ok=True)
                name = part.name.replace(".parquet", f"-{copy:02d}.parquet").replace(
                    "part-", "compact-"
                )
                rows.drop("_day").write_parquet(target / name, compression="zstd")
            if kind_dir != "kind=unparsed":
                events += frame.height
    return events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--month", type=Path, default=HERE / "data" / "store")
    parser.add_argument("--year", type=Path, default=HERE / "data" / "store-year")
    parser.add_argument("--runs", type=int, default=3, help="reports from summaries: median of")
    parser.add_argument("--no-build", action="store_true", help="reuse the year's store")
    args = parser.parse_args()
    if args.no_build:
        shutil.rmtree(args.year / "_summaries", ignore_errors=True)
        events = 0
    else:
        events = build(args.month, args.year)
    days = sorted(p.name[5:] for p in args.year.glob("kind=connect/date=*"))
    newest = date.fromisoformat(days[-1])
    store = ["--store", str(args.year)]

    def days_before(first: int, last: int) -> list[str]:  # --until takes in its day
        since, until = newest - timedelta(days=first), newest - timedelta(days=last)
        return ["--since", since.isoformat(), "--until", until.isoformat()]

    # the 30 days before the newest (like --since last-month: days that are over)
    month = days_before(30, 1)
    first = run_once([*MAILLOGS, "report", *COMMON, *store, *month])
    summarize = run_once([*MAILLOGS, "store", "summarize", *store])
    rows = [
        ("report, 30 days, no summaries yet (it makes them)", first[0], first[1], first[2]),
        ("store summarize (every other day but the newest)", *summarize),
    ]
    for name, period in (
        ("report, 30 days", month),
        ("report, 30 days up to the newest (read as events)", days_before(29, 0)),
        ("report, the whole year", []),
    ):
        found = measure(name, [*MAILLOGS, "report", *COMMON, *store, *period], args.runs)
        rows.append((f"{name}, median of {args.runs}", *astuple(found)[1:]))
    for name, _, _, status in rows:
        if status:
            raise SystemExit(f"{name}: failed with status {status}")
    if events:
        print(f"store: {events:,} events over {days[0]} .. {days[-1]}\n")
    print("| step | wall s | peak RSS MiB |")
    print("|---|---:|---:|")
    for name, seconds, rss, _ in rows:
        print(f"| {name} | {seconds:.1f} | {rss:.0f} |")


if __name__ == "__main__":
    main()
