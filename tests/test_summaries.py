# ruff: noqa: E501  (log lines are as long as Postfix writes them)
"""Day summaries: a report that reads a store's saved day states says exactly what the
report of the logs says, whatever the zone, split, period edges, and however the days'
files changed since the summaries were made."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner

from maillogs.cli import main
from maillogs.environment import Environment
from maillogs.pipeline import ParseSettings
from maillogs.store import maintenance, summaries
from maillogs.store.ingest import ingest
from maillogs.store.layout import SUMMARIES
from maillogs.store.read import store_days, whole_day
from maillogs.store.summaries import fingerprint
from parsers.envelope import LogFormat
from parsers.stream import EventParser
from parsers.timestamps import TimeContext
from reports import ledger
from reports.builder import ReportBuilder
from reports.codes import Packed
from reports.options import Bucket, ReportOptions
from reports.section import ParseSummary
from reports.tally import Tally
from tests.test_store import NOW, SAMPLE, SETTINGS, lines
from tests.test_tally import through_file

ROOT = Path(__file__).resolve().parent.parent
REPORT = ["report", "--format", "json", "--year", "2026", "-q"]


def _report(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, [*REPORT, *args])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    data["parse"].pop("files")
    return data


def _summaries(store: Path) -> list[str]:
    return sorted(path.name for path in (store / SUMMARIES).glob("*/date=*.parquet"))


def _days(folder: Path) -> list[str]:
    """The days a folder of summaries (one set of options) holds, one file each."""
    return [path.name[5:15] for path in sorted(folder.glob("date=*"))]


def _store(tmp_path: Path, tz: str = "UTC") -> Path:
    """The sample logs ingested, their classic stamps read in `tz`."""
    path = tmp_path / "store"
    settings = ParseSettings(tz=tz, year=2026, chunk_bytes=SETTINGS.chunk_bytes)
    assert ingest([str(SAMPLE)], path, settings, NOW, wait=False).errors == []
    return path


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return _store(tmp_path)


@pytest.mark.parametrize(
    "options",
    [
        ["--tz", "UTC", "--catchall-domain", "example.org"],
        ["--tz", "Europe/Athens", "--period", "day", "--catchall-domain", "example.org",
         "--header-checks", str(ROOT / "sample_logs" / "header_checks")],
        # edges inside days: those days are read as events, the day between from its summary
        ["--tz", "America/St_Johns", "--period", "week", "--since", "2026-11-22T13:30",
         "--until", "2026-11-24T08:00"],
    ],
)  # fmt: skip
def test_made_then_saved_summaries_give_the_report_of_the_logs(
    tmp_path: Path, options: list[str]
) -> None:
    store = _store(tmp_path, options[1])
    from_logs = _report(*options, str(SAMPLE))
    made = _report(*options, "--store", str(store))
    assert _summaries(store), "the report kept the summaries it made"
    saved = _report(*options, "--store", str(store))
    assert made == from_logs
    assert saved == from_logs


def test_an_unsplit_state_is_the_same_in_every_zone(store: Path) -> None:
    """So the fingerprint leaves the zone out: ingest makes summaries knowing no report
    zone, and reports in any zone read them."""
    for day in store_days(store, None, None):
        states = []
        for zone in ("UTC", "Asia/Kathmandu", "America/St_Johns"):
            builder = ReportBuilder(
                ReportOptions(tz=zone, catchall_domains=("example.org",)), isolated=True
            )
            builder.add(day.batch)
            states.append(builder.dump_state())
        for other in states[1:]:
            assert other.keys() == states[0].keys()
            for name, frame in states[0].items():
                order = [c for c in frame.columns if frame.schema[c] != pl.List]
                assert (
                    other[name]
                    .sort(order, nulls_last=True)
                    .equals(frame.sort(order, nulls_last=True))
                ), name


def test_a_summary_is_used_only_for_days_the_period_holds_whole() -> None:
    day = "2026-11-23"
    midnight = datetime(2026, 11, 23, tzinfo=UTC)
    next_midnight = datetime(2026, 11, 24, tzinfo=UTC)
    assert whole_day(day, None, None)
    assert whole_day(day, midnight, next_midnight)
    assert not whole_day(day, midnight.replace(second=1), None)
    assert not whole_day(day, None, datetime(2026, 11, 23, 23, tzinfo=UTC))
    assert not whole_day("unknown", None, None)


def test_the_newest_day_is_read_as_events_until_the_clock_says_it_is_over(store: Path) -> None:
    """Until then it is still being logged to: a summary of it would soon be stale."""
    for hour, days in (
        (0, ["2026-11-22", "2026-11-23"]),
        (1, ["2026-11-22", "2026-11-23", "2026-11-24"]),
    ):
        # the day ends at midnight UTC, and an hour's grace for late lines
        env = Environment(env={}, clock=lambda hour=hour: datetime(2026, 11, 25, hour, tzinfo=UTC))
        result = CliRunner().invoke(main, [*REPORT, "--tz", "UTC", "--store", str(store)], obj=env)
        assert result.exit_code == 0, result.output
        (folder,) = (store / SUMMARIES).iterdir()
        assert _days(folder) == days


def test_a_day_that_got_more_lines_is_summed_again(tmp_path: Path) -> None:
    logs, store = tmp_path / "log", tmp_path / "store"
    logs.mkdir()
    (logs / "maillog").write_bytes(b"".join(lines()[:6000]))
    args = ["--tz", "UTC", "--catchall-domain", "example.org"]
    assert ingest([str(logs)], store, SETTINGS, NOW, wait=False).errors == []
    _report(*args, "--store", str(store))  # summaries of the first lines' days
    with (logs / "maillog").open("ab") as out:
        out.writelines(lines()[6000:])
    assert ingest([str(logs)], store, SETTINGS, NOW, wait=False).errors == []
    assert _report(*args, "--store", str(store)) == _report(*args, str(SAMPLE))
    # the day that grew has one summary again: of all its files
    folders = list((store / SUMMARIES).iterdir())
    assert len(folders) == 1
    days = _days(folders[0])
    assert days == sorted(set(days))


def test_compacted_days_are_summed_again(tmp_path: Path) -> None:
    store = _store(tmp_path, "Asia/Kathmandu")
    args = ["--tz", "Asia/Kathmandu", "--period", "day"]
    first = _report(*args, "--store", str(store))
    assert maintenance.compact(store) > 0
    assert _report(*args, "--store", str(store)) == first == _report(*args, str(SAMPLE))


def test_a_damaged_summary_is_made_again(store: Path) -> None:
    _report("--tz", "UTC", "--store", str(store))
    for path in (store / SUMMARIES).glob("*/date=*.parquet"):
        path.write_bytes(b"PAR1 not really")
    assert _report("--tz", "UTC", "--store", str(store)) == _report("--tz", "UTC", str(SAMPLE))


def test_a_summary_of_other_accumulators_is_made_again(store: Path) -> None:
    """One a version with other sections made (and forgot to mark) is not loaded."""
    _report("--tz", "UTC", "--store", str(store))
    for path in (store / SUMMARIES).glob("*/date=*.parquet"):
        table = pl.read_parquet(path)
        tls = table.filter(pl.col("name").str.starts_with("state.tls."))
        assert tls.height > 0
        table.filter(pl.col("name") != tls.get_column("name")[0]).write_parquet(path)
    assert _report("--tz", "UTC", "--store", str(store)) == _report("--tz", "UTC", str(SAMPLE))


def test_a_store_the_report_cannot_write_is_read_all_the_same(store: Path) -> None:
    (store / SUMMARIES).write_text("in the way: no summary can be written under it\n")
    assert _report("--tz", "UTC", "--store", str(store)) == _report("--tz", "UTC", str(SAMPLE))


def test_ingest_summarises_the_complete_days_and_prune_deletes_them(tmp_path: Path) -> None:
    store = tmp_path / "store"
    domains = ("example.org",)
    summarize = ReportOptions(catchall_domains=domains)
    report = ingest([str(SAMPLE)], store, SETTINGS, NOW, wait=False, summarize=summarize)
    # the newest day is still being logged to: it is read as events until a later day comes
    assert report.summaries == 2
    folder = store / SUMMARIES / fingerprint(summarize)
    assert _days(folder) == ["2026-11-22", "2026-11-23"]
    info = CliRunner().invoke(main, ["store", "info", "--store", str(store)])
    # and of November so far (maillogs.store.months): the two days in one
    assert "day summaries: 2, month summaries: 1 (" in info.output
    maintenance.prune(store, keep=NOW - datetime(2026, 11, 23, tzinfo=UTC), now=NOW)
    assert _days(folder) == ["2026-11-23"]


def test_store_summarize_makes_them_for_the_domains_asked(store: Path) -> None:
    """Of the days that are over by the clock: at NOW, midnight after the last day,
    that day is not (for an hour)."""
    result = CliRunner().invoke(
        main,
        ["store", "summarize", "--store", str(store), "--catchall-domain", "Example.ORG"],
        obj=Environment(env={}, clock=lambda: NOW),
    )
    assert result.exit_code == 0, result.output
    assert "made 2 day summaries and 1 month summaries" in result.output  # November so far
    folder = store / SUMMARIES / fingerprint(ReportOptions(catchall_domains=("example.org",)))
    assert len(list(folder.glob("date=*"))) == 2
    assert len(list(folder.glob("month=2026-11.*"))) == 1


def test_the_fingerprint_holds_what_the_state_depends_on() -> None:
    plain = ReportOptions(tz="UTC")
    # unsplit counts are per UTC quarter hour: one summary serves every zone
    assert fingerprint(plain) == fingerprint(ReportOptions(tz="Asia/Kathmandu", top=3))
    assert fingerprint(plain) != fingerprint(ReportOptions(catchall_domains=("example.org",)))
    by_day = ReportOptions(tz="UTC", bucket=Bucket.DAY)
    assert fingerprint(by_day) != fingerprint(plain)
    assert fingerprint(by_day) != fingerprint(ReportOptions(tz="Asia/Kathmandu", bucket=Bucket.DAY))


# Messages whose lines span midnight, as Postfix 3.7 logs them (ids and times made up).
ACROSS_MIDNIGHT = """\
Nov 23 10:00:00 mx postfix/smtpd[100]: 1A1A1A1A1A: client=a.example[192.0.2.1]
Nov 23 10:00:01 mx postfix/qmgr[50]: 1A1A1A1A1A: from=<x@a.example>, size=1000, nrcpt=1 (queue active)
Nov 23 10:00:02 mx postfix/smtp[200]: 1A1A1A1A1A: to=<y@b.example>, relay=none, delay=1, delays=0.1/0/1/0, dsn=4.4.1, status=deferred (connect to b.example[192.0.2.2]:25: Connection refused)
Nov 23 23:59:59 mx postfix/smtpd[101]: 2B2B2B2B2B: client=c.example[192.0.2.3]
Nov 23 22:00:00 mx postfix/smtpd[102]: 3C3C3C3C3C: client=d.example[192.0.2.4]
Nov 23 22:00:01 mx postfix/qmgr[50]: 3C3C3C3C3C: from=<d@d.example>, size=300, nrcpt=1 (queue active)
Nov 23 22:00:02 mx postfix/smtp[201]: 3C3C3C3C3C: to=<y@b.example>, relay=none, delay=1, delays=0.1/0/1/0, dsn=4.4.1, status=deferred (connect to b.example[192.0.2.2]:25: Connection refused)
Nov 24 00:00:01 mx postfix/qmgr[50]: 2B2B2B2B2B: from=<c@c.example>, size=200, nrcpt=1 (queue active)
Nov 24 00:00:02 mx postfix/local[400]: 2B2B2B2B2B: to=<root@mx.example>, relay=local, delay=3, delays=2/0/0/1, dsn=2.0.0, status=sent (delivered to mailbox)
Nov 24 00:00:02 mx postfix/qmgr[50]: 2B2B2B2B2B: removed
Nov 24 09:00:00 mx postfix/qmgr[50]: 1A1A1A1A1A: from=<x@a.example>, size=1000, nrcpt=1 (queue active)
Nov 24 09:00:01 mx postfix/smtp[202]: 1A1A1A1A1A: to=<y@b.example>, relay=b.example[192.0.2.2]:25, delay=82801, delays=82800/0/0.5/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok)
Nov 24 09:00:01 mx postfix/qmgr[50]: 1A1A1A1A1A: removed
Nov 24 10:00:00 mx postfix/pickup[300]: 1A1A1A1A1A: uid=0 from=<root>
Nov 24 10:00:01 mx postfix/qmgr[50]: 1A1A1A1A1A: from=<root@mx.example>, size=500, nrcpt=1 (queue active)
Nov 24 10:00:02 mx postfix/local[401]: 1A1A1A1A1A: to=<root@mx.example>, relay=local, delay=1, delays=0.5/0/0/0.5, dsn=2.0.0, status=sent (delivered to mailbox)
Nov 24 10:00:02 mx postfix/qmgr[50]: 1A1A1A1A1A: removed
Nov 24 11:00:00 mx postfix/cleanup[500]: 4D4D4D4D4D: message-id=<fwd@mx.example>
Nov 24 11:00:00 mx postfix/qmgr[50]: 4D4D4D4D4D: from=<root@mx.example>, size=700, nrcpt=1 (queue active)
Nov 24 11:00:01 mx postfix/smtp[203]: 4D4D4D4D4D: to=<z@b.example>, relay=b.example[192.0.2.2]:25, delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok)
Nov 24 11:00:01 mx postfix/qmgr[50]: 4D4D4D4D4D: removed
Nov 24 12:00:00 mx postfix/qmgr[50]: 3C3C3C3C3C: from=<d@d.example>, size=300, nrcpt=1 (queue active)
Nov 24 12:00:01 mx postfix/smtp[204]: 3C3C3C3C3C: to=<y@b.example>, relay=none, delay=50401, delays=50400/0/1/0, dsn=4.4.1, status=deferred (connect to b.example[192.0.2.2]:25: Connection refused)
"""


def _batches(text: str) -> list[dict[Any, pl.DataFrame]]:
    """One batch per line: open messages must carry across batches and days."""
    parser = EventParser()
    times = TimeContext(tz="UTC", reference=datetime(2026, 11, 25, tzinfo=UTC), year=2026)
    ordered = sorted(text.splitlines(keepends=True), key=lambda line: line[:15])
    return [parser.parse_chunk(line.encode(), LogFormat.CLASSIC, times) for line in ordered]


def test_the_ledger_of_isolated_days_equals_the_ledger_of_all_lines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the streamed ledger merges lines every batch here: 1A1A1A1A1A is used twice
    monkeypatch.setattr(ledger, "MERGE_EVERY", 1)
    options = ReportOptions(tz="UTC", sections=("overview", "deliveries"))
    batches = _batches(ACROSS_MIDNIGHT)
    streamed = ReportBuilder(options)
    for batch in batches:
        streamed.add(batch)
    from_days = ReportBuilder(options)
    for day in ("2026-11-23", "2026-11-24"):
        isolated = ReportBuilder(ReportOptions(tz="UTC"), isolated=True)
        for batch in batches:
            times = next(frame for frame in batch.values() if frame.height).get_column("time")
            if str(times[0].date()) == day:
                isolated.add(batch)
        from_days.load_state(
            {name: through_file(frame) for name, frame in isolated.dump_state().items()}
        )
    want = streamed.finish(ParseSummary()).data
    got = from_days.finish(ParseSummary()).data
    assert got == want
    overview = want["overview"]
    # the deferred-then-sent message, the one queued after midnight, the forwarded one,
    # the reused id, and the one still deferred at the end
    # queued counts messages born in the period: the forwarding's new id has no birth
    # line the ledger knows yet (issue 18: a gap, said in the report)
    assert overview["queued"] == 4
    assert overview["queued_by_source"] == {"smtpd": 3, "pickup": 1, "postfix": 0}
    # pflogsumm's received: smtpd client= lines and pickups (the forwarding is neither)
    assert overview["received"] == 4
    # pflogsumm's: of the messages smtpd or pickup brought (not the forwarding's 700)
    assert overview["bytes_received"] == 1000 + 200 + 500 + 300
    assert overview["bytes_delivered"] == 1000 + 200 + 500 + 700


def test_summaries_with_every_tally_coded_give_the_same_report(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sample's tallies are too small to be coded (`reports.codes.loadable`); here
    every one is, saved and loaded so, and ranked from its codes where a section
    does (the reject detail, the sessions' clients): the report is the log's."""
    monkeypatch.setattr("reports.codes._CODE_FROM_ROWS", 1)
    args = ("--tz", "UTC", "--top", "3")
    from_store = _report(*args, "--store", str(store))  # makes and saves the summaries
    assert _summaries(store)
    assert _report(*args, "--store", str(store)) == from_store == _report(*args, str(SAMPLE))


def test_summaries_with_every_tally_packed_give_the_same_report(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sample's tallies are too small to be loaded packed (`_PACKED_FROM`); here
    every one is, unpacked only when its section gives its result, coded or not."""
    monkeypatch.setattr("maillogs.store.summaries._PACKED_FROM", 0)
    packed: list[str] = []
    load_packed = Tally.load_packed

    def counted(tally: Tally, frame: Packed) -> None:
        packed.append(",".join(tally.keys))
        load_packed(tally, frame)

    monkeypatch.setattr(Tally, "load_packed", counted)
    args = ("--tz", "UTC", "--top", "3")
    first = _report(*args, "--store", str(store))  # makes and saves the summaries
    # the days' made from events; November so far's from them, then read back from
    # its file (maillogs.store.months): its states come packed already
    assert packed
    # read again from their files when unpacked, or (past the files held open) held
    # and unpacked all at once, or one between merges
    for code_from, most_open, at_once in ((1, 128, 2**25), (10**9, 128, 1), (1, 0, 1)):
        monkeypatch.setattr("reports.codes._CODE_FROM_ROWS", code_from)
        monkeypatch.setattr("maillogs.store.summaries._Opened.MOST", most_open)
        monkeypatch.setattr("reports.tally._UNPACKED_AT_ONCE", at_once)
        assert _report(*args, "--store", str(store)) == first == _report(*args, str(SAMPLE))
    assert len(packed) > 60


def test_summaries_whose_keys_are_positions_in_one_list_give_the_same_report(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A summary's coded tallies keep their keys as positions in its one list of texts
    (`reports.codes.shared`): here every tally with text is coded when saved; read
    back packed or not, from the file or held, the report is the log's."""
    monkeypatch.setattr("reports.codes._CODE_FROM_ROWS", 1)
    args = ("--tz", "UTC", "--top", "3")
    expected = _report(*args, str(SAMPLE))
    assert _report(*args, "--store", str(store)) == expected  # makes the summaries
    made = list((store / SUMMARIES).glob("*/*.parquet"))
    assert len(made) == 4  # three days, and November so far
    for path in made:
        blobs = dict(pl.read_parquet(path).iter_rows())
        keyed = summaries._frame(blobs["keyed"])
        texts = summaries._frame(blobs["keys"]).get_column("text")
        assert keyed.height > 20 and texts.len() > 100
        assert texts.n_unique() == texts.len()  # each text once
    for packed_from, most_open in ((0, 128), (0, 0), (64 * 1024, 128)):
        monkeypatch.setattr("maillogs.store.summaries._PACKED_FROM", packed_from)
        monkeypatch.setattr("maillogs.store.summaries._Opened.MOST", most_open)
        assert _report(*args, "--store", str(store)) == expected


def test_a_packed_state_is_read_from_its_file_even_once_a_new_summary_replaced_it(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A concurrent ingest may make a month's summary again (late lines) and delete
    the one a running report loaded: the report still reads the states it loaded."""
    monkeypatch.setattr("maillogs.store.summaries._PACKED_FROM", 0)
    _report("--tz", "UTC", "--store", str(store))
    (path,) = (store / SUMMARIES).glob("*/month=*.parquet")
    names = (
        summaries._frame(dict(pl.read_parquet(path).iter_rows())["parts"])
        .get_column("name")
        .to_list()
    )
    loaded = summaries.load(path, names)
    assert loaded is not None
    packed = loaded.state["rejects.clients"]
    assert isinstance(packed, Packed) and not isinstance(packed, pl.DataFrame)
    expected = pl.read_ipc_stream(dict(pl.read_parquet(path).iter_rows())["state.rejects.clients"])
    path.unlink()
    assert packed.unpack().equals(expected)


def test_a_damaged_packed_state_stops_the_report_and_its_summary_is_made_again(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A packed state is unpacked late, when its section gives its result: one the
    disk damaged after the summary was written whole fails then, with the file named
    and deleted, and the next report makes the summary again."""
    monkeypatch.setattr("maillogs.store.summaries._PACKED_FROM", 0)
    _report("--tz", "UTC", "--store", str(store))
    (path,) = (store / SUMMARIES).glob("*/month=*.parquet")  # what the report reads
    table = pl.read_parquet(path)
    frames = [
        blob[: len(blob) // 2] if name == "state.rejects.clients" else blob
        for name, blob in table.iter_rows()
    ]
    table.with_columns(pl.Series("frame", frames, dtype=pl.Binary())).write_parquet(path)
    result = CliRunner().invoke(main, [*REPORT, "--tz", "UTC", "--store", str(store)])
    assert result.exit_code == 1, result.output
    assert f"{path}: damaged summary, deleted" in result.output
    assert not path.exists()
    assert _report("--tz", "UTC", "--store", str(store)) == _report("--tz", "UTC", str(SAMPLE))


def test_past_the_summaries_held_open_packed_states_are_held_as_bytes(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A period of many day summaries does not hold a file open for each."""
    monkeypatch.setattr("maillogs.store.summaries._PACKED_FROM", 0)
    _report("--tz", "UTC", "--store", str(store))
    (path,) = (store / SUMMARIES).glob("*/month=*.parquet")
    names = summaries._frame(dict(pl.read_parquet(path).iter_rows())["parts"])
    held_open = summaries._Opened._open
    for most, more_open in ((0, 0), (128, 1)):
        monkeypatch.setattr("maillogs.store.summaries._Opened.MOST", most)
        loaded = summaries.load(path, names.get_column("name").to_list())
        assert loaded is not None
        assert summaries._Opened._open == held_open + more_open
        del loaded
    assert summaries._Opened._open == held_open


def test_sections_give_the_same_report_side_by_side_or_one_after_the_other(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`ReportBuilder._results`: two sections at a time (a small state), the small ones
    beside the big ones taken one after the other (a year's), or all one after the
    other (a big log's): the same report."""
    monkeypatch.setattr("maillogs.store.summaries._PACKED_FROM", 0)
    whole = ("--tz", "UTC", "--top", "3", "--store", str(store))
    cut = (*whole, "--since", "2026-11-23T12:00")  # half a day's events added
    expected = {args: _report(*args) for args in (whole, cut)}  # summaries made, loaded
    submitted: list[int] = []

    class Counted(ThreadPoolExecutor):
        def submit(self, *args: Any, **kwargs: Any) -> Any:
            submitted.append(1)
            return super().submit(*args, **kwargs)

    monkeypatch.setattr("reports.builder.ThreadPoolExecutor", Counted)
    sections = len(ReportBuilder(ReportOptions()).sections)
    for args, side_by_side, beside, events, counts in (
        (whole, 2**30, 0, 10**9, {sections}),  # all two at a time
        (whole, 0, 2**30, 10**9, {sections}),  # all beside (none big)
        (whole, 0, 2048, 10**9, set(range(1, sections))),  # the big ones on their own
        (cut, 2**30, 2**30, 1, {0}),  # events added past the bound: one after the other
    ):
        monkeypatch.setattr("reports.builder._SIDE_BY_SIDE_PACKED", side_by_side)
        monkeypatch.setattr("reports.builder._BESIDE_PACKED", beside)
        monkeypatch.setattr("reports.builder._SIDE_BY_SIDE_EVENTS", events)
        submitted.clear()
        assert _report(*args) == expected[args]
        assert len(submitted) in counts, (side_by_side, beside, events)
