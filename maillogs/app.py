"""What the commands do, without click: resolve the options a user gave, open the event
source, build the report, report the inputs that failed. Tests call these directly; the
click layer (maillogs.cli) only parses the command line into them.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from maillogs.config import Config, domain_name, find_config_path, load_config
from maillogs.environment import Environment
from maillogs.errors import UsageError
from maillogs.exit_codes import ExitStatus
from maillogs.inputs import default_log_paths
from maillogs.localzone import local_zone_name
from maillogs.period import Period, resolve_period
from maillogs.pipeline import ParseRun, ParseSettings
from maillogs.postfix_config import (
    PostfixConfig,
    ServerSettings,
    choose_postfix_config,
    log_hosts,
    server_settings,
)
from maillogs.sources import EventSource, Stores, open_source
from parsers.envelope import LogFormat
from reports.builder import Report, ReportBuilder
from reports.options import Bucket, ReportOptions
from reports.section import ParseSummary


@dataclass(frozen=True)
class Inputs:
    """What every command that reads logs was given, resolved."""

    paths: tuple[str, ...]
    config: Config
    settings: ParseSettings
    period: Period
    quiet: bool
    postfix: PostfixConfig | None = None  # --postfix-config's main.cf, or the host's
    postfix_notice: str | None = None  # why the host's main.cf was not read
    verbose: bool = False  # say which files were read and which skipped


def resolve_inputs(
    env: Environment,
    paths: Sequence[str] = (),
    *,
    config_path: str | None = None,
    since: str | None = None,
    until: str | None = None,
    tz: str | None = None,
    year: int | None = None,
    log_format: str | None = None,
    quiet: bool = False,
    postfix_config: str | None = None,
    verbose: bool = False,
) -> Inputs:
    """The config found, the zone (given, the config's, else this machine's), the period."""
    config = load_config(find_config_path(config_path, env.env, env.home))
    zone = tz or config.timezone or local_zone_name(dict(env.env))
    try:
        zone_info = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise UsageError(
            f"unknown time zone {zone!r} (use an IANA name like Europe/Athens)"
        ) from error
    period = resolve_period(since, until, env.now(), zone_info)
    settings = ParseSettings(
        tz=zone, year=year, log_format=LogFormat(log_format) if log_format else None
    )
    # the host's main.cf is read only when the logs are its server's
    logs = tuple(paths) or config.logs or tuple(default_log_paths())
    choice, postfix = choose_postfix_config(
        postfix_config, env.env, socket.gethostname(), lambda: log_hosts(logs)
    )
    return Inputs(tuple(paths), config, settings, period, quiet, postfix, choice.notice, verbose)


@dataclass(frozen=True)
class ReportArgs:
    """The report options as given on the command line (empty: the config's, else the
    defaults)."""

    sections: tuple[str, ...] = ()
    period: Bucket | None = None
    top: int | None = None
    header_checks: tuple[str, ...] = ()
    body_checks: tuple[str, ...] = ()
    catchall_domains: tuple[str, ...] = ()


def catchall_domains(inputs: Inputs, given: Sequence[str]) -> tuple[str, ...]:
    """The catch-all domains given, else the config's; compared as the config's are."""
    return tuple(domain_name(d) for d in given) or inputs.config.catchall_domains


def check_tables(given: Sequence[str], configured: Sequence[Path]) -> tuple[Path, ...]:
    """The check tables given, else the config's; each must be a file."""
    tables = tuple(Path(p) for p in given) or tuple(configured)
    for path in tables:
        if not path.is_file():
            raise UsageError(f"{path}: no such check table file")
    return tables


def server(inputs: Inputs, args: ReportArgs) -> ServerSettings:
    """Check tables, catch-all and own domains and networks: given, else the config's,
    else main.cf's (--postfix-config)."""
    config = inputs.config
    return server_settings(
        ServerSettings(
            tuple(Path(p) for p in args.header_checks),
            tuple(Path(p) for p in args.body_checks),
            tuple(domain_name(d) for d in args.catchall_domains),
        ),
        ServerSettings(
            tuple(config.header_checks),
            tuple(config.body_checks),
            config.catchall_domains,
            config.own_domains,
            config.own_networks,
        ),
        inputs.postfix,
    )


def report_options(inputs: Inputs, args: ReportArgs) -> ReportOptions:
    config = inputs.config
    found = server(inputs, args)
    header_checks = check_tables((), found.header_checks)
    body_checks = check_tables((), found.body_checks)
    return ReportOptions(
        tz=inputs.settings.tz,
        since=inputs.period.since,
        until=inputs.period.until,
        bucket=args.period,
        top=args.top or config.top,
        catchall_domains=found.catchall_domains,
        own_domains=found.own_domains,
        own_networks=found.own_networks,
        header_checks=header_checks,
        body_checks=body_checks,
        sections=args.sections or None,
        smtpd_tls_loglevel=inputs.postfix.smtpd_tls_loglevel if inputs.postfix else None,
        smtp_tls_loglevel=inputs.postfix.smtp_tls_loglevel if inputs.postfix else None,
    )


def event_source(
    inputs: Inputs, env: Environment, store: Stores | None, look_back: timedelta | None = None
) -> EventSource:
    """The events of the inputs' period (from `look_back` before it, if given): of the
    logs, or of `store` and the given logs' lines it has not seen yet."""
    period = inputs.period
    if look_back is not None and period.since is not None:
        period = Period(period.since - look_back, period.until)
    paths = inputs.paths if store is not None else inputs.paths or inputs.config.logs
    return open_source(
        paths, inputs.settings, period, env, store, progress=not inputs.quiet,
        verbose=inputs.verbose,
    )  # fmt: skip


def parse_summary(run: ParseRun) -> ParseSummary:
    stats = run.stats
    return ParseSummary(
        lines=stats.lines,
        events=stats.events,
        not_mail=stats.not_mail,
        events_by_kind=dict(stats.events_by_kind),
        unparsed_by_program=dict(stats.unparsed_by_program),
        files=list(run.files),
        errors=[str(error) for error in run.errors],
        first_time=stats.first_time,
        last_time=stats.last_time,
        years_from_mtime=tuple(run.years_from_mtime),
    )


def build_report(
    inputs: Inputs, options: ReportOptions, env: Environment, store: Stores | None = None
) -> tuple[Report, ParseRun]:
    """The report of the inputs' period, and what was read for it."""
    source = event_source(inputs, env, store)
    builder = ReportBuilder(options)
    source.feed(builder)
    report = builder.finish(parse_summary(source.run))
    if inputs.postfix_notice:
        notice = {"code": "postfix-config-not-read", "message": inputs.postfix_notice}
        report.data["notices"].insert(0, notice)
    return report, source.run


def print_notices(report: Report, run: ParseRun, inputs: Inputs, env: Environment) -> None:
    """The report's notices, one line each on stderr whatever the format, unless --quiet.
    An input that failed or held no mail gets its one line (the error, parsers.garbage's)
    alone: the notices stay in the report."""
    if inputs.quiet or run.errors or run.stats.events == 0:
        return
    for notice in report.data.get("notices", []):
        if notice["code"] == "mostly-unparsed":
            continue  # parsers.garbage said it on stderr already, per file
        env.stderr.write(f"maillogs: notice: {notice['message']}\n")


def nothing_read(run: ParseRun) -> bool:
    """Every input failed: there is no report to give, only the errors."""
    return bool(run.errors) and run.stats.lines == 0


def input_errors(run: ParseRun, env: Environment) -> ExitStatus:
    """Each input that could not be read, one line on stderr; FAILURE if there was one.
    Inputs that were read but held no mail log are said too (a notice, not a failure)."""
    for error in run.errors:
        env.stderr.write(f"maillogs: error: {error}\n")
    if not run.errors and not run.store:
        notice = no_mail_notice(run)
        if notice is not None:
            env.stderr.write(notice + "\n")
    return ExitStatus.FAILURE if run.errors else ExitStatus.OK


def no_mail_notice(run: ParseRun) -> str | None:
    """One line when the inputs held no log lines at all (empty). Lines that are all
    garbage (binary, a --log-format that does not fit) are said per file as they are
    read, with their commonest shapes (parsers.garbage): not twice."""
    stats, files = run.stats, ", ".join(run.files) or "the input"
    if stats.lines == 0:
        return f"maillogs: notice: {files}: no log lines (empty)"
    return None
