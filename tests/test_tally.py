"""LocalTally counts per UTC quarter hour and labels at the end: it must give exactly
what labelling every event with its local day and hour gives, in zones with DST and
with half- and quarter-hour offsets, across their changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.tally import TIME_LABELS, LocalTally

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
