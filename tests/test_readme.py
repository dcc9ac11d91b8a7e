"""The README's Quick start is exactly two one-line commands, and CI runs the second."""

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]


def _quick_start() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_quick_start_is_two_lines() -> None:
    lines = _quick_start()
    assert len(lines) == 2
    # where a bare pip install is refused (PEP 668), the line makes its own venv
    assert lines[0].startswith("python3 -m venv .venv && . .venv/bin/activate && pip install . && ")
    assert " && maillogs report " in lines[0]
    assert "sample_logs" in lines[0]


def test_ci_runs_the_second_line_word_for_word() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert _quick_start()[1] in ci
