"""Exit status of every maillogs command."""

from __future__ import annotations

import enum


class ExitStatus(enum.IntEnum):
    OK = 0
    FAILURE = 1  # a runtime failure, e.g. an unreadable input (the others were processed)
    USAGE = 2  # a bad option value or config file
    INTERRUPTED = 130  # Ctrl-C (SIGINT): 128 + 2, as shells report it
