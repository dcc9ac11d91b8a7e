"""`maillogs events`: the typed events of the logs, as JSON lines, CSV or Parquet."""

from __future__ import annotations

from pathlib import Path

import click

from maillogs import output as output_file
from maillogs.app import Inputs, event_source, input_errors
from maillogs.cli.options import environment, format_option, input_options, output_option
from maillogs.cli.output import tell_written, text_output
from maillogs.errors import UsageError
from maillogs.event_output import EventFormat, write_files, write_jsonl, write_single_csv
from maillogs.pipeline import ParseRun
from parsers.schema import EventKind
from reports.escape import for_terminal


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


@click.command()
@input_options
@click.option("--kind", "kinds", metavar="K1,K2", help="Only these event kinds (default: all).")
@format_option([f.value for f in EventFormat], "jsonl")
@output_option("File (jsonl, single-kind csv) or directory (one file per kind and batch).")
@click.option(
    "--stats",
    is_flag=True,
    help="Print lines read, events by kind and unparsed lines by program instead.",
)
@click.option(
    "--unparsed",
    is_flag=True,
    help="Print the lines no rule understood (control characters shown as \\x1b).",
)
def events(
    inputs: Inputs,
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
    env = environment()
    chosen = [EventKind.UNPARSED] if unparsed else _kinds(kinds)
    event_format = EventFormat(fmt)
    # one stream (JSON lines, one kind's CSV, the unparsed lines) is one file
    one_file = (
        unparsed
        or event_format is EventFormat.JSONL
        or (event_format is EventFormat.CSV and len(chosen) == 1)
    )
    if not stats and output is not None:
        (output_file.check_file if one_file else output_file.check_folder)(output)
    elif not stats and not one_file:
        raise UsageError(f"--format {fmt} with several kinds needs --output DIR")
    source = event_source(inputs, env, store=None)
    batches = source.batches()
    if stats:
        for _ in batches:
            pass
        _print_stats(source.run)
    elif unparsed:
        with text_output(output, env.stdout) as out:
            for batch in batches:
                for line in batch[EventKind.UNPARSED].get_column("line"):
                    out.write(f"{for_terminal(line)}\n")  # a log's ESC never reaches a terminal
    elif event_format is EventFormat.JSONL:
        with text_output(output, env.stdout) as out:
            write_jsonl(batches, chosen, out)
    elif one_file:
        with text_output(output, env.stdout) as out:
            write_single_csv(batches, chosen[0], out)
    else:
        assert output is not None
        output_file.make_folder(output)
        write_files(batches, chosen, event_format, output)
    if not stats:
        tell_written(output, inputs.quiet, env.stderr)
    raise SystemExit(input_errors(source.run, env))


def _print_stats(run: ParseRun) -> None:
    out = environment().stdout
    stats = run.stats
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
    # program names are log text: escaped like every other string from the log
    for title, by_program in (
        ("unparsed by program", stats.unparsed_by_program),
        ("verbose (debug) lines by program", stats.debug_by_program),
    ):
        if title.startswith("unparsed") or by_program:
            out.write(f"{title}:\n")
        for program, count in sorted(by_program.items(), key=lambda kv: (-kv[1], kv[0])):
            out.write(f"  {for_terminal(program):<24} {count}\n")
