"""`maillogs blog`: the month's top-spammers post, ready to publish."""

from __future__ import annotations

import base64
import dataclasses
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from maillogs import output as output_file
from maillogs.app import (
    Inputs,
    ReportArgs,
    event_source,
    input_errors,
    nothing_read,
    parse_summary,
    report_options,
)
from maillogs.cli.options import (
    STORE_OPTION,
    body_checks_option,
    environment,
    format_option,
    header_checks_option,
    input_options,
    output_option,
    top_option,
)
from maillogs.cli.output import tell_written
from maillogs.errors import MaillogsError, UsageError
from maillogs.period import resolve_period
from maillogs.pipeline import ParseRun
from maillogs.sources import Stores, in_period
from reports.blog import BlockedSpam, Post, build_post
from reports.builder import ReportBuilder
from reports.own import OwnFromLog
from reports.render import blog as render_blog

_LOOK_BACK = timedelta(days=31)


@click.command()
@input_options
@STORE_OPTION
@click.option("--month", metavar="YYYY-MM", help="The month to write about (or --since/--until).")
@top_option(default=5, help=None)
@header_checks_option()
@body_checks_option()
@click.option("--title", help='Title (default: "Top spammers, Nov 1 2026 - Nov 30 2026").')
@format_option(["markdown", "html"], "markdown")
@click.option(
    "--front-matter",
    "front",
    type=click.Choice([f.value for f in render_blog.FrontMatter]),
    default="none",
    show_default=True,
)
@output_option("The post; Markdown's charts are written beside it (POST-spam-per-day.png ...).")
def blog(
    inputs: Inputs,
    store: Stores | None,
    month: str | None,
    top: int,
    header_checks: tuple[str, ...],
    body_checks: tuple[str, ...],
    title: str | None,
    fmt: str,
    front: str,
    output: Path | None,
) -> None:
    """Write the top-spammers post for a month, in the shape of a blog post.

    \b
    Examples:
      maillogs blog --month 2026-11 --header-checks /etc/postfix/header_checks /var/log/mail.log*
      maillogs blog --month last-month --front-matter hugo -o content/posts/spam-2026-11.md
      maillogs blog --since 2026-11-01 --until 2026-11-21 --format html -o post.html
    """
    if output is not None:
        output_file.check_file(output)  # before the work, not after
    env = environment()
    inputs = _with_month(inputs, month)
    args = ReportArgs(sections=("tls",), header_checks=header_checks, body_checks=body_checks)
    options = report_options(inputs, args)
    builder = ReportBuilder(options)
    since, until = inputs.period.since, inputs.period.until
    own = OwnFromLog((*options.own_domains, *options.catchall_domains), options.own_networks)
    blocked = BlockedSpam(inputs.settings.tz, since, until, own)
    # The month before too: a rule that fired then is not new.
    source = event_source(inputs, env, store, look_back=_LOOK_BACK)
    for batch in source.batches():
        builder.add(in_period(batch, inputs.period))
        blocked.add(batch)
    run = source.run
    if nothing_read(run):
        raise SystemExit(input_errors(run, env))
    report = builder.finish(parse_summary(run))
    first_day, last_day = _days(inputs, run)
    post = build_post(
        blocked,
        report.data,
        header_checks=list(options.header_checks),
        body_checks=list(options.body_checks),
        top=top,
        title=title,
        first_day=first_day,
        last_day=last_day,
    )
    style = render_blog.FrontMatter(front)
    if fmt == "html":
        charts = {name: png for name, png in _charts(post).items()}
        document = render_blog.html(post, style, lambda name: _data_uri(charts.get(name)))
    else:
        links: dict[str, str] = {}
        if output is not None:
            for name, png in _charts(post).items():
                image = output.with_name(f"{output.stem}-{name}.png")
                _write(image, png)
                links[name] = image.name
        document = render_blog.markdown(post, style, links)
    if output is None:
        env.stdout.write(document)
    else:
        _write(output, document.encode("utf-8"))
        tell_written(output, inputs.quiet, env.stderr)
    raise SystemExit(input_errors(run, env))


def _with_month(inputs: Inputs, month: str | None) -> Inputs:
    if month is None:
        return inputs
    if inputs.period.since is not None or inputs.period.until is not None:
        raise UsageError("--month cannot be combined with --since or --until")
    if not re.fullmatch(r"\d{4}-\d{2}|this-month|last-month", month):
        raise UsageError(f"--month {month!r}: give YYYY-MM, this-month or last-month")
    zone = ZoneInfo(inputs.settings.tz)
    period = resolve_period(month, None, environment().now(), zone)
    return dataclasses.replace(inputs, period=period)


def _days(inputs: Inputs, run: ParseRun) -> tuple[date, date]:
    """The period's first and last local day; the logs' own where a bound is open."""
    zone = ZoneInfo(inputs.settings.tz)
    since, until = inputs.period.since, inputs.period.until
    first: datetime | None = since or run.stats.first_time
    last: datetime | None = (until - timedelta(microseconds=1)) if until else run.stats.last_time
    if first is None or last is None:
        raise MaillogsError("no log lines to write about in this period")
    return first.astimezone(zone).date(), last.astimezone(zone).date()


def _charts(post: Post) -> dict[str, bytes]:
    from reports.charts import bar_chart, daily_chart  # matplotlib only when drawing

    if not post.spammers:
        return {}
    series = {
        s.label: [float(post.blocked_by_day[s.label].get(day, 0)) for day in post.days]
        for s in post.spammers
    }
    per_day = daily_chart(
        "spam-per-day",
        "Spam blocked per day",
        post.days,
        series,
        ylabel="messages blocked",
        stacked=True,
    )
    ranking = bar_chart(
        "top-spammers",
        "Top spammers",
        [s.label for s in post.spammers],
        [s.blocked for s in post.spammers],
        xlabel="messages blocked",
        ylabel="",
    )
    return {per_day.name: per_day.png, ranking.name: ranking.png}


def _data_uri(png: bytes | None) -> str | None:
    return None if png is None else "data:image/png;base64," + base64.b64encode(png).decode()


def _write(path: Path, content: bytes) -> None:
    output_file.write_bytes(path, content)
