"""Where log bytes come from: files, globs, directories, rotated sets, compression, stdin.

Inputs are read in chunks that end at a line boundary, never whole, so memory is
bounded by the chunk size plus the longest line. Compression is recognised by its
magic bytes, not by the file name.
"""

from __future__ import annotations

import bz2
import glob
import gzip
import io
import lzma
import re
import sys
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Protocol

import zstandard

from maillogs.errors import InputError

STDIN = "-"
DEFAULT_GLOBS = ("/var/log/mail.log*", "/var/log/maillog*")

_COMPRESSED_SUFFIX = re.compile(r"\.(?:gz|bz2|xz|zst)$")
_NUMBERED = re.compile(r"^(?P<base>.+)\.(?P<n>\d+)$")
_DATED = re.compile(r"^(?P<base>.+)-(?P<date>\d{8}(?:\d{2})?)$")


@dataclass(frozen=True)
class Source:
    path: Path | None  # None: standard input
    name: str  # as shown to the user
    mtime: datetime | None
    size: int | None  # bytes on disk (compressed size for compressed files)


def _rotation_key(path: Path) -> tuple[str, str, tuple[int, int | str]]:
    """(directory, set name, order in set): oldest first, the live file last."""
    name = _COMPRESSED_SUFFIX.sub("", path.name)
    numbered = _NUMBERED.match(name)
    if numbered:
        return str(path.parent), numbered["base"], (0, -int(numbered["n"]))
    dated = _DATED.match(name)
    if dated:
        return str(path.parent), dated["base"], (1, dated["date"])
    return str(path.parent), name, (2, 0)


def _order_key(path: Path) -> tuple[str, str, int, int | str]:
    directory, base, (rank, order) = _rotation_key(path)
    # Numbers and dates never compare with each other: rank keeps them apart.
    return directory, base, rank, order if isinstance(order, str) else f"{order + 10**12:013d}"


def _source(path: Path) -> Source:
    try:
        stat = path.stat()
    except OSError as error:
        raise InputError(str(path), f"{path}: {error.strerror or error}") from error
    if path.is_dir():
        raise InputError(str(path), f"{path}: is a directory")
    return Source(path, str(path), datetime.fromtimestamp(stat.st_mtime, UTC), stat.st_size)


def _expand_one(arg: str) -> list[Path]:
    if arg == STDIN:
        return []
    path = Path(arg)
    if path.is_dir():
        return [p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")]
    if glob.has_magic(arg):
        matches = [Path(p) for p in glob.glob(arg) if Path(p).is_file()]
        if not matches:
            raise InputError(arg, f"{arg}: no file matches")
        return matches
    return [path]


def expand_inputs_lenient(args: Sequence[str]) -> tuple[list[Source], list[InputError]]:
    """Sources in reading order (rotated sets oldest first) and the errors met on the way."""
    errors: list[InputError] = []
    sources: list[Source] = []
    seen: set[tuple[int, int]] = set()
    for arg in args:
        if arg == STDIN:
            sources.append(Source(None, STDIN, None, None))
            continue
        try:
            paths = sorted(_expand_one(arg), key=_order_key)
        except InputError as error:
            errors.append(error)
            continue
        for path in paths:
            try:
                source = _source(path)
            except InputError as error:
                errors.append(error)
                continue
            identity = (path.stat().st_dev, path.stat().st_ino)
            if identity not in seen:
                seen.add(identity)
                sources.append(source)
    return sources, errors


def expand_inputs(args: Sequence[str]) -> list[Source]:
    """Like expand_inputs_lenient, but the first error is raised."""
    sources, errors = expand_inputs_lenient(args)
    if errors:
        raise errors[0]
    return sources


def default_log_paths() -> list[str]:
    """The usual Debian and Red Hat mail logs that exist on this machine."""
    return [pattern for pattern in DEFAULT_GLOBS if glob.glob(pattern)]


def total_size(sources: Sequence[Source]) -> int | None:
    sizes = [source.size for source in sources]
    return None if any(size is None for size in sizes) else sum(s for s in sizes if s is not None)


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def _decompressed(raw: BinaryIO) -> _Readable:
    """Wrap `raw` in the decompressor its first bytes call for."""
    head = raw.peek(6)[:6] if hasattr(raw, "peek") else b""
    if head.startswith(b"\x1f\x8b"):
        return gzip.GzipFile(fileobj=raw, mode="rb")  # reads concatenated members too
    if head.startswith(b"BZh"):
        return bz2.BZ2File(raw, "rb")
    if head.startswith(b"\xfd7zXZ\x00"):
        return lzma.LZMAFile(raw, "rb")
    if head.startswith(b"\x28\xb5\x2f\xfd"):
        reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
        return reader
    return raw


_READ_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError, zstandard.ZstdError)


def iter_chunks(
    source: Source, chunk_bytes: int = 16 * 1024 * 1024, stdin: BinaryIO | None = None
) -> Iterator[bytes]:
    """Chunks of about `chunk_bytes` ending at a line boundary (the last may lack its
    newline). A broken stream yields its whole lines, then raises InputError."""
    name = source.name
    try:
        raw: BinaryIO = (
            (stdin if stdin is not None else sys.stdin.buffer)
            if source.path is None
            else source.path.open("rb")
        )
    except OSError as error:
        raise InputError(name, f"{name}: {error.strerror or error}") from error
    try:
        stream = _decompressed(_buffered(raw))
        pending = b""
        while True:
            try:
                block = stream.read(chunk_bytes)
            except _READ_ERRORS as error:
                if pending:
                    complete = pending.rfind(b"\n") + 1
                    if complete:
                        yield pending[:complete]
                raise InputError(name, f"{name}: {_describe(error)}") from error
            if not block:
                if pending:
                    yield pending
                return
            pending += block
            cut = pending.rfind(b"\n") + 1
            if cut and len(pending) >= chunk_bytes:
                yield pending[:cut]
                pending = pending[cut:]
    finally:
        if source.path is not None:
            raw.close()


def _buffered(raw: BinaryIO) -> BinaryIO:
    """Something we can peek at (a BytesIO standing in for stdin cannot)."""
    if hasattr(raw, "peek"):
        return raw
    return io.BufferedReader(raw)  # type: ignore[type-var]


def _describe(error: BaseException) -> str:
    if isinstance(error, EOFError):
        return "truncated compressed stream"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__
