"""`maillogs report`: the report in any format, from the logs or a store."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from maillogs.app import Inputs, ReportArgs, build_report, input_errors, report_options
from maillogs.cli.options import STORE_OPTION, environment, input_options
from maillogs.cli.options import report_options as report_option_set
from maillogs.cli.output import text_output
from maillogs.errors import MaillogsError, UsageError
from reports.builder import Report
from reports.render import Format, render
from reports.render import csv as csv_render


@click.command()
@input_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in Format]),
    default="text",
    show_default=True,
)
@click.option(
    "--output", "-o", type=click.Path(path_type=Path), help="File to write (a directory for csv)."
)
@report_option_set()
@STORE_OPTION
@click.option(
    "--charts",
    "charts_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write each chart as DIR/NAME.png.",
)
def report(
    inputs: Inputs,
    fmt: str,
    output: Path | None,
    charts_dir: Path | None,
    store: Path | None,
    report_args: ReportArgs,
) -> None:
    """Report on Postfix logs: totals, TLS, spammers, SPF, checks, rejects, catch-all,
    deliveries, problems, smtpd sessions and SMTP AUTH.

    \b
    Examples:
      maillogs report --since last-month /var/log/mail.log*
      maillogs report --since 7d --section tls --section spammers
      maillogs report --since 2026-11 --period week --header-checks /etc/postfix/header_checks
      maillogs report --format json -o report.json /var/log/mail.log
      maillogs report --format csv -o report-csv/ /var/log/mail.log
      maillogs report --format html -o report.html --charts charts/ /var/log/mail.log*
      maillogs report --store /var/lib/maillogs --since last-month
    """
    env = environment()
    result, run = build_report(inputs, report_options(inputs, report_args), env, store)
    chosen = Format(fmt)
    if chosen is Format.CSV:
        if output is None:
            raise UsageError("--format csv writes one file per table: give --output DIR")
        csv_render.write(result, output)
    elif chosen is Format.PROMETHEUS and output is not None:
        write_metrics(result, output)
    else:
        color = output is None and env.stdout_is_tty and not env.no_color
        width = (
            shutil.get_terminal_size((100, 24)).columns
            if output is None and env.stdout_is_tty
            else 100
        )
        document = render(result, chosen, width=width, color=color)
        with text_output(output, env.stdout) as out:
            out.write(document)
    if charts_dir is not None:
        write_charts(result, charts_dir)
    raise SystemExit(input_errors(run, env))


def write_metrics(result: Report, path: Path) -> None:
    from reports.render import prometheus

    try:
        prometheus.write(result, path)
    except OSError as error:
        raise MaillogsError(f"{path}: cannot write: {error.strerror}") from error


def write_charts(result: Report, directory: Path) -> None:
    from reports.charts import report_charts  # matplotlib loads only when asked for

    try:
        directory.mkdir(parents=True, exist_ok=True)
        for chart in report_charts(result):
            (directory / f"{chart.name}.png").write_bytes(chart.png)
    except OSError as error:
        raise MaillogsError(f"{directory}: cannot write charts: {error.strerror}") from error
