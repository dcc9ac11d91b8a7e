"""Writing event batches out: JSON lines, CSV or Parquet, one kind or several."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

import polars as pl

from parsers.schema import EventKind
from parsers.stream import EventBatch


class EventFormat(enum.StrEnum):
    JSONL = "jsonl"
    CSV = "csv"
    PARQUET = "parquet"


def write_jsonl(batches: Iterable[EventBatch], kinds: list[EventKind], out: TextIO) -> int:
    """One JSON object per event, with its "kind"; returns how many were written."""
    written = 0
    for batch in batches:
        for kind in kinds:
            frame = batch[kind]
            if frame.height == 0:
                continue
            frame = frame.select(pl.lit(kind.value).alias("kind"), pl.all())
            out.write(frame.write_ndjson())
            written += frame.height
    return written


def write_files(
    batches: Iterable[EventBatch], kinds: list[EventKind], fmt: EventFormat, directory: Path
) -> int:
    """One file per kind and batch under `directory/<kind>/`, so memory stays bounded."""
    directory.mkdir(parents=True, exist_ok=True)
    written = 0
    for number, batch in enumerate(batches):
        for kind in kinds:
            frame = batch[kind]
            if frame.height == 0:
                continue
            target = directory / kind.value
            target.mkdir(exist_ok=True)
            path = target / f"part-{number:05d}.{fmt.value}"
            if fmt is EventFormat.CSV:
                frame.write_csv(path)
            else:
                frame.write_parquet(path)
            written += frame.height
    return written


def write_single_csv(batches: Iterable[EventBatch], kind: EventKind, out: TextIO) -> int:
    """One kind as one CSV stream (header once)."""
    written = 0
    header = True
    for batch in batches:
        frame = batch[kind]
        if frame.height == 0 and not header:
            continue
        out.write(frame.write_csv(include_header=header))
        header = False
        written += frame.height
    return written
