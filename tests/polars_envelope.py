"""The Polars envelope the Rust engine replaced, kept as the reference the engine is
tested against (tests/test_engine_envelope.py) while the rest of the parser is ported.

Its last shipped version, unchanged but for imports: `lines_frame` (raw bytes to lines)
from parsers/stream.py and `split_envelope` from parsers/envelope.py. Journald records
are read with parsers.envelope._journald, which the engine itself still uses for the
records it leaves to Python.
"""

from __future__ import annotations

import polars as pl

from parsers.envelope import LogFormat, _journald
from parsers.timestamps import TimeContext, classic_time_expr, classic_times, iso_time_expr

# Shared by the formats that put "TIMESTAMP HOST TAG: MESSAGE" on a line.
_TAG = r"(?P<host>\S+) (?P<program>[^\[\s]+?)(?:\[(?P<pid>\d+)\])?: "
# The day is space-padded ("Nov  8"); copies that lost the padding ("Nov 8") are read too.
_CLASSIC_HEAD = r"^(?P<stamp>[A-Z][a-z]{2} {1,2}[0-3]?\d \d\d:\d\d:\d\d) " + _TAG
_ISO_HEAD = r"^(?P<stamp>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)) " + _TAG
_RFC5424 = (
    r"^<\d{1,3}>1 (?P<stamp>\S+) (?P<host>\S+) (?P<program>\S+) (?P<pid>\S+) \S+ "
    r"(?:-|(?:\[(?:[^\]\\]|\\.)*\])+) ?(?:\x{FEFF})?(?P<message>.*)$"
)


# pl.read_lines would transparently decompress a chunk that starts like a compressed
# file; log text that happens to start so is split in Python instead.
_COMPRESSION_MAGIC = (
    b"\x1f\x8b",  # gzip
    b"\x28\xb5\x2f\xfd",  # zstd
    b"BZh",  # bzip2
    b"\xfd7zXZ",  # xz
    b"\x78\x01",  # zlib, at each compression level
    b"\x78\x5e",
    b"\x78\x9c",
    b"\x78\xda",
)


def lines_frame(chunk: bytes) -> pl.DataFrame:
    """One row per line, invalid UTF-8 replaced, a trailing CR dropped."""
    if not chunk.startswith(_COMPRESSION_MAGIC):
        try:
            return pl.read_lines(chunk, name="line")
        except (pl.exceptions.PolarsError, OSError):
            pass  # invalid UTF-8 (or bytes read_lines took for a format): split below
    text = chunk.decode("utf-8", "replace")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return pl.DataFrame(
        {"line": [line.removesuffix("\r") for line in lines]}, schema={"line": pl.String}
    )


def split_envelope(lines: pl.DataFrame, fmt: LogFormat, times: TimeContext) -> pl.DataFrame:
    """From a frame with a `line` column, add time, host, program, pid and message."""
    if fmt is LogFormat.JOURNALD:
        return _journald(lines)
    if fmt is LogFormat.RFC5424:
        head = pl.col("line").str.extract_groups(_RFC5424)
        frame = lines.with_columns(head.alias("_env")).unnest("_env")
        return frame.select(
            "line",
            iso_time_expr(pl.col("stamp")).alias("time"),
            "host",
            "program",
            pl.col("pid").cast(pl.Int64, strict=False),
            "message",
        )
    classic = fmt in (LogFormat.CLASSIC, LogFormat.POSTLOG)
    fast = _split_plain_head(lines, classic, times).with_row_index("_row")
    regular = fast.get_column("_regular")
    if regular.all():
        return fast.drop("_row", "_regular")
    # The few lines the plain-ASCII fast path does not vouch for take the full regex.
    slow = _split_regex(lines.filter(~regular), classic, times)
    ordered = pl.concat(
        [
            fast.filter(regular).drop("_regular"),
            slow.with_columns(fast.filter(~regular).get_column("_row")).select(fast.columns[:-1]),
        ]
    )
    return ordered.sort("_row").drop("_row")


# A head of printable ASCII (no `[` or `:` in the program, digits in the pid) is
# split with literal searches and fixed offsets; for ASCII, byte offsets are
# character offsets, which is what str.slice counts.
_PLAIN_TAG = r"[!-~]+ [!-9;-Z\\^-~]+(?:\[[0-9]+\])?: "
_PLAIN_CLASSIC = r"^[A-Z][a-z]{2} [ 1-3][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} " + _PLAIN_TAG
_PLAIN_ISO = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
    r"(?:Z|[+-][0-9]{2}:?[0-9]{2}) " + _PLAIN_TAG
)
_CLASSIC_STAMP_CHARS = 15


def _split_plain_head(lines: pl.DataFrame, classic: bool, times: TimeContext) -> pl.DataFrame:
    line = pl.col("line")
    if classic:
        stamp = line.str.slice(0, _CLASSIC_STAMP_CHARS)
        rest = line.str.slice(_CLASSIC_STAMP_CHARS + 1)
    else:
        stamp_end = line.str.find(" ", literal=True)
        stamp = line.str.slice(0, stamp_end)
        rest = line.str.slice(stamp_end + 1)
    after_host = pl.col("_rest").str.find(" ", literal=True) + 1
    tag_end = pl.col("_rest").str.find(": ", literal=True)
    tag = pl.col("_rest").str.slice(after_host, tag_end - after_host)
    bracket = pl.col("_tag").str.find("[", literal=True)
    split = (
        lines.lazy()
        .with_columns(
            rest.alias("_rest"),
            line.str.contains(_PLAIN_CLASSIC if classic else _PLAIN_ISO).alias("_regular"),
        )
        .with_columns(tag.alias("_tag"))
        .select(
            "line",
            (stamp if classic else iso_time_expr(stamp)).alias("time"),
            pl.col("_rest").str.slice(0, after_host - 1).alias("host"),
            pl.col("_tag")
            .str.slice(0, bracket.fill_null(pl.col("_tag").str.len_bytes()))
            .alias("program"),
            pl.col("_tag")
            .str.slice(bracket + 1, pl.col("_tag").str.len_bytes() - bracket - 2)
            .cast(pl.Int64, strict=False)
            .alias("pid"),
            pl.col("_rest")
            .str.tail(pl.col("_rest").str.len_chars() - tag_end - 2)
            .alias("message"),
            "_regular",
        )
        .collect()
    )
    if not classic:
        return split
    # `time` holds the classic stamp text so far: instants are worked out per minute.
    # (An irregular line's time is thrown away: the slow path below remakes it.)
    return split.with_columns(classic_times(split.get_column("time"), times))


def _split_regex(lines: pl.DataFrame, classic: bool, times: TimeContext) -> pl.DataFrame:
    stamp, host, program, pid = (
        pl.col("_env").struct.field(name) for name in ("stamp", "host", "program", "pid")
    )
    # The message starts after "STAMP HOST PROGRAM[PID]: "; slicing is cheaper than a
    # second regex pass, and is null where the head did not match.
    head_chars = (
        stamp.str.len_chars()
        + host.str.len_chars()
        + program.str.len_chars()
        + pid.str.len_chars().fill_null(-2)
        + 6
    )
    return (
        lines.lazy()
        .with_columns(
            pl.col("line").str.extract_groups(_CLASSIC_HEAD if classic else _ISO_HEAD).alias("_env")
        )
        .select(
            "line",
            (classic_time_expr(stamp, times) if classic else iso_time_expr(stamp)).alias("time"),
            host.alias("host"),
            program.alias("program"),
            pid.cast(pl.Int64, strict=False).alias("pid"),
            pl.col("line").str.slice(head_chars).alias("message"),
        )
        .collect()
    )


def regex_envelope(lines: pl.DataFrame, fmt: LogFormat, times: TimeContext) -> pl.DataFrame:
    """The Polars envelope with every line through its full regular expressions: the
    definition its plain-ASCII fast path was meant to follow. (It did not for a host that
    ends in `:`, as in `Nov 24 06:02:25 : postfix/smtpd[547]: ...`: the fast path cut the
    tag at the host's `: ` and lost program and pid. The engine reads what the regex
    reads.)"""
    if fmt in (LogFormat.JOURNALD, LogFormat.RFC5424):
        return split_envelope(lines, fmt, times)
    return _split_regex(lines, fmt in (LogFormat.CLASSIC, LogFormat.POSTLOG), times)
