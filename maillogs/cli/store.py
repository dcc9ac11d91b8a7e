"""`maillogs ingest` and `maillogs store info|compact|prune`."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path

import click

from maillogs.app import Inputs
from maillogs.cli.options import environment, input_options
from maillogs.config import domain_name, find_config_path, load_config
from maillogs.errors import MaillogsError, UsageError
from maillogs.exit_codes import ExitStatus
from maillogs.inputs import default_log_paths
from maillogs.store import maintenance
from maillogs.store.ingest import ingest as run_ingest
from maillogs.store.ingest import locked
from maillogs.store.layout import Place, StoreError
from maillogs.store.settle import refresh
from reports.options import ReportOptions

STORE = click.option(
    "--store",
    "store",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The store directory.",
)


def _host(_: click.Context, __: click.Parameter, given: str | None) -> str | None:
    if given is not None:
        try:
            Place(Path(), given)
        except StoreError as error:
            raise click.BadParameter(str(error)) from None
    return given


HOST = click.option(
    "--host",
    metavar="NAME",
    callback=_host,
    help="This host's own partition of a store several hosts share "
    "(kind=<kind>/host=NAME/date=<day>/), with its own checkpoint and lock.",
)


@click.command()
@input_options
@STORE
@HOST
@click.option("--wait", is_flag=True, help="Wait for a running ingest instead of failing.")
@click.option("--follow", is_flag=True, help="Keep reading new lines (polling; rotation-safe).")
@click.option("--interval", type=click.FloatRange(0.1, 3600), default=10.0, show_default=True,
              help="Seconds between polls with --follow.")  # fmt: skip
def ingest(
    inputs: Inputs, store: Path, host: str | None, wait: bool, follow: bool, interval: float
) -> None:
    """Add what is new in the logs to a Parquet event store (for cron, or --follow).

    Each day, once over (its UTC midnight plus an hour), has its files merged and its
    day summary made by the next ingest.

    \b
    Examples:
      maillogs ingest --store /var/lib/maillogs /var/log/mail.log*
      */5 * * * *  maillogs ingest --quiet --store /var/lib/maillogs   (crontab)
      maillogs ingest --follow --store /var/lib/maillogs /var/log/mail.log*
      maillogs ingest --store /srv/fleet --host mx1 /var/log/mail.log*   (shared)
    """
    env = environment()
    paths = list(inputs.paths or inputs.config.logs or default_log_paths())
    if not paths:
        raise UsageError("no log files given and none found at /var/log/mail.log*")
    summarize = ReportOptions(catchall_domains=inputs.config.catchall_domains)
    while True:
        report = run_ingest(
            paths,
            Place(store, host),
            inputs.settings,
            env.now(),
            wait=wait or follow,
            summarize=summarize,
        )
        for error in report.errors:
            click.echo(f"maillogs: error: {error}", err=True)
        said = bool(report.errors) and report.new_lines == 0  # the errors were all of it
        if not said and report.new_lines and not report.events:
            # none of it a Postfix line (binary, a wrong --log-format): the ingest said
            # so per file with its commonest shapes (parsers.garbage)
            said = True
        if not said and not report.errors and not report.new_lines and not report.sources:
            click.echo(f"maillogs: notice: {', '.join(paths)}: no log lines (empty)", err=True)
            said = True
        if not inputs.quiet and not said:
            click.echo(
                f"ingested {report.new_lines:,} lines ({report.new_bytes:,} bytes) of "
                f"{len(report.sources)} files: {report.events:,} events in {report.parts:,} files"
                + (f", merged away {report.merged_away:,} files" if report.merged_away else "")
                + (f", {report.summaries:,} day summaries" if report.summaries else "")
                + (f", {report.months:,} month summaries" if report.months else ""),
                err=True,
            )
        if not follow:
            raise SystemExit(ExitStatus.FAILURE if report.errors else ExitStatus.OK)
        time.sleep(interval)


@click.group()
def store() -> None:
    """Look after an event store: info, compact, prune, summarize."""


@store.command()
@STORE
@HOST
def info(store: Path, host: str | None) -> None:
    """Date range, events by kind, files and bytes, sources and how far they are read."""
    _existing(store)
    found = maintenance.info(Place(store, host))
    out = environment().stdout
    out.write(f"days:     {found.first_day or '-'} .. {found.last_day or '-'} (UTC)\n")
    out.write(f"files:    {found.files:,} ({found.bytes:,} bytes)\n")
    out.write(f"zone:     {found.tz or '-'} (classic syslog stamps were read in it)\n")
    out.write("events by kind:\n")
    for kind, count in sorted(found.events_by_kind.items(), key=lambda kv: (-kv[1], kv[0])):
        out.write(f"  {kind:<16} {count:,}\n")
    out.write("sources:\n")
    for name, offset, lines in found.sources:
        out.write(f"  {name}: {lines:,} lines, {offset:,} bytes\n")
    months = f", month summaries: {found.month_summaries:,}" if found.month_summaries else ""
    out.write(f"day summaries: {found.summaries:,}{months} ({found.summary_bytes:,} bytes)\n")


@store.command()
@STORE
@HOST
@click.option("--wait", is_flag=True, help="Wait for a running ingest instead of failing.")
def compact(store: Path, host: str | None, wait: bool) -> None:
    """Merge each day's small part files into one per kind, atomically."""
    _existing(store)
    with locked(Place(store, host), wait):
        removed = maintenance.compact(Place(store, host))
    click.echo(f"merged away {removed:,} files", err=True)


@store.command()
@STORE
@HOST
@click.option(
    "--catchall-domain",
    "catchall_domains",
    multiple=True,
    metavar="DOMAIN",
    help="Summaries for reports with these catch-all domains (default: the config's).",
)
@click.option("--config", "config_path", metavar="FILE", help="TOML config file.")
@click.option("--wait", is_flag=True, help="Wait for a running ingest instead of failing.")
def summarize(
    store: Path,
    host: str | None,
    catchall_domains: tuple[str, ...],
    config_path: str | None,
    wait: bool,
) -> None:
    """Make the day and month summaries reports read instead of a whole day's events.

    \b
    ingest makes them for the config's catch-all domains; a report makes the
    ones it lacks (for its own options) and keeps them where it may write.
    Examples:
      maillogs store summarize --store /var/lib/maillogs
      maillogs store summarize --store /var/lib/maillogs --catchall-domain example.org
    """
    _existing(store)
    env = environment()
    config = load_config(find_config_path(config_path, env.env, env.home))
    domains = tuple(domain_name(d) for d in catchall_domains) or config.catchall_domains
    place = Place(store, host)
    with locked(place, wait):
        made = refresh(place, ReportOptions(catchall_domains=tuple(domains)), env.now())
    months = f" and {made.months:,} month summaries" if made.months else ""
    click.echo(f"made {made.summaries:,} day summaries{months}", err=True)


@store.command()
@STORE
@HOST
@click.option("--keep", required=True, metavar="AGE", help="Keep this much: 400d, 8w.")
@click.option("--wait", is_flag=True, help="Wait for a running ingest instead of failing.")
def prune(store: Path, host: str | None, keep: str, wait: bool) -> None:
    """Delete the days older than --keep."""
    found = re.fullmatch(r"0*([1-9]\d*)([dw])", keep.strip())
    if not found:  # 0d too: it would delete every day before today, a slip more than a wish
        raise UsageError(f"--keep {keep!r}: give days or weeks, like 400d or 8w")
    age = timedelta(days=int(found[1]) * (7 if found[2] == "w" else 1))
    _existing(store)
    with locked(Place(store, host), wait):
        dropped = maintenance.prune(Place(store, host), age, environment().now())
    click.echo(f"deleted {dropped:,} day partitions", err=True)


def _existing(store: Path) -> None:
    """A missing store is the same fault for every command: a runtime failure (exit 1),
    as `report --store` says it, and nothing is made."""
    if not store.is_dir():
        raise MaillogsError(f"{store}: no such store directory")
