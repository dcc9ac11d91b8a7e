"""The `maillogs` command line: parses options, calls the library, turns errors into one line.

Exit status: 0 ok, 1 runtime failure (e.g. an unreadable input; the others are still
processed), 2 usage error (bad option value, bad config).
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from maillogs import __version__
from maillogs.config import Config, find_config_path, load_config
from maillogs.environment import Environment
from maillogs.errors import ConfigError, MaillogsError, UsageError
from maillogs.event_output import (
    EventFormat,
    in_period,
    write_files,
    write_jsonl,
    write_single_csv,
)
from maillogs.exit_codes import ExitStatus
from maillogs.inputs import Source, default_log_paths, expand_inputs_lenient, total_size
from maillogs.localzone import local_zone_name
from maillogs.period import Period, resolve_period
from maillogs.pipeline import ParseRun, ParseSettings, parse_sources
from parsers.envelope import LogFormat
from parsers.schema import EventKind
from parsers.stream import EventBatch
from reports.builder import Report, ReportBuilder
from reports.options import SECTIONS, Bucket, ReportOptions
from reports.render import Format, render
from reports.render import csv as csv_render
from reports.section import Needs, ParseSummary

if TYPE_CHECKING:
    from maillogs.store.summaries import DaySummary

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class InputOptions:
    paths: tuple[str, ...]
    config: Config
    settings: ParseSettings
    period: Period
    quiet: bool


def _environment() -> Environment:
    obj = click.get_current_context().obj
    return obj if isinstance(obj, Environment) else Environment()


def input_options(command: F) -> F:
    """Options every command that reads logs shares, resolved into one InputOptions."""

    @click.argument("paths", nargs=-1)
    @click.option("--config", "config_path", metavar="FILE", help="TOML config file.")
    @click.option(
        "--since", metavar="WHEN", help="Start: 2026-11-01, yesterday, 7d, last-month, 2026-11 ..."
    )
    @click.option(
        "--until",
        metavar="WHEN",
        help="End, same forms: where the span it names ends (2026-11-24 takes in that day).",
    )
    @click.option(
        "--tz",
        metavar="ZONE",
        help="Time zone of classic syslog stamps (default: config, else this machine's).",
    )
    @click.option(
        "--year",
        type=click.IntRange(1970, 9999),
        help="Year of classic syslog stamps (default: from each file's mtime).",
    )
    @click.option(
        "--log-format",
        type=click.Choice([f.value for f in LogFormat]),
        help="Envelope format (default: detected per file).",
    )
    @click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
    @functools.wraps(command)
    def wrapper(
        paths: tuple[str, ...],
        config_path: str | None,
        since: str | None,
        until: str | None,
        tz: str | None,
        year: int | None,
        log_format: str | None,
        quiet: bool,
        **kwargs: Any,
    ) -> Any:
        env = _environment()
        config = load_config(find_config_path(config_path, env.env, env.home))
        zone = tz or config.timezone or local_zone_name(dict(env.env))
        _check_zone(zone)
        period = resolve_period(since, until, env.now(), ZoneInfo(zone))
        settings = ParseSettings(
            tz=zone, year=year, log_format=LogFormat(log_format) if log_format else None
        )
        options = InputOptions(paths, config, settings, period, quiet)
        return command(options, **kwargs)

    return wrapper  # type: ignore[return-value]


def _check_zone(zone: str) -> None:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise UsageError(
            f"unknown time zone {zone!r} (use an IANA name like Europe/Athens)"
        ) from error


def _sources(options: InputOptions, run: ParseRun) -> list[Source]:
    args: Sequence[str] = options.paths or options.config.logs or default_log_paths()
    if not args:
        raise UsageError(
            "no log files given and none found at /var/log/mail.log* or /var/log/maillog*"
        )
    sources, errors = expand_inputs_lenient(args)
    run.errors.extend(errors)
    if not sources:
        raise MaillogsError(errors[0].args[0] if errors else "no readable input")
    return sources


def parse_inputs(options: InputOptions, run: ParseRun) -> Iterator[EventBatch]:
    """Event batches of every input, with a progress bar on a terminal."""
    env = _environment()
    sources = _sources(options, run)
    show = not options.quiet and env.stderr_is_tty
    from maillogs.progress import progress_reporter  # rich: only where logs are parsed

    with progress_reporter(
        env.stderr, total_size(sources), enabled=show, lines=lambda: run.stats.lines
    ) as advance:
        yield from parse_sources(
            sources, options.settings, env.now(), run, stdin=env.stdin, on_bytes=advance
        )


def report_input_errors(run: ParseRun) -> int:
    env = _environment()
    for error in run.errors:
        click.echo(f"maillogs: error: {error}", file=env.stderr)
    return ExitStatus.FAILURE if run.errors else ExitStatus.OK


class MaillogsGroup(click.Group):
    """Turns library errors into one line on stderr and the documented exit status."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (UsageError, ConfigError) as error:
            click.echo(f"maillogs: error: {error}", err=True)
            ctx.exit(ExitStatus.USAGE)
        except MaillogsError as error:
            click.echo(f"maillogs: error: {error}", err=True)
            ctx.exit(ExitStatus.FAILURE)
        except BrokenPipeError:
            ctx.exit(ExitStatus.OK)


@click.group(cls=MaillogsGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="maillogs")
def main() -> None:
    """Postfix mail logs → TLS coverage, top spammers, SPF, header_checks hits, catch-all leaks.

    \b
    Exit status: 0 ok, 1 runtime failure (some input unreadable), 2 usage error.
    """


def _kinds(value: str | None) -> list[EventKind]:
    if not value:
        return [k for k in EventKind if k is not EventKind.UNPARSED]
    kinds = []
    for name in value.split(","):
        try:
            kinds.append(EventKind(name.strip()))
        except ValueError:
            accepted = ", ".join(k.value for k in EventKind)
            raise UsageError(
                f"unknown event kind {name.strip()!r} (accepted: {accepted})"
            ) from None
    return kinds


@main.command()
@input_options
@click.option("--kind", "kinds", metavar="K1,K2", help="Only these event kinds (default: all).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in EventFormat]),
    default="jsonl",
    show_default=True,
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    help="File (jsonl, single-kind csv) or directory (one file per kind and batch).",
)
@click.option(
    "--stats",
    is_flag=True,
    help="Print lines read, events by kind and unparsed lines by program instead.",
)
@click.option("--unparsed", is_flag=True, help="Print the lines no rule understood, as they were.")
def events(
    options: InputOptions,
    kinds: str | None,
    fmt: str,
    output: Path | None,
    stats: bool,
    unparsed: bool,
) -> None:
    """Write the typed events of Postfix logs.

    \b
    Examples:
      maillogs events --kind tls,reject /var/log/mail.log
      maillogs events --stats /var/log/mail.log*
      maillogs events --unparsed /var/log/mail.log
      maillogs events --format parquet -o events/ /var/log/mail.log.1.gz
    """
    env = _environment()
    run = ParseRun()
    chosen = [EventKind.UNPARSED] if unparsed else _kinds(kinds)
    since, until = options.period.since, options.period.until
    batches = (
        {kind: in_period(frame, since, until) for kind, frame in batch.items()}
        for batch in parse_inputs(options, run)
    )
    if stats:
        for _ in batches:
            pass
        _print_stats(run)
    elif unparsed:
        with _text_output(output, env.stdout) as out:
            for batch in batches:
                for line in batch[EventKind.UNPARSED].get_column("line"):
                    out.write(f"{line}\n")
    else:
        event_format = EventFormat(fmt)
        if event_format is EventFormat.JSONL:
            with _text_output(output, env.stdout) as out:
                write_jsonl(batches, chosen, out)
        elif event_format is EventFormat.CSV and len(chosen) == 1 and output is None:
            write_single_csv(batches, chosen[0], env.stdout)
        else:
            if output is None:
                raise UsageError(f"--format {fmt} with several kinds needs --output DIR")
            write_files(batches, chosen, event_format, output)
    raise SystemExit(report_input_errors(run))


@contextmanager
def _text_output(path: Path | None, default: TextIO) -> Iterator[TextIO]:
    if path is None:
        yield default
        return
    with path.open("w", encoding="utf-8") as out:
        yield out


def _print_stats(run: ParseRun) -> None:
    env = _environment()
    stats = run.stats
    out = env.stdout
    out.write(f"files:      {len(run.files)}\n")
    out.write(f"lines:      {stats.lines}\n")
    out.write(f"events:     {stats.events}\n")
    out.write(f"unparsed:   {stats.unparsed}\n")
    out.write(f"not mail:   {stats.not_mail}\n")
    if stats.first_time and stats.last_time:
        out.write(f"time span:  {stats.first_time.isoformat()} .. {stats.last_time.isoformat()}\n")
    out.write("events by kind:\n")
    for kind, count in sorted(stats.events_by_kind.items(), key=lambda kv: (-kv[1], kv[0])):
        out.write(f"  {kind:<16} {count}\n")
    out.write("unparsed by program:\n")
    for program, count in sorted(stats.unparsed_by_program.items(), key=lambda kv: (-kv[1], kv[0])):
        out.write(f"  {program:<24} {count}\n")


def _summary(run: ParseRun) -> ParseSummary:
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


# Several stores (a fleet's hosts, one each) are read as one.
Stores = tuple[Path, ...]


def build_report(
    options: InputOptions, report_options: ReportOptions, store: Stores | None = None
) -> tuple[Report, ParseRun]:
    run = ParseRun()
    builder = ReportBuilder(report_options)
    if store is None:
        for batch in parse_inputs(options, run):
            builder.add(batch)
    else:
        from maillogs.store.summaries import DaySummary

        items = _store_input(options, run, store, columns=builder.needs, summaries=report_options)
        for item in items:
            if isinstance(item, DaySummary):
                builder.load_state(item.state)
            else:
                builder.add(item)
    return builder.finish(_summary(run)), run


_NO_LOOK_BACK = timedelta(0)


def report_batches(
    options: InputOptions, run: ParseRun, store: Stores | None, look_back: timedelta = _NO_LOOK_BACK
) -> Iterator[EventBatch]:
    """The logs' event batches; with a store, its events (from `look_back` before the
    period on) and then the given logs' lines it has not seen yet."""
    if store is None:
        yield from parse_inputs(options, run)
        return
    from maillogs.store.summaries import DaySummary

    for item in _store_input(options, run, store, look_back):
        assert not isinstance(item, DaySummary)  # none asked for
        yield item


def _store_input(
    options: InputOptions,
    run: ParseRun,
    store: Stores,
    look_back: timedelta = _NO_LOOK_BACK,
    columns: Needs | None = None,
    summaries: ReportOptions | None = None,
) -> Iterator[EventBatch | DaySummary]:
    """A store's events from `look_back` before the period on (only `columns`, if
    given; with `summaries`, the days the period holds whole as their day summaries),
    then the given logs' lines it has not seen yet."""
    from maillogs.store.report_input import report_items

    run.files.extend(str(one) for one in store)
    return report_items(
        store, list(options.paths), options.settings, _environment().now(),
        options.period.since - look_back if options.period.since else None,
        options.period.until, run.stats, run.errors, columns, summaries,
    )  # fmt: skip


def _stores(_: click.Context, __: click.Parameter, given: Stores) -> Stores | None:
    return given or None


STORE_OPTION = click.option(
    "--store",
    "store",
    multiple=True,
    callback=_stores,
    type=click.Path(file_okay=False, path_type=Path),
    help="Read the events of this store (maillogs ingest); PATHS add their lines not in it "
    "yet. Several --store: read as one (a fleet's hosts).",
)


def _report_options(options: InputOptions, **given: Any) -> ReportOptions:
    config = options.config
    header_checks = given["header_checks"] or config.header_checks
    body_checks = given["body_checks"] or config.body_checks
    for path in (*header_checks, *body_checks):
        if not Path(path).is_file():
            raise UsageError(f"{path}: no such check table file")
    sections = given["sections"] or SECTIONS
    return ReportOptions(
        tz=options.settings.tz,
        since=options.period.since,
        until=options.period.until,
        bucket=Bucket(given["period"]) if given["period"] else None,
        top=given["top"] or config.top,
        catchall_domains=tuple(d.lower() for d in given["catchall_domains"])
        or config.catchall_domains,
        header_checks=tuple(Path(p) for p in header_checks),
        body_checks=tuple(Path(p) for p in body_checks),
        sections=tuple(sections),
    )


@main.command()
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
@click.option(
    "--section",
    "sections",
    multiple=True,
    type=click.Choice(SECTIONS),
    help="Only this section (repeatable).",
)
@click.option(
    "--period",
    type=click.Choice([b.value for b in Bucket]),
    help="Split rankings and totals per day, week or month.",
)
@click.option("--top", type=click.IntRange(1, 10_000), help="Rows in each ranking (default 10).")
@click.option(
    "--header-checks",
    "header_checks",
    multiple=True,
    metavar="FILE",
    help="Your header_checks table: shows each rule's pattern.",
)
@click.option(
    "--body-checks", "body_checks", multiple=True, metavar="FILE", help="Your body_checks table."
)
@click.option(
    "--catchall-domain",
    "catchall_domains",
    multiple=True,
    metavar="DOMAIN",
    help="A catch-all domain (repeatable).",
)
@STORE_OPTION
@click.option(
    "--charts",
    "charts_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write each chart as DIR/NAME.png.",
)
def report(
    options: InputOptions,
    fmt: str,
    output: Path | None,
    charts_dir: Path | None,
    store: Stores | None,
    **given: Any,
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
    env = _environment()
    report_options = _report_options(options, **given)
    result, run = build_report(options, report_options, store)
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
        with _text_output(output, env.stdout) as out:
            out.write(document)
    if charts_dir is not None:
        write_charts(result, charts_dir)
    raise SystemExit(report_input_errors(run))


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


# Commands in modules of their own register themselves on `main`; imported last, as
# they build on the helpers above.
import maillogs.blog_command  # noqa: E402
import maillogs.mail_command  # noqa: E402
import maillogs.store_command  # noqa: E402
import maillogs.suggest_command  # noqa: E402, F401
