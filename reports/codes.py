"""How a tally's state is kept small: its text keys coded as Polars Categorical, a
saved state packed as a compressed Arrow IPC stream until its rows are asked for
(reports.tally), and a saved summary's coded keys as positions in one list of its
texts (`shared`, `Keys`: maillogs.store.summaries)."""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence

import polars as pl

_CODE_FROM_ROWS = 20_000


def loadable(frame: pl.DataFrame) -> pl.DataFrame:
    """A state's frame as a tally keeps it when loaded: `coded` if it is big. A store
    saves a summary's big Tally frames so (maillogs.store.summaries), and reads them
    back coded, packed until their section gives its result (`Packed`)."""
    return coded(frame) if frame.height >= _CODE_FROM_ROWS else frame


def coded(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with its text columns Categorical. Loaded states are merged with their
    keys coded: a group-by on codes is a few times faster than on text, and a code
    takes 4 bytes (merging a year's months: the reject detail's 1.7 million rows of
    reply and client went from 0.8 s to a fraction, its parts from 45 MiB to 12 for
    three months). The categories are Polars' global ones: each distinct text is held
    once for the process, as the tallies hold it anyway."""
    texts = [name for name, dtype in frame.schema.items() if dtype == pl.String()]
    if not texts:
        return frame
    return frame.with_columns(pl.col(name).cast(pl.Categorical()) for name in texts)


def decoded(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with its Categorical columns as text again."""
    codes = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.Categorical)]
    return frame.with_columns(pl.col(name).cast(pl.String()) for name in codes)


def is_coded(frame: pl.DataFrame) -> bool:
    return any(isinstance(dtype, pl.Categorical) for dtype in frame.schema.values())


class Packed:
    """A frame as a compressed Arrow IPC stream (as a store's summary holds it): a
    month's clients in a few MB rather than tens, or none where the stream can be
    read again from its file (maillogs.store.summaries)."""

    __slots__ = ("_stream",)

    def __init__(self, stream: bytes) -> None:
        self._stream = stream

    @classmethod
    def of(cls, frame: pl.DataFrame) -> Packed:
        buffer = io.BytesIO()
        frame.write_ipc_stream(buffer, compression="zstd")
        return cls(buffer.getvalue())

    def stream(self) -> bytes:
        return self._stream

    def size(self) -> int:
        """Bytes of its stream."""
        return len(self._stream)

    def unpack(self) -> pl.DataFrame:
        return pl.read_ipc_stream(io.BytesIO(self.stream()))


def shared(frames: dict[str, pl.DataFrame]) -> tuple[pl.DataFrame, dict[str, list[str]]]:
    """The coded frames' Categorical columns made positions (UInt32) in one list of
    their texts, which is returned (a frame of one column, "text"), with the columns
    so made, by frame (`frames` is changed in place). A month's clients are in five
    tallies: read back (`Keys`), each text is put in Polars' categories once, not
    once per tally (a year's months unpacked in 0.8 s of CPU instead of 1.3)."""
    columns = {
        name: [column for column, dtype in frame.schema.items() if dtype == pl.Categorical()]
        for name, frame in frames.items()
    }
    columns = {name: found for name, found in columns.items() if found}
    if not columns:
        return pl.DataFrame(schema={"text": pl.String()}), {}
    texts = (
        pl.concat(
            [frames[name].get_column(column) for name, found in columns.items() for column in found]
        )
        .drop_nulls()
        .unique()
    )
    position = pl.Series(range(texts.len()), dtype=pl.UInt32())
    for name, found in columns.items():
        frames[name] = frames[name].with_columns(
            pl.col(column)
            .to_physical()
            .replace_strict(texts.to_physical(), position, return_dtype=pl.UInt32())
            for column in found
        )
    return texts.cast(pl.String()).to_frame("text"), columns


class Keys:
    """The texts of a summary's `shared` key columns, read when a frame of it is first
    decoded (from any thread), then held as Categorical codes."""

    def __init__(self, packed: Packed) -> None:
        self._packed: Packed | None = packed
        self._codes: pl.Series | None = None
        self._reading = threading.Lock()

    def decode(self, frame: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
        """`frame` with its `columns` of positions made the Categorical texts again."""
        codes = self._read()
        return frame.with_columns(
            codes.gather(frame.get_column(column)).alias(column) for column in columns
        )

    def _read(self) -> pl.Series:
        with self._reading:
            if self._codes is None:
                assert self._packed is not None
                texts = self._packed.unpack().get_column("text")
                self._codes, self._packed = texts.cast(pl.Categorical()), None
            return self._codes
