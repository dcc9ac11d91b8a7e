"""The `maillogs` group: every command, and library errors as one line and an exit status.

Exit status: 0 ok, 1 runtime failure (e.g. an unreadable input; the others are still
processed), 2 usage error (bad option value, bad config).
"""

from __future__ import annotations

from typing import Any

import click

from maillogs import __version__
from maillogs.cli.blog import blog
from maillogs.cli.events import events
from maillogs.cli.mail import mail
from maillogs.cli.report import report
from maillogs.cli.store import ingest, store
from maillogs.cli.suggest import suggest_rules
from maillogs.cli.trace import trace
from maillogs.errors import ConfigError, MaillogsError, UsageError
from maillogs.exit_codes import ExitStatus


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
        except KeyboardInterrupt:
            # what was half written is gone by now (maillogs.output); one line, 130
            click.echo("maillogs: interrupted", err=True)
            ctx.exit(ExitStatus.INTERRUPTED)


@click.group(cls=MaillogsGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="maillogs")
def main() -> None:
    """Postfix mail logs → TLS coverage, top spammers, SPF, header_checks hits, catch-all leaks.

    \b
    Exit status: 0 ok, 1 runtime failure (some input unreadable), 2 usage error,
    130 interrupted.
    """


for command in (blog, events, ingest, mail, report, store, suggest_rules, trace):
    main.add_command(command)
