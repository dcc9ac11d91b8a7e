"""Where a command writes: a file it was given (whole or not at all), else its default
stream."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from maillogs import output


def tell_written(path: Path | None, quiet: bool, stderr: TextIO) -> None:
    """Say on stderr what a command wrote to its --output (unless --quiet): an HTML report
    takes seconds, and a silent success looks like nothing happened."""
    if path is not None and not quiet:
        stderr.write(output.size_note(path) + "\n")


@contextmanager
def text_output(path: Path | None, default: TextIO) -> Iterator[TextIO]:
    if path is None:
        yield default
        return
    with output.text_file(path) as out:
        yield out
