"""Ingest merges and summarises each day once it is over: a live log fed to twenty
ingests, as cron would, leaves every finished day at most two files per kind and
summarised; late lines of a finished day are merged in by the run that reads them; an
ingest killed while merging loses and doubles nothing."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner

from maillogs.cli import main
from maillogs.store import slices
from maillogs.store.checkpoint import load
from maillogs.store.clock import GRACE, day_over
from maillogs.store.compaction import REPLACES, is_late
from maillogs.store.ingest import COMPACT_CRASH_HOOK, ingest
from maillogs.store.layout import UNKNOWN_DATE, list_parts
from maillogs.store.read import committed_parts, days_of
from maillogs.store.summaries import summarised
from reports.options import ReportOptions
from tests.test_store import (
    SAMPLE,
    SETTINGS,
    _cli_ingest,
    _half_ingested,
    assert_same_events,
    lines,
)

SUMMARIZE = ReportOptions(catchall_domains=("example.org",))
REPORT = ["report", "--format", "json", "--tz", "UTC", "--year", "2026", "-q"]


def _stamp(line: bytes) -> datetime:
    return datetime.strptime(f"2026 {line[:15].decode()}", "%Y %b %d %H:%M:%S").replace(tzinfo=UTC)


def _report(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, [*REPORT, *args])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    data["parse"].pop("files")
    return data


def _files_per_kind_and_day(store: Path) -> Counter[tuple[str, str]]:
    return Counter((part.kind.value, part.date) for part in list_parts(store))


def _assert_settled(store: Path, now: datetime) -> list[str]:
    """Every day that is over by `now`: at most two files per kind, and summarised
    from exactly its files. Returns those days."""
    days = days_of(store, None, None, load(store))
    newest = max(date for date in days if date != UNKNOWN_DATE)
    over = [date for date in days if day_over(date, now, newest)]
    files = _files_per_kind_and_day(store)
    for date in over:
        assert max(n for (_, day), n in files.items() if day == date) <= 2, date
        assert summarised(store, SUMMARIZE, date, days[date]), date
    return over


def test_twenty_ingests_of_a_live_log_leave_each_finished_day_merged_and_summarised(
    tmp_path: Path,
) -> None:
    logs, store = tmp_path / "log", tmp_path / "store"
    logs.mkdir()
    every, live = lines(), logs / "maillog"
    cuts = [len(every) * piece // 20 for piece in range(21)]
    finished: list[list[str]] = []
    most_files = 0
    for piece in range(20):
        with live.open("ab") as out:
            out.writelines(every[cuts[piece] : cuts[piece + 1]])
        # cron runs a few minutes after the last line was written
        now = _stamp(every[cuts[piece + 1] - 1]) + timedelta(minutes=5)
        report = ingest([str(logs)], store, SETTINGS, now, wait=False, summarize=SUMMARIZE)
        assert report.errors == []
        finished.append(_assert_settled(store, now))
        most_files = max(most_files, *_files_per_kind_and_day(store).values())
    # the days ended one after the other, and before they did they had many files
    assert finished[0] == [] and finished[-1] == ["2026-11-22", "2026-11-23"]
    assert most_files >= 5
    # the clock ends the last day too, an hour after its midnight
    midnight = datetime(2026, 11, 25, tzinfo=UTC)
    ingest([str(logs)], store, SETTINGS, midnight + GRACE / 2, wait=False, summarize=SUMMARIZE)
    assert _assert_settled(store, midnight + GRACE / 2) == ["2026-11-22", "2026-11-23"]
    report = ingest([str(logs)], store, SETTINGS, midnight + GRACE, wait=False, summarize=SUMMARIZE)
    assert report.summaries == 1 and report.new_lines == 0
    assert _assert_settled(store, midnight + GRACE) == ["2026-11-22", "2026-11-23", "2026-11-24"]
    assert_same_events(store)
    options = ["--catchall-domain", "example.org"]
    assert _report(*options, "--store", str(store)) == _report(*options, str(SAMPLE))


def test_late_lines_of_a_finished_day_are_merged_by_the_run_that_reads_them(
    tmp_path: Path,
) -> None:
    logs, store = tmp_path / "log", tmp_path / "store"
    logs.mkdir()
    every = lines()
    (logs / "maillog").write_bytes(b"".join(every))
    now = datetime(2026, 11, 26, tzinfo=UTC)
    ingest([str(logs)], store, SETTINGS, now, wait=False, summarize=SUMMARIZE)
    # old logs of the first day from two other hosts, found one after the other
    first_day = [line for line in every if line.startswith(b"Nov 22")]
    for host, count in ((b"mx2", 100), (b"mx3", 150)):
        late = [line.replace(b" mx ", b" %s " % host, 1) for line in first_day[:count]]
        (logs / f"{host.decode()}.log").write_bytes(b"".join(late))
        report = ingest([str(logs)], store, SETTINGS, now, wait=False, summarize=SUMMARIZE)
        assert report.new_lines == count and report.summaries == 1
        _assert_settled(store, now)
    day = [p for p in list_parts(store) if p.date == "2026-11-22"]
    # kinds with more than these few lines keep their base and merge the rest
    assert any(is_late(part) for part in day)
    # the summaries are of the files as they are now: the report of the logs
    options = ["--catchall-domain", "example.org"]
    assert _report(*options, "--store", str(store)) == _report(*options, str(logs))


@pytest.mark.parametrize("kill_at", [1, 2, 3, 6])
def test_an_ingest_killed_while_merging_loses_and_doubles_nothing(
    tmp_path: Path, kill_at: int
) -> None:
    logs, store = _half_ingested(tmp_path)  # the real clock: every sample day is over
    killed = _cli_ingest(store, logs, **{COMPACT_CRASH_HOOK: str(kill_at)})
    assert killed.returncode == -9, killed.stderr
    left = {part.path.name for part in list_parts(store)}
    again = _cli_ingest(store, logs)
    assert again.returncode == 0, again.stderr
    assert_same_events(store)
    assert _report("--store", str(store)) == _report(str(SAMPLE))
    # nothing a merged file holds is left beside it
    for part in committed_parts(store, load(store)):
        if part.source is None:
            replaced = pl.read_parquet_metadata(part.path)[REPLACES].splitlines()
            assert not any((part.path.parent / line.split("\t")[0]).exists() for line in replaced)
    assert left  # the killed run had written its parts


def test_a_second_run_with_nothing_new_changes_nothing(tmp_path: Path) -> None:
    logs, store = _half_ingested(tmp_path)
    assert _cli_ingest(store, logs).returncode == 0
    before = sorted(p.path.name for p in list_parts(store))
    assert max(_files_per_kind_and_day(store).values()) <= 2
    assert _cli_ingest(store, logs).returncode == 0
    assert sorted(p.path.name for p in list_parts(store)) == before


def test_a_day_read_in_slices_gives_the_report_of_the_logs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Days cut into slices of 700 events (at minute boundaries): the same report."""
    logs, store = _half_ingested(tmp_path)
    assert _cli_ingest(store, logs).returncode == 0
    parts = days_of(store, None, None, load(store))["2026-11-23"]
    monkeypatch.setattr(slices, "SLICE_ROWS", 700)
    cut = slices.slices(parts, None)
    assert len(cut) > 5 and cut[0][0] is None and cut[-1][1] is None
    for path in (store / "_summaries").rglob("*.parquet"):
        path.unlink()
    # from the first second: every day is read as events
    args = ["--since", "2026-11-22T00:00:01", "--catchall-domain", "example.org"]
    assert _report(*args, "--store", str(store)) == _report(*args, str(SAMPLE))
    # a day summary made from slices
    assert _report("--store", str(store)) == _report(str(SAMPLE))
