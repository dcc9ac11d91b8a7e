"""A newcomer's first hour (issue 19): the report's small things, each as they noticed it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from maillogs.cli import main

SAMPLE = Path(__file__).parents[1] / "sample_logs"
LOGS = ["--tz", "UTC", "--year", "2026", "--quiet", str(SAMPLE / "classic")]


def _run(*args: str, env: dict[str, str | None] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env={"MAILLOGS_CONFIG": None, **(env or {})})


def test_timeline_alone_counts_what_was_received_and_shows_a_table() -> None:
    alone = json.loads(_run("report", "--format", "json", "--section", "timeline", *LOGS).output)
    full = json.loads(_run("report", "--format", "json", *LOGS).output)
    assert "overview" not in alone  # counted for the timeline, not shown
    assert alone["timeline"] == full["timeline"]
    assert sum(day["received"] for day in alone["timeline"]["days"]) == full["overview"]["received"]
    for fmt in ("text", "markdown"):
        shown = _run("report", "--format", fmt, "--section", "timeline", *LOGS).output
        assert "Per day" in shown and "2026-11-23" in shown, fmt


def test_period_splits_the_totals_in_the_text_report() -> None:
    week = _run("report", "--period", "week", "--section", "overview", *LOGS).output
    assert "Traffic by week" in week and "2026-11-16" in week and "2026-11-23" in week
    unsplit = _run("report", "--section", "overview", *LOGS).output
    assert "Traffic by week" not in unsplit


def test_text_width_follows_columns() -> None:
    for columns in (80, 132):
        shown = _run("report", "--section", "overview", *LOGS, env={"COLUMNS": str(columns)})
        widths = [len(line.rstrip()) for line in shown.output.splitlines()]
        assert max(widths) <= columns
        assert max(widths) > 60


def test_sizes_and_delays_for_people_and_numbers_for_machines(tmp_path: Path) -> None:
    text = _run("report", "--section", "overview", *LOGS).output
    assert "417 kB" in text and " 5.0 s " in text
    assert _run("report", "--format", "csv", "-o", str(tmp_path / "csv"), *LOGS).exit_code == 0
    domains = (tmp_path / "csv" / "overview-recipient_domains.csv").read_text()
    assert "mx.example.net,776,416651,0,0,0.11,5.0" in domains


def test_events_csv_of_one_kind_into_a_file(tmp_path: Path) -> None:
    target = tmp_path / "tls.csv"
    result = _run("events", "--kind", "tls", "--format", "csv", "-o", str(target), *LOGS)
    assert result.exit_code == 0, result.output
    assert target.is_file()
    assert target.read_text().splitlines()[0].startswith("time,")


def test_unparsed_lines_never_reach_the_terminal_raw(tmp_path: Path) -> None:
    log = tmp_path / "mail.log"
    log.write_bytes(b"Nov 24 17:18:10 mx postfix/smtpd[1]: \x1b[2Jsomething new\x07\n")
    result = _run("events", "--unparsed", "--tz", "UTC", "--year", "2026", str(log))
    assert result.exit_code == 0
    assert "\x1b" not in result.stdout and "\\x1b[2Jsomething new\\x07" in result.stdout


@pytest.mark.parametrize(
    ("command", "name"),
    [
        (["report", "--format", "html"], "report.html"),
        (["report", "--format", "csv"], "report-csv"),
        (["events", "--kind", "tls", "--format", "csv"], "tls.csv"),
        (["events", "--kind", "tls,reject", "--format", "csv"], "events"),
        (["blog", "--month", "2026-11"], "post.md"),
        (["suggest-rules"], "rules"),
        (["mail", "--dry-run", "--to", "a@example.org"], "report.eml"),
    ],
)
def test_a_written_file_is_said(command: list[str], name: str, tmp_path: Path) -> None:
    target = tmp_path / name
    args = [*command, "-o", str(target), "--tz", "UTC", "--year", "2026", str(SAMPLE / "classic")]
    result = _run(*args)
    assert result.exit_code == 0, result.output
    said = result.stderr.splitlines()[-1]
    if target.is_dir():
        files = [one for one in target.rglob("*") if one.is_file()]
        assert said.startswith(f"wrote {len(files)} files in {target} ("), said
    else:
        assert said.startswith(f"wrote {target} ("), said
    assert said.endswith(("B)", "kB)", "MB)")), said
    quiet = _run(*args, "--quiet")
    assert quiet.exit_code == 0 and "wrote" not in quiet.stderr


def test_rotated_files_older_than_the_period_are_not_opened(tmp_path: Path) -> None:
    live = tmp_path / "mail.log"
    live.write_bytes((SAMPLE / "classic" / "maillog").read_bytes())
    old = tmp_path / "mail.log.5.gz"
    old.write_bytes(b"\x1f\x8b\x08broken")  # opened, it would be an error
    stamp = live.stat().st_mtime - 40 * 86400
    os.utime(old, (stamp, stamp))
    result = _run("report", "--tz", "UTC", "--quiet", "--since", "2026-11-24", str(tmp_path))
    assert result.exit_code == 0, result.output
    everything = _run("report", "--tz", "UTC", "--quiet", str(tmp_path))
    assert everything.exit_code == 1 and "mail.log.5.gz" in everything.stderr
    # -v says which files were read and which were not opened
    told = _run("report", "-v", "--tz", "UTC", "--quiet", "--since", "2026-11-24", str(tmp_path))
    assert told.exit_code == 0, told.output
    lines = told.stderr.splitlines()
    assert any(line.startswith(f"maillogs: skipped {old}: last written") for line in lines), lines
    assert f"maillogs: reading {live}" in lines
    assert str(old) not in result.stderr  # without -v: nothing said
