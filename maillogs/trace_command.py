"""`maillogs trace`: where did a message go, why was it refused (docs/trace.md)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import click

from maillogs.cli import (
    STORE_OPTION,
    InputOptions,
    _environment,
    input_options,
    main,
    parse_inputs,
    report_input_errors,
)
from maillogs.errors import UsageError
from maillogs.pipeline import ParseRun
from parsers.stream import EventBatch
from reports.check_tables import rules_by_id
from reports.trace import Story, TraceQuery, Tracer
from reports.trace.render import render_jsonl, render_text


@main.command("trace")
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
    options: InputOptions,
    store: Path | None,
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
    try:
        query = TraceQuery.of(
            queue_ids, message_ids, senders, recipients, clients,
            since=options.period.since, until=options.period.until,
        )  # fmt: skip
    except ValueError as error:
        raise UsageError(f"--client: {error}") from None
    tracer = Tracer(query, _patterns(options, header_checks, body_checks))
    run = ParseRun()
    out = _environment().stdout
    stories = _stories(tracer, _batches(options, run, store))
    lines = render_jsonl(stories) if fmt == "jsonl" else render_text(stories, options.settings.tz)
    for text in lines:
        out.write(text)
        out.flush()  # a story as soon as it is known: a long search shows progress
    raise SystemExit(report_input_errors(run))


def _patterns(
    options: InputOptions, header: tuple[str, ...], body: tuple[str, ...]
) -> dict[str, dict[int, str]]:
    tables = {"header": header or options.config.header_checks,
              "body": body or options.config.body_checks}  # fmt: skip
    patterns = {}
    for part, paths in tables.items():
        for path in paths:
            if not Path(path).is_file():
                raise UsageError(f"{path}: no such check table file")
        rules = rules_by_id(tuple(Path(p) for p in paths))
        patterns[part] = {rule_id: rule.pattern for rule_id, rule in rules.items()}
    return patterns


def _batches(options: InputOptions, run: ParseRun, store: Path | None) -> Iterator[EventBatch]:
    if store is None:
        yield from parse_inputs(options, run)
        return
    from maillogs.store.report_input import report_items
    from maillogs.store.summaries import DaySummary

    run.files.append(str(store))
    # From the period's first day on; the tracer stops once the period is over and
    # none of its messages is still in the queue.
    items = report_items(
        store, list(options.paths), options.settings, _environment().now(),
        options.period.since, None, run.stats, run.errors,
    )  # fmt: skip
    for item in items:
        assert not isinstance(item, DaySummary)  # none asked for
        yield item


def _stories(tracer: Tracer, batches: Iterable[EventBatch]) -> Iterator[Story]:
    for batch in batches:
        yield from tracer.add(batch)
        if not tracer.wants_more():
            break
    yield from tracer.finish()
