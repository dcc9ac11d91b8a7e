"""Sizes and durations for people: SI bytes, seconds to days, three digits at most."""

from __future__ import annotations

import pytest

from reports.units import Bytes, Seconds, human, human_bytes, human_seconds, plain


@pytest.mark.parametrize(
    ("count", "shown"),
    [
        (0, "0 B"),
        (999, "999 B"),
        (1000, "1.0 kB"),
        (1536, "1.5 kB"),
        (18_240, "18.2 kB"),
        (765_432, "765 kB"),
        (999_499, "999 kB"),
        (999_949, "1.0 MB"),
        (416_651_000, "417 MB"),
        (3 * 10**12, "3.0 TB"),
        (5 * 10**18, "5000 PB"),
    ],
)
def test_bytes(count: int, shown: str) -> None:
    assert human_bytes(count) == shown


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0.0, "0.0 s"),
        (0.04, "0.0 s"),
        (5.0, "5.0 s"),
        (59.9, "59.9 s"),
        (60.0, "1.0 m"),
        (1092.0, "18.2 m"),
        (3600.0, "1.0 h"),
        (12_600.0, "3.5 h"),
        (178_666.0, "2.1 d"),
        (86400.0 * 412, "412 d"),
    ],
)
def test_seconds(seconds: float, shown: str) -> None:
    assert human_seconds(seconds) == shown


def test_marked_cells_keep_their_numbers() -> None:
    assert plain(Bytes(765_432)) == 765_432
    assert plain(Seconds(1.5)) == 1.5
    assert plain("x") == "x"
    assert human(Bytes(765_432)) == "765 kB"
    assert human(Seconds(178_666.0)) == "2.1 d"
