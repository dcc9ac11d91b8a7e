"""`maillogs trace`: where did a message go, why was it refused (docs/trace.md)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import click

from maillogs.app import Inputs, check_tables, input_errors
from maillogs.cli.options import STORE_OPTION, environment, input_options
from maillogs.errors import UsageError
from maillogs.period import Period
from maillogs.sources import Stores, open_source
from parsers.stream import EventBatch
from reports.check_tables import rules_by_id
from reports.trace import Story, TraceQuery, Tracer
from reports.trace.render import render_jsonl, render_text


@click.command("trace")
@input_options
@STORE_OPTION
@click.option("--queue-id", "queue_ids", multiple=True, metavar="QID", help="Repeatable.")
@click.option("--message-id", "message_ids", multiple=True, metavar="ID", help="Repeatable.")
@click.option(
    "--from",
    "senders",
    multiple=True,
    metavar="ADDR",
    help="Envelope sender (<> for the null sender). Repeatable.",
)
@click.option(
    "--to",
    "recipients",
    multiple=True,
    metavar="ADDR",
    help="Recipient, as to= or orig_to= (a catch-all address finds its mail). Repeatable.",
)
@click.option(
    "--client",
    "clients",
    multiple=True,
    metavar="HOST|IP|NET",
    help="Client host name, IP address or network (192.0.2.0/24). Repeatable.",
)
@click.option(
    "--header-checks",
    "header_checks",
    multiple=True,
    metavar="FILE",
    help="Your header_checks table: hits show their rule's pattern.",
)
@click.option(
    "--body-checks", "body_checks", multiple=True, metavar="FILE", help="Your body_checks table."
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "jsonl"]), default="text", show_default=True
)
def trace(
    inputs: Inputs,
    store: Stores | None,
    queue_ids: tuple[str, ...],
    message_ids: tuple[str, ...],
    senders: tuple[str, ...],
    recipients: tuple[str, ...],
    clients: tuple[str, ...],
    header_checks: tuple[str, ...],
    body_checks: tuple[str, ...],
    fmt: str,
) -> None:
    """Each message's whole story: session, TLS, SPF, checks, refusal, deliveries.

    \b
    Options of one kind are alternatives, options of different kinds must all hold:
    --to a --to b finds mail to either, --to a --client 192.0.2.1 mail to a from that
    client. With a period, the messages that have a line in it, followed to their end
    (a deferred message for up to seven days after it).

    \b
    Examples:
      maillogs trace --to github.com@example.org /var/log/mail.log*
      maillogs trace --from someone@example.com --since yesterday --format jsonl
      maillogs trace --queue-id 4E55020C6B2 --store /var/lib/maillogs --since 2026-11-22
    """
    env = environment()
    period = inputs.period
    try:
        query = TraceQuery.of(
            queue_ids, message_ids, senders, recipients, clients,
            since=period.since, until=period.until,
        )  # fmt: skip
    except ValueError as error:
        raise UsageError(f"--client: {error}") from None
    patterns = {
        "header": _patterns(check_tables(header_checks, inputs.config.header_checks)),
        "body": _patterns(check_tables(body_checks, inputs.config.body_checks)),
    }
    tracer = Tracer(query, patterns)
    # Read on after the period: its messages still in the queue are followed to their
    # end, and the tracer says when the rest can be skipped.
    paths = inputs.paths if store is not None else inputs.paths or inputs.config.logs
    source = open_source(
        paths, inputs.settings, Period(period.since, None), env, store,
        progress=not inputs.quiet, verbose=inputs.verbose,
    )  # fmt: skip
    stories = _stories(tracer, source.batches())
    lines = render_jsonl(stories) if fmt == "jsonl" else render_text(stories, inputs.settings.tz)
    for text in lines:
        env.stdout.write(text)
        env.stdout.flush()  # a story as soon as it is known: a long search shows progress
    raise SystemExit(input_errors(source.run, env))


def _patterns(tables: tuple[Path, ...]) -> dict[int, str]:
    return {rule_id: rule.pattern for rule_id, rule in rules_by_id(tables).items()}


def _stories(tracer: Tracer, batches: Iterable[EventBatch]) -> Iterator[Story]:
    for batch in batches:
        yield from tracer.add(batch)
        if not tracer.wants_more():
            break
    yield from tracer.finish()
