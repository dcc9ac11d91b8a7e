"""The command line: one-line errors with the documented exit codes, and broken inputs
named while the others are still reported."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from maillogs.cli import main

SAMPLE = Path(__file__).parents[1] / "sample_logs"
LINE = b"Nov 24 10:00:00 mx postfix/smtpd[7]: connect from a.example[192.0.2.1]\n"


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "--since", "lastweek"], "--since 'lastweek': not a time; accepted: "),
        (["report", "--tz", "Mars/Base"], "unknown time zone 'Mars/Base'"),
        (["events", "--kind", "nope"], "unknown event kind 'nope'"),
        (
            ["report", "--format", "csv"],
            "--format csv writes one file per table: give --output DIR",
        ),
        (["report", "--header-checks", "/nonexistent/header_checks"], "no such check table file"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(
    tmp_path: Path, args: list[str], message: str
) -> None:
    log = tmp_path / "maillog"
    log.write_bytes(LINE)
    code, _, err = _run(*args, "--quiet", str(log))
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("maillogs: error: ") and message in err


def test_click_usage_errors_exit_2() -> None:
    code, _, err = _run("report", "--top", "zero")
    assert code == 2 and "Invalid value for '--top'" in err


def test_broken_inputs_are_named_and_the_rest_is_reported(tmp_path: Path) -> None:
    broken = tmp_path / "maillog.2.gz"
    broken.write_bytes(gzip.compress(LINE * 1000)[:-40])
    good = tmp_path / "maillog"
    good.write_bytes(LINE)
    code, out, err = _run(
        "report", "--quiet", "--tz", "UTC", "--format", "json",
        str(broken), str(tmp_path / "missing.log"), str(good),
    )  # fmt: skip
    assert code == 1
    assert f"maillogs: error: {tmp_path / 'missing.log'}: No such file or directory" in err
    assert f"maillogs: error: {broken}: truncated gzip stream" in err
    report = json.loads(out)
    assert report["overview"]["connections"] > 1  # the broken file's whole lines, and the good one
    assert report["parse"]["errors"]


def test_version_and_help_with_examples() -> None:
    assert _run("--version")[1].startswith("maillogs, version ")
    for command in ("report", "events"):
        code, out, _ = _run(command, "--help")
        assert code == 0 and "Examples:" in out


def test_events_stats_on_sample_logs() -> None:
    code, out, _ = _run("events", "--stats", "--quiet", "--tz", "UTC", str(SAMPLE / "classic"))
    assert code == 0
    assert "unparsed:   0\n" in out and "lines:      " in out


def test_stats_count_verbose_lines_per_program_and_escape_program_names(tmp_path: Path) -> None:
    verbose = Path(__file__).parent.parent / "sample_logs" / "verbose" / "classic" / "maillog.gz"
    code, out, _ = _run("events", "--stats", "--tz", "UTC", "--year", "2026", str(verbose))
    assert code == 0
    debug = out.split("verbose (debug) lines by program:\n")[1].splitlines()
    counts = {line.split()[0]: int(line.split()[1]) for line in debug}
    assert sum(counts.values()) == int(out.split("  debug ")[1].split()[0])
    assert counts["policyd-spf"] > 0 and counts["postfix/submission/smtpd"] > 0
    hostile = tmp_path / "mail.log"
    hostile.write_bytes(b"Nov 24 17:18:10 mx post\x1b]0;pwned\x07fix/smtpd[388]: odd thing\n")
    code, out, _ = _run("events", "--stats", "--tz", "UTC", "--year", "2026", str(hostile))
    assert "\x1b" not in out and "\x07" not in out
    assert "post\\x1b]0;pwned\\x07fix/smtpd" in out
