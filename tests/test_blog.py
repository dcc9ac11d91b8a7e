"""`maillogs blog`: the user's post shape, counts equal to the truth, new rules, front
matter, escaping, and the committed example kept current."""

from __future__ import annotations

import gzip
import json
import re
import tomllib
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from maillogs.cli import main
from reports.check_tables import read_check_table

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "sample_logs"
TRUTH = json.loads((SAMPLE / "truth.json").read_text())
GOLDEN = ROOT / "tests" / "golden" / "blog.md"
EXAMPLE = ROOT / "docs" / "examples" / "blog-2026-11.md"
TABLES = ["--header-checks", str(SAMPLE / "header_checks"),
          "--body-checks", str(SAMPLE / "body_checks")]  # fmt: skip
COMMON = ["--tz", "UTC", "--year", "2026", "--quiet", *TABLES, str(SAMPLE / "classic")]


def blog(*args: str) -> str:
    result = CliRunner().invoke(main, ["blog", *args, *COMMON])
    assert result.exit_code == 0, result.output
    return result.output


@cache
def november() -> str:
    return blog("--month", "2026-11")


def expected_top(n: int) -> list[tuple[str, int]]:
    """From the truth: rejects per rule id, named by the rule's label in the tables."""
    labels = {}
    for part in ("header", "body"):
        for rule in read_check_table(SAMPLE / f"{part}_checks"):
            labels[(part, str(rule.rule_id))] = rule.label
    counts: dict[str, int] = {}
    for part in ("header", "body"):
        for rule_id, count in TRUTH[f"{part}_checks"]["reject_by_id"].items():
            label = labels[(part, rule_id)]
            counts[label] = counts.get(label, 0) + count
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]


def test_post_has_the_users_shape() -> None:
    post = november()
    assert post.startswith("# Top spammers, Nov 1 2026 - Nov 30 2026\n\nNov 1 2026 - Nov 30 2026\n")
    assert "\ntop five spammers:\n\n1. " in post
    assert "\nBlocked via postfix:\n\n```\n" in post
    # the rules exactly as they stand in the user's file
    for line in (SAMPLE / "header_checks").read_text().splitlines():
        if "REJECT" in line and "id=" in line:
            assert f"\n{line.rstrip()}\n" in post


def test_top_spammers_and_hits_equal_the_truth() -> None:
    post = november()
    ranked = re.findall(r"^\d+\. (.+)$", post, re.M)
    assert ranked == [for_markdown_label(label) for label, _ in expected_top(5)]
    pairs = re.findall(
        r"^# (?:new rule, )?(\d+) blocked this period\n[^\n]*id=\s*(\d+)", post, re.M
    )
    truth = {**TRUTH["header_checks"]["reject_by_id"], **TRUTH["body_checks"]["reject_by_id"]}
    assert len(pairs) == 11  # every REJECT rule with an id in the two tables
    for count, rule_id in pairs:
        assert int(count) == truth.get(rule_id, 0)


def for_markdown_label(label: str) -> str:
    return re.sub(r"([\\`*_\[\]<>#!|~&])", r"\\\1", label)


def test_new_rules_are_those_first_firing_in_the_period() -> None:
    since = "2026-11-23T09:00"
    post = blog("--since", since)
    # Independently of the parser: which ids did cleanup reject with before and after?
    cut = datetime.fromisoformat(since).replace(tzinfo=UTC)
    before, after = set(), set()
    for path in (SAMPLE / "classic" / "maillog.1.gz", SAMPLE / "classic" / "maillog"):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt") as log:  # type: ignore[operator]
            for line in log:
                found = re.search(r"cleanup\[\d+\]: \w+: reject: .* id=\s*(\d+)", line)
                if found:
                    when = datetime.strptime("2026 " + line[:15], "%Y %b %d %H:%M:%S")
                    (before if when.replace(tzinfo=UTC) < cut else after).add(found.group(1))
    marked = set(re.findall(r"^# new rule, \d+ blocked this period\n[^\n]*id=\s*(\d+)", post, re.M))
    assert marked == after - before


def test_no_rule_is_new_when_the_logs_start_inside_the_period() -> None:
    assert "new rule" not in november()


def test_golden_post() -> None:
    post = blog("--month", "2026-11", "--front-matter", "hugo")
    if GOLDEN.exists() and not _regenerate():
        assert post == GOLDEN.read_text()
    else:
        GOLDEN.write_text(post)


def test_the_readme_example_is_current(tmp_path: Path) -> None:
    out = tmp_path / EXAMPLE.name
    blog("--month", "2026-11", "-o", str(out))
    if _regenerate():
        EXAMPLE.parent.mkdir(parents=True, exist_ok=True)
        for made in tmp_path.iterdir():
            (EXAMPLE.parent / made.name).write_bytes(made.read_bytes())
    assert out.read_text() == EXAMPLE.read_text()
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", out.read_text())
    assert images == ["blog-2026-11-spam-per-day.png", "blog-2026-11-top-spammers.png"]
    for name in images:
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG")
        assert (EXAMPLE.parent / name).exists()


def _regenerate() -> bool:
    import os

    return bool(os.environ.get("MAILLOGS_REGENERATE_GOLDEN"))


@pytest.mark.parametrize("style", ["hugo", "jekyll"])
def test_front_matter_survives_a_hostile_title(style: str) -> None:
    title = 'Spam "month" \\ +++ ---\ttab'
    post = blog("--month", "2026-11", "--front-matter", style, "--title", title)
    fence = "+++" if style == "hugo" else "---"
    head = post.split(f"\n{fence}\n", 1)[0].removeprefix(f"{fence}\n")
    if style == "hugo":
        data = tomllib.loads(head)
        assert data == {"title": title, "date": data["date"], "tags": ["spam", "postfix"]}
        assert str(data["date"]) == "2026-11-30"
    else:
        fields = dict(line.split(": ", 1) for line in head.splitlines())
        assert json.loads(fields["title"]) == title
        assert fields["date"] == "2026-11-30" and fields["tags"] == "[spam, postfix]"


def test_html_post_is_escaped_and_self_contained() -> None:
    page = blog("--month", "2026-11", "--format", "html")
    assert page.startswith("<article")
    assert page.count('<img src="data:image/png;base64,') == 2
    assert "<li>adsgreece.com</li>" in page


HOSTILE = (
    "Nov 24 10:00:01 mx postfix/cleanup[8]: AAAA000001: reject: header Subject: x from "
    "a.test[192.0.2.2]; from=<s@<script>alert(1)</script>[x](http://e.test)> "
    "to=<leak@example.org> proto=ESMTP helo=<a.test>: 5.7.1 spam id= 999 \n"
)


def test_a_hostile_sender_domain_is_inert_in_both_formats(tmp_path: Path) -> None:
    log = tmp_path / "maillog"
    log.write_text(HOSTILE)
    args = ["--tz", "UTC", "--year", "2026", "-q", str(log)]
    markdown = CliRunner().invoke(main, ["blog", "--month", "2026-11", *args])
    assert markdown.exit_code == 0, markdown.output
    assert "1. \\<script\\>alert(1)\\</script\\>\\[x\\](http://e.test)" in markdown.output
    html = CliRunner().invoke(main, ["blog", "--month", "2026-11", "--format", "html", *args])
    assert "<li>&lt;script&gt;alert(1)&lt;/script&gt;[x](http://e.test)</li>" in html.output
    assert "<script>" not in html.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--month", "November"], "--month 'November'"),
        (["--month", "2026-11", "--since", "2026-11-01"], "cannot be combined"),
        (["--month", "2026-11", "--top", "0"], "--top"),
    ],
)
def test_bad_options_are_one_line_usage_errors(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["blog", *args, *COMMON])
    assert result.exit_code == 2
    assert message in result.output
