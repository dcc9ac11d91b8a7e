"""`maillogs mail`: the report by email, for cron: text + HTML with inline charts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from maillogs.app import Inputs, ReportArgs
from maillogs.cli.options import STORE_OPTION, environment, input_options, output_option
from maillogs.cli.options import report_options as report_option_set
from maillogs.config import VIAS
from maillogs.mail_report import PASSWORD_ENV, TLS_MODES, MailArgs, mail_report
from maillogs.sources import Stores


@click.command()
@input_options
@STORE_OPTION
@click.option("--to", "to", multiple=True, metavar="ADDRESS", help="Recipient (repeatable).")
@click.option(
    "--from", "sender", metavar="ADDRESS", help="Sender (default: config, else maillogs@this host)."
)
@click.option("--subject", "subject_template", metavar="TEMPLATE",
              help="Fields: {host} {period} {received:,} {rejected} {tls_inbound:.0%} "
              "{delivered} {deferred} {bounced} {connections} {tls_outbound} {warnings} "
              "{fatal} ...")  # fmt: skip
@report_option_set(split=False, section_help="Only this section in the body (repeatable).")
@click.option("--attach-csv", is_flag=True, help="Attach every table as a CSV file.")
@click.option("--only-if", "only_if", multiple=True, metavar="COND",
              help="Send only if it holds: rejected>0, tls_inbound<0.9 (all must).")  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Write the message (.eml) instead of sending it.")
@output_option("With --dry-run: the .eml file (default: stdout).")
@click.option("--via", type=click.Choice(VIAS), help="smtp (default) or the local sendmail.")
@click.option("--smtp-host", metavar="HOST", help="SMTP server (default: config, else localhost).")
@click.option("--smtp-port", type=click.IntRange(1, 65535),
              help="Default: 587, 465 with --tls implicit, 25 with --insecure.")  # fmt: skip
@click.option("--tls", type=click.Choice(TLS_MODES),
              help="starttls (default; must be offered) or implicit (port 465).")  # fmt: skip
@click.option("--insecure", is_flag=True, help="Send without TLS (plaintext SMTP).")
@click.option("--smtp-cafile", "--cafile", "cafile",
              type=click.Path(dir_okay=False, path_type=Path),
              help="Trust this CA (PEM) for the server's certificate.")  # fmt: skip
@click.option("--smtp-user", "--username", "username", metavar="USER",
              help=f"AUTH user; the password comes from the config or ${PASSWORD_ENV}, "
              "never from the command line.")  # fmt: skip
@click.option("--sendmail", "sendmail_path", metavar="PATH", help="With --via sendmail.")
def mail(inputs: Inputs, report_args: ReportArgs, store: Stores | None, **given: Any) -> None:
    """Mail the report: plain text and HTML with inline charts, for cron.

    \b
    Examples (crontab):
      15 6 * * *  maillogs mail --since yesterday --to admin@example.org --only-if 'rejected>0'
      30 6 1 * *  maillogs mail --since last-month --to admin@example.org --attach-csv
      maillogs mail --since yesterday --to admin@example.org --dry-run -o report.eml
    """
    args = MailArgs(**given, verbose=inputs.verbose)  # -v also says why nothing was sent
    raise SystemExit(mail_report(inputs, report_args, args, environment(), store))
