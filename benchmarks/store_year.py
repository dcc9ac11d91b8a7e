"""A year of stored events, and how fast reports read it.

    python benchmarks/store_year.py                 # ingest a year, then time reports
    python benchmarks/store_year.py --build copy    # quicker: copy benchmarks/store.py's month
    python benchmarks/store_year.py --build none    # reuse the year's store

`--build ingest` (the default) amplifies sample_logs into 13 logs of 1.1 GB, each
spanning a thirteenth of 365 days from 2026-11-01 (RFC 3339 stamps, queue ids unique
across them; two are made at a time), then ingests them one after the other into
benchmarks/data/store-year, as cron would over a year: some 110 million events, with
the day summaries ingest makes as days complete. Each log is deleted once ingested.

`--build copy` copies the month's store of benchmarks/store.py fourteen times, each
copy's event times (and the connect times in its session ids) moved 25 days later,
with queue ids of its own (over 100 million events over 355 days, the
copies overlapping by five days); `--build none` reuses the store as it is. A store
without summaries (copied, or whose `_summaries` was deleted) then gets two more
steps: a report of the 30 days before the newest (it makes and keeps the summaries it
lacks) and `store summarize` (the other days).

Then, each its own process, the median of `--runs`: `report --store` over the 30 days
before the newest day (like `--since last-month`), over the 30 days up to the newest
(whose events are read: it is the day still being logged to), and over the whole year.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from dataclasses import astuple
from datetime import date, timedelta
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import count_lines, measure, run_once  # noqa: E402

MAILLOGS = [sys.executable, "-m", "maillogs"]
COMMON = ["--tz", "UTC", "--year", "2026", "--quiet", "--format", "json"]
COPIES = 14
SHIFT = timedelta(days=25)
PIECES = 13
PIECE_SIZE = "1.1G"
YEAR_START = date(2026, 11, 1)


def build(month: Path, year: Path) -> None:
    shutil.rmtree(year, ignore_errors=True)
    for part in sorted(month.glob("kind=*/date=*/*.parquet")):
        frame = pl.read_parquet(part)
        kind_dir = part.parent.parent.name
        for copy in range(COPIES):
            shifted = frame.with_columns(pl.col("time") + SHIFT * copy, *_own_ids(frame, copy))
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


def _own_ids(frame: pl.DataFrame, copy: int) -> list[pl.Expr]:
    """Each copy's own queue ids and session ids, the ids' connect time moved with the
    copy's times, as in a log of a server that ran on: otherwise the copies' messages
    and sessions would be taken for one another across the days they overlap."""
    shift_us = int(SHIFT.total_seconds()) * 1_000_000 * copy
    exprs = [
        (pl.col(name) + pl.lit(f"{copy:X}")).alias(name)
        for name in frame.columns
        if name.endswith("queue_id")
    ]
    if "session" in frame.columns:
        parts = pl.col("session").str.splitn("/", 3)
        start = parts.struct.field("field_2").cast(pl.Int64) + shift_us
        exprs.append(
            pl.concat_str(
                parts.struct.field("field_0"),
                parts.struct.field("field_1"),
                start.cast(pl.String),
                separator="/",
            ).alias("session")
        )
    return exprs


def count_events(store: Path) -> int:
    """Rows of every kind but unparsed lines."""
    events = 0
    for kind in store.glob("kind=*"):
        parts = sorted(kind.glob("date=*/*.parquet"))
        if kind.name != "kind=unparsed" and parts:
            events += int(pl.scan_parquet(parts).select(pl.len()).collect().item())
    return events


def ingest_year(year: Path, data: Path, size: str) -> tuple[float, float, int]:
    """Amplify the pieces (two at a time), then ingest them in order: (ingest seconds,
    peak RSS MiB, lines)."""
    shutil.rmtree(year, ignore_errors=True)
    days = 365 / PIECES
    logs = [data / f"year-piece-{piece:02d}.log" for piece in range(PIECES)]
    making: list[subprocess.Popen[bytes]] = []
    for piece, log in enumerate(logs):
        start = YEAR_START + timedelta(days=days * piece)
        making.append(subprocess.Popen([
            sys.executable, str(HERE / "amplify.py"), "--size", size, "--output", str(log),
            "--start", start.isoformat(), "--days", str(days), "--first-copy", str(piece * 4096),
            "--stamps", "rfc3339",
        ], stdout=subprocess.DEVNULL))  # fmt: skip
        if len(making) == 2:
            _finish(making.pop(0))
    for process in making:
        _finish(process)
    seconds, peak, lines = 0.0, 0.0, 0
    for log in logs:
        lines += count_lines(log)
        took, rss, status = run_once(
            [*MAILLOGS, "ingest", "--tz", "UTC", "--quiet", "--store", str(year), str(log)]
        )
        if status:
            raise SystemExit(f"ingest of {log} failed with status {status}")
        seconds, peak = seconds + took, max(peak, rss)
        log.unlink()
    return seconds, peak, lines


def _finish(process: subprocess.Popen[bytes]) -> None:
    if process.wait():
        raise SystemExit(f"amplify failed with status {process.returncode}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--month", type=Path, default=HERE / "data" / "store")
    parser.add_argument("--year", type=Path, default=HERE / "data" / "store-year")
    parser.add_argument("--runs", type=int, default=3, help="reports: median of")
    parser.add_argument("--build", choices=["ingest", "copy", "none"], default="ingest")
    parser.add_argument("--piece-size", default=PIECE_SIZE, help="each ingested log's size")
    args = parser.parse_args()
    rows: list[tuple[str, float, float, int]] = []
    if args.build == "ingest":
        seconds, rss, lines = ingest_year(args.year, HERE / "data", args.piece_size)
        rows.append((f"ingest {PIECES} logs, {lines:,} lines ({lines / seconds:,.0f} lines/s), "
                     "with day summaries", seconds, rss, 0))  # fmt: skip
    elif args.build == "copy":
        build(args.month, args.year)
    events = count_events(args.year)
    days = sorted(p.name[5:] for p in args.year.glob("kind=connect/date=*"))
    newest = date.fromisoformat(days[-1])
    store = ["--store", str(args.year)]

    def days_before(first: int, last: int) -> list[str]:  # --until takes in its day
        since, until = newest - timedelta(days=first), newest - timedelta(days=last)
        return ["--since", since.isoformat(), "--until", until.isoformat()]

    # the 30 days before the newest (like --since last-month: days that are over)
    month = days_before(30, 1)
    if not (args.year / "_summaries").exists():
        first = run_once([*MAILLOGS, "report", *COMMON, *store, *month])
        rows.append(("report, 30 days, no summaries yet (it makes them)", *first))
        summarize = run_once([*MAILLOGS, "store", "summarize", *store])
        rows.append(
            ("store summarize (every other day but the newest, and the months)", *summarize)
        )
    # the last calendar month before the newest day's (like --since last-month in it):
    # a whole month that is over, read as its month summary
    calendar = (newest.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    for name, period in (
        (
            f"report, the month {calendar} (its month summary)",
            ["--since", calendar, "--until", calendar],
        ),
        ("report, 30 days", month),
        ("report, 30 days up to the newest (read as events)", days_before(29, 0)),
        ("report, the whole year", []),
    ):
        found = measure(name, [*MAILLOGS, "report", *COMMON, *store, *period], args.runs)
        rows.append((f"{name}, median of {args.runs}", *astuple(found)[1:]))
    for name, _, _, status in rows:
        if status:
            raise SystemExit(f"{name}: failed with status {status}")
    print(f"store: {events:,} events over {days[0]} .. {days[-1]}\n")
    print("| step | wall s | peak RSS MiB |")
    print("|---|---:|---:|")
    for name, seconds, rss, _ in rows:
        print(f"| {name} | {seconds:.1f} | {rss:.0f} |")


if __name__ == "__main__":
    main()
