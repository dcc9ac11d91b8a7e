"""The options commands share, declared once, and how a command reaches its Environment.

Each decorator turns its options into one typed value for the command: `input_options`
an app.Inputs, `report_options` an app.ReportArgs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from maillogs.app import ReportArgs, resolve_inputs
from maillogs.environment import Environment
from maillogs.sources import Stores
from parsers.envelope import LogFormat
from reports import sections
from reports.options import Bucket

F = TypeVar("F", bound=Callable[..., Any])

# Rows in a ranking: the same bounds for every command that ranks.
TOP = click.IntRange(1, 10_000)


def environment() -> Environment:
    """The Environment the group was invoked with (tests pass one as `obj`)."""
    obj = click.get_current_context().obj
    return obj if isinstance(obj, Environment) else Environment()


def input_options(command: F) -> F:
    """Options every command that reads logs shares, resolved into one app.Inputs
    (passed as the command's first argument)."""

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
    @click.option("--quiet", "-q", is_flag=True, help="No progress bar, no notices.")
    @click.option(
        "--verbose", "-v", is_flag=True, help="Say on stderr which files are read, which skipped."
    )
    @click.option(
        "--postfix-config",
        "postfix_config",
        metavar="MAIN_CF",
        help="Postfix main.cf (or none): check tables, catch-all, own domains and networks "
        "(default: /etc/postfix/main.cf, if it is the logs' server's).",
    )
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
        verbose: bool,
        postfix_config: str | None,
        **kwargs: Any,
    ) -> Any:
        inputs = resolve_inputs(
            environment(), paths, config_path=config_path, since=since, until=until,
            tz=tz, year=year, log_format=log_format, quiet=quiet,
            postfix_config=postfix_config, verbose=verbose,
        )  # fmt: skip
        return command(inputs, **kwargs)

    return wrapper  # type: ignore[return-value]


def top_option(
    default: int | None = None, help: str | None = "Rows in each ranking (default 10)."
) -> Callable[[F], F]:
    return click.option(
        "--top", type=TOP, default=default, show_default=default is not None, help=help
    )


def output_option(help: str) -> Callable[[F], F]:
    """`--output/-o PATH`: where a command writes (each says what: a file, a folder)."""
    return click.option("--output", "-o", type=click.Path(path_type=Path), help=help)


def format_option(choices: list[str], default: str) -> Callable[[F], F]:
    """`--format` as the command's `fmt`."""
    return click.option(
        "--format", "fmt", type=click.Choice(choices), default=default, show_default=True
    )


def header_checks_option(
    help: str = "Your header_checks table: shows each rule's pattern.",
) -> Callable[[F], F]:
    return click.option(
        "--header-checks", "header_checks", multiple=True, metavar="FILE", help=help
    )


def body_checks_option() -> Callable[[F], F]:
    return click.option(
        "--body-checks",
        "body_checks",
        multiple=True,
        metavar="FILE",
        help="Your body_checks table.",
    )


def catchall_option(help: str = "A catch-all domain (repeatable).") -> Callable[[F], F]:
    return click.option(
        "--catchall-domain", "catchall_domains", multiple=True, metavar="DOMAIN", help=help
    )


def section_option(help: str = "Only this section (repeatable).") -> Callable[[F], F]:
    return click.option(
        "--section", "sections", multiple=True, type=click.Choice(sections.names()), help=help
    )


def report_options(
    *, split: bool = True, section_help: str = "Only this section (repeatable)."
) -> Callable[[F], F]:
    """--section, --period (with `split`), --top, the check tables and the catch-all
    domains, as one app.ReportArgs (the command's `report_args`)."""
    period = click.option(
        "--period",
        type=click.Choice([b.value for b in Bucket]),
        help="Split rankings and totals per day, week or month.",
    )
    options = [
        section_option(section_help),
        *([period] if split else []),
        top_option(),
        header_checks_option(),
        body_checks_option(),
        catchall_option(),
    ]

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def wrapper(
            *args: Any,
            sections: tuple[str, ...],
            top: int | None,
            header_checks: tuple[str, ...],
            body_checks: tuple[str, ...],
            catchall_domains: tuple[str, ...],
            period: str | None = None,
            **kwargs: Any,
        ) -> Any:
            given = ReportArgs(
                sections=sections,
                period=Bucket(period) if period else None,
                top=top,
                header_checks=header_checks,
                body_checks=body_checks,
                catchall_domains=catchall_domains,
            )
            return command(*args, report_args=given, **kwargs)

        decorated: Any = wrapper
        for option in reversed(options):
            decorated = option(decorated)
        return decorated  # type: ignore[no-any-return]

    return decorate


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
