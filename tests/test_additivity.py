"""Counts that are sums of events add up across adjacent periods:
report(a..t) + report(t..b) = report(a..b), wherever t falls."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from maillogs.period import Period
from maillogs.sources import in_period
from reports.builder import ReportBuilder
from reports.options import ReportOptions
from reports.section import ParseSummary
from tests.test_sample_logs import TRUTH, classic

# The overview's figures that count lines (pflogsumm's: each line in one period).
SUMS = (
    "connections", "received", "delivered", "forwarded", "deferrals", "bounced", "expired",
    "rejected", "warned", "held", "discarded", "warnings", "errors", "fatal", "panic",
)  # fmt: skip
FIRST = datetime.fromisoformat(TRUTH["period"]["first"])
LAST = datetime.fromisoformat(TRUTH["period"]["last"])


def _overview(since: datetime | None, until: datetime | None) -> dict[str, Any]:
    _, events, _ = classic()
    builder = ReportBuilder(
        ReportOptions(tz="UTC", since=since, until=until, sections=("overview", "tls"))
    )
    builder.add(in_period(events, Period(since, until)))  # as the event source does
    data = builder.finish(ParseSummary()).data
    return {**data["overview"], "starttls": data["tls"]["inbound"]["starttls"]["sessions"]}


@settings(max_examples=12, deadline=None)
@given(st.integers(min_value=0, max_value=int((LAST - FIRST).total_seconds()) * 1000))
def test_sums_add_up_across_any_instant(offset_ms: int) -> None:
    instant = FIRST + timedelta(milliseconds=offset_ms)
    before, after, whole = _overview(None, instant), _overview(instant, None), _overview(None, None)
    for name in (*SUMS, "starttls"):
        assert before[name] + after[name] == whole[name], name
    for source in ("smtpd", "pickup"):
        assert (
            before["received_by_source"][source] + after["received_by_source"][source]
            == whole["received_by_source"][source]
        )
    days = {**before["by_day"]}
    for day, row in after["by_day"].items():
        days[day] = {k: v + days.get(day, {}).get(k, 0) for k, v in row.items()}
    for day, row in whole["by_day"].items():
        for name in ("connections", "received", "delivered", "deferred", "bounced", "rejected"):
            assert days[day][name] == row[name], (day, name)


def test_a_message_queued_before_the_period_is_not_received_in_it() -> None:
    """A message deferred before the instant and retried after it arrived once."""
    split = datetime.fromisoformat("2026-11-23T00:00:00+00:00")
    before, after, whole = _overview(None, split), _overview(split, None), _overview(None, None)
    assert before["queued"] + after["queued"] == whole["queued"] == TRUTH["overview"]["received"]
