"""Where a command writes: a file it was given, else its default stream."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO


@contextmanager
def text_output(path: Path | None, default: TextIO) -> Iterator[TextIO]:
    if path is None:
        yield default
        return
    with path.open("w", encoding="utf-8") as out:
        yield out
