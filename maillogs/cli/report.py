"""`maillogs report`: the report in any format, from the logs or a store."""

from __future__ import annotations

from pathlib import Path

import click

from maillogs import output as output_file
from maillogs.app import (
    Inputs,
    ReportArgs,
    build_report,
    input_errors,
    nothing_read,
    print_notices,
    report_options,
)
from maillogs.cli.options import (
    STORE_OPTION,
    environment,
    format_option,
    input_options,
    output_option,
)
from maillogs.cli.options import report_options as report_option_set
from maillogs.cli.output import tell_written, text_output
from maillogs.errors import MaillogsError, UsageError
from maillogs.sources import Stores
from reports.builder import Report
from reports.render import Format, render
from reports.render import csv as csv_render


@click.command()
@input_options
@format_option([f.value for f in Format], "text")
@output_option("File to write (a directory for csv).")
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
    store: Stores | None,
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
    chosen = Format(fmt)
    if chosen is Format.CSV and output is None:
        raise UsageError("--format csv writes one file per table: give --output DIR")
    # where it writes, checked before the work
    if output is not None:
        (output_file.check_folder if chosen is Format.CSV else output_file.check_file)(output)
    if charts_dir is not None:
        output_file.check_folder(charts_dir)
    result, run = build_report(inputs, report_options(inputs, report_args), env, store)
    if nothing_read(run):
        raise SystemExit(input_errors(run, env))
    print_notices(result, run, inputs, env)
    if chosen is Format.CSV:
        assert output is not None
        output_file.make_folder(output)
        csv_render.write(result, output)
    elif chosen is Format.PROMETHEUS and output is not None:
        write_metrics(result, output)
    else:
        color = output is None and env.stdout_is_tty and not env.no_color
        width = env.columns() if output is None else 100
        document = render(result, chosen, width=width, color=color)
        with text_output(output, env.stdout) as out:
            out.write(document)
    if charts_dir is not None:
        write_charts(result, charts_dir)
    tell_written(output, inputs.quiet, env.stderr)
    raise SystemExit(input_errors(run, env))


def write_metrics(result: Report, path: Path) -> None:
    from reports.render import prometheus

    try:
        prometheus.write(result, path)
    except OSError as error:
        raise MaillogsError(f"{path}: cannot write: {error.strerror}") from error


def write_charts(result: Report, directory: Path) -> None:
    from reports.charts import report_charts  # matplotlib loads only when asked for

    output_file.make_folder(directory)
    for chart in report_charts(result):
        output_file.write_bytes(directory / f"{chart.name}.png", chart.png)
