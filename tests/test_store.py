"""The event store: ingesting in pieces across rotation, compression and copytruncate
gives exactly the events of one full parse; a killed ingest loses and doubles nothing;
one ingest at a time; foreign and damaged files are named; DuckDB reads it as it is."""

from __future__ import annotations

import fcntl
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from maillogs.cli import main
from maillogs.pipeline import ParseSettings
from maillogs.store import compaction, maintenance
from maillogs.store.ingest import CRASH_HOOK, ingest
from maillogs.store.layout import StorePath, list_parts
from maillogs.store.read import store_batches
from parsers.envelope import LogFormat
from parsers.schema import EventKind
from parsers.stream import EventParser
from parsers.timestamps import TimeContext

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "sample_logs" / "classic"
NOW = datetime(2026, 11, 25, tzinfo=UTC)
SETTINGS = ParseSettings(tz="UTC", year=2026, chunk_bytes=64 * 1024)


@cache
def sample_text() -> bytes:
    with gzip.open(SAMPLE / "maillog.1.gz") as rotated:
        return rotated.read() + (SAMPLE / "maillog").read_bytes()


@cache
def full_parse() -> dict[EventKind, pl.DataFrame]:
    """One parse of the whole text as one source, in the default chunk size."""
    parser = EventParser()
    times = TimeContext(tz="UTC", reference=NOW, year=2026)
    text = sample_text()
    frames: dict[EventKind, list[pl.DataFrame]] = {kind: [] for kind in EventKind}
    for batch in parser.parse_chunks([text], times, LogFormat.CLASSIC):
        for kind, frame in batch.items():
            frames[kind].append(frame)
    return {kind: _sorted(pl.concat(parts)) for kind, parts in frames.items()}


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort(frame.columns, nulls_last=True)


def stored(store: StorePath) -> dict[EventKind, pl.DataFrame]:
    frames: dict[EventKind, list[pl.DataFrame]] = {kind: [] for kind in EventKind}
    for batch in store_batches(store, None, None):
        for kind, frame in batch.items():
            frames[kind].append(frame)
    return {kind: _sorted(pl.concat(parts)) for kind, parts in frames.items()}


def assert_same_events(store: Path) -> None:
    got, want = stored(store), full_parse()
    for kind in EventKind:
        assert got[kind].height == want[kind].height, kind
        assert got[kind].equals(want[kind]), kind


def lines() -> list[bytes]:
    return sample_text().splitlines(keepends=True)


def test_ingest_in_pieces_with_rotation_compression_and_copytruncate(tmp_path: Path) -> None:
    logs, store = tmp_path / "log", tmp_path / "store"
    logs.mkdir()
    every = lines()
    cuts = [0, 1500, 3100, 3101, 5200, 7400, 9000, len(every)]
    live = logs / "maillog"

    def append(piece: int) -> None:
        with live.open("ab") as out:
            out.writelines(every[cuts[piece] : cuts[piece + 1]])

    def run() -> None:
        report = ingest([str(logs)], store, SETTINGS, NOW, wait=False)
        assert report.errors == []

    append(0)
    run()
    append(1)
    # the line being written: left for the next run
    with live.open("ab") as out:
        out.write(every[cuts[2]].rstrip(b"\n"))
    run()
    with live.open("ab") as out:
        out.write(b"\n")
    run()
    # logrotate's rename and create
    live.rename(logs / "maillog.1")
    append(3)
    run()
    # the rotated file compressed later, under another name
    with (logs / "maillog.1").open("rb") as plain, gzip.open(logs / "maillog.2.gz", "wb") as gz:
        shutil.copyfileobj(plain, gz)
    (logs / "maillog.1").unlink()
    live.rename(logs / "maillog.1")
    append(4)
    run()
    # copytruncate: the live file copied and emptied in place
    append(5)
    shutil.copyfile(live, logs / "maillog.0")
    with live.open("r+b") as out:
        out.truncate(0)
    append(6)
    run()
    run()  # nothing new: nothing changes
    assert_same_events(store)


def _cli_ingest(store: Path, logs: Path, **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "maillogs", "ingest", "--tz", "UTC", "--year", "2026", "-q",
         "--store", str(store), str(logs)],
        cwd=ROOT, env={**os.environ, **env}, capture_output=True, check=False, timeout=300,
    )  # fmt: skip


def _live_log(tmp_path: Path, count: int) -> tuple[Path, Path]:
    """A log directory whose `maillog` holds the first `count` sample lines, and where
    its store goes."""
    logs, store = tmp_path / "log", tmp_path / "store"
    logs.mkdir()
    (logs / "maillog").write_bytes(b"".join(lines()[:count]))
    return logs, store


def _half_ingested(tmp_path: Path) -> tuple[Path, Path]:
    """A store of the first 6000 sample lines; its log then holds all of them."""
    logs, store = _live_log(tmp_path, 6000)
    assert _cli_ingest(store, logs).returncode == 0
    with (logs / "maillog").open("ab") as out:
        out.writelines(lines()[6000:])
    return logs, store


@pytest.mark.parametrize("kill_after", [1, 9, 26, 50])
def test_a_killed_ingest_loses_and_doubles_nothing(tmp_path: Path, kill_after: int) -> None:
    logs, store = tmp_path / "log", tmp_path / "store"
    logs.mkdir()
    (logs / "maillog").write_bytes(sample_text())
    killed = _cli_ingest(store, logs, **{CRASH_HOOK: str(kill_after)})
    assert killed.returncode == -9
    assert any(store.rglob("*.parquet"))
    again = _cli_ingest(store, logs)
    assert again.returncode == 0, again.stderr
    assert_same_events(store)


def test_after_a_killed_ingest_reports_and_compact_count_each_event_once(
    tmp_path: Path,
) -> None:
    """The killed run left files beyond the checkpoint: a report of store plus logs
    reads those lines from the logs only, and compact does not merge them, so the
    next ingest still replaces them."""
    logs, store = _half_ingested(tmp_path)
    assert _cli_ingest(store, logs, **{CRASH_HOOK: "5"}).returncode == -9
    _assert_store_and_logs_count_each_line_once(store, logs)
    args = ["report", "--format", "json", "--tz", "UTC", "--year", "2026", "-q"]
    stored_only = json.loads(CliRunner().invoke(main, [*args, "--store", str(store)]).output)
    assert stored_only["parse"]["lines"] == 6000
    info = maintenance.info(store)
    assert sum(info.events_by_kind.values()) == stored_only["parse"]["lines"]
    maintenance.compact(store)
    assert _cli_ingest(store, logs).returncode == 0
    assert_same_events(store)


def test_the_store_keeps_the_time_zone_of_its_first_ingest(tmp_path: Path) -> None:
    logs, store = _half_ingested(tmp_path)  # read in UTC
    other_zone = CliRunner().invoke(
        main, ["ingest", "--tz", "Europe/Athens", "-q", "--store", str(store), str(logs)]
    )
    assert other_zone.exit_code == 1
    assert "its times were read in UTC, this run would read them in Europe/Athens" in (
        other_zone.output
    )
    # A report shows the store in any zone, but reads the store's new lines in its zone.
    shown = ["report", "--format", "json", "--tz", "Asia/Kathmandu", "--year", "2026", "-q"]
    both = CliRunner().invoke(main, [*shown, "--store", str(store), str(logs)])
    assert _cli_ingest(store, logs).returncode == 0
    stored_only = CliRunner().invoke(main, [*shown, "--store", str(store)])
    one, other = json.loads(both.output), json.loads(stored_only.output)
    assert one["overview"] == other["overview"]
    assert one["parse"]["last_time"] == other["parse"]["last_time"]


def test_a_file_truncated_in_place_is_said_and_read_on_from_its_end(tmp_path: Path) -> None:
    logs, store = _live_log(tmp_path, 3000)
    every, live = lines(), logs / "maillog"
    assert _cli_ingest(store, logs).returncode == 0
    kept = len(b"".join(every[:100]))  # more than the 4 KiB that name the source
    with live.open("r+b") as out:
        out.truncate(kept)
    truncated = _cli_ingest(store, logs)
    assert truncated.returncode == 1
    assert b"than what was ingested" in truncated.stderr
    assert b"truncated in place? Reading on from its end" in truncated.stderr
    with live.open("ab") as out:
        out.writelines(every[5000:5010])
    assert _cli_ingest(store, logs).returncode == 0
    state = json.loads((store / "_state" / "checkpoint.json").read_text())["sources"]
    assert [(s["lines"], s["size"]) for s in state] == [(3010, live.stat().st_size)]
    assert state[0]["inode"] == live.stat().st_ino


def test_a_second_ingest_says_one_is_running(tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    with (store / ".lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        result = CliRunner().invoke(
            main, ["ingest", "--tz", "UTC", "--year", "2026", "--store", str(store), str(SAMPLE)]
        )
    assert result.exit_code == 1
    assert "another maillogs ingest is running (use --wait" in result.output
    assert list(store.iterdir()) == [store / ".lock"]


@pytest.fixture
def sample_store(tmp_path: Path) -> Path:
    store = tmp_path / "store"
    assert ingest([str(SAMPLE)], store, SETTINGS, NOW, wait=False).errors == []
    return store


@pytest.mark.parametrize(
    "options",
    [
        ["--tz", "UTC", "--catchall-domain", "example.org"],
        # every option that changes what the sections read or how they group it
        ["--tz", "Asia/Kathmandu", "--period", "day", "--catchall-domain", "example.org",
         "--header-checks", str(ROOT / "sample_logs" / "header_checks"), "--top", "3"],
    ],
)  # fmt: skip
def test_report_from_the_store_equals_the_report_from_the_logs(
    tmp_path: Path, options: list[str]
) -> None:
    """The store reads only the columns the sections name: a column one uses without
    naming it would fail here."""
    sample_store = tmp_path / "store"
    settings = ParseSettings(tz=options[1], year=2026, chunk_bytes=64 * 1024)
    assert ingest([str(SAMPLE)], sample_store, settings, NOW, wait=False).errors == []
    common = ["report", "--format", "json", "--year", "2026", "-q", *options]
    from_store = CliRunner().invoke(main, [*common, "--store", str(sample_store)])
    from_logs = CliRunner().invoke(main, [*common, str(SAMPLE)])
    assert from_store.exit_code == 0, from_store.output
    one, other = json.loads(from_store.output), json.loads(from_logs.output)
    for data in (one, other):
        data["parse"].pop("files")
    assert one == other


def test_store_and_new_lines_count_each_line_once(tmp_path: Path) -> None:
    logs, store = _half_ingested(tmp_path)
    _assert_store_and_logs_count_each_line_once(store, logs)


def _assert_store_and_logs_count_each_line_once(store: Path, logs: Path) -> None:
    args = ["report", "--format", "json", "--tz", "UTC", "--year", "2026", "-q"]
    both = CliRunner().invoke(main, [*args, "--store", str(store), str(logs)])
    whole = CliRunner().invoke(main, [*args, str(SAMPLE)])
    assert both.exit_code == 0, both.output
    one, other = json.loads(both.output), json.loads(whole.output)
    assert one["overview"] == other["overview"]
    assert one["parse"]["lines"] == len(lines())


def test_store_info_says_what_is_there(sample_store: Path) -> None:
    truth = json.loads((ROOT / "sample_logs" / "truth.json").read_text())
    result = CliRunner().invoke(main, ["store", "info", "--store", str(sample_store)])
    assert result.exit_code == 0, result.output
    assert "days:     2026-11-22 .. 2026-11-24 (UTC)" in result.output
    assert "zone:     UTC" in result.output
    assert f"  connect          {truth['overview']['connections']:,}\n" in result.output
    per_source = [int(n.replace(",", "")) for n in re.findall(r": ([\d,]+) lines, ", result.output)]
    assert sum(per_source) == truth["parse"]["lines"]


def test_period_reads_only_its_days(sample_store: Path) -> None:
    since, until = datetime(2026, 11, 23, tzinfo=UTC), datetime(2026, 11, 24, tzinfo=UTC)
    days = {
        frame.get_column("time").dt.date().min()
        for batch in store_batches(sample_store, since, until)
        for frame in batch.values()
        if frame.height
    }
    assert days == {datetime(2026, 11, 23).date()}


def test_a_foreign_file_is_named(sample_store: Path) -> None:
    (sample_store / "notes.txt").write_text("mine")
    result = CliRunner().invoke(main, ["report", "--store", str(sample_store), "-q"])
    assert result.exit_code == 1
    assert f"{sample_store / 'notes.txt'}: not part of a maillogs store" in result.output


def test_a_damaged_part_is_named(sample_store: Path) -> None:
    part = next(p for p in list_parts(sample_store) if p.kind is EventKind.TLS)
    part.path.write_bytes(b"PAR1 this is not parquet")
    result = CliRunner().invoke(main, ["report", "--store", str(sample_store), "-q"])
    assert result.exit_code == 1
    assert f"{part.path}: damaged" in result.output


def test_compact_keeps_every_event_and_recovers_from_a_kill(tmp_path: Path) -> None:
    store = tmp_path / "store"
    logs = tmp_path / "log"
    logs.mkdir()
    every = lines()
    for cut in (0, 4000, 8000):
        with (logs / "maillog").open("ab") as out:
            out.writelines(every[cut : cut + 4000])
        ingest([str(logs)], store, SETTINGS, NOW, wait=False)
    before = len(list_parts(store))
    # a compact killed after writing a merged file but before deleting its inputs:
    day = next(p for p in list_parts(store) if p.kind is EventKind.CONNECT).path.parent
    inputs = sorted(day.iterdir())
    merged = pl.concat([pl.read_parquet(p) for p in inputs])
    replaces = {compaction.REPLACES: "\n".join(p.name for p in inputs)}
    merged.write_parquet(day / "compact-0123456789abcdef.parquet", metadata=replaces)
    removed = maintenance.compact(store)
    assert removed > 0 and len(list_parts(store)) < before
    assert_same_events(store)


def test_prune_drops_old_days(sample_store: Path) -> None:
    dropped = maintenance.prune(sample_store, timedelta(days=2), NOW)
    left = {p.date for p in list_parts(sample_store)}
    assert dropped > 0 and left == {"2026-11-23", "2026-11-24"}


def test_duckdb_reads_the_store_as_it_is(sample_store: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    found = duckdb.sql(
        f"select kind, count(*) from read_parquet('{sample_store}/kind=*/date=*/*.parquet', "
        "hive_partitioning=true, union_by_name=true) group by kind"
    ).fetchall()
    want = {kind.value: frame.height for kind, frame in full_parse().items() if frame.height}
    assert dict(found) == want


def _ingested_lines(store: Path) -> int:
    try:
        state = json.loads((store / "_state" / "checkpoint.json").read_text())
    except (OSError, ValueError):
        return 0
    return sum(source["lines"] for source in state["sources"])


def _wait_for(store: Path, count: int, follower: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while _ingested_lines(store) < count:
        assert follower.poll() is None, follower.stderr.read() if follower.stderr else ""
        assert time.monotonic() < deadline, f"only {_ingested_lines(store)} of {count} lines"
        time.sleep(0.1)


def test_follow_survives_rotation(tmp_path: Path) -> None:
    logs, store = _live_log(tmp_path, 4000)
    every, live = lines(), logs / "maillog"
    follower = subprocess.Popen(
        [sys.executable, "-m", "maillogs", "ingest", "--follow", "--interval", "0.2", "--tz",
         "UTC", "--year", "2026", "-q", "--store", str(store), str(logs)],
        cwd=ROOT, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        _wait_for(store, 4000, follower)
        with live.open("ab") as out:
            out.writelines(every[4000:7000])
        _wait_for(store, 7000, follower)
        live.rename(logs / "maillog.1")  # rotation while following
        live.write_bytes(b"".join(every[7000:]))
        _wait_for(store, len(every), follower)
    finally:
        follower.terminate()
        follower.wait(timeout=30)
    assert_same_events(store)


def test_blog_and_mail_read_the_store_too(sample_store: Path) -> None:
    tables = ["--header-checks", str(ROOT / "sample_logs" / "header_checks")]
    common = ["--tz", "UTC", "--year", "2026", "-q", *tables]
    from_store = CliRunner().invoke(
        main, ["blog", "--month", "2026-11", *common, "--store", str(sample_store)]
    )
    from_logs = CliRunner().invoke(main, ["blog", "--month", "2026-11", *common, str(SAMPLE)])
    assert from_store.exit_code == 0, from_store.output
    assert from_store.output == from_logs.output
    mail = CliRunner().invoke(
        main, ["mail", "--to", "a@example.org", "--from", "m@mx.example.net", "--dry-run",
               "--tz", "UTC", "--year", "2026", "-q", "--store", str(sample_store)],
    )  # fmt: skip
    assert mail.exit_code == 0, mail.output
    assert "1,165 received" in mail.output.split("\n", 1)[0]  # pflogsumm's received
