"""`maillogs suggest-rules`: header_checks lines for spam that got in, with the why."""

from __future__ import annotations

from pathlib import Path

import click

from maillogs.cli import (
    STORE_OPTION,
    InputOptions,
    Stores,
    _environment,
    input_options,
    main,
    report_batches,
    report_input_errors,
)
from maillogs.errors import MaillogsError, UsageError
from maillogs.event_output import in_period
from maillogs.pipeline import ParseRun
from reports import suggest as suggestions


@main.command("suggest-rules")
@input_options
@STORE_OPTION
@click.option(
    "--header-checks",
    "header_checks",
    multiple=True,
    metavar="FILE",
    help="Your header_checks table: its rules are not suggested again, ids continue from it.",
)
@click.option(
    "--catchall-domain", "catchall_domains", multiple=True, metavar="DOMAIN", help="Repeatable."
)
@click.option("--top", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the rules to this new file (never to your table).",
)
def suggest_rules(
    options: InputOptions,
    header_checks: tuple[str, ...],
    catchall_domains: tuple[str, ...],
    top: int,
    output: Path | None,
    store: Stores | None,
) -> None:
    """Suggest header_checks rules for accepted mail that looks like spam.

    \b
    Each rule comes with a comment saying why: SPF fail/softfail that was let in,
    mail from RBL-listed networks, domains and clients refused at other times,
    catch-all addresses only one stranger writes to. Nothing is edited: review the
    lines, check them with postmap -q, and add the ones you want.

    \b
    Examples:
      maillogs suggest-rules --since last-month --header-checks /etc/postfix/header_checks
      maillogs suggest-rules --since 7d --header-checks /etc/postfix/header_checks -o new_rules
      maillogs suggest-rules --store /var/lib/maillogs --since last-month
    """
    config = options.config
    tables = [Path(p) for p in header_checks or config.header_checks]
    for table in tables:
        if not table.is_file():
            raise UsageError(f"{table}: no such check table file")
    if output is not None and any(_same(output, table) for table in tables):
        raise UsageError(f"--output {output} is your header_checks table: give a new file")
    catchall = tuple(d.lower() for d in catchall_domains) or config.catchall_domains
    run = ParseRun()
    collector = suggestions.SuspectCollector(catchall)
    since, until = options.period.since, options.period.until
    for batch in report_batches(options, run, store):
        collector.add({kind: in_period(frame, since, until) for kind, frame in batch.items()})
    found = suggestions.suggest(
        collector.evidence(),
        header_checks=tables,
        own_domains=(*config.own_domains, *catchall),
        top=top,
    )
    text = suggestions.render(found, tables)
    if output is None:
        _environment().stdout.write(text)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as error:
            raise MaillogsError(f"{output}: cannot write: {error.strerror}") from error
    raise SystemExit(report_input_errors(run))


def _same(one: Path, other: Path) -> bool:
    """The same file by any name: a symlink, a hard link, or a path spelled otherwise."""
    try:
        if one.exists() and other.exists():
            return one.samefile(other)
        return one.resolve() == other.resolve()
    except OSError:
        return False
