"""Where a command writes: a file it was given (whole or not at all), else its default
stream."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from maillogs import output


@contextmanager
def text_output(path: Path | None, default: TextIO) -> Iterator[TextIO]:
    if path is None:
        yield default
        return
    with output.text_file(path) as out:
        yield out
