"""Every command against every fault a newcomer meets: one short message, the exit status
the README documents, never a traceback, nothing half written.

Faults: a missing file; an unreadable one (root reads any file whatever its mode, so
"unreadable" is a read that fails for everyone: a gzip file cut short, and
/proc/self/mem, whose first page no process can read); a binary file; an empty file;
`-o` into a folder that does not exist and onto a folder; a bad `--since`; Ctrl-C in the
middle of a large input (a real SIGINT to a real process).
"""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from maillogs.cli import main

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "sample_logs"
LOG = str(SAMPLE / "classic" / "maillog")
HEADER_CHECKS = str(SAMPLE / "header_checks")

OK, FAILURE, USAGE, INTERRUPTED = 0, 1, 2, 130


def _commands(store: Path) -> dict[str, list[str]]:
    """Each command as a user runs it, before its inputs."""
    return {
        "report": ["report", "--tz", "UTC"],
        "events": ["events", "--tz", "UTC"],
        "blog": ["blog", "--tz", "UTC", "--month", "2026-11"],
        "suggest-rules": ["suggest-rules", "--tz", "UTC", "--header-checks", HEADER_CHECKS],
        "mail": ["mail", "--tz", "UTC", "--to", "postmaster@example.org", "--dry-run"],
        "ingest": ["ingest", "--tz", "UTC", "--store", str(store)],
    }


COMMANDS = ["report", "events", "blog", "suggest-rules", "mail", "ingest"]
# the commands with `-o FILE`
WRITERS = ["report", "events", "blog", "suggest-rules", "mail"]


def _run(args: list[str]) -> Result:
    return CliRunner().invoke(main, args, env={"MAILLOGS_CONFIG": None})


def _check(result: Result, status: int, lines: int = 1) -> list[str]:
    """The stderr lines, after checking the status, that no exception escaped, and that
    at most `lines` lines were said."""
    said = result.stderr.strip().splitlines()
    assert result.exit_code == status, (result.exit_code, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
    assert len(said) <= lines, said
    return said


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def faulty(tmp_path: Path) -> dict[str, str]:
    cut = tmp_path / "mail.log.2.gz"
    cut.write_bytes(gzip.compress(Path(LOG).read_bytes())[:5000])
    binary = tmp_path / "core"
    binary.write_bytes(bytes(range(256)) * 64 + os.urandom(4096))
    empty = tmp_path / "mail.log.empty"
    empty.write_bytes(b"")
    return {
        "missing": str(tmp_path / "no-such.log"),
        "cut": str(cut),
        "unreadable": "/proc/self/mem",
        "binary": str(binary),
        "empty": str(empty),
    }


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("fault", ["missing", "cut", "unreadable"])
def test_an_input_that_cannot_be_read(
    command: str, fault: str, faulty: dict[str, str], store: Path
) -> None:
    result = _run([*_commands(store)[command], faulty[fault]])
    # what ingest took of a cut file, it says, as it always does
    said = _check(result, FAILURE, lines=2 if (command, fault) == ("ingest", "cut") else 1)
    assert said[0].startswith(f"maillogs: error: {faulty[fault]}: "), said
    if command != "ingest" and fault != "cut":
        assert result.stdout == ""  # no report of nothing: the input was not read
    # a gzip file cut short: what it held before the cut is read and reported on


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("fault", ["binary", "empty"])
def test_an_input_that_holds_no_mail_log(
    command: str, fault: str, faulty: dict[str, str], store: Path
) -> None:
    result = _run([*_commands(store)[command], faulty[fault]])
    said = _check(result, OK)
    assert len(said) == 1 and faulty[fault] in said[0], said  # never silent


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != "ingest"])
def test_a_wrong_log_format_is_said(command: str, store: Path) -> None:
    result = _run([*_commands(store)[command], "--log-format", "rfc5424", LOG])
    said = _check(result, OK)
    assert len(said) == 1 and "--log-format" in said[0], said


@pytest.mark.parametrize("command", COMMANDS)
def test_a_bad_since(command: str, store: Path) -> None:
    result = _run([*_commands(store)[command], "--since", "last-fortnight", LOG])
    said = _check(result, USAGE)
    assert "last-fortnight" in said[0]


@pytest.mark.parametrize("command", WRITERS)
@pytest.mark.parametrize("where", ["missing/out", "folder"])
def test_output_where_no_file_can_be(command: str, where: str, tmp_path: Path, store: Path) -> None:
    (tmp_path / "folder").mkdir()
    target = tmp_path / where
    result = _run([*_commands(store)[command], "-o", str(target), LOG])
    said = _check(result, FAILURE)
    assert said[0].startswith(f"maillogs: error: {target}: cannot write"), said
    assert result.stdout == ""
    assert not (tmp_path / "missing").exists()
    assert list((tmp_path / "folder").iterdir()) == []


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (["store", "info"], FAILURE),
        (["store", "compact"], FAILURE),
        (["store", "summarize"], FAILURE),
        (["store", "prune", "--keep", "400d"], FAILURE),
        (["report", "--tz", "UTC"], FAILURE),
        (["suggest-rules", "--tz", "UTC"], FAILURE),
    ],
)
def test_a_missing_store_is_the_same_fault_everywhere(
    args: list[str], status: int, tmp_path: Path
) -> None:
    missing = tmp_path / "nonexistent"
    said = _check(_run([*args, "--store", str(missing)]), status)
    assert said == [f"maillogs: error: {missing}: no such store directory"]
    assert not missing.exists()


@pytest.fixture(scope="module")
def damaged_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A store of sample_logs with one part file overwritten by noise (a disk fault), and
    no day summaries (so a report has to read the day)."""
    store = tmp_path_factory.mktemp("damaged") / "store"
    _check(_run(["ingest", "--tz", "UTC", "--quiet", "--store", str(store), LOG]), OK)
    part = sorted(store.glob("kind=tls/date=*/*.parquet"))[0]
    part.write_bytes(os.urandom(3000))
    for summary in store.glob("_summaries/**/*"):
        if summary.is_file():
            summary.unlink()
    return store, part


@pytest.mark.parametrize(
    "args",
    [["store", "info"], ["store", "summarize"], ["report", "--tz", "UTC", "--quiet"]],
)
def test_a_damaged_store_file_is_named(args: list[str], damaged_store: tuple[Path, Path]) -> None:
    store, part = damaged_store
    said = _check(_run([*args, "--store", str(store)]), FAILURE)
    assert said[0].startswith(f"maillogs: error: {part}: damaged: "), said


@pytest.mark.parametrize(
    "args",
    [["store", "info"], ["store", "compact"], ["store", "prune", "--keep", "8w"], ["report"]],
)
def test_a_file_where_the_store_belongs(args: list[str], tmp_path: Path) -> None:
    not_a_folder = tmp_path / "store"
    not_a_folder.write_text("")
    result = _run([*args, "--store", str(not_a_folder)])
    said = _check(result, USAGE, lines=4)  # click's usage block
    assert said[-1].endswith(f"Directory '{not_a_folder}' is a file."), said


@pytest.mark.parametrize("keep", ["bogus", "0d", "-3w", ""])
def test_a_bad_keep(keep: str, tmp_path: Path) -> None:
    said = _check(_run(["store", "prune", "--store", str(tmp_path), "--keep", keep]), USAGE)
    assert said[0].startswith("maillogs: error: --keep"), said


# --------------------------------------------------------------------------------------
# Ctrl-C


@pytest.fixture(scope="module")
def large_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 100 MB: some seconds of work, so that Ctrl-C lands in the middle."""
    path = tmp_path_factory.mktemp("large") / "mail.log"
    text = Path(LOG).read_bytes()
    with path.open("wb") as out:
        for _ in range(200):
            out.write(text)
    return path


def _reading(pid: int, path: Path) -> bool:
    try:
        return any(
            os.readlink(f"/proc/{pid}/fd/{fd}") == str(path) for fd in os.listdir(f"/proc/{pid}/fd")
        )
    except OSError:
        return False


def _wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.02)
    return False


@pytest.mark.parametrize("command", COMMANDS)
def test_ctrl_c_in_the_middle(command: str, large_log: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    output = tmp_path / "out" / "result"
    output.parent.mkdir()
    args = [*_commands(store)[command], "--quiet"]
    if command in WRITERS:
        args += ["-o", str(output)]
    process = subprocess.Popen(
        [sys.executable, "-m", "maillogs", *args, str(large_log)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "MAILLOGS_CONFIG"},
    )
    watchdog = threading.Timer(180, process.kill)
    watchdog.start()
    try:
        assert _wait_for(lambda: _reading(process.pid, large_log), 120), "never read the log"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
    finally:
        watchdog.cancel()
    assert process.returncode == INTERRUPTED, (process.returncode, err)
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert err.strip().splitlines() == ["maillogs: interrupted"], err
    assert list(output.parent.iterdir()) == []  # nothing half written
    assert out == ""
