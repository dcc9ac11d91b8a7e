"""The `maillogs` group: every command, and library errors as one line and an exit status.

Exit status: 0 ok, 1 runtime failure (e.g. an unreadable input; the others are still
processed), 2 usage error (bad option value, bad config).
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from maillogs import __version__
from maillogs.errors import ConfigError, MaillogsError, UsageError
from maillogs.exit_codes import ExitStatus

# Each command's module loads only when it runs (a report does not load smtplib, the
# store or the blog's templates): on a small server's day, start-up is most of the time.
COMMANDS = {
    "blog": "maillogs.cli.blog:blog",
    "events": "maillogs.cli.events:events",
    "ingest": "maillogs.cli.store:ingest",
    "mail": "maillogs.cli.mail:mail",
    "report": "maillogs.cli.report:report",
    "store": "maillogs.cli.store:store",
    "suggest-rules": "maillogs.cli.suggest:suggest_rules",
    "trace": "maillogs.cli.trace:trace",
}


class MaillogsGroup(click.Group):
    """Turns library errors into one line on stderr and the documented exit status."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, name = target.split(":")
        command = getattr(importlib.import_module(module), name)
        assert isinstance(command, click.Command)
        return command

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
