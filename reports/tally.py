"""Partial aggregates that merge across batches, so memory follows the number of
distinct keys, not the number of lines."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

# Merge the pending partial frames once there are this many.
_COMPACT_AFTER = 32


class Tally:
    """Counts (and first/last time) per key, summed over every batch added."""

    def __init__(self, keys: Sequence[str], value: str | None = None) -> None:
        self.keys = list(keys)
        self.value = value  # a numeric column to sum as well, if any
        self._parts: list[pl.DataFrame] = []

    def add(self, frame: pl.DataFrame) -> None:
        if frame.height == 0:
            return
        aggs = [
            pl.len().alias("count"),
            pl.col("time").min().alias("first_seen"),
            pl.col("time").max().alias("last_seen"),
        ]
        if self.value:
            aggs.append(pl.col(self.value).sum().alias("total"))
        self._parts.append(frame.group_by(self.keys).agg(aggs))
        if len(self._parts) >= _COMPACT_AFTER:
            self._parts = [self._merge(self._parts)]

    def _merge(self, parts: list[pl.DataFrame]) -> pl.DataFrame:
        aggs = [
            pl.col("count").sum(),
            pl.col("first_seen").min(),
            pl.col("last_seen").max(),
        ]
        if self.value:
            aggs.append(pl.col("total").sum())
        return pl.concat(parts).group_by(self.keys).agg(aggs)

    def frame(self) -> pl.DataFrame:
        """keys..., count, first_seen, last_seen (and total), largest count first."""
        if not self._parts:
            schema: dict[str, pl.DataType] = {key: pl.String() for key in self.keys}
            schema |= {
                "count": pl.UInt32(),
                "first_seen": pl.Datetime("us", "UTC"),
                "last_seen": pl.Datetime("us", "UTC"),
            }
            if self.value:
                schema["total"] = pl.Float64()
            return pl.DataFrame(schema=schema)
        merged = self._merge(self._parts)
        self._parts = [merged]
        return merged.sort(["count", *self.keys], descending=[True, *[False] * len(self.keys)])

    def total(self) -> int:
        return int(self.frame().get_column("count").sum())


class Distinct:
    """The distinct rows of some columns, over every batch added."""

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = list(columns)
        self._parts: list[pl.DataFrame] = []

    def add(self, frame: pl.DataFrame) -> None:
        if frame.height == 0:
            return
        self._parts.append(frame.select(self.columns).unique())
        if len(self._parts) >= _COMPACT_AFTER:
            self._parts = [pl.concat(self._parts).unique()]

    def frame(self) -> pl.DataFrame:
        if not self._parts:
            return _empty(self.columns)
        merged = pl.concat(self._parts).unique()
        self._parts = [merged]
        return merged

    def count(self) -> int:
        return self.frame().height


class FirstBy:
    """The first row (by time) of each key, over every batch added: e.g. a queue id's
    size and sender, counted once however often qmgr logged it."""

    def __init__(self, key: str, columns: Sequence[str]) -> None:
        self.key = key
        self.columns = [key, "time", *columns]
        self._parts: list[pl.DataFrame] = []

    def _first(self, frame: pl.DataFrame) -> pl.DataFrame:
        return frame.sort("time").unique(self.key, keep="first", maintain_order=True)

    def add(self, frame: pl.DataFrame) -> None:
        if frame.height == 0:
            return
        self._parts.append(self._first(frame.select(self.columns)))
        if len(self._parts) >= _COMPACT_AFTER:
            self._parts = [self._first(pl.concat(self._parts))]

    def frame(self) -> pl.DataFrame:
        if not self._parts:
            return _empty(self.columns)
        merged = self._first(pl.concat(self._parts))
        self._parts = [merged]
        return merged


def _empty(columns: Sequence[str]) -> pl.DataFrame:
    """No rows yet: text columns, and "time" as the events' time type."""
    return pl.DataFrame(
        schema={c: pl.Datetime("us", "UTC") if c == "time" else pl.String() for c in columns}
    )


def counts(frame: pl.DataFrame, key: str) -> dict[str, int]:
    """{key value: count} from a Tally frame (null keys become "none")."""
    grouped = (
        frame.group_by(key)
        .agg(pl.col("count").sum())
        .sort(["count", key], descending=[True, False])
    )
    return {("none" if k is None else str(k)): int(c) for k, c in grouped.iter_rows()}
