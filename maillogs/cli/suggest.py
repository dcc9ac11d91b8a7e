"""`maillogs suggest-rules`: header_checks lines for spam that got in, with the why."""

from __future__ import annotations

from pathlib import Path

import click

from maillogs import app
from maillogs import output as output_file
from maillogs.app import Inputs, check_tables, event_source, input_errors, nothing_read
from maillogs.cli.options import (
    STORE_OPTION,
    catchall_option,
    environment,
    header_checks_option,
    input_options,
    output_option,
    top_option,
)
from maillogs.cli.output import tell_written
from maillogs.errors import UsageError
from maillogs.sources import Stores
from reports import suggest as suggestions
from reports.own import OwnFromLog


@click.command("suggest-rules")
@input_options
@STORE_OPTION
@header_checks_option(
    "Your header_checks table: its rules are not suggested again, ids continue from it."
)
@catchall_option()
@top_option(default=10, help=None)
@output_option("Write the rules to this new file (never to your table).")
def suggest_rules(
    inputs: Inputs,
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
    env = environment()
    config = inputs.config
    tables = list(check_tables(header_checks, config.header_checks))
    if output is not None and any(_same(output, table) for table in tables):
        raise UsageError(f"--output {output} is your header_checks table: give a new file")
    if output is not None:
        output_file.check_file(output)  # before the work, not after
    server = app.server(inputs, app.ReportArgs(catchall_domains=catchall_domains))
    catchall = server.catchall_domains
    collector = suggestions.SuspectCollector(
        catchall, OwnFromLog((*server.own_domains, *catchall), server.own_networks)
    )
    source = event_source(inputs, env, store)
    for batch in source.batches():
        collector.add(batch)
    if nothing_read(source.run):
        raise SystemExit(input_errors(source.run, env))
    found = suggestions.suggest(
        collector.evidence(),
        header_checks=tables,
        own_domains=sorted(collector.own().domains),
        top=top,
    )
    text = suggestions.render(found, tables)
    if output is None:
        env.stdout.write(text)
    else:
        output_file.write_text(output, text)
        tell_written(output, inputs.quiet, env.stderr)
    raise SystemExit(input_errors(source.run, env))


def _same(one: Path, other: Path) -> bool:
    """The same file by any name: a symlink, a hard link, or a path spelled otherwise."""
    try:
        if one.exists() and other.exists():
            return one.samefile(other)
        return one.resolve() == other.resolve()
    except OSError:
        return False
