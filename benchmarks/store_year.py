"""A year of stored events, and how fast reports read it.

    python benchmarks/store.py          # first: ingests the 1 GB log into benchmarks/data/store
    python benchmarks/store_year.py     # then: builds benchmarks/data/store-year from it

The 1 GB log covers 30 days. Its store is copied fourteen times, each copy's event
times moved 25 days later than the one before (queue ids and all else unchanged), so
the year's store holds 14 times the events of the month (over 100 million), spread over
355 days, the copies overlapping by five days. Then, each its own process:

1. `report --store` over the last month while the store has no day summaries yet (it
   reads every event of the month, and keeps the summaries it makes);
2. `store summarize`: the summaries of every other day, which `ingest` makes as days
   complete (here the store was copied, not ingested);
3. `report --store` over the last month and over the whole year, from the summaries.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from datetime import date, timedelta
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import run_once  # noqa: E402

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
    args = parser.parse_args()
    events = build(args.month, args.year)
    days = sorted(p.name[5:] for p in args.year.glob("kind=connect/date=*"))
    end = date.fromisoformat(days[-1]) + timedelta(days=1)
    month_start = (end - timedelta(days=30)).isoformat()
    store = ["--store", str(args.year)]
    last_month = ["--since", month_start, "--until", end.isoformat()]
    first = run_once([*MAILLOGS, "report", *COMMON, *store, *last_month])
    summarize = run_once([*MAILLOGS, "store", "summarize", *store])
    month = run_once([*MAILLOGS, "report", *COMMON, *store, *last_month])
    whole = run_once([*MAILLOGS, "report", *COMMON, *store])
    for _, _, status in (first, summarize, month, whole):
        if status:
            raise SystemExit(f"a step failed with status {status}")
    print(f"store: {events:,} events over {days[0]} .. {days[-1]}\n")
    print("| step | wall s | peak RSS MiB |")
    print("|---|---:|---:|")
    print(f"| report, last 30 days, no summaries yet | {first[0]:.1f} | {first[1]:.0f} |")
    print(f"| store summarize (every other day) | {summarize[0]:.1f} | {summarize[1]:.0f} |")
    print(f"| report, last 30 days | {month[0]:.1f} | {month[1]:.0f} |")
    print(f"| report, the whole year | {whole[0]:.1f} | {whole[1]:.0f} |")


if __name__ == "__main__":
    main()
