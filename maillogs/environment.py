"""Everything a command takes from the world, in one object tests can fake."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, TextIO


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Environment:
    stdin: BinaryIO = field(default_factory=lambda: sys.stdin.buffer)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    home: Path = field(default_factory=Path.home)
    clock: Callable[[], datetime] = _utc_now

    def now(self) -> datetime:
        return self.clock()

    @property
    def stderr_is_tty(self) -> bool:
        return self.stderr.isatty()

    @property
    def stdout_is_tty(self) -> bool:
        return self.stdout.isatty()

    def columns(self, default: int = 100) -> int:
        """Width of the text report: $COLUMNS when set (a shell, `COLUMNS=80 maillogs
        ...` or a cron line), else the terminal's, else `default` (a pipe, a file)."""
        given = self.env.get("COLUMNS", "")
        if given.isdigit() and int(given) >= 20:
            return int(given)
        if self.stdout_is_tty:
            try:
                return os.get_terminal_size(self.stdout.fileno()).columns
            except (OSError, ValueError):
                pass
        return default

    @property
    def no_color(self) -> bool:
        return bool(self.env.get("NO_COLOR"))
