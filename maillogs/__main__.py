"""The `maillogs` command (and `python -m maillogs`).

Ctrl-C at any moment, even while Python is still importing, ends a run with one line
and exit status 130: the commands remove what they had half written as the interrupt
unwinds, and then the process ends at once, without waiting for parser threads (whose
shutdown an interrupt would otherwise turn into a traceback).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys

from maillogs import __version__
from maillogs.exit_codes import ExitStatus

INTERRUPTED_MESSAGE = "maillogs: interrupted"


def _end(status: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C changes nothing now
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(status)


def run() -> None:
    # --version alone needs none of the libraries the commands load
    if sys.argv[1:] == ["--version"]:
        print(f"maillogs, version {__version__}")
        return
    try:
        from maillogs.cli import main

        main(prog_name="maillogs")
    except KeyboardInterrupt:
        print(INTERRUPTED_MESSAGE, file=sys.stderr)
        _end(ExitStatus.INTERRUPTED)
    except SystemExit as done:
        if done.code == ExitStatus.INTERRUPTED:
            _end(ExitStatus.INTERRUPTED)
        raise


if __name__ == "__main__":
    run()
