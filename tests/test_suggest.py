"""`maillogs suggest-rules`: rules in the user's style for accepted mail the log itself
calls suspicious; never one the table already has; checked with postmap."""

from __future__ import annotations

import gzip
import itertools
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from maillogs.cli import main
from reports.suggest import (
    Evidence,
    Suggestion,
    SuspectCollector,
    blocked_already,
    compiled_rules,
    pcre_escape,
)

SAMPLE = Path(__file__).parents[1] / "sample_logs"
TABLE = SAMPLE / "header_checks"
ARGS = ["--tz", "UTC", "--year", "2026", "-q", "--header-checks", str(TABLE),
        "--catchall-domain", "example.org", str(SAMPLE / "classic")]  # fmt: skip
RULE = re.compile(r'^(/(?:[^/\\]|\\.)+/)\s+REJECT  "Plz stop sending SPAM id= (\d+) "$')


@cache
def suggested() -> str:
    result = CliRunner().invoke(main, ["suggest-rules", *ARGS])
    assert result.exit_code == 0, result.output
    return result.output


def rules() -> list[tuple[str, str, int]]:
    """(why, pattern, id) of each suggestion."""
    lines = suggested().splitlines()
    found = []
    for why, line in itertools.pairwise(lines):
        match = RULE.match(line)
        if match:
            assert why.startswith("# ")
            found.append((why, match.group(1), int(match.group(2))))
    return found


def raw_log() -> list[str]:
    with gzip.open(SAMPLE / "classic" / "maillog.1.gz", "rt") as rotated:
        lines = rotated.read().splitlines()
    return lines + (SAMPLE / "classic" / "maillog").read_text().splitlines()


def test_every_line_is_a_comment_or_a_rule() -> None:
    for line in suggested().splitlines():
        assert line.startswith("#") or RULE.match(line), line


def test_ids_continue_from_the_tables_highest() -> None:
    highest = max(int(i) for i in re.findall(r"id=\s*(\d+)", TABLE.read_text()))
    assert [rule_id for _, _, rule_id in rules()] == list(
        range(highest + 1, highest + 1 + len(rules()))
    )


def test_the_softfail_domain_leads_with_the_logs_own_count() -> None:
    # policyd-spf's own lines: softfail verdicts that only prepended a header
    softfails = sum(
        "prepend Received-SPF: Softfail" in line and "envelope-from=" in line
        and re.search(r"envelope-from=[^;@]*@softfail\.test;", line) is not None
        for line in raw_log()
    )  # fmt: skip
    why, pattern, _ = rules()[0]
    assert pattern == r"/softfail\.test/"
    assert f"{softfails} with SPF softfail" in why


def test_no_suggestion_is_blocked_already_and_each_matches_its_domain() -> None:
    # Postfix pcre tables match case-insensitively unless the rule has the `i` flag.
    shape = r"^/((?:[^/\\]|\\.)+)/(\w*)\s"
    table = [
        re.compile(p, 0 if "i" in f else re.I)
        for p, f in re.findall(shape, TABLE.read_text(), re.M)
    ]
    for why, pattern, _ in rules():
        name = why[2:].split(":", 1)[0]
        assert not any(rule.search(f"From: x@{name}") for rule in table)
        assert re.search(pattern[1:-1], f"From: x@{name}")
        assert not re.search(pattern[1:-1], f"From: x@{name.replace('.', 'x')}")


def test_postmap_accepts_the_file(tmp_path: Path) -> None:
    postmap = shutil.which("postmap") or (
        "/usr/sbin/postmap" if Path("/usr/sbin/postmap").exists() else None
    )
    if postmap is None:
        pytest.skip("postmap (Debian's postfix, postfix-pcre) is not installed")
    out = tmp_path / "new_rules"
    result = CliRunner().invoke(main, ["suggest-rules", "-o", str(out), *ARGS])
    assert result.exit_code == 0, result.output
    for why, _, rule_id in rules():
        name = why[2:].split(":", 1)[0]
        answer = subprocess.run([postmap, "-q", f"From: x@{name}", f"pcre:{out}"],
                                capture_output=True, text=True, check=False)  # fmt: skip
        assert answer.stdout.strip() == f'REJECT  "Plz stop sending SPAM id= {rule_id} "'


@pytest.mark.parametrize("name", ["same", "symlink", "hardlink"])
def test_it_never_writes_over_the_table(tmp_path: Path, name: str) -> None:
    copy = tmp_path / "header_checks"
    copy.write_text(TABLE.read_text())
    output = tmp_path / "new_rules"
    if name == "same":
        output = copy
    elif name == "symlink":
        output.symlink_to(copy)
    else:
        output.hardlink_to(copy)
    result = CliRunner().invoke(
        main, ["suggest-rules", "--header-checks", str(copy), "-o", str(output), str(SAMPLE)]
    )
    assert result.exit_code == 2
    assert "is your header_checks table" in result.output
    assert copy.read_text() == TABLE.read_text()
    assert copy.read_text() == TABLE.read_text()


def test_escaping_makes_every_character_literal() -> None:
    assert pcre_escape("a.b-c/d") == r"a\.b\-c\/d"
    hostile = "x.test/ REJECT\n"
    assert re.fullmatch(pcre_escape(hostile), hostile)
    line = Suggestion("a.test", Evidence(accepted=1, spf_softfail=1), 7).line()
    assert line == '/a\\.test/                       REJECT  "Plz stop sending SPAM id= 7 "'


def test_a_rule_without_an_id_still_counts_as_blocking(tmp_path: Path) -> None:
    table = tmp_path / "header_checks"
    table.write_text("/from.*mailendo.com/  DISCARD\n/^Subject:.*x/i  REJECT\n")
    rules = compiled_rules([table])
    assert blocked_already("mailendo.com", rules)  # "From:" matches: case-insensitive
    assert not blocked_already("other.test", rules)


def test_the_store_gives_the_same_suggestions(tmp_path: Path) -> None:
    store = tmp_path / "store"
    ingest = CliRunner().invoke(
        main, ["ingest", "--tz", "UTC", "--year", "2026", "-q", "--store", str(store),
               str(SAMPLE / "classic")],
    )  # fmt: skip
    assert ingest.exit_code == 0, ingest.output
    from_store = CliRunner().invoke(main, ["suggest-rules", *ARGS[:-1], "--store", str(store)])
    assert from_store.exit_code == 0, from_store.output
    assert from_store.output == suggested()


@pytest.mark.parametrize("catchall", [[], ["example.org"]])
def test_a_log_with_no_lines_has_nothing_to_suggest(catchall: list[str]) -> None:
    # no batch at all (an empty file): the collector still knows its columns
    assert SuspectCollector(catchall).evidence() == {}
