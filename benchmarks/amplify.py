"""Build a large classic-syslog Postfix log by amplifying sample_logs.

Each copy of the sample gets fresh queue ids, pids and client addresses and its own
slice of a 30-day window (the sample's time span is scaled into the slice), so the
output is in time order, has the sample's mix of line shapes, and every message and
session stays internally consistent.

    python benchmarks/amplify.py --size 1G --output benchmarks/data/maillog-1G

`--start`, `--days`, `--first-copy` and `--stamps rfc3339` place the output elsewhere in
time (with queue ids that do not repeat those of other first copies, and stamps that
carry their year): benchmarks/store_year.py builds a year out of such pieces.
"""

from __future__ import annotations

import argparse
import gzip
import ipaddress
import re
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_FILES = [
    ROOT / "sample_logs" / "classic" / "maillog.1.gz",
    ROOT / "sample_logs" / "classic" / "maillog",
]
WINDOW = timedelta(days=30)
YEAR = 2026

_HEAD = re.compile(r"^([A-Z][a-z]{2} [ 0-3]\d \d\d:\d\d:\d\d) (\S+) ([^\[\s]+)\[(\d+)\]: (.*)$")
_QID = re.compile(r"\b[0-9A-F]{8,12}\b")
_IPV4 = re.compile(r"(?<![\d.])127\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\d.])")
_IPV6 = re.compile(r"2001:db8:[0-9a-f:]+", re.IGNORECASE)


def parse_size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    if text[-1].upper() in units:
        return int(float(text[:-1]) * units[text[-1].upper()])
    return int(text)


def read_sample(files: list[Path]) -> list[tuple[datetime, str, str, int, str]]:
    rows = []
    for path in files:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                match = _HEAD.match(line.rstrip("\n"))
                if not match:
                    continue
                stamp, host, program, pid, message = match.groups()
                when = datetime.strptime(f"{YEAR} {stamp}", "%Y %b %d %H:%M:%S")
                rows.append((when, host, program, int(pid), message))
    if not rows:
        sys.exit("amplify: no classic lines found in sample_logs/classic")
    return rows


def copies(
    rows: list[tuple[datetime, str, str, int, str]],
    count: int,
    base: datetime = datetime(YEAR, 11, 1),
    window: timedelta = WINDOW,
    first_copy: int = 0,
    rfc3339: bool = False,
) -> Iterator[str]:
    start, end = rows[0][0], rows[-1][0]
    span = max((end - start).total_seconds(), 1.0)
    slot = window / count
    for copy in range(first_copy, first_copy + count):
        qids: dict[str, str] = {}
        ips: dict[str, str] = {}

        def new_qid(match: re.Match[str], copy: int = copy, qids: dict[str, str] = qids) -> str:
            old = match.group(0)
            if old not in qids:
                qids[old] = f"{copy:05X}{len(qids):06X}"
            return qids[old]

        def new_ipv4(match: re.Match[str], copy: int = copy, ips: dict[str, str] = ips) -> str:
            old = match.group(0)
            if old not in ips:
                # 198.18.0.0/15 is reserved for benchmarks; the text is never dialled.
                offset = (copy * 4099 + int(ipaddress.IPv4Address(old)) % 65536) % 131072
                ips[old] = str(ipaddress.IPv4Address("198.18.0.0") + offset)
            return ips[old]

        def new_ipv6(match: re.Match[str], copy: int = copy, ips: dict[str, str] = ips) -> str:
            old = match.group(0)
            if old not in ips:
                try:
                    value = int(ipaddress.IPv6Address(old))
                except ValueError:
                    return old
                ips[old] = str(ipaddress.IPv6Address(value ^ (copy << 40)))
            return ips[old]

        origin = base + slot * (copy - first_copy)
        for when, host, program, pid, message in rows:
            moved = origin + slot * ((when - start).total_seconds() / span) * 0.999
            new_pid = (pid + copy * 7919) % 4_000_000 + 100
            text = _QID.sub(new_qid, message)
            text = _IPV4.sub(new_ipv4, text)
            text = _IPV6.sub(new_ipv6, text)
            if rfc3339:
                stamp = f"{moved:%Y-%m-%dT%H:%M:%S}+00:00"
            else:
                stamp = f"{moved:%b} {moved.day:2d} {moved:%H:%M:%S}"
            yield f"{stamp} {host} {program}[{new_pid}]: {text}\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", default="1G", help="target size, e.g. 200M or 1G")
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--start", default=f"{YEAR}-11-01", help="first day, YYYY-MM-DD")
    parser.add_argument("--days", type=float, default=WINDOW.days, help="days the log spans")
    parser.add_argument("--first-copy", type=int, default=0, help="number of the first copy")
    parser.add_argument("--stamps", choices=["classic", "rfc3339"], default="classic")
    args = parser.parse_args()
    target = parse_size(args.size)
    rows = read_sample(SAMPLE_FILES)
    sample_bytes = sum(len(f"Nov 24 00:00:00 {h} {p}[{pid}]: {m}\n") for _, h, p, pid, m in rows)
    count = max(1, -(-target // sample_bytes))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with args.output.open("w", encoding="utf-8") as out:
        for line in copies(
            rows,
            count,
            datetime.fromisoformat(args.start),
            timedelta(days=args.days),
            args.first_copy,
            args.stamps == "rfc3339",
        ):
            out.write(line)
            written += len(line)
    print(
        f"amplify: {count} copies of {len(rows)} lines, "
        f"{written / (1 << 20):.0f} MiB -> {args.output}"
    )


if __name__ == "__main__":
    main()
