"""Partial aggregates that merge across batches, so memory follows the number of
distinct keys, not the number of lines."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

# Merge the pending partial frames once there are this many.
_COMPACT_AFTER = 32


class Tally:
    """Counts (and first/last time) per key, summed over every batch added."""

    def __init__(self, keys: Sequence[str], value: str | None = None, seen: bool = True) -> None:
        self.keys = list(keys)
        self.value = value  # a numeric column to sum as well, if any
        self.seen = seen  # first_seen and last_seen too (a third of the cost of counting)
        self._parts: list[pl.DataFrame] = []

    def add(self, frame: pl.DataFrame) -> None:
        if frame.height == 0:
            return
        aggs = [pl.len().alias("count")]
        if self.seen:
            aggs += [
                pl.col("time").min().alias("first_seen"),
                pl.col("time").max().alias("last_seen"),
            ]
        if self.value:
            aggs.append(pl.col(self.value).sum().alias("total"))
        self._parts.append(frame.group_by(self.keys).agg(aggs))
        if len(self._parts) >= _COMPACT_AFTER:
            self._parts = [merge_tallies(pl.concat(self._parts), self.keys)]

    def frame(self) -> pl.DataFrame:
        """keys..., count, first_seen, last_seen (and total), largest count first."""
        if not self._parts:
            return _empty_tally(self.keys, self.value, self.seen)
        merged = merge_tallies(pl.concat(self._parts), self.keys)
        self._parts = [merged]
        return _by_count(merged, self.keys)

    def total(self) -> int:
        return int(self.frame().get_column("count").sum())


# Labels of local time, by name.
TIME_LABELS = {"day": "%Y-%m-%d", "hour": "%Y-%m-%d %H:00"}
# Every time zone in use is a whole number of quarter hours off UTC and changes its
# offset at a quarter hour, so a UTC quarter hour lies in one local hour and one day.
_SLOT = "15m"


class LocalTally:
    """A Tally whose first keys are local time labels ("day", "hour") of the report's
    time zone. Events are counted per UTC quarter hour, which is integer arithmetic;
    formatting a label costs some 200 ns an event, so it is done once per quarter hour
    at the end instead. Only counts (and the value's total): the label says when."""

    def __init__(
        self, tz: str, labels: Sequence[str], keys: Sequence[str] = (), value: str | None = None
    ) -> None:
        self.tz = tz
        self.labels = list(labels)
        self.keys = [*labels, *keys]
        self.value = value
        self._slots = Tally(["slot", *keys], value, seen=False)

    def add(self, frame: pl.DataFrame) -> None:
        """`frame` has "time" and the keys after the labels (and the value column)."""
        if frame.height:
            self._slots.add(frame.with_columns(pl.col("time").dt.truncate(_SLOT).alias("slot")))

    def frame(self) -> pl.DataFrame:
        slots = self._slots.frame()
        if slots.height == 0:
            return _empty_tally(self.keys, self.value, seen=False)
        local = pl.col("slot").dt.convert_time_zone(self.tz)
        labelled = slots.with_columns(
            local.dt.strftime(TIME_LABELS[name]).alias(name) for name in self.labels
        ).drop("slot")
        return _by_count(merge_tallies(labelled, self.keys), self.keys)

    def total(self) -> int:
        return self._slots.total()


def regroup(frame: pl.DataFrame, **keys: pl.Expr) -> pl.DataFrame:
    """A Tally frame counted again by keys made from its own (a domain from an address):
    string work then runs once per distinct value instead of once per event."""
    values = [c for c in ("count", "first_seen", "last_seen", "total") if c in frame.columns]
    rekeyed = frame.select(*(expr.alias(name) for name, expr in keys.items()), *values)
    return _by_count(merge_tallies(rekeyed, list(keys)), list(keys))


def merge_tallies(frame: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    """Rows of partial tallies with equal keys summed into one."""
    aggs = [pl.col("count").sum()]
    if "first_seen" in frame.columns:
        aggs += [pl.col("first_seen").min(), pl.col("last_seen").max()]
    if "total" in frame.columns:
        aggs.append(pl.col("total").sum())
    return frame.group_by(keys).agg(aggs)


def _by_count(frame: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    return frame.sort(["count", *keys], descending=[True, *[False] * len(keys)])


def _empty_tally(keys: Sequence[str], value: str | None, seen: bool = True) -> pl.DataFrame:
    schema: dict[str, pl.DataType] = {key: pl.String() for key in keys}
    schema["count"] = pl.UInt32()
    if seen:
        schema |= {"first_seen": pl.Datetime("us", "UTC"), "last_seen": pl.Datetime("us", "UTC")}
    if value:
        schema["total"] = pl.Float64()
    return pl.DataFrame(schema=schema)


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
