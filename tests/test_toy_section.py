"""A section is one module and a line in the registry: a toy one, registered here, shows in
every format and in a report from a store, whose day summaries keep its state."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TypedDict

import polars as pl
import pytest
from click.testing import CliRunner

from maillogs.cli import main
from parsers.schema import EventKind
from reports import sections
from reports.metrics import Metrics
from reports.options import ReportOptions
from reports.section import Batch, Needs, ParseSummary, SectionKind
from reports.tables import Table, count_table
from reports.tally import Accumulator, Tally
from tests.test_sample_logs import classic

ROOT = Path(__file__).parents[1]
ARGS = ["--tz", "UTC", "--year", "2026", "--quiet"]
LOGS = str(ROOT / "sample_logs" / "classic")


class ToyResult(TypedDict):
    by_direction: dict[str, int]


class Toy:
    """TLS handshakes by direction."""

    name = "toy"

    def __init__(self) -> None:
        self.needs: Needs = {EventKind.TLS: ["direction"]}
        self.handshakes = Tally(["direction"], seen=False)

    def add(self, batch: Batch) -> None:
        self.handshakes.add(batch[EventKind.TLS].select("time", "direction"))

    def accumulators(self) -> dict[str, Accumulator]:
        return {"handshakes": self.handshakes}

    def result(self, summary: ParseSummary) -> ToyResult:
        rows = self.handshakes.frame().sort("direction").select("direction", "count")
        return {"by_direction": {str(d): int(n) for d, n in rows.iter_rows()}}


def _make(options: ReportOptions, isolated: bool) -> Toy:
    return Toy()


def _tables(result: ToyResult) -> list[Table]:
    by = result["by_direction"]
    return [count_table("toy", "by_direction", "Toy handshakes", "direction", by)]


def _metrics(put: Metrics, result: ToyResult) -> None:
    put.each("toy_handshakes", "Toy: TLS handshakes.", "direction", result["by_direction"])


TOY: SectionKind[ToyResult] = SectionKind(
    name="toy", title="Toy section", version=1, make=_make, tables=_tables, metrics=_metrics
)


@pytest.fixture(autouse=True)
def toy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(sections, "_REGISTRY", list(sections.registered()))
    sections.register(TOY)
    yield


def _expected() -> dict[str, int]:
    """From the parsed events, not through any section."""
    tls = classic()[1][EventKind.TLS]
    counted = tls.group_by("direction").len().sort("direction").iter_rows()
    return {str(direction): int(n) for direction, n in counted}


def _report(*args: str) -> str:
    result = CliRunner().invoke(main, ["report", *ARGS, *args], env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.output


def test_registered_in_front_of_parse() -> None:
    assert sections.names()[-2:] == ("toy", "parse")
    assert sections.versions()["toy"] == 1
    with pytest.raises(ValueError, match="registered already"):
        sections.register(TOY)


def test_json() -> None:
    expected = _expected()
    assert set(expected) == {"inbound", "outbound"} and all(expected.values())
    data = json.loads(_report("--format", "json", LOGS))
    assert data["toy"] == {"by_direction": expected}
    # the last sections (the report's notices follow them)
    assert [key for key in data if key != "notices"][-2:] == ["toy", "parse"]


def test_text_markdown_html() -> None:
    inbound = f"{_expected()['inbound']:,}"
    text = _report("--format", "text", LOGS)
    assert "Toy section" in text and "Toy handshakes" in text
    assert any("inbound" in line and inbound in line for line in text.splitlines())
    markdown = _report("--format", "markdown", LOGS)
    assert "## Toy section\n\n### Toy handshakes\n" in markdown
    assert f"| inbound | {inbound} |" in markdown
    html = _report("--format", "html", LOGS)
    assert "Toy section" in html and "Toy handshakes" in html and f">{inbound}<" in html


def test_csv(tmp_path: Path) -> None:
    _report("--format", "csv", "-o", str(tmp_path), LOGS)
    rows = list(csv.reader(io.StringIO((tmp_path / "toy-by_direction.csv").read_text())))
    assert rows[0] == ["direction", "count", "share"]
    assert {row[0]: int(row[1]) for row in rows[1:]} == _expected()


def test_prometheus() -> None:
    text = _report("--format", "prometheus", LOGS)
    for direction, count in _expected().items():
        assert f'maillogs_toy_handshakes{{direction="{direction}"}} {float(count)}' in text


def test_store_report_keeps_its_state_in_day_summaries(tmp_path: Path) -> None:
    store = tmp_path / "store"
    ingest = CliRunner().invoke(main, ["ingest", *ARGS, "--store", str(store), LOGS])
    assert ingest.exit_code == 0, ingest.output
    # the whole of the logs' days: every day but the newest from its day summary
    first = json.loads(_report("--format", "json", "--store", str(store)))
    summaries = list(store.glob("_summaries/*/date=*.parquet"))
    assert summaries
    assert all(
        "state.toy.handshakes" in pl.read_parquet(path, columns=["name"]).get_column("name")
        for path in summaries
    )
    again = json.loads(_report("--format", "json", "--store", str(store)))
    assert first["toy"] == again["toy"] == {"by_direction": _expected()}
