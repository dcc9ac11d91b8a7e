"""A progress bar on stderr (bytes read of total, lines per second) for long inputs."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

# Below this many bytes a run is over before a bar would help.
MIN_BYTES_FOR_BAR = 4 * 1024 * 1024


@contextmanager
def progress_reporter(
    stderr: TextIO, total: int | None, *, enabled: bool, lines: Callable[[], int]
) -> Iterator[Callable[[int], None]]:
    """Yields `advance(nbytes)`; draws nothing unless enabled and the input is large."""
    if not enabled or (total is not None and total < MIN_BYTES_FOR_BAR):
        yield lambda _nbytes: None
        return
    from rich.console import Console  # rich's progress costs a quarter second to load
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(file=stderr)
    started = time.monotonic()
    with Progress(
        TextColumn("reading"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("read", total=total, rate="")

        def advance(nbytes: int) -> None:
            elapsed = max(time.monotonic() - started, 1e-6)
            progress.update(task, advance=nbytes, rate=f"{lines() / elapsed:,.0f} lines/s")

        yield advance
