"""`maillogs mail` without click: build the report, check --only-if, write or send the
message. The command line (maillogs.cli.mail) only parses options into MailArgs."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from maillogs import output
from maillogs.app import (
    Inputs,
    ReportArgs,
    build_report,
    input_errors,
    nothing_read,
    report_options,
)
from maillogs.config import MailConfig
from maillogs.environment import Environment
from maillogs.errors import UsageError
from maillogs.exit_codes import ExitStatus
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
from maillogs.sources import Stores
from reports import sections as registry
from reports.builder import Report
from reports.render import Format, render

PASSWORD_ENV = "MAILLOGS_SMTP_PASSWORD"
TLS_MODES = ("starttls", "implicit")
# What the subject and --only-if speak of; built whatever sections the mail shows.
_NUMBER_SECTIONS = ("overview", "tls", "spf", "sasl", "parse")
_DEFAULT_PORT = {"implicit": 465, "starttls": 587, "none": 25}


@dataclass(frozen=True)
class MailArgs:
    """The mail options as given (empty: the config's [mail], else the defaults)."""

    to: tuple[str, ...] = ()
    sender: str | None = None
    subject_template: str | None = None
    attach_csv: bool = False
    only_if: tuple[str, ...] = ()
    dry_run: bool = False
    output: Path | None = None
    via: str | None = None
    smtp_host: str | None = None
    smtp_port: int | None = None
    tls: str | None = None
    insecure: bool = False
    cafile: Path | None = None
    username: str | None = None
    sendmail_path: str | None = None
    verbose: bool = False


def mail_report(
    inputs: Inputs,
    report_args: ReportArgs,
    args: MailArgs,
    env: Environment,
    store: Stores | None = None,
) -> ExitStatus:
    """Build the report and send it (or write it, with dry_run), unless --only-if
    does not hold."""
    settings = inputs.config.mail
    recipients = [address(a, "--to") for a in args.to or settings.to]
    if not recipients:
        raise UsageError("no recipient: give --to ADDRESS (or to = [...] in the config's [mail])")
    sender = address(args.sender or settings.from_ or _default_sender(), "--from")
    template = args.subject_template or settings.subject or DEFAULT_SUBJECT
    check_template(template)
    conditions = parse_conditions(args.only_if)
    if args.output is not None and not args.dry_run:
        raise UsageError("--output is for --dry-run (the message is sent otherwise)")
    if args.output is not None:
        output.check_file(args.output)  # before the work, not after
    transport = None if args.dry_run else _transport(settings, args, env.env)

    shown = report_args.sections or registry.names()
    built = dataclasses.replace(
        report_args,
        sections=tuple(n for n in registry.names() if n in shown or n in _NUMBER_SECTIONS),
    )
    report, run = build_report(inputs, report_options(inputs, built), env, store)
    if nothing_read(run):
        return input_errors(run, env)
    zone = ZoneInfo(inputs.settings.tz)
    host = settings.hostname_label or _log_host(report.data) or socket.gethostname()
    values = fields(report.data, host, short_period(inputs.period, zone, run))
    if not holds(conditions, values):
        if args.verbose:
            said = ", ".join(args.only_if)
            env.stderr.write(f"maillogs: nothing sent: --only-if {said} does not hold\n")
        return input_errors(run, env)
    view = sections_view(report, shown)
    message = build_message(
        view,
        sender=sender,
        recipients=recipients,
        subject=subject(template, values),
        text=render(view, Format.TEXT, width=100, color=False),
        now=env.now(),
        attach_csv=args.attach_csv,
    )
    if transport is None:
        data = message.as_bytes()  # CRLF line ends throughout, as on the wire
        if args.output is None:
            _write_bytes(env.stdout, data)
        else:
            output.write_bytes(args.output, data)
            if not inputs.quiet:
                env.stderr.write(output.size_note(args.output) + "\n")
    elif isinstance(transport, SmtpSettings):
        send_smtp(message, transport)
    else:
        send_sendmail(message, transport)
    return input_errors(run, env)


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


def _transport(
    settings: MailConfig, args: MailArgs, environ: Mapping[str, str]
) -> SmtpSettings | str:
    if (args.via or settings.via) == "sendmail":
        return str(args.sendmail_path or settings.sendmail_path)
    if args.insecure:
        if args.tls:
            raise UsageError("--insecure sends without TLS: leave out --tls")
        security = "none"
    elif args.tls:
        security = args.tls
    elif settings.ssl:
        security = "implicit"
    elif settings.starttls:
        security = "starttls"
    else:
        raise UsageError("starttls = false in the config sends in the clear: add --insecure")
    username = args.username or settings.username
    password = settings.password
    variable = settings.password_env or PASSWORD_ENV
    if password is None:
        password = environ.get(variable) or None
    if username and security == "none":
        raise UsageError("AUTH over --insecure would send the password in the clear")
    if username and password is None:
        raise UsageError(f"AUTH user {username!r} but no password: set ${variable} or the config")
    return SmtpSettings(
        host=args.smtp_host or settings.host,
        port=args.smtp_port or settings.port or _DEFAULT_PORT[security],
        security=security,
        cafile=args.cafile or settings.cafile,
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
