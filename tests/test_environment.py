"""What a command takes from the world: the text report's width."""

from __future__ import annotations

import io

import pytest

from maillogs.environment import Environment


@pytest.mark.parametrize(
    ("columns", "width"),
    [("80", 80), ("132", 132), ("", 100), ("wide", 100), ("5", 100)],
)
def test_the_width_follows_columns(columns: str, width: int) -> None:
    env = Environment(stdout=io.StringIO(), env={"COLUMNS": columns})
    assert env.columns() == width
