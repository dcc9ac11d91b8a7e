"""The user's Postfix pcre/regexp check tables: rule id → pattern, action, readable label.

A rule is `/pattern/flags ACTION text`; the id is the number after `id=` in the text
(`REJECT "Plz stop sending SPAM id= 8 "`). `if`/`endif` blocks, comments and
continuation lines (starting with white space) are understood.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_ID = re.compile(r"\bid=\s*(\d{1,9})\b")


@dataclass(frozen=True)
class CheckRule:
    rule_id: int
    pattern: str  # as written between the delimiters
    flags: str
    action: str  # upper case: REJECT, WARN, DISCARD, ...
    text: str
    label: str  # what the pattern matches, for people: adsgreece.com
    line: int


def label_of(pattern: str) -> str:
    """`adsgreece\\.com` → `adsgreece.com`; `from.*mailendo.com` → `mailendo.com`;
    `To:.*info@balaskas\\.gr` → `info@balaskas.gr`; `PRINTEX\\ DIGITAL` → `PRINTEX DIGITAL`."""
    text = pattern.strip("^$")
    # Keep what follows the last ".*": the part that names the sender or site.
    if ".*" in text:
        text = text.rsplit(".*", 1)[1]
    text = re.sub(r"\\(.)", r"\1", text)
    text = re.sub(r"[()\[\]?+*{}|^$]", "", text)
    return text.strip() or pattern


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Join continuation lines (leading white space) to the line before."""
    lines: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if raw[0].isspace() and lines:
            first, joined = lines[-1]
            lines[-1] = (first, f"{joined} {raw.strip()}")
        else:
            lines.append((number, raw.strip()))
    return lines


def _split_rule(line: str) -> tuple[str, str, str] | None:
    """(pattern, flags, action text) of `/pattern/flags action...`, None if not a rule."""
    if not line or line[0] not in "/!" or line.lower().startswith(("if ", "endif")):
        return None
    negate = line.startswith("!")
    body = line[1:] if negate else line
    if not body.startswith("/"):
        return None
    index = 1
    while index < len(body):
        if body[index] == "\\":
            index += 2
            continue
        if body[index] == "/":
            break
        index += 1
    else:
        return None
    pattern = body[1:index]
    rest = body[index + 1 :]
    flags = re.match(r"[A-Za-z]*", rest)
    flag_text = flags.group(0) if flags else ""
    return pattern, flag_text, rest[len(flag_text) :].strip()


def read_patterns(path: Path) -> list[tuple[str, str]]:
    """(pattern, flags) of every rule that blocks on a match, with an id or without;
    `!/.../` rules act on what they do not match and are left out."""
    patterns = []
    for _, line in _logical_lines(path.read_text(encoding="utf-8", errors="replace")):
        if line.startswith("!") or line.lower().startswith(("if ", "endif")):
            continue
        parsed = _split_rule(line)
        if parsed is not None:
            patterns.append((parsed[0], parsed[1]))
    return patterns


def read_check_table(path: Path) -> list[CheckRule]:
    """Every rule of the table that carries an id, in file order."""
    rules = []
    for number, line in _logical_lines(path.read_text(encoding="utf-8", errors="replace")):
        if line.lower().startswith(("if ", "endif")):
            continue
        parsed = _split_rule(line)
        if parsed is None:
            continue
        pattern, flags, action_text = parsed
        action, _, text = action_text.partition(" ")
        found = _ID.search(text)
        if found:
            rules.append(
                CheckRule(
                    rule_id=int(found.group(1)),
                    pattern=pattern,
                    flags=flags,
                    action=action.upper(),
                    text=text.strip().strip('"'),
                    label=label_of(pattern),
                    line=number,
                )
            )
    return rules


def rules_by_id(paths: list[Path] | tuple[Path, ...]) -> dict[int, CheckRule]:
    table: dict[int, CheckRule] = {}
    for path in paths:
        for rule in read_check_table(path):
            table.setdefault(rule.rule_id, rule)
    return table
