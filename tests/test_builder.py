"""The report builder lets each section's state go once its result is made."""

from __future__ import annotations

import pytest

from reports.builder import ReportBuilder
from reports.options import ReportOptions
from reports.section import ParseSummary
from tests.test_sample_logs import classic


def test_a_report_is_finished_once() -> None:
    """Its sections are gone after `finish` (a year's tallies are let go one section
    at a time while the report is made): a second `finish` is an error, not an
    empty report."""
    _, events, _ = classic()
    builder = ReportBuilder(ReportOptions(tz="UTC"))
    builder.add(events)
    data = builder.finish(ParseSummary()).data
    assert data["overview"]["received"] > 0
    assert builder.sections == []
    with pytest.raises(RuntimeError):
        builder.finish(ParseSummary())
