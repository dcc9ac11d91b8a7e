"""Every `maillogs` command shown in README.md and docs/ runs, on sample_logs.

The examples are taken from the documents' code blocks (and from inline code that is a
whole command), their paths replaced by the bundled ones (SUBSTITUTE) and by files in a
temporary folder, then run in document order (an `ingest` fills the store the next
examples read), each with the clock at 2026-12-01 so that `last-month` is the logs'
November. Each must exit 0 without a traceback.
"""

from __future__ import annotations

import glob
import io
import itertools
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from maillogs.cli import main
from maillogs.environment import Environment

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "sample_logs"
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
NOW = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
TMP = "{tmp}"  # the test's own folder, filled in per run

# The paths of a Debian Postfix host, as the documents write them, and what stands in.
SUBSTITUTE = {
    "/var/log/mail.log*": f"{SAMPLE}/classic/maillog*",
    "/var/log/mail.log.1.gz": f"{SAMPLE}/classic/maillog.1.gz",
    "/var/log/mail.log": f"{SAMPLE}/classic/maillog",
    "/etc/postfix/header_checks": f"{SAMPLE}/header_checks",
    "/etc/postfix/body_checks": f"{SAMPLE}/body_checks",
    "/var/lib/maillogs": f"{TMP}/store",
    # a fleet's hosts' stores (docs/fleet.md): the one store the examples filled, twice
    "/srv/stores/mx1": f"{TMP}/store",
    "/srv/stores/mx2": f"{TMP}/store",
    "/srv/fleet": f"{TMP}/fleet",  # a store the hosts share (its host= partitions)
    "/var/lib/prometheus/node-exporter/": f"{TMP}/",
    "/tmp/": f"{TMP}/",
}
# A crontab line's five time fields before the command.
_CRON = re.compile(r"^(?:\S+\s+){5}(?=maillogs )")
_PLACEHOLDER = re.compile(r"\[|\||\b[A-Z]{1,4}\b(?![-.])")


def _commands(text: str) -> list[str]:
    """The `maillogs ...` commands of a document's shell blocks and inline code."""
    found: list[str] = []
    for block in re.findall(r"```(?:sh|bash|)\n(.*?)```", text, re.DOTALL):
        joined = re.sub(r" *\\\n\s*", " ", block)
        for line in joined.splitlines():
            line = _CRON.sub("", line.strip())
            for part in line.split("&&"):
                part = part.strip()
                if part.startswith("maillogs "):
                    found.append(part)
    for span in re.findall(r"`(maillogs [^`]+)`", re.sub(r"```.*?```", "", text, flags=re.S)):
        command = " ".join(span.split())
        # inline code that is a whole command: options, no placeholders (DIR, [--x], a|b)
        if " -" in command and not _PLACEHOLDER.search(command.split(" ", 2)[-1]):
            found.append(command)
    return found


def _args(command: str, tmp: Path) -> list[str]:
    words = shlex.split(command, comments=True)[1:]
    out: list[str] = []
    for word in words:
        if word.startswith("sample_logs/"):  # the Quick start, run in a clone
            out.append(str(ROOT / word))
            continue
        for doc_path, ours in SUBSTITUTE.items():
            if word.startswith(doc_path):
                word = ours.replace(TMP, str(tmp)) + word[len(doc_path) :]
                break
        else:
            if word.startswith("/"):
                raise AssertionError(f"{command!r}: no stand-in for {word}")
        if glob.has_magic(word) and word.startswith(str(SAMPLE)):
            out += sorted(glob.glob(word))
        else:
            out.append(word)
    return out


def _examples() -> list[tuple[str, str]]:
    return [
        (doc.relative_to(ROOT).as_posix(), command)
        for doc in DOCUMENTS
        for command in _commands(doc.read_text(encoding="utf-8"))
    ]


def test_the_documents_have_examples() -> None:
    examples = _examples()
    documents = {doc for doc, _ in examples}
    assert {"README.md", "docs/events.md", "docs/store.md", "docs/blog.md"} <= documents
    assert len(examples) >= 20


def _follows(args: list[str]) -> bool:
    return "--follow" in args


def test_every_documented_command_runs(tmp_path: Path) -> None:
    # relative outputs (-o post.md, -o events/) land in the test's folder
    os.chdir(tmp_path)
    # where the examples without paths find the logs, as a host's config would say
    config = tmp_path / "config.toml"
    config.write_text(f'logs = ["{SAMPLE}/classic/maillog*"]\n', encoding="utf-8")
    failures = []
    for document, command in _examples():
        args = _args(command, tmp_path)
        # the folders an example writes into exist where it is run (a Hugo site's
        # content/posts/): an output into a missing folder is an error
        for option, value in itertools.pairwise(args):
            if option in ("-o", "--output") and not value.endswith("/"):
                (tmp_path / value).parent.mkdir(parents=True, exist_ok=True)
        if args[0] == "mail":
            args += ["--dry-run", "-o", str(tmp_path / "mail.eml")]  # never sent from a test
        if _follows(args):
            failures += _run_following(document, command, args, config)
            continue
        env = Environment(
            stdout=io.StringIO(),
            env={"MAILLOGS_CONFIG": str(config)},
            home=tmp_path,
            clock=lambda: NOW,
        )
        result = CliRunner().invoke(main, args, obj=env)
        crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
        if result.exit_code != 0 or crashed:
            tail = result.output.strip().splitlines()[-3:]
            failures.append(f"{document}: {command}\n  exit {result.exit_code}: {tail}")
    assert not failures, "\n".join(failures)


def _run_following(document: str, command: str, args: list[str], config: Path) -> list[str]:
    """A command that never ends by itself: it runs until Ctrl-C, which ends it quietly."""
    process = subprocess.Popen(
        [sys.executable, "-m", "maillogs", *args],
        env={**os.environ, "MAILLOGS_CONFIG": str(config), "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    watchdog = threading.Timer(120, process.kill)  # a hung run fails, never hangs the suite
    watchdog.start()
    try:
        first = process.stderr.readline()  # "ingested ... lines": it is polling now
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=60)
        err = first + err
    finally:
        watchdog.cancel()
    if process.returncode != 130 or "Traceback" in err:
        return [f"{document}: {command}\n  exit {process.returncode}: {err}"]
    return []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "```sh\nmaillogs events --stats x   # a comment\n```",
            ["maillogs events --stats x   # a comment"],
        ),
        ("```\n*/5 * * * *  maillogs ingest --store /s\n```", ["maillogs ingest --store /s"]),
        ("```sh\npip install . && maillogs report a\n```", ["maillogs report a"]),
        ("```\nmaillogs blog \\\n    -o p.md x\n```", ["maillogs blog -o p.md x"]),
        ("`maillogs report --since 7d x`", ["maillogs report --since 7d x"]),
        ("`maillogs report --store DIR`, `maillogs store x [--y]`, `maillogs mail`", []),
        ("```toml\nmaillogs = 1\n```", []),
    ],
)
def test_examples_are_found(text: str, expected: list[str]) -> None:
    assert _commands(text) == expected
