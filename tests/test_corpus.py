"""Real log lines, each with the event it must give (tests/corpus/*.jsonl).

Add every new real line shape here with its expected fields.
"""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from parsers.envelope import LogFormat
from parsers.schema import EventKind
from parsers.stream import EventParser
from parsers.timestamps import TimeContext

CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.jsonl"))
TIMES = TimeContext(tz="UTC", reference=datetime(2026, 11, 25, tzinfo=UTC))


def _cases() -> list[Any]:
    cases = []
    for path in CORPUS:
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if text.strip():
                case = json.loads(text)
                cases.append(pytest.param(case, id=f"{path.stem}:{number}:{case['kind']}"))
    return cases


@pytest.mark.parametrize("case", _cases())
def test_real_line(case: dict[str, Any]) -> None:
    batch = EventParser().parse_chunk(case["line"].encode() + b"\n", LogFormat.CLASSIC, TIMES)
    got = {kind.value: frame for kind, frame in batch.items() if frame.height}
    assert list(got) == [case["kind"]], got.get(EventKind.UNPARSED.value)
    row = got[case["kind"]].row(0, named=True)
    assert {name: row[name] for name in case["fields"]} == case["fields"]
