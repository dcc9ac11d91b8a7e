"""Where a command writes (`-o`): whole files or nothing, and one line when it cannot.

A file is written under a temporary name beside it and renamed into place when it is
complete, so an error or Ctrl-C in the middle leaves no partial file (and the old file,
if there was one, as it was). Every command refuses the same cases the same way: a
folder that does not exist, a folder where a file was asked for, a file where a folder
was asked for; each is a MaillogsError (exit 1), checked before any work is done.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, TextIO, cast

from maillogs.errors import MaillogsError


def _reason(error: OSError) -> str:
    return error.strerror or type(error).__name__


def _check_parent(path: Path) -> None:
    parent = path.parent
    if not parent.exists():
        raise MaillogsError(f"{path}: cannot write: no such folder {parent}")
    if not parent.is_dir():
        raise MaillogsError(f"{path}: cannot write: {parent} is not a folder")


def check_file(path: Path) -> None:
    """That `path` can be a file: its folder exists and it is not a folder itself."""
    if path.is_dir():
        raise MaillogsError(f"{path}: cannot write: it is a folder (give a file name)")
    _check_parent(path)


def check_folder(path: Path) -> None:
    """That `path` can be a folder of files: an existing folder, or a new one in an
    existing folder."""
    if path.exists() and not path.is_dir():
        raise MaillogsError(f"{path}: cannot write: it is a file (give a folder)")
    if not path.exists():
        _check_parent(path)


def make_folder(path: Path) -> None:
    check_folder(path)
    try:
        path.mkdir(exist_ok=True)
    except OSError as error:
        raise MaillogsError(f"{path}: cannot write: {_reason(error)}") from error


@contextlib.contextmanager
def _atomic(path: Path, mode: str) -> Iterator[IO[Any]]:
    check_file(path)
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as error:
        raise MaillogsError(f"{path}: cannot write: {_reason(error)}") from error
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(handle, mode, encoding=encoding) as out:
            yield out
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise MaillogsError(f"{path}: cannot write: {_reason(error)}") from error
    except BaseException:
        Path(temporary).unlink(missing_ok=True)  # an error, Ctrl-C: no partial file
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def text_file(path: Path) -> Iterator[TextIO]:
    """A text file written whole or not at all."""
    with _atomic(path, "w") as out:
        yield cast(TextIO, out)


def write_bytes(path: Path, data: bytes) -> None:
    """`data` as the whole of `path`, or nothing."""
    with _atomic(path, "wb") as out:
        out.write(data)


def write_text(path: Path, text: str) -> None:
    with text_file(path) as out:
        out.write(text)


def size_note(path: Path) -> str:
    """`wrote report.html (412 kB)`, or for a folder `wrote 12 files in report-csv
    (48 kB)`, for stderr."""
    from reports.units import human_bytes

    try:
        if not path.is_dir():
            return f"wrote {path} ({human_bytes(path.stat().st_size)})"
        sizes = [one.stat().st_size for one in path.rglob("*") if one.is_file()]
    except OSError:
        return f"wrote {path}"
    files = "1 file" if len(sizes) == 1 else f"{len(sizes)} files"
    return f"wrote {files} in {path} ({human_bytes(sum(sizes))})"
