"""`maillogs mail`: the report by email, for cron: text + HTML with inline charts."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import click

from maillogs.app import (
    Inputs,
    ReportArgs,
    build_report,
    input_errors,
    report_options,
)
from maillogs.cli.options import STORE_OPTION, environment, input_options
from maillogs.cli.options import report_options as report_option_set
from maillogs.config import VIAS, MailConfig
from maillogs.errors import MaillogsError, UsageError
from maillogs.mail_fields import (
    DEFAULT_SUBJECT,
    check_template,
    fields,
    holds,
    parse_conditions,
    subject,
)
from maillogs.mail_message import address, build_message
from maillogs.mail_send import SmtpSettings, send_sendmail, send_smtp
from maillogs.period import Period
from maillogs.pipeline import ParseRun
from reports import sections as registry
from reports.builder import Report
from reports.render import Format, render

PASSWORD_ENV = "MAILLOGS_SMTP_PASSWORD"
TLS_MODES = ("starttls", "implicit")
# What the subject and --only-if speak of; built whatever sections the mail shows.
_NUMBER_SECTIONS = ("overview", "tls", "spf", "sasl", "parse")
_DEFAULT_PORT = {"implicit": 465, "starttls": 587, "none": 25}


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
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="With --dry-run: the .eml file (default: stdout).")  # fmt: skip
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
@click.option("--verbose", "-v", is_flag=True, help="Say on stderr why nothing was sent.")
def mail(inputs: Inputs, report_args: ReportArgs, **given: Any) -> None:
    """Mail the report: plain text and HTML with inline charts, for cron.

    \b
    Examples (crontab):
      15 6 * * *  maillogs mail --since yesterday --to admin@example.org --only-if 'rejected>0'
      30 6 1 * *  maillogs mail --since last-month --to admin@example.org --attach-csv
      maillogs mail --since yesterday --to admin@example.org --dry-run -o report.eml
    """
    env = environment()
    settings = inputs.config.mail
    recipients = [address(a, "--to") for a in given["to"] or settings.to]
    if not recipients:
        raise UsageError("no recipient: give --to ADDRESS (or to = [...] in the config's [mail])")
    sender = address(given["sender"] or settings.from_ or _default_sender(), "--from")
    template = given["subject_template"] or settings.subject or DEFAULT_SUBJECT
    check_template(template)
    conditions = parse_conditions(given["only_if"])
    if given["output"] is not None and not given["dry_run"]:
        raise UsageError("--output is for --dry-run (the message is sent otherwise)")
    transport = None if given["dry_run"] else _transport(settings, given, env.env)

    shown = report_args.sections or registry.names()
    built = dataclasses.replace(
        report_args,
        sections=tuple(n for n in registry.names() if n in shown or n in _NUMBER_SECTIONS),
    )
    report, run = build_report(inputs, report_options(inputs, built), env, given["store"])
    zone = ZoneInfo(inputs.settings.tz)
    host = settings.hostname_label or _log_host(report.data) or socket.gethostname()
    values = fields(report.data, host, short_period(inputs.period, zone, run))
    if not holds(conditions, values):
        if given["verbose"]:
            said = ", ".join(given["only_if"])
            click.echo(f"maillogs: nothing sent: --only-if {said} does not hold", err=True)
        raise SystemExit(input_errors(run, env))
    view = sections_view(report, shown)
    message = build_message(
        view,
        sender=sender,
        recipients=recipients,
        subject=subject(template, values),
        text=render(view, Format.TEXT, width=100, color=False),
        now=env.now(),
        attach_csv=given["attach_csv"],
    )
    if transport is None:
        data = message.as_bytes()  # CRLF line ends throughout, as on the wire
        if given["output"] is None:
            _write_bytes(env.stdout, data)
        else:
            try:
                given["output"].write_bytes(data)
            except OSError as error:
                raise MaillogsError(f"{given['output']}: cannot write: {error.strerror}") from error
    elif isinstance(transport, SmtpSettings):
        send_smtp(message, transport)
    else:
        send_sendmail(message, transport)
    raise SystemExit(input_errors(run, env))


def sections_view(report: Report, shown: Sequence[str]) -> Report:
    """The report with only the sections asked for (the subject's numbers come from the
    whole one)."""
    keys = {
        *_ALWAYS,
        *(key for kind in registry.registered() if kind.name in shown
          for key in registry.report_keys(kind)),
    }  # fmt: skip
    return Report({key: value for key, value in report.data.items() if key in keys})


_ALWAYS = ("schema", "period")


def _log_host(data: dict[str, Any]) -> str | None:
    """The syslog host names of the period's log, busiest first (a few at most)."""
    hosts = list(data.get("overview", {}).get("hosts", {}))
    if not hosts:
        return None
    return ",".join(hosts[:3]) + (f" +{len(hosts) - 3}" if len(hosts) > 3 else "")


def _write_bytes(out: TextIO, data: bytes) -> None:
    binary = getattr(out, "buffer", None)
    if binary is None:
        out.write(data.decode("ascii"))
        return
    out.flush()
    binary.write(data)
    binary.flush()


def _default_sender() -> str:
    host = socket.getfqdn() or "localhost"
    return f"maillogs@{host if '.' in host else host + '.localdomain'}"


def _transport(settings: MailConfig, given: dict[str, Any], environ: Any) -> SmtpSettings | str:
    if (given["via"] or settings.via) == "sendmail":
        return str(given["sendmail_path"] or settings.sendmail_path)
    if given["insecure"]:
        if given["tls"]:
            raise UsageError("--insecure sends without TLS: leave out --tls")
        security = "none"
    elif given["tls"]:
        security = given["tls"]
    elif settings.ssl:
        security = "implicit"
    elif settings.starttls:
        security = "starttls"
    else:
        raise UsageError("starttls = false in the config sends in the clear: add --insecure")
    username = given["username"] or settings.username
    password = settings.password
    variable = settings.password_env or PASSWORD_ENV
    if password is None:
        password = environ.get(variable) or None
    if username and security == "none":
        raise UsageError("AUTH over --insecure would send the password in the clear")
    if username and password is None:
        raise UsageError(f"AUTH user {username!r} but no password: set ${variable} or the config")
    return SmtpSettings(
        host=given["smtp_host"] or settings.host,
        port=given["smtp_port"] or settings.port or _DEFAULT_PORT[security],
        security=security,
        cafile=given["cafile"] or settings.cafile,
        username=username,
        password=password,
    )


def short_period(period: Period, zone: ZoneInfo, run: ParseRun) -> str:
    """`Nov 23` for one day, `Nov 1 \u2013 Nov 30` for more, in the report's zone."""
    first = period.since or run.stats.first_time
    last = (period.until - timedelta(microseconds=1)) if period.until else run.stats.last_time
    if first is None or last is None:
        return "no logs"

    def day(moment: datetime) -> str:
        local = moment.astimezone(zone)
        return f"{local:%b} {local.day}"

    return day(first) if day(first) == day(last) else f"{day(first)} \u2013 {day(last)}"
