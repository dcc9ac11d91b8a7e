"""LocalTally counts per UTC quarter hour and labels at the end: it must give exactly
what labelling every event with its local day and hour gives, in zones with DST and
with half- and quarter-hour offsets, across their changes."""

from __future__ import annotations

import io
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.codes import coded
from reports.tally import (
    TIME_LABELS,
    Counters,
    Distinct,
    LocalTally,
    Tally,
    Values,
    owned,
    top_rows,
)

ZONES = [
    "UTC",
    "Europe/Athens",
    "America/New_York",
    "Asia/Kolkata",  # +05:30
    "Asia/Kathmandu",  # +05:45
    "Australia/Lord_Howe",  # +10:30 / +11:00: a half-hour DST change
    "America/St_Johns",  # -03:30 with DST
]
START = datetime(2026, 1, 1, tzinfo=UTC)


def _direct(frame: pl.DataFrame, tz: str) -> pl.DataFrame:
    local = pl.col("time").dt.convert_time_zone(tz)
    return (
        frame.with_columns(local.dt.strftime(fmt).alias(name) for name, fmt in TIME_LABELS.items())
        .group_by("day", "hour", "key")
        .agg(
            pl.len().cast(pl.UInt32).alias("count"),
            pl.col("size").sum().alias("total"),
        )
        .sort("day", "hour", "key")
    )


def _times(seconds: list[int]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "time": [START + timedelta(seconds=s) for s in seconds],
            "key": [("a", "b")[s % 2] for s in seconds],
            "size": [s % 1000 for s in seconds],
        },
        schema={"time": pl.Datetime("us", "UTC"), "key": pl.String, "size": pl.Int64},
    )


def _tallied(frame: pl.DataFrame, tz: str, pieces: int) -> pl.DataFrame:
    tally = LocalTally(tz, ["day", "hour"], ["key"], value="size")
    step = max(1, frame.height // pieces)
    for offset in range(0, frame.height, step):
        tally.add(frame.slice(offset, step))
    return tally.frame().sort("day", "hour", "key")


@pytest.mark.parametrize("tz", ZONES)
def test_every_minute_of_the_year_lands_in_its_local_hour(tz: str) -> None:
    frame = _times(list(range(0, 366 * 86400, 60)))
    got = _tallied(frame, tz, pieces=40)
    want = _direct(frame, tz)
    assert got.select(want.columns).cast({"total": pl.Int64}).equals(want)


@settings(max_examples=60, deadline=None)
@given(
    tz=st.sampled_from(ZONES),
    seconds=st.lists(st.integers(0, 366 * 86400), min_size=1, max_size=300),
    pieces=st.integers(1, 7),
)
def test_any_times_in_any_pieces(tz: str, seconds: list[int], pieces: int) -> None:
    frame = _times(seconds)
    got = _tallied(frame, tz, pieces)
    want = _direct(frame, tz)
    assert got.select(want.columns).cast({"total": pl.Int64}).equals(want)


def test_nothing_added_gives_the_labelled_empty_frame() -> None:
    tally = LocalTally("Europe/Athens", ["day"], ["key"])
    assert tally.frame().columns == ["day", "key", "count"]
    assert tally.total() == 0


def through_file(frame: pl.DataFrame) -> pl.DataFrame:
    """As a day summary keeps it: an Arrow IPC stream (maillogs.store.summaries)."""
    buffer = io.BytesIO()
    frame.write_ipc_stream(buffer, compression="zstd")
    return pl.read_ipc_stream(buffer.getvalue())


@settings(max_examples=40, deadline=None)
@given(
    tz=st.sampled_from(ZONES),
    seconds=st.lists(st.integers(0, 40 * 86400), min_size=1, max_size=200),
    cuts=st.lists(st.integers(0, 200), max_size=6),
)
def test_states_saved_and_loaded_give_what_adding_everything_gives(
    tz: str, seconds: list[int], cuts: list[int]
) -> None:
    """Each piece of events is added to a fresh accumulator, dumped, and loaded (through
    a file) into one accumulator; the last piece is added to it directly."""
    frame = _times(sorted(seconds))
    bounds = sorted({0, frame.height, *(min(c, frame.height) for c in cuts)})
    pieces = [frame.slice(a, b - a) for a, b in itertools.pairwise(bounds)]

    def fresh() -> dict[str, Any]:
        return {
            "tally": Tally(["key"], value="size"),
            "peak": Tally(["key"], value="size", seen=False, peak=True),
            "local": LocalTally(tz, ["day", "hour"], ["key"], value="size"),
            "distinct": Distinct(["key", "size"]),
            "counters": Counters("events", "bytes"),
            "values": Values(),
        }

    def feed(accumulators: dict[str, Any], piece: pl.DataFrame) -> None:
        accumulators["tally"].add(piece)
        accumulators["peak"].add(piece)
        accumulators["local"].add(piece)
        accumulators["distinct"].add(piece)
        accumulators["counters"].add("events", piece.height)
        accumulators["counters"].add("bytes", int(piece.get_column("size").sum()))
        accumulators["values"].add(piece.get_column("size").cast(pl.Float32))

    whole, loaded = fresh(), fresh()
    feed(whole, frame)
    for piece in pieces[:-1]:
        alone = fresh()
        feed(alone, piece)
        for name, accumulator in alone.items():
            loaded[name].load(through_file(accumulator.dump()))
    if pieces:
        feed(loaded, pieces[-1])

    def sort(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.sort(frame.columns, nulls_last=True)

    assert sort(loaded["tally"].frame()).equals(sort(whole["tally"].frame()))
    assert sort(loaded["peak"].frame()).equals(sort(whole["peak"].frame()))
    assert sort(loaded["local"].frame()).equals(sort(whole["local"].frame()))
    assert sort(loaded["distinct"].frame()).equals(sort(whole["distinct"].frame()))
    assert loaded["counters"].values == whole["counters"].values
    for q in (0.5, 0.9, 0.99):
        assert loaded["values"].quantile(q) == whole["values"].quantile(q)
        assert whole["values"].quantile(q) == frame.get_column("size").cast(pl.Float32).quantile(
            q, "nearest"
        )


def test_a_loaded_local_tally_cannot_be_dumped() -> None:
    """Its quarter hours are labelled with local days: a dump would lose the UTC ones."""
    tally = LocalTally("UTC", ["day"])
    alone = LocalTally("UTC", ["day"])
    alone.add(_times([0, 60]).select("time"))
    tally.load(alone.dump())
    with pytest.raises(RuntimeError):
        tally.dump()


@given(st.lists(st.one_of(st.none(), st.text()), max_size=30))
def test_owned_keeps_every_value_and_type(texts: list[str | None]) -> None:
    frame = pl.DataFrame(
        {"text": texts, "n": list(range(len(texts)))}, schema={"text": pl.String, "n": pl.Int64}
    )
    copied = owned(frame)
    assert copied.schema == frame.schema
    assert copied.equals(frame)


def test_a_tally_peak_is_the_largest_value_however_it_was_added() -> None:
    tally = Tally(["k"], value="v", seen=False, peak=True)
    tally.add(pl.DataFrame({"k": ["a", "a", "b"], "v": [1.0, 5.0, 2.0]}))
    tally.add(pl.DataFrame({"k": ["a", "b"], "v": [3.0, 7.0]}))
    rows = {k: (c, t, p) for k, c, t, p in tally.frame().iter_rows()}
    assert rows == {"a": (3, 9.0, 5.0), "b": (2, 9.0, 7.0)}
    reloaded = Tally(["k"], value="v", seen=False, peak=True)
    reloaded.load(tally.dump())
    reloaded.add(pl.DataFrame({"k": ["b"], "v": [8.0]}))
    assert dict(reloaded.frame().select("k", "peak").iter_rows()) == {"a": 5.0, "b": 8.0}


@given(
    rows=st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(0, 5)),
            st.one_of(st.none(), st.sampled_from(["a", "b", "c", "d"])),
            st.sampled_from(["x", "y"]),
        ),
        max_size=60,
    ),
    top=st.integers(0, 40),
    first_descending=st.booleans(),
)
def test_top_rows_is_the_head_of_the_sorted_frame(
    rows: list[tuple[int | None, str | None, str]], top: int, first_descending: bool
) -> None:
    """Ties, nulls and every `top` against the sort of every row."""
    frame = pl.DataFrame(
        rows, schema={"count": pl.Int64(), "key": pl.String(), "other": pl.String()}, orient="row"
    )
    by, descending = ["count", "key", "other"], [first_descending, False, True]
    expected = frame.sort(by, descending=descending).head(top)
    assert top_rows(frame, by, descending, top).equals(expected)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.one_of(st.none(), st.sampled_from(["a", "b", "Ω", "a\x00", "", "long " * 9])),
            st.sampled_from(["x", "y"]),
            st.integers(0, 10_000),
        ),
        min_size=1,
        max_size=60,
    ),
    cuts=st.lists(st.integers(0, 60), max_size=6),
    loaded=st.lists(st.booleans(), min_size=7, max_size=7),
    merge_after=st.integers(2, 4),
)
def test_coded_and_text_parts_merge_to_what_adding_everything_gives(
    rows: list[tuple[str | None, str, int]], cuts: list[int], loaded: list[bool], merge_after: int
) -> None:
    """Pieces are either added as events or counted alone and loaded with their keys
    coded (as a summary's big frames are saved), in any order, merged every few parts:
    the tally is the one of every event, with text keys."""
    frame = pl.DataFrame(
        {
            "key": [r[0] for r in rows],
            "other": [r[1] for r in rows],
            "time": [datetime(2026, 11, 1, tzinfo=UTC) + timedelta(seconds=r[2]) for r in rows],
        },
        schema={"key": pl.String, "other": pl.String, "time": pl.Datetime("us", "UTC")},
    )
    bounds = sorted({0, frame.height, *(min(c, frame.height) for c in cuts)})
    whole = Tally(["key", "other"])
    whole.add(frame)
    tally = Tally(["key", "other"])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("reports.tally._COMPACT_AFTER", merge_after)
        for index, (a, b) in enumerate(itertools.pairwise(bounds)):
            piece = frame.slice(a, b - a)
            if loaded[index]:
                alone = Tally(["key", "other"])
                alone.add(piece)
                tally.load(coded(alone.dump()))
            else:
                tally.add(piece)
    assert tally.merged().schema == whole.merged().schema
    assert tally.frame().equals(whole.frame())
    assert tally.top(2).equals(whole.top(2))


def test_a_big_tally_is_not_merged_again_for_every_small_part_loaded() -> None:
    """A year's tally of a million clients, then day after day of a few thousand: the
    rows merged grow geometrically, not by the whole tally for each day."""
    merged_rows: list[int] = []
    real = Tally._merge

    def counting(self: Tally) -> pl.DataFrame:
        merged_rows.append(sum(part.height for part in self._parts))
        return real(self)

    def clients(first: int, count: int) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "client": [f"c{n}" for n in range(first, first + count)],
                "count": [1] * count,
                "first_seen": [datetime(2026, 11, 1, tzinfo=UTC)] * count,
                "last_seen": [datetime(2026, 11, 2, tzinfo=UTC)] * count,
            },
            schema_overrides={"count": pl.UInt32},
        )

    tally = Tally(["client"])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Tally, "_merge", counting)
        tally.load(clients(0, 400_000))
        tally.load(clients(400_000, 400_000))
        tally.load(clients(800_000, 400_000))  # two parts besides the biggest: merged
        assert merged_rows == [1_200_000]
        for day in range(100):
            tally.load(clients(day * 3_000, 3_000))  # counted again: no new client
        assert len(merged_rows) <= 4
    assert tally.merged().height == 1_200_000
    assert tally.total() == 1_500_000
