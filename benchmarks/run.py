"""Benchmark maillogs against wc -l and pflogsumm on one large log, side by side.

    python benchmarks/run.py                 # builds benchmarks/data/maillog-1G if missing
    python benchmarks/run.py --size 200M --runs 3
    python benchmarks/run.py --small --runs 5   # sample_logs' 10,924 lines: start-up and all

Each command runs as its own process; wall time and peak RSS come from the kernel's
accounting of that process (wait4), the median of --runs runs is printed. Output is
a Markdown table ready for the README.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from amplify import main as amplify_main  # noqa: E402


@dataclass(frozen=True)
class Measure:
    name: str
    seconds: float
    peak_rss_mib: float
    exit_code: int


# Python's bytecode cached, as an installed package has it (pip compiles it at install;
# an editable install writes it on first import): an environment that forbids writing
# it (PYTHONDONTWRITEBYTECODE) would time compiling maillogs' modules in every run, a
# tenth to a quarter of a second of a small log's.
_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def run_once(command: list[str]) -> tuple[float, float, int]:
    started = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.PIPE, env=_ENV)
        assert process.stderr is not None
        _, status, usage = os.wait4(process.pid, 0)
        process.stderr.read()
    elapsed = time.perf_counter() - started
    return elapsed, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def measure(name: str, command: list[str], runs: int) -> Measure:
    first = run_once(command)
    # a quick command's first run warms caches (bytecode, the page cache) and is not
    # counted; a long one's first run is one of the runs
    results = [] if first[0] < 10 else [first]
    results += [run_once(command) for _ in range(runs - len(results))]
    return Measure(
        name,
        statistics.median(r[0] for r in results),
        statistics.median(r[1] for r in results),
        max(r[2] for r in results),
    )


def count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 24), b""))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", default="1G")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--log", type=Path, help="use this log instead of building one")
    parser.add_argument(
        "--small",
        action="store_true",
        help="a small log (sample_logs/classic, a few days of a small server): where "
        "start-up and imports weigh, the text report and --version",
    )
    args = parser.parse_args()

    log = args.log or HERE / "data" / f"maillog-{args.size}"
    if args.small:
        log = _small_log(HERE / "data" / "sample-classic.log")
    elif not log.exists():
        sys.argv = ["amplify", "--size", args.size, "--output", str(log)]
        amplify_main()
    lines = count_lines(log)
    maillogs = [sys.executable, "-m", "maillogs", "--tz", "UTC", "--year", "2026", "--quiet"]
    commands: list[tuple[str, list[str]]] = [("wc -l", ["wc", "-l", str(log)])]
    pflogsumm = shutil.which("pflogsumm")
    if pflogsumm:
        commands.append(("pflogsumm", [pflogsumm, str(log)]))
    else:
        print("pflogsumm not installed (apt-get install pflogsumm): its row is skipped")
    commands += [
        ("maillogs events --stats", [*maillogs[:3], "events", "--stats", *maillogs[3:], str(log)]),
        (
            "maillogs report --format json",
            [*maillogs[:3], "report", "--format", "json", *maillogs[3:], str(log)],
        ),
    ]
    if args.small:
        commands += [
            ("maillogs report", [*maillogs[:3], "report", *maillogs[3:], str(log)]),
            ("maillogs --version", [*maillogs[:3], "--version"]),
        ]
    measures = [measure(name, command, args.runs) for name, command in commands]
    pfl = next((m for m in measures if m.name == "pflogsumm"), None)

    size_mib = log.stat().st_size / (1 << 20)
    print(
        f"\n{log.name}: {size_mib:,.0f} MiB, {lines:,} lines; {os.cpu_count()} CPUs, "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"median of {args.runs} runs\n"
    )
    print("| command | seconds | lines/s | peak RSS (MiB) | vs pflogsumm |")
    print("|---|---:|---:|---:|---:|")
    for m in measures:
        ratio = ""
        if pfl and m is not pfl:
            faster = pfl.seconds >= m.seconds
            times = pfl.seconds / m.seconds if faster else m.seconds / pfl.seconds
            ratio = f"{times:.1f}x {'faster' if faster else 'slower'}"
        failed = "" if m.exit_code == 0 else f" (exit {m.exit_code})"
        print(
            f"| `{m.name}`{failed} | {m.seconds:.2f} | {lines / m.seconds:,.0f} "
            f"| {m.peak_rss_mib:,.0f} | {ratio} |"
        )


def _small_log(path: Path) -> Path:
    """sample_logs/classic as one plain file (pflogsumm reads no .gz)."""
    import gzip

    classic = HERE.parent / "sample_logs" / "classic"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        gzip.decompress((classic / "maillog.1.gz").read_bytes())
        + (classic / "maillog").read_bytes()
    )
    return path


if __name__ == "__main__":
    main()
