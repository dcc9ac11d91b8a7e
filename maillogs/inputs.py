"""Where log bytes come from: files, globs, directories, rotated sets, compression, stdin.

Inputs are read in chunks that end at a line boundary, never whole, so memory is
bounded by the chunk size plus the longest line. Compression is recognised by its
magic bytes, not by the file name.
"""

from __future__ import annotations

import bz2
import contextlib
import glob
import gzip
import io
import lzma
import os
import re
import stat
import sys
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol

import zstandard

from maillogs.errors import InputError

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

STDIN = "-"
DEFAULT_GLOBS = ("/var/log/mail.log*", "/var/log/maillog*")
DEFAULT_CHUNK_BYTES = 16 * 1024 * 1024

# Decompressed bytes asked for at a time; a chunk is assembled from such blocks.
_BLOCK_BYTES = 1024 * 1024
# Compressed bytes fed to zstd at a time: zstd has no output limit per call, and a
# 4 KiB input cannot inflate past ~128 MiB even when built to (a block is <= 128 KiB).
_ZSTD_INPUT_BYTES = 4096
_SNIFF_BYTES = 6

_COMPRESSED_SUFFIX = re.compile(r"\.(?:gz|bz2|xz|lzma|zst|zstd)$")
_DATED = re.compile(
    r"^(?P<base>.+?)[-_.](?P<date>(?:19|20)\d\d-?[01]\d-?[0-3]\d(?:[-_T]?\d{2,6})?)$"
)
_NUMBERED = re.compile(r"^(?P<base>.+)\.(?P<n>\d+)$")


@dataclass(frozen=True)
class Source:
    path: Path | None  # None: standard input
    name: str  # as shown to the user ("-" for stdin)
    mtime: datetime | None  # aware, UTC; None for stdin
    size: int | None  # bytes on disk (compressed size); None for stdin and pipes


STDIN_SOURCE = Source(None, STDIN, None, None)


# ---------------------------------------------------------------------------------------
# Naming inputs


def rotation_key(path: Path) -> tuple[str, str, int, tuple[int, str]]:
    """Sort key: directory, set name, then oldest first within the set.

    `maillog.3.gz`, `maillog.2`, `maillog.1` (highest number first), then dated
    `maillog-20261123.gz`, `maillog-20261124` (ascending), then the live `maillog`.
    """
    name = _COMPRESSED_SUFFIX.sub("", path.name)
    directory = str(path.parent)
    # Dates first: `maillog.20261124` is a date, not rotation number twenty million.
    if dated := _DATED.match(name):
        digits = re.sub(r"\D", "", dated["date"])
        return directory, dated["base"], 1, (0, digits)
    if numbered := _NUMBERED.match(name):
        return directory, numbered["base"], 0, (-int(numbered["n"]), "")
    return directory, name, 2, (0, "")


def _error(name: str, reason: str) -> InputError:
    return InputError(name, f"{name}: {_one_line(reason)}")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _os_reason(error: OSError) -> str:
    return error.strerror or str(error) or type(error).__name__


def _stat(name: str, path: Path) -> os.stat_result:
    try:
        return path.stat()
    except OSError as error:
        raise _error(name, _os_reason(error)) from error


def _directory_files(arg: str, path: Path) -> list[tuple[Path, os.stat_result]]:
    """Regular files directly inside `path`, hidden ones skipped."""
    try:
        entries = sorted(path.iterdir())
    except OSError as error:
        raise _error(arg, _os_reason(error)) from error
    found = []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            info = entry.stat()
        except OSError:
            continue  # a dangling symlink is not a log file
        if stat.S_ISREG(info.st_mode):
            found.append((entry, info))
    if not found:
        raise _error(arg, "no files in directory")
    return found


def _expand_one(arg: str) -> list[tuple[Path, os.stat_result]]:
    path = Path(arg)
    # A literal name wins over a pattern: a file may be called `mail[1].log`.
    if glob.has_magic(arg) and not os.path.lexists(arg):
        found = []
        for match in sorted(glob.glob(arg)):
            try:
                info = os.stat(match)
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):
                found.append((Path(match), info))
        if not found:
            raise _error(arg, "no file matches")
        return found
    info = _stat(arg, path)
    if stat.S_ISDIR(info.st_mode):
        return _directory_files(arg, path)
    return [(path, info)]  # a regular file, or a pipe such as <(zcat ...)


def _file_source(path: Path, info: os.stat_result) -> Source:
    regular = stat.S_ISREG(info.st_mode)
    return Source(
        path=path,
        name=str(path),
        mtime=datetime.fromtimestamp(info.st_mtime, UTC),
        size=info.st_size if regular else None,
    )


def expand_inputs_lenient(args: Sequence[str]) -> tuple[list[Source], list[InputError]]:
    """Sources in reading order, and an error for each argument that named nothing.

    Files from every argument are sorted together by `rotation_key` (a shell expands
    `mail.log*` alphabetically, which puts the live file first); a file reached twice
    is read once. `-` is standard input: read first if it is the first argument, else
    after the files.
    """
    errors: list[InputError] = []
    found: list[tuple[Path, os.stat_result]] = []
    for arg in args:
        if arg == STDIN:
            continue
        try:
            found.extend(_expand_one(arg))
        except InputError as error:
            errors.append(error)
    seen: set[tuple[int, int]] = set()
    sources: list[Source] = []
    for path, info in sorted(found, key=lambda item: rotation_key(item[0])):
        identity = (info.st_dev, info.st_ino)
        if identity not in seen:
            seen.add(identity)
            sources.append(_file_source(path, info))
    if STDIN in args:
        if args[0] == STDIN:
            sources.insert(0, STDIN_SOURCE)
        else:
            sources.append(STDIN_SOURCE)
    return sources, errors


def expand_inputs(args: Sequence[str]) -> list[Source]:
    """Like `expand_inputs_lenient`, but the first error is raised."""
    sources, errors = expand_inputs_lenient(args)
    if errors:
        raise errors[0]
    return sources


def default_log_paths(root: Path = Path("/")) -> list[str]:
    """The Debian (`mail.log*`) and Red Hat (`maillog*`) logs that exist under `root`."""
    patterns = [str(root / pattern.lstrip("/")) for pattern in DEFAULT_GLOBS]
    return [pattern for pattern in patterns if glob.glob(pattern)]


# Every line of a file was written before its mtime. The margin covers stamps read in a
# zone other than the one they were written in (at most 26 h apart) and clocks a little off.
MTIME_MARGIN = timedelta(hours=27)


def skip_older(
    sources: Sequence[Source], earliest: datetime | None, year_given: bool = False
) -> tuple[list[Source], list[Source]]:
    """(sources to read, sources skipped unopened): a file last written well before
    `earliest` holds no line at or after it. With the year of classic stamps given
    (`--year`), a line's time is not bound to its file's mtime: nothing is skipped."""
    if earliest is None or year_given:
        return list(sources), []
    kept: list[Source] = []
    skipped: list[Source] = []
    for source in sources:
        old = source.mtime is not None and source.mtime + MTIME_MARGIN < earliest
        (skipped if old else kept).append(source)
    return kept, skipped


def total_size(sources: Sequence[Source]) -> int | None:
    """Bytes on disk of all sources, or None when one of them has no known size."""
    total = 0
    for source in sources:
        if source.size is None:
            return None
        total += source.size
    return total


# ---------------------------------------------------------------------------------------
# Reading inputs


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class _Replay(io.RawIOBase):
    """The bytes already read to sniff the format, then the rest of the stream."""

    def __init__(self, head: bytes, rest: _Readable) -> None:
        super().__init__()
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        with memoryview(buffer) as view, view.cast("B") as target:
            if self._head:
                data, self._head = self._head[: len(target)], self._head[len(target) :]
            else:
                data = self._rest.read(len(target))
            target[: len(data)] = data
            return len(data)


class _ZstdReader:
    """Concatenated zstd frames. zstandard's own stream_reader ends quietly on a frame
    cut short; here that is an EOFError, like gzip, bz2 and xz."""

    def __init__(self, raw: _Readable) -> None:
        self._raw = raw
        self._context = zstandard.ZstdDecompressor()
        self._frame = self._context.decompressobj()
        self._in_frame = False
        self._output = b""  # decompressed, handed out from _offset on
        self._offset = 0

    def read1(self, size: int) -> bytes:
        while self._offset >= len(self._output):
            data = self._raw.read(_ZSTD_INPUT_BYTES)
            if not data:
                if self._in_frame:
                    raise EOFError("zstd stream ended in the middle of a frame")
                return b""
            self._output, self._offset = self._decompress(data), 0
        start, self._offset = self._offset, self._offset + size
        return self._output[start : self._offset]

    def close(self) -> None:
        self._output, self._offset = b"", 0

    def _decompress(self, data: bytes) -> bytes:
        parts = []
        while data:
            self._in_frame = True
            parts.append(self._frame.decompress(data))
            if not self._frame.eof:
                break
            data = self._frame.unused_data  # the next frame starts here
            self._frame = self._context.decompressobj()
            self._in_frame = False
        return b"".join(parts)


class _Decoder(Protocol):
    def read1(self, size: int, /) -> bytes: ...

    def close(self) -> None: ...


_MAGIC = {
    "gzip": b"\x1f\x8b",
    "bzip2": b"BZh",
    "xz": b"\xfd7zXZ\x00",
    "zstd": b"\x28\xb5\x2f\xfd",
}
# Decoders are read with read1: read(n) of a BufferedReader drops what it decoded when
# the stream then turns out to be truncated.
_DECODERS: dict[str, Callable[[BinaryIO], _Decoder]] = {
    "gzip": lambda raw: gzip.GzipFile(fileobj=raw, mode="rb"),  # all members, concatenated
    "bzip2": lambda raw: bz2.BZ2File(raw, "rb"),
    "xz": lambda raw: lzma.LZMAFile(raw, "rb"),  # noqa: SIM115 (closed by the caller)
    "zstd": _ZstdReader,
}

_CORRUPT = (OSError, EOFError, zlib.error, lzma.LZMAError, zstandard.ZstdError)


def compression_of(head: bytes) -> str | None:
    """The compression a stream's first bytes announce (gzip, bzip2, xz, zstd), or None."""
    for name, magic in _MAGIC.items():
        # bzip2's magic is text; its fourth byte, the block size, must be 1-9 too.
        if head.startswith(magic) and (name != "bzip2" or head[3:4] in b"123456789"):
            return name
    return None


def _sniff(raw: _Readable) -> bytes:
    head = b""
    while len(head) < _SNIFF_BYTES:
        more = raw.read(_SNIFF_BYTES - len(head))
        if not more:
            break
        head += more
    return head


def _reason(error: BaseException, compression: str | None) -> str:
    if isinstance(error, EOFError):
        return f"truncated {compression} stream"
    if isinstance(error, OSError) and error.errno is not None:
        return _os_reason(error)  # the disk, not the data
    detail = _one_line(str(error)) or type(error).__name__
    return f"corrupt {compression} stream ({detail})" if compression else detail


def iter_chunks(
    source: Source, chunk_bytes: int = DEFAULT_CHUNK_BYTES, stdin: BinaryIO | None = None
) -> Iterator[bytes]:
    """The decompressed content of `source` in chunks of about `chunk_bytes`.

    Every chunk ends with a newline except the last of the input, which may lack one.
    A line longer than `chunk_bytes` is one chunk of its own. A broken input (missing,
    unreadable, truncated or corrupt) raises InputError naming it; a broken compressed
    stream first yields the whole lines decoded before the break.
    """
    if chunk_bytes < 1:
        raise ValueError("chunk_bytes must be positive")
    name = source.name
    if source.path is None:
        yield from _read_stream(name, stdin if stdin is not None else sys.stdin.buffer, chunk_bytes)
        return
    try:
        raw = source.path.open("rb")
    except OSError as error:
        raise _error(name, _os_reason(error)) from error
    with raw:
        yield from _read_stream(name, raw, chunk_bytes)


def _read_stream(name: str, raw: _Readable, chunk_bytes: int) -> Iterator[bytes]:
    try:
        head = _sniff(raw)
    except OSError as error:
        raise _error(name, _os_reason(error)) from error
    compression = compression_of(head)
    if compression is None:
        yield from _whole_line_chunks(name, None, raw.read, head, chunk_bytes)
        return
    replay = io.BufferedReader(_Replay(head, raw))
    with contextlib.closing(_DECODERS[compression](replay)) as decoder:
        yield from _whole_line_chunks(name, compression, decoder.read1, b"", chunk_bytes)


def _whole_line_chunks(
    name: str,
    compression: str | None,
    read: Callable[[int], bytes],
    head: bytes,
    chunk_bytes: int,
) -> Iterator[bytes]:
    """`_line_chunks`, but a read error ends the input at its last whole line and is
    raised as InputError once that much has been yielded."""
    broken: list[BaseException] = []
    buffer = bytearray(head)

    def read_block(size: int) -> bytes:
        try:
            return read(size)
        except _CORRUPT as error:
            broken.append(error)
            del buffer[buffer.rfind(b"\n") + 1 :]  # a line cut by the break is not a line
            return b""

    yield from _line_chunks(read_block, buffer, chunk_bytes)
    if broken:
        raise _error(name, _reason(broken[0], compression)) from broken[0]


def _line_chunks(
    read: Callable[[int], bytes], buffer: bytearray, chunk_bytes: int
) -> Iterator[bytes]:
    """Cut what `read` returns into chunks of at most `chunk_bytes` at newlines, except
    that a longer line is a chunk of its own. `buffer` holds bytes already read."""
    block = min(chunk_bytes, _BLOCK_BYTES)
    eof = False
    while True:
        while not eof and len(buffer) < chunk_bytes:
            data = read(block)
            if data:
                buffer += data
            else:
                eof = True
        if eof and len(buffer) <= chunk_bytes:
            if buffer:
                yield bytes(buffer)
            return
        cut = buffer.rfind(b"\n", 0, chunk_bytes) + 1
        if not cut:  # the first line is longer than a chunk: read to its end
            searched = chunk_bytes
            while (newline := buffer.find(b"\n", searched)) < 0 and not eof:
                searched = len(buffer)
                data = read(block)
                if data:
                    buffer += data
                else:
                    eof = True
            cut = newline + 1 if newline >= 0 else len(buffer)
            if not cut:  # a break emptied the buffer
                continue
        yield bytes(memoryview(buffer)[:cut])
        del buffer[:cut]
