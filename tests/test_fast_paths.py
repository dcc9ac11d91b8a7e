"""A rule's fast path agrees with its full regex on every line it takes.

The fast path is a stricter, one-pass regex (parsers/rules.py); lines it leaves go to
the full regex. So it may take fewer lines, never different captures. Checked on the
real lines of sample_logs and the corpus, and on those lines with hostile text spliced
in, rich in the delimiters the fast paths rely on (`<>[](),;:=` and spaces).
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.classify import _MATCHED, _capture, _fast_capture, first_rule
from parsers.daemons import rules_for
from parsers.envelope import LogFormat, read_envelope
from parsers.extract_polars import _daemon_of
from parsers.rules import QID_FAST, Rule
from parsers.schema import EventKind
from parsers.timestamps import TimeContext

ROOT = Path(__file__).parents[1]
TIMES = TimeContext(tz="UTC", reference=datetime(2026, 12, 1, tzinfo=UTC), year=2026)


def _real_lines() -> list[str]:
    lines: list[str] = []
    for path in sorted((ROOT / "sample_logs" / "classic").iterdir()):
        with gzip.open(path, "rt") if path.suffix == ".gz" else path.open() as handle:
            lines.extend(handle.read().splitlines())
    for path in sorted((ROOT / "tests" / "corpus").glob("*.jsonl")):
        lines.extend(json.loads(row)["line"] for row in path.read_text().splitlines() if row)
    return lines


@cache
def _messages_by_rule() -> list[tuple[Rule, list[str]]]:
    """Each fast-path rule's real messages: those its daemon's first-hit test gives it."""
    frame = read_envelope("\n".join(_real_lines()).encode(), LogFormat.CLASSIC, TIMES)
    daemons = frame.get_column("program").map_elements(_daemon_of, return_dtype=pl.String)
    frame = frame.with_columns(daemons.alias("daemon")).filter(pl.col("daemon").is_not_null())
    found: dict[int, tuple[Rule, list[str]]] = {}  # by id: rules hold dicts
    for (daemon,), rows in frame.partition_by("daemon", as_dict=True).items():
        rules = rules_for(str(daemon))
        tagged = rows.with_columns(first_rule(rules).alias("rule"))
        for index, message in tagged.select("rule", "message").iter_rows():
            if index is not None and rules[index].fast is not None:
                found.setdefault(id(rules[index]), (rules[index], []))[1].append(message)
    return sorted(found.values(), key=lambda pair: pair[0].kind.value)


def _disagreements(rule: Rule, messages: list[str]) -> list[tuple[str, dict[str, object]]]:
    """(message, the captures that differ) for each message the fast path takes."""
    assert rule.fast is not None
    rows = pl.DataFrame({"message": messages}).with_row_index("id")
    taken, _ = _fast_capture(rows, rule.fast)
    full = _capture(rows, rule.pattern).filter(_MATCHED).drop(_MATCHED)
    groups = [name for name in full.columns if name not in ("id", "message")]
    assert set(taken.columns) - {_MATCHED} <= set(full.columns), "fast path names new groups"
    both = taken.join(full, on="id", how="left", suffix="_full")
    bad = []
    for row in both.iter_rows(named=True):
        differs: dict[str, object] = {}
        for name in groups:
            fast = row[name] if name in taken.columns else None
            full_value = row[f"{name}_full"] if name in taken.columns else row[name]
            if fast != full_value:
                differs[name] = (fast, full_value)
        if differs:
            bad.append((row["message"], differs))
    return bad


# RBL and SPF replies hold ";", which the reject fast path leaves to the full regex.
_SHARE_TAKEN = {EventKind.REJECT: 0.5}


def test_fast_paths_take_the_usual_lines_and_agree_on_them() -> None:
    by_rule = _messages_by_rule()
    assert {rule.kind.value for rule, _ in by_rule} >= {
        "delivery", "tls", "spf", "client", "queued", "message_id", "reject"
    }  # fmt: skip
    for rule, messages in by_rule:
        assert rule.fast is not None
        rows = pl.DataFrame({"message": messages})
        taken, left = _fast_capture(rows, rule.fast)
        # sample_logs is what Postfix usually writes: the fast path takes most of it
        assert taken.height >= _SHARE_TAKEN.get(rule.kind, 0.9) * rows.height, (rule.kind, left)
        assert _disagreements(rule, messages) == []


def _edits(message: str) -> list[str]:
    """`message` with each delimiter put in at each position, and each character taken out."""
    inserted = [
        message[:i] + char + message[i:]
        for i in range(len(message) + 1)
        for char in " \t<>[](),;:=/\\"
    ]
    removed = [message[:i] + message[i + 1 :] for i in range(len(message))]
    return inserted + removed  # fmt: skip


def test_fast_paths_agree_on_every_one_character_edit() -> None:
    for rule, messages in _messages_by_rule():
        # a few real lines per rule, each of a different shape
        shapes = {len(message.split()): message for message in messages}
        edited = [edit for message in list(shapes.values())[:4] for edit in _edits(message)]
        assert _disagreements(rule, edited) == [], rule.kind


# Text that breaks naive splitting: delimiters, nested brackets, the rules' own keywords.
_HOSTILE = st.lists(
    st.sampled_from([*"<>[](),;:= /.-_aZ09\t\\é", ", relay=", ">, ", "), ", " (", " to ", "]:25",
                     " bits)", "; ", " key-exchange X", " server-signature RSA (2048 bits)",
                     ", size=1", "orig_to=<", "tls=", " status=sent", "receiver=x "]),
    max_size=6,
).map("".join)  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(data=st.data())
def test_fast_paths_agree_with_the_full_regex_on_hostile_lines(data: st.DataObject) -> None:
    rule, messages = data.draw(st.sampled_from(_messages_by_rule()))
    message = data.draw(st.sampled_from(messages))
    # Where a field's value starts is where the shapes differ most: drawn half the time.
    value_starts = [i for i in range(len(message) + 1) if i == 0 or message[i - 1] in "=<[(: ,;"]
    start = data.draw(st.sampled_from(value_starts) | st.integers(0, len(message)))
    end = data.draw(st.integers(start, min(len(message), start + 8)))
    spliced = message[:start] + data.draw(_HOSTILE) + message[end:]
    assert _disagreements(rule, [message, spliced]) == []


def test_fast_paths_leave_malformed_queue_ids_to_the_full_regex() -> None:
    # "7F8" is too short, "7F8a20C0E1" mixes the alphabets: no Postfix queue id.
    for rule, messages in _messages_by_rule():
        assert rule.fast is not None
        if not rule.fast.pattern.startswith(f"^{QID_FAST}"):
            continue
        _, sep, rest = messages[0].partition(": ")
        for bad in ("7F8", "7F8a20C0E1"):
            rows = pl.DataFrame({"message": [f"{bad}{sep}{rest}"]})
            taken, left = _fast_capture(rows, rule.fast)
            assert (taken.height, left.height) == (0, 1), (rule.kind, bad)
