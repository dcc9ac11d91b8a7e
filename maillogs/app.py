"""What the commands do, without click: resolve the options a user gave, open the event
source, build the report, report the inputs that failed. Tests call these directly; the
click layer (maillogs.cli) only parses the command line into them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from maillogs.config import Config, domain_name, find_config_path, load_config
from maillogs.environment import Environment
from maillogs.errors import UsageError
from maillogs.exit_codes import ExitStatus
from maillogs.localzone import local_zone_name
from maillogs.period import Period, resolve_period
from maillogs.pipeline import ParseRun, ParseSettings
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
    return Inputs(tuple(paths), config, settings, period, quiet)


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


def report_options(inputs: Inputs, args: ReportArgs) -> ReportOptions:
    config = inputs.config
    header_checks = check_tables(args.header_checks, config.header_checks)
    body_checks = check_tables(args.body_checks, config.body_checks)
    return ReportOptions(
        tz=inputs.settings.tz,
        since=inputs.period.since,
        until=inputs.period.until,
        bucket=args.period,
        top=args.top or config.top,
        catchall_domains=catchall_domains(inputs, args.catchall_domains),
        header_checks=header_checks,
        body_checks=body_checks,
        sections=args.sections or None,
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
    return open_source(paths, inputs.settings, period, env, store, progress=not inputs.quiet)


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
    )


def build_report(
    inputs: Inputs, options: ReportOptions, env: Environment, store: Stores | None = None
) -> tuple[Report, ParseRun]:
    """The report of the inputs' period, and what was read for it."""
    source = event_source(inputs, env, store)
    builder = ReportBuilder(options)
    source.feed(builder)
    return builder.finish(parse_summary(source.run)), source.run


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
