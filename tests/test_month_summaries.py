"""Month summaries: a report over whole months that are over loads one summary per
month instead of its days', and says exactly what the report of the logs says, also
when messages and sessions cross the month's last midnight."""

from __future__ import annotations

import gzip
import io
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from maillogs.cli import main
from maillogs.environment import Environment
from maillogs.pipeline import ParseSettings
from maillogs.store import maintenance
from maillogs.store.ingest import ingest
from maillogs.store.layout import SUMMARIES
from maillogs.store.months import month_over, whole_month
from maillogs.store.summaries import fingerprint
from reports.options import ReportOptions

ROOT = Path(__file__).resolve().parent.parent
RFC3339 = ROOT / "sample_logs" / "rfc3339" / "maillog.gz"
# the sample (2026-11-22 06:00 to 11-24) moved so that its days cross into December
SHIFT = timedelta(days=8)
LATER = datetime(2027, 1, 5, tzinfo=UTC)  # both months are over
SETTINGS = ParseSettings(tz="UTC", year=2026, chunk_bytes=64 * 1024)
DOMAINS = ("example.org",)
_STAMP = re.compile(rb"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00)")


def _shifted_lines(shift: timedelta = SHIFT) -> list[bytes]:
    def move(line: bytes) -> bytes:
        found = _STAMP.match(line)
        if found is None:
            return line
        stamp = datetime.fromisoformat(found.group(1).decode()) + shift
        return stamp.isoformat(timespec="microseconds").encode() + line[found.end() :]

    return [move(line) for line in gzip.decompress(RFC3339.read_bytes()).splitlines(True)]


def _report(now: datetime, *args: str) -> dict[str, Any]:
    out = io.StringIO()
    result = CliRunner().invoke(
        main,
        ["report", "--format", "json", "--tz", "UTC", "-q", "--catchall-domain", *DOMAINS, *args],
        obj=Environment(env={}, clock=lambda: now, stdout=out),
    )
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(out.getvalue())
    data["parse"].pop("files")
    return data


def _months(store: Path) -> list[str]:
    folder = store / SUMMARIES / fingerprint(ReportOptions(catchall_domains=DOMAINS))
    return sorted(path.name[6:13] for path in folder.glob("month=*.parquet"))


def _logged_before(line: bytes, now: datetime) -> bool:
    """Is the line's stamp before `now`? (Every line of the sample has one.)"""
    found = _STAMP.match(line)
    assert found is not None
    return datetime.fromisoformat(found.group(1).decode()) < now


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "logs" / "maillog"
    path.parent.mkdir()
    path.write_bytes(b"".join(_shifted_lines()))
    return path


def _ingested(log: Path, store: Path, now: datetime) -> None:
    summarize = ReportOptions(catchall_domains=DOMAINS)
    report = ingest([str(log)], store, SETTINGS, now, wait=False, summarize=summarize)
    assert report.errors == []


@pytest.mark.parametrize(
    "period",
    [
        [],  # both months whole: two month summaries
        ["--since", "2026-12-01"],  # December whole, November out
        ["--since", "2026-11-30T12:00", "--period", "day"],  # November cut: its days
        ["--until", "2026-11-30"],  # November whole (--until takes in its day), December out
        ["--period", "week", "--tz", "Asia/Kathmandu"],  # local weeks across the months
    ],
)
def test_a_report_of_month_summaries_is_the_report_of_the_logs(
    tmp_path: Path, log: Path, period: list[str]
) -> None:
    store = tmp_path / "store"
    _ingested(log, store, LATER)
    assert _months(store) == ["2026-11", "2026-12"], "ingest made them: both months are over"
    from_logs = _report(LATER, *period, str(log))
    from_store = _report(LATER, *period, "--store", str(store))
    if (
        "--since" in period or "--until" in period
    ):  # the log's lines outside the period are read (and counted), the store's not
        for data in (from_logs, from_store):
            data.pop("parse")
    assert from_store == from_logs
    # made by a report where ingest did not: the same again
    for path in (store / SUMMARIES).rglob("month=*"):
        path.unlink()
    again = _report(LATER, *period, "--store", str(store))
    if "--since" in period or "--until" in period:
        again.pop("parse")
    assert again == from_logs


def test_whole_months_are_read_from_their_summaries_alone(tmp_path: Path, log: Path) -> None:
    store = tmp_path / "store"
    _ingested(log, store, LATER)
    for path in (store / SUMMARIES).rglob("date=*"):
        path.unlink()
    assert _report(LATER, "--store", str(store)) == _report(LATER, str(log))
    assert not list((store / SUMMARIES).rglob("date=*")), "no day was read"


def test_a_month_not_over_is_read_as_the_month_so_far(tmp_path: Path, log: Path) -> None:
    """December is not over on the 10th, its two days are: one summary of the month so
    far, made by ingest, or by the report where ingest did not."""
    store = tmp_path / "store"
    now = datetime(2026, 12, 10, tzinfo=UTC)
    _ingested(log, store, now)
    assert _months(store) == ["2026-11", "2026-12"]
    for path in (store / SUMMARIES).rglob("date=*"):
        path.unlink()
    assert _report(now, "--store", str(store)) == _report(now, str(log))
    assert not list((store / SUMMARIES).rglob("date=*")), "no day was read"
    for path in (store / SUMMARIES).rglob("month=2026-12.*"):
        path.unlink()
    assert _report(now, "--store", str(store)) == _report(now, str(log))
    assert _months(store) == ["2026-11", "2026-12"]


def test_the_month_so_far_takes_in_each_day_as_it_ends(tmp_path: Path) -> None:
    """The sample moved to 2026-12-01 .. 12-03: one day over is no month so far; two
    are, then three replace it; the newest day is read as events meanwhile."""
    lines = _shifted_lines(SHIFT + timedelta(days=1))
    log = tmp_path / "maillog"
    store = tmp_path / "store"
    december = store / SUMMARIES / fingerprint(ReportOptions(catchall_domains=DOMAINS))
    made = []
    for now in (
        datetime(2026, 12, 2, 12, tzinfo=UTC),  # 12-01 over
        datetime(2026, 12, 3, 12, tzinfo=UTC),  # 12-01 and 12-02 over
        datetime(2026, 12, 4, 2, tzinfo=UTC),  # the three, with the hour of grace
    ):
        log.write_bytes(b"".join(line for line in lines if _logged_before(line, now)))
        _ingested(log, store, now)
        made.append(sorted(path.name for path in december.glob("month=*")))
        assert _report(now, "--store", str(store)) == _report(now, str(log))
    assert made[0] == []
    assert len(made[1]) == len(made[2]) == 1 and made[1] != made[2], "a day more: replaced"
    log.write_bytes(b"".join(lines))
    _ingested(log, store, LATER)
    assert sorted(path.name for path in december.glob("month=*")) == made[2], (
        "the month over is the month so far of all its days"
    )


def test_a_month_that_got_late_lines_is_summed_again(tmp_path: Path, log: Path) -> None:
    lines = log.read_bytes().splitlines(True)
    november = [line for line in lines if line.startswith(b"2026-11")]
    log.write_bytes(b"".join(november[: len(november) // 2]))
    store = tmp_path / "store"
    _ingested(log, store, LATER)
    assert _months(store) == ["2026-11"]
    first = list((store / SUMMARIES).rglob("month=2026-11.*"))
    log.write_bytes(b"".join(lines))  # a catch-up brings the rest, late
    _ingested(log, store, LATER)
    assert _months(store) == ["2026-11", "2026-12"], "one summary per month, the old one gone"
    assert list((store / SUMMARIES).rglob("month=2026-11.*")) != first
    assert _report(LATER, "--store", str(store)) == _report(LATER, str(log))


def test_store_info_counts_them_and_prune_deletes_the_months_it_cuts(
    tmp_path: Path, log: Path
) -> None:
    store = tmp_path / "store"
    _ingested(log, store, LATER)
    info = CliRunner().invoke(main, ["store", "info", "--store", str(store)])
    assert "month summaries: 2 (" in info.output
    # keep from 2026-12-01 on: November's month summary goes with its days
    maintenance.prune(store, keep=LATER - datetime(2026, 12, 1, tzinfo=UTC), now=LATER)
    assert _months(store) == ["2026-12"]


def test_store_summarize_makes_the_months_that_are_over(tmp_path: Path, log: Path) -> None:
    store = tmp_path / "store"
    assert ingest([str(log)], store, SETTINGS, LATER, wait=False).errors == []
    result = CliRunner().invoke(
        main,
        ["store", "summarize", "--store", str(store), "--catchall-domain", "example.org"],
        obj=Environment(env={}, clock=lambda: LATER),
    )
    assert result.exit_code == 0, result.output
    assert "and 2 month summaries" in result.output
    assert _months(store) == ["2026-11", "2026-12"]


def test_whole_and_over() -> None:
    december = datetime(2026, 12, 1, tzinfo=UTC)
    assert whole_month("2026-11", None, None)
    assert whole_month("2026-11", datetime(2026, 11, 1, tzinfo=UTC), december)
    assert not whole_month("2026-11", datetime(2026, 11, 1, 0, 0, 1, tzinfo=UTC), None)
    assert not whole_month("2026-11", None, december - timedelta(microseconds=1))
    assert whole_month("2026-12", december, datetime(2027, 1, 1, tzinfo=UTC))
    # over by the clock with the day's grace, or as a later day has events
    assert not month_over("2026-11", december, None)
    assert month_over("2026-11", december + timedelta(hours=1), None)
    assert month_over("2026-11", december, "2026-12-01")
    assert not month_over("2026-11", december, "2026-11-30")


def test_a_later_day_of_the_store_ends_the_month_whatever_the_period(
    tmp_path: Path, log: Path
) -> None:
    """Half an hour after midnight the clock (with its hour of grace) does not end
    November yet, but December's events in the store do, also for a report of
    November alone, whose own days end on the 30th."""
    store = tmp_path / "store"
    now = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
    _ingested(log, store, now)
    assert _months(store) == ["2026-11"]
    november = ["--until", "2026-11-30"]  # takes in its day
    from_logs = _report(now, *november, str(log))
    # November's events cannot be read now: the report has to take its month summary
    for part in store.glob("kind=*/date=2026-11-*/*.parquet"):
        part.write_bytes(b"not parquet")
    from_store = _report(now, *november, "--store", str(store))
    from_store.pop("parse"), from_logs.pop("parse")
    assert from_store == from_logs
