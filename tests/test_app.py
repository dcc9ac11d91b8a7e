"""The application layer, called without click: the same report as the parser fed by
hand, the period applied by the event source, and the mail command's work."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from maillogs import app
from maillogs.environment import Environment
from maillogs.exit_codes import ExitStatus
from maillogs.mail_report import MailArgs, mail_report
from parsers.schema import EventKind
from tests.test_sample_logs import TRUTH, TRUTH_END, classic

LOGS = str(Path(__file__).parents[1] / "sample_logs" / "classic")


def _env(out: io.StringIO | None = None) -> Environment:
    return Environment(
        stdout=out or io.StringIO(),
        stderr=io.StringIO(),
        env={},
        home=Path("/nonexistent"),
        clock=lambda: TRUTH_END,
    )


def _inputs(**period: str) -> app.Inputs:
    return app.resolve_inputs(_env(), [LOGS], tz="UTC", year=2026, quiet=True, **period)


def test_build_report_equals_the_parser_fed_by_hand() -> None:
    inputs = _inputs()
    args = app.ReportArgs(catchall_domains=tuple(TRUTH["catchall_domains"]))
    report, run = app.build_report(inputs, app.report_options(inputs, args), _env())
    assert run.errors == [] and run.files == [f"{LOGS}/maillog.1.gz", f"{LOGS}/maillog"]
    expected = classic()[0].data
    assert report.data.keys() == expected.keys()
    assert {k: v for k, v in report.data.items() if k != "parse"} == {
        k: v for k, v in expected.items() if k != "parse"
    }
    assert report.data["parse"]["lines"] == expected["parse"]["lines"] > 0


def test_the_source_keeps_to_the_period() -> None:
    since, until = datetime(2026, 11, 23, tzinfo=UTC), datetime(2026, 11, 24, tzinfo=UTC)
    inputs = _inputs(since="2026-11-23", until="2026-11-23")
    assert (inputs.period.since, inputs.period.until) == (since, until)
    source = app.event_source(inputs, _env(), store=None)
    kept = pl.concat([batch[EventKind.DELIVERY] for batch in source.batches()])
    every = classic()[1][EventKind.DELIVERY]
    inside = every.filter((pl.col("time") >= since) & (pl.col("time") < until))
    assert 0 < kept.height == inside.height < every.height
    assert source.run.stats.lines == classic()[0].data["parse"]["lines"]  # all were read


def test_mail_dry_run_writes_the_message() -> None:
    out = io.StringIO()
    args = MailArgs(to=("admin@example.org",), sender="maillogs@example.org", dry_run=True)
    status = mail_report(_inputs(), app.ReportArgs(), args, _env(out))
    assert status is ExitStatus.OK
    message = out.getvalue()
    assert "To: admin@example.org" in message and "Content-Type: multipart/" in message
