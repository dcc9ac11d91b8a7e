"""The rendered report for sample_logs, byte for byte.

After a deliberate change to the output, regenerate and review the diff:

    MAILLOGS_REGENERATE_GOLDEN=1 python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from maillogs.cli import main

ROOT = Path(__file__).parents[1]
GOLDEN = Path(__file__).parent / "golden"
ARGS = [
    "--tz", "UTC", "--year", "2026", "--quiet",
    "--catchall-domain", "example.org",
    "--header-checks", str(ROOT / "sample_logs" / "header_checks"),
    "--body-checks", str(ROOT / "sample_logs" / "body_checks"),
    str(ROOT / "sample_logs" / "classic"),
]  # fmt: skip


@pytest.mark.parametrize(("fmt", "name"), [("text", "report.txt"), ("markdown", "report.md")])
def test_rendered_report_matches_golden(fmt: str, name: str) -> None:
    result = CliRunner().invoke(main, ["report", "--format", fmt, *ARGS], env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    # Paths differ between checkouts: the golden files hold them relative.
    output = result.output.replace(str(ROOT) + "/", "")
    golden = GOLDEN / name
    if os.environ.get("MAILLOGS_REGENERATE_GOLDEN"):
        golden.write_text(output, encoding="utf-8")
    assert output == golden.read_text(encoding="utf-8")
