"""Partial aggregates that merge across batches, so memory follows the number of
distinct keys, not the number of lines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

import polars as pl

from reports.codes import Packed, coded, decoded, is_coded, loadable

# Merge the partial frames once there are this many, or once those besides the biggest
# hold more than this many rows and more than it does (`_too_many`).
_COMPACT_AFTER = 32
_COMPACT_ROWS = 300_000


class Accumulator(Protocol):
    """What a section adds up, as a frame that can be saved and added back: the state
    after some events, loaded into a fresh accumulator and then fed the rest, gives
    what feeding it every event gives (a store keeps it per day: maillogs.store.summaries)."""

    def dump(self) -> pl.DataFrame: ...

    def load(self, frame: pl.DataFrame) -> None: ...


def owned(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with its text in buffers of its own. A group-by's keys are views into the
    batch they came from: a few kept rows would keep each batch's whole text alive."""
    texts = [name for name, dtype in frame.schema.items() if dtype == pl.String()]
    if not texts or frame.height == 0:
        return frame
    return frame.with_columns(pl.concat_str([pl.col(name), pl.lit("")]) for name in texts)


# Parts of up to this many rows are copied as they are kept. A bigger one (keys of many
# values: clients, addresses) holds little besides its own keys and is copied when parts
# are merged: copying every part cost some 5% of a report's time.
_COPY_PARTS_UP_TO = 4096


def _kept(part: pl.DataFrame) -> pl.DataFrame:
    return owned(part) if part.height <= _COPY_PARTS_UP_TO else part


class Tally:
    """Counts (and first/last time) per key, summed over every batch added."""

    def __init__(
        self, keys: Sequence[str], value: str | None = None, seen: bool = True, peak: bool = False
    ) -> None:
        self.keys = list(keys)
        self.value = value  # a numeric column to sum as well (as "total"), if any
        self.peak = peak  # the value's largest too (as "peak")
        self.seen = seen  # first_seen and last_seen too (a third of the cost of counting)
        self._parts: list[pl.DataFrame] = []
        self._packed: list[Packed] = []  # loaded states, unpacked when rows are asked for
        self._sorted: pl.DataFrame | None = None  # frame(), until more is added

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
            if self.peak:
                aggs.append(pl.col(self.value).max().alias("peak"))
        self._append(_kept(frame.group_by(self.keys).agg(aggs)))

    def _append(self, part: pl.DataFrame) -> None:
        self._parts.append(part)
        self._sorted = None
        if _too_many(self._parts):
            self._parts = [self._merge()]

    def _merge(self) -> pl.DataFrame:
        parts = self._parts
        if any(is_coded(part) for part in parts):
            # codes hold no text, so nothing to copy out of a batch; streamed, the parts
            # are never copied into one frame first (the ingest-built year of
            # benchmarks/store_year.py, a million clients: 869 MiB to 675)
            lazy = pl.concat([coded(part).lazy() for part in parts])
            return (
                lazy.group_by(self.keys).agg(_summed(parts[0].columns)).collect(engine="streaming")
            )
        return owned(merge_tallies(pl.concat(parts), self.keys))

    def merged(self, text: bool = True) -> pl.DataFrame:
        """One row per key, in no order, the keys as text; with `text` False, keys
        that were coded (`coded`) stay Categorical, for a caller that only groups,
        filters, sorts and takes rows (Categorical sorts as its text does): a year's
        reject detail of a million rows is then never text but in its top rows."""
        if self._packed:
            self._unpack()
        if not self._parts:
            return _empty_tally(self.keys, self.value, self.seen, self.peak)
        if len(self._parts) > 1:
            self._parts = [self._merge()]
        if text and is_coded(self._parts[0]):  # text from now on: held once, not twice
            self._parts = [decoded(self._parts[0])]
        return self._parts[0]

    def _unpack(self) -> None:
        """The packed states loaded, two at a time (Polars decodes without the GIL),
        and merged in one streamed pass per `_UNPACKED_AT_ONCE` bytes of them: a year
        of months and days in one pass, as `_too_many` says."""
        packed, self._packed = self._packed, []
        with ThreadPoolExecutor(_UNPACKING_THREADS) as pool:
            while packed:
                taken, held = 0, 0
                while taken < len(packed) and (not taken or held < _UNPACKED_AT_ONCE):
                    held += packed[taken].size()
                    taken += 1
                self._parts += pool.map(_unpacked, packed[:taken])
                del packed[:taken]
                if _too_many(self._parts):
                    self._parts = [self._merge()]

    def frame(self) -> pl.DataFrame:
        """keys..., count, first_seen, last_seen (and total), largest count first."""
        if self._sorted is None:
            self._sorted = _by_count(self.merged(), self.keys)
        return self._sorted

    def top(self, n: int) -> pl.DataFrame:
        """The first `n` rows of `frame()`, without sorting the others."""
        if self._sorted is not None:
            return self._sorted.head(n)
        # ranked on codes where the keys are coded (Categorical sorts as its text
        # does): only the top rows are made text, not a year's million clients
        descending = [True] + [False] * len(self.keys)
        return decoded(top_rows(self.merged(text=False), ["count", *self.keys], descending, n))

    def total(self) -> int:
        return int(self.merged(text=False).get_column("count").sum())

    def distinct(self) -> int:
        """How many keys (a year's clients, counted on their codes)."""
        return self.merged(text=False).height

    def clear(self) -> None:
        """Nothing added yet (a fresh tally of the same keys and values)."""
        self._parts = []
        self._packed = []
        self._sorted = None

    def dump(self) -> pl.DataFrame:
        return self.merged()

    def load(self, frame: pl.DataFrame) -> None:
        """A big loaded state (a month's clients) is kept with its text keys coded; a
        small one as it is (coding costs a Polars call, most of a small frame's time)."""
        if frame.height:
            self._append(loadable(frame))

    def load_packed(self, packed: Packed) -> None:
        """A state as it was saved, unpacked and loaded once the rows are asked for.
        Counts add up in any order, so a report over a year keeps each big state packed
        until its own section gives its result (ReportBuilder.finish): merged, then let
        go, one section after the other, instead of every section's year at once."""
        self._packed.append(packed)
        self._sorted = None


_UNPACKING_THREADS = 2
_UNPACKED_AT_ONCE = 32 * 1024 * 1024  # bytes of packed states


def _unpacked(packed: Packed) -> pl.DataFrame:
    return loadable(packed.unpack())


class Backlog:
    """Frames put aside to be worked on at once: a Polars call costs about the same
    for one row as for many thousand."""

    def __init__(self, rows: int) -> None:
        self.rows = rows  # `put` says "full" from this many rows on
        self._frames: list[pl.DataFrame] = []
        self._held = 0

    def put(self, frame: pl.DataFrame) -> bool:
        """Keep `frame` (if it has rows); True once the backlog is full."""
        if frame.height:
            self._frames.append(frame)
            self._held += frame.height
        return self._held >= self.rows

    def take(self) -> pl.DataFrame | None:
        """Everything kept, as one frame (None if nothing), and an empty backlog."""
        if not self._frames:
            return None
        frame = pl.concat(self._frames)
        self._frames, self._held = [], 0
        return frame

    def __bool__(self) -> bool:
        return bool(self._frames)


# Labels of local time, by name.
TIME_LABELS = {"day": "%Y-%m-%d", "hour": "%Y-%m-%d %H:00"}
# Every time zone in use is a whole number of quarter hours off UTC and changes its
# offset at a quarter hour, so a UTC quarter hour lies in one local hour and one day.
_SLOT = "15m"
# Loaded quarter-hour rows labelled at once.
_LABEL_EVERY = 200_000


class LocalTally:
    """A Tally whose first keys are local time labels ("day", "hour") of the report's
    time zone. Events are counted per UTC quarter hour, which is integer arithmetic;
    formatting a label costs some 200 ns an event, so it is done once per quarter hour
    at the end instead. Only counts (and the value's total and peak): the label says when."""

    def __init__(
        self,
        tz: str,
        labels: Sequence[str],
        keys: Sequence[str] = (),
        value: str | None = None,
        peak: bool = False,
    ) -> None:
        self.tz = tz
        self.labels = list(labels)
        self.keys = [*labels, *keys]
        self._slots = Tally(["slot", *keys], value, seen=False, peak=peak)
        # loaded day states, labelled in bulk: a year of quarter hours is many rows
        self._loaded = Backlog(_LABEL_EVERY)
        self._labelled = Tally(self.keys, value, seen=False, peak=peak)
        # set by a builder that sums states up to dump them again (a store's month
        # summary): loaded states are then kept per UTC quarter hour, never labelled
        self.keeps_slots = False

    def add(self, frame: pl.DataFrame) -> None:
        """`frame` has "time" and the keys after the labels (and the value column)."""
        if frame.height:
            self._slots.add(frame.with_columns(pl.col("time").dt.truncate(_SLOT).alias("slot")))

    def _label(self, slots: pl.DataFrame) -> pl.DataFrame:
        # each distinct quarter hour formatted once (a year has 35,040 of them, its
        # loaded rows many more: one per quarter hour and key)
        local = pl.col("slot").dt.convert_time_zone(self.tz)
        labels = slots.select(pl.col("slot").unique()).with_columns(
            local.dt.strftime(TIME_LABELS[name]).alias(name) for name in self.labels
        )
        labelled = slots.join(labels, on="slot", how="left").drop("slot")
        return merge_tallies(labelled, self.keys)

    def _flush(self) -> None:
        """Label what was loaded, and what was added."""
        slots = self._slots.merged()
        if slots.height:
            self._loaded.put(slots)
            self._slots.clear()
        loaded = self._loaded.take()
        if loaded is not None:
            self._labelled.load(self._label(loaded))

    def frame(self) -> pl.DataFrame:
        self._flush()
        return self._labelled.frame()

    def total(self) -> int:
        self._flush()
        return self._labelled.total()

    def dump(self) -> pl.DataFrame:
        """Counts per UTC quarter hour: the same whatever zone the report shows."""
        if self._loaded or self._labelled.total():
            raise RuntimeError("a LocalTally that was loaded or labelled cannot be dumped")
        return self._slots.dump()

    def load(self, frame: pl.DataFrame) -> None:
        if self.keeps_slots:
            self._slots.load(frame)
        elif self._loaded.put(frame):
            self._flush()


# What a Tally frame holds besides its keys.
_VALUES = ("count", "first_seen", "last_seen", "total", "peak")


def regroup(frame: pl.DataFrame, **keys: pl.Expr) -> pl.DataFrame:
    """A Tally frame counted again by keys made from its own (a domain from an address):
    string work then runs once per distinct value instead of once per event."""
    return _by_count(regrouped(frame, **keys), list(keys))


def regrouped(frame: pl.DataFrame, **keys: pl.Expr) -> pl.DataFrame:
    """`regroup` in no order: for a caller that ranks only its top rows (`ranking`)."""
    values = [c for c in _VALUES if c in frame.columns]
    rekeyed = frame.select(*(expr.alias(name) for name, expr in keys.items()), *values)
    return merge_tallies(rekeyed, list(keys))


def ranking(frame: pl.DataFrame, keys: Sequence[str], top: int) -> pl.DataFrame:
    """The first `top` rows of a Tally frame in `regroup`'s order (largest count first,
    then by key), without sorting the others: a year's 416,069 TLS peers were sorted
    whole to show ten."""
    return top_rows(frame, ["count", *keys], [True, *[False] * len(keys)], top)


def merge_tallies(frame: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    """Rows of partial tallies with equal keys summed into one."""
    return frame.group_by(keys).agg(_summed(frame.columns))


def _summed(columns: Sequence[str]) -> list[pl.Expr]:
    """How a Tally frame's values add up."""
    aggs = [pl.col("count").sum()]
    if "first_seen" in columns:
        aggs += [pl.col("first_seen").min(), pl.col("last_seen").max()]
    if "total" in columns:
        aggs.append(pl.col("total").sum())
    if "peak" in columns:
        aggs.append(pl.col("peak").max())
    return aggs


def top_rows(
    frame: pl.DataFrame, by: Sequence[str], descending: Sequence[bool], top: int
) -> pl.DataFrame:
    """`frame.sort(by, descending=descending).head(top)`, without sorting every row: no
    row past the `top`-th value of the first key can be among them (a month's clients
    are sorted in a fraction of the time when only the top ten are wanted)."""
    first = by[0]
    values = frame.get_column(first).drop_nulls()
    if 0 < top < values.len() // 2:
        if descending[0]:
            bound = values.top_k(top).min()
            keep = pl.col(first) >= bound
        else:
            bound = values.bottom_k(top).max()
            keep = pl.col(first) <= bound
        frame = frame.filter(keep | pl.col(first).is_null())  # a sort puts nulls first
    return frame.sort(list(by), descending=list(descending)).head(top)


def _by_count(frame: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    return frame.sort(["count", *keys], descending=[True, *[False] * len(keys)])


def _empty_tally(
    keys: Sequence[str], value: str | None, seen: bool = True, peak: bool = False
) -> pl.DataFrame:
    schema: dict[str, pl.DataType] = {key: pl.String() for key in keys}
    schema["count"] = pl.UInt32()
    if seen:
        schema |= {"first_seen": pl.Datetime("us", "UTC"), "last_seen": pl.Datetime("us", "UTC")}
    if value:
        schema["total"] = pl.Float64()
        if peak:
            schema["peak"] = pl.Float64()
    return pl.DataFrame(schema=schema)


class Distinct:
    """The distinct rows of some columns, over every batch added."""

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = list(columns)
        self._parts: list[pl.DataFrame] = []

    def add(self, frame: pl.DataFrame) -> None:
        if frame.height == 0:
            return
        self._parts.append(_kept(frame.select(self.columns).unique()))
        if len(self._parts) >= _COMPACT_AFTER:
            self._parts = [owned(pl.concat(self._parts).unique())]

    def frame(self) -> pl.DataFrame:
        if not self._parts:
            return _empty(self.columns)
        if len(self._parts) > 1:
            self._parts = [pl.concat(self._parts).unique()]
        return self._parts[0]

    def count(self) -> int:
        return self.frame().height

    def dump(self) -> pl.DataFrame:
        return self.frame()

    def load(self, frame: pl.DataFrame) -> None:
        if frame.height:
            self._parts.append(frame)
            if _too_many(self._parts):
                self._parts = [owned(pl.concat(self._parts).unique())]


def _too_many(parts: Sequence[pl.DataFrame]) -> bool:
    """Time to merge partial frames into one? When there are many, or when the parts
    besides the biggest (mostly the last merge's) hold more rows than it does and than
    _COMPACT_ROWS. Merging whenever all held more than _COMPACT_ROWS merged a year's
    tally of a million clients again for every day loaded after it (27 s for the year
    of `benchmarks/store_year.py --build ingest`); this way the rows merged grow
    geometrically, and the parts held are at most about twice the tally."""
    if len(parts) >= _COMPACT_AFTER:
        return True
    if len(parts) < 2:
        return False
    heights = [part.height for part in parts]
    biggest = max(heights)
    return sum(heights) - biggest > max(_COMPACT_ROWS, biggest)


class Counters:
    """Named whole numbers summed over every batch (messages over TLS, bytes delivered)."""

    def __init__(self, *names: str) -> None:
        self.values = dict.fromkeys(names, 0)

    def add(self, name: str, amount: int) -> None:
        self.values[name] += amount

    def __getitem__(self, name: str) -> int:
        return self.values[name]

    def dump(self) -> pl.DataFrame:
        return pl.DataFrame(
            {"name": list(self.values), "value": list(self.values.values())},
            schema={"name": pl.String(), "value": pl.Int64()},
        )

    def load(self, frame: pl.DataFrame) -> None:
        for name, value in frame.iter_rows():
            self.values[str(name)] = self.values.get(str(name), 0) + int(value)


class Values:
    """How often each value of a number occurred (delays): percentiles come out exact,
    in memory that follows the distinct values, not the events."""

    def __init__(self) -> None:
        self._counts = Tally(["value"], seen=False)

    def add(self, values: pl.Series) -> None:
        values = values.drop_nulls()
        if values.len():
            self._counts.add(values.alias("value").to_frame())

    def quantile(self, q: float) -> float | None:
        """Polars' "nearest" quantile of every value added (index round((n - 1) * q))."""
        counts = self._counts.frame().sort("value")
        total = int(counts.get_column("count").sum() or 0)
        if total == 0:
            return None
        index = min(int((total - 1) * q + 0.5), total - 1)
        cumulative = counts.get_column("count").cast(pl.Int64).cum_sum()
        position = int((cumulative <= index).sum())
        return float(counts.get_column("value")[position])

    def dump(self) -> pl.DataFrame:
        return self._counts.dump()

    def load(self, frame: pl.DataFrame) -> None:
        self._counts.load(frame)


def dump_all(accumulators: Mapping[str, Accumulator]) -> dict[str, pl.DataFrame]:
    return {name: accumulator.dump() for name, accumulator in accumulators.items()}


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
