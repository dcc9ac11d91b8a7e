# ruff: noqa: E501  (log lines are as long as Postfix writes them)
"""The sessions section: smtpd connect times, checked against pflogsumm --smtpd-stats.

tests/pflogsumm/sample_classic_smtpd.txt is pflogsumm 1.1.5's output on sample_logs/classic
(all.log made as in tests/test_pflogsumm_tables.py):

    pflogsumm --smtpd-stats -h 1000 -u 1000 all.log 2>/dev/null > tests/pflogsumm/sample_classic_smtpd.txt

The totals, the per-day table and every IPv4 client's row are equal. pflogsumm gets each
IPv6 client wrong: it reads the host out of the disconnect line with a pattern for IPv4,
so those clients come out with no name or with the line's command counters in the name
(its warnings "uninitialized value $domain" on stderr). maillogs names them right.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from tests.line_report import report_lines
from tests.test_sample_logs import TRUTH, _parse

PFLOGSUMM = (Path(__file__).parent / "pflogsumm" / "sample_classic_smtpd.txt").read_text()
ALL = 1000


@cache
def _sessions() -> dict[str, Any]:
    report, _, _ = _parse("classic", top=ALL)
    sessions: dict[str, Any] = report.data["sessions"]
    return sessions


def _seconds(clock: str) -> int:
    hours, minutes, seconds = (int(part) for part in clock.split(":"))
    return hours * 3600 + minutes * 60 + seconds


def _rounded(value: float) -> int:
    """pflogsumm's average: int(x + .5)."""
    return int(value + 0.5)


def test_totals_equal_pflogsumm_and_truth() -> None:
    sessions = _sessions()
    block = PFLOGSUMM.split("\nsmtpd\n", 1)[1]
    connections = int(re.search(r"(\d+)\s+connections", block)[1])  # type: ignore[index]
    average = int(re.search(r"(\d+)\s+avg\. connect time", block)[1])  # type: ignore[index]
    total = re.search(r"([\d:]+)\s+total connect time", block)[1]  # type: ignore[index]
    # every connection of the sample logs was closed within them
    assert sessions["ended"] == sessions["timed"] == connections == TRUTH["overview"]["connections"]
    assert sessions["total_seconds"] == _seconds(total)
    assert _rounded(sessions["average_seconds"]) == average
    # the longest: a client held its session over the night the generator slept
    assert sessions["max_seconds"] == 28407


def test_per_day_equals_pflogsumm() -> None:
    rows = PFLOGSUMM.split("Per-Day SMTPD Connection Summary", 1)[1].splitlines()[4:7]
    expected = {}
    for row in rows:
        month_day, count, clock, average, longest = re.split(r"\s{2,}", row.strip())
        day = f"2026-11-{month_day.split()[1]}"
        expected[day] = (int(count), _seconds(clock), int(average[:-1]), int(longest[:-1]))
    got = {
        day: (r["sessions"], r["total_seconds"], _rounded(r["average_seconds"]), r["max_seconds"])
        for day, r in _sessions()["by_day"].items()
    }
    assert got == expected


def _pflogsumm_clients() -> dict[str, tuple[int, int, int]]:
    table = PFLOGSUMM.split("Host/Domain Summary: SMTPD Connections", 1)[1].splitlines()[4:]
    found = {}
    for row in table:
        if not row.strip():
            break
        count, clock, _average, longest, *name = row.split(maxsplit=4)
        found[name[0] if name else ""] = (int(count), _seconds(clock), int(longest[:-1]))
    return found


def test_ipv4_clients_equal_pflogsumm_and_ipv6_ones_are_what_it_misnames() -> None:
    ours: dict[str, tuple[int, int, int]] = {}
    ipv6 = 0
    for row in _sessions()["top_clients"]:
        if ":" in row["client_ip"]:
            ipv6 += row["count"]
            continue
        # pflogsumm names a client by its host name, or its address if it has none
        name = row["client_ip"] if row["client_host"] == "unknown" else row["client_host"]
        assert name not in ours
        ours[name] = (row["count"], row["total_seconds"], row["max_seconds"])
    theirs = _pflogsumm_clients()
    misnamed = {name: row for name, row in theirs.items() if name == "" or "[" in name}
    assert {name: row for name, row in theirs.items() if name not in misnamed} == ours
    assert sum(row[0] for row in misnamed.values()) == ipv6 > 0


def test_clients_by_time_are_ordered_and_match_their_rows() -> None:
    sessions = _sessions()
    by_time = sessions["top_clients_by_time"]
    totals = [row["total_seconds"] for row in by_time]
    assert totals == sorted(totals, reverse=True)
    assert sorted(by_time, key=lambda r: r["client_ip"]) == sorted(
        sessions["top_clients"], key=lambda r: r["client_ip"]
    )
    assert sum(row["count"] for row in by_time) == sessions["timed"]
    assert len(by_time) == sessions["clients"]


# smtpd's own lines (smtpd.c: "connect from %s", "disconnect from %s%s").
LINES = """\
Nov 20 23:59:50 mx postfix/smtpd[10]: connect from a.test[192.0.2.1]
Nov 20 23:59:55 other postfix/smtpd[10]: connect from b.test[192.0.2.2]
Nov 20 23:59:58 other postfix/smtpd[10]: disconnect from b.test[192.0.2.2] ehlo=1 quit=1 commands=2
Nov 21 00:00:20 mx postfix/smtpd[10]: disconnect from a.test[192.0.2.1] ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4
Nov 21 00:01:00 mx postfix/smtpd[11]: disconnect from c.test[192.0.2.3] ehlo=1 quit=1 commands=2
"""


def test_sessions_pair_by_host_and_pid_across_batches_and_midnight() -> None:
    data, _ = report_lines(LINES, 2026, ["sessions"])
    sessions = data["sessions"]
    # pid 10 runs on two hosts at once; c.test's connect was before the log began
    assert (sessions["ended"], sessions["timed"]) == (3, 2)
    assert sessions["total_seconds"] == 30 + 3
    assert sessions["max_seconds"] == 30
    # a session counts on the day it ended
    assert sessions["by_day"] == {
        "2026-11-20": {
            "sessions": 1,
            "total_seconds": 3,
            "average_seconds": 3.0,
            "max_seconds": 3,
        },
        "2026-11-21": {
            "sessions": 1,
            "total_seconds": 30,
            "average_seconds": 30.0,
            "max_seconds": 30,
        },
    }
    assert [
        (r["client_host"], r["count"], r["total_seconds"]) for r in sessions["top_clients"]
    ] == [
        ("a.test", 1, 30),
        ("b.test", 1, 3),
    ]


def test_no_sessions_give_zeros_and_nulls() -> None:
    data, _ = report_lines(LINES.splitlines()[-1] + "\n", 2026, ["sessions"])
    sessions = data["sessions"]
    assert (sessions["ended"], sessions["timed"], sessions["total_seconds"]) == (1, 0, 0)
    assert sessions["average_seconds"] is None and sessions["max_seconds"] is None
    assert sessions["by_day"] == {} and sessions["top_clients"] == []
