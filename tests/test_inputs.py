"""Inputs: compression by magic bytes, chunking at line boundaries, rotated-set order, errors."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import sys
from collections.abc import Callable, Generator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import zstandard
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from maillogs.errors import InputError
from maillogs.inputs import (
    STDIN_SOURCE,
    Source,
    compression_of,
    default_log_paths,
    expand_inputs,
    expand_inputs_lenient,
    iter_chunks,
    skip_older,
    total_size,
)

TEXT = b"".join(
    f"Nov 24 17:18:{i % 60:02d} mx postfix/qmgr[1]: {i:05d}: removed\n".encode()
    for i in range(5000)
)


def _zstd(data: bytes) -> bytes:
    return zstandard.ZstdCompressor(write_checksum=True).compress(data)


COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    "plain": lambda data: data,
    "gzip": gzip.compress,
    "gzip-multimember": lambda data: gzip.compress(data[:1000]) + gzip.compress(data[1000:]),
    "bz2": bz2.compress,
    "xz": lzma.compress,
    "zstd": _zstd,
    "zstd-multiframe": lambda data: _zstd(data[:7000]) + _zstd(data[7000:]),
}
COMPRESSED: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.compress,
    "bz2": lambda data: bz2.compress(data, 1),  # 100 kB blocks: a cut leaves whole ones
    "xz": lzma.compress,
    "zstd": _zstd,
}


def _source(path: Path) -> Source:
    return expand_inputs([str(path)])[0]


def _stdin_chunks(data: bytes, chunk_bytes: int) -> list[bytes]:
    return list(iter_chunks(STDIN_SOURCE, chunk_bytes=chunk_bytes, stdin=io.BytesIO(data)))


def _touch(directory: Path, *names: str) -> None:
    for name in names:
        (directory / name).write_bytes(b"")


def _names(sources: list[Source]) -> list[str]:
    return [Path(source.name).name for source in sources]


def _check_chunking(chunks: list[bytes], chunk_bytes: int) -> None:
    """Whole lines in every chunk but the last; a chunk over the size is one line."""
    assert all(chunks), "no empty chunks"
    assert all(chunk.endswith(b"\n") for chunk in chunks[:-1])
    for chunk in chunks:
        if len(chunk) > chunk_bytes:
            assert b"\n" not in chunk[:-1]


# --- reading --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(COMPRESSORS))
def test_compression_is_recognised_by_content(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "maillog"  # no telling suffix on purpose
    path.write_bytes(COMPRESSORS[kind](TEXT))
    chunks = list(iter_chunks(_source(path), chunk_bytes=4096))
    assert b"".join(chunks) == TEXT
    assert all(chunk.endswith(b"\n") and len(chunk) <= 4096 for chunk in chunks)


def test_a_misleading_suffix_does_not_matter(tmp_path: Path) -> None:
    path = tmp_path / "maillog.1.gz"
    path.write_bytes(TEXT)
    assert b"".join(iter_chunks(_source(path))) == TEXT


def test_compression_of_reads_magic_bytes() -> None:
    assert compression_of(gzip.compress(b"x")) == "gzip"
    assert compression_of(bz2.compress(b"x")) == "bzip2"
    assert compression_of(lzma.compress(b"x")) == "xz"
    assert compression_of(_zstd(b"x")) == "zstd"
    assert compression_of(b"BZhello world") is None  # text that starts like bzip2
    assert compression_of(b"Nov 24") is None
    assert compression_of(b"") is None


def test_whole_file_is_never_one_read(tmp_path: Path) -> None:
    path = tmp_path / "maillog.gz"
    path.write_bytes(gzip.compress(TEXT * 40))  # ~2.5 MB of text
    chunks = list(iter_chunks(_source(path), chunk_bytes=64 * 1024))
    assert len(chunks) > 30
    assert max(map(len, chunks)) <= 64 * 1024
    assert b"".join(chunks) == TEXT * 40


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.binary(max_size=300).map(lambda b: b.replace(b"\n", b"")), max_size=40),
    st.integers(1, 700),
    st.booleans(),
)
def test_chunks_never_split_a_line(lines: list[bytes], size: int, final_newline: bool) -> None:
    data = b"\n".join(lines) + (b"\n" if final_newline and lines else b"")
    assume(compression_of(data[:6]) is None)
    chunks = _stdin_chunks(data, size)
    assert b"".join(chunks) == data
    _check_chunking(chunks, size)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.binary(max_size=2000).map(lambda b: b.replace(b"\n", b"")), max_size=30),
    st.integers(1, 3000),
    st.sampled_from(sorted(COMPRESSED)),
)
def test_chunks_of_compressed_input_never_split_a_line(
    lines: list[bytes], size: int, kind: str
) -> None:
    data = b"".join(line + b"\n" for line in lines)
    chunks = _stdin_chunks(COMPRESSED[kind](data), size)
    assert b"".join(chunks) == data
    _check_chunking(chunks, size)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000), st.integers(1, 500))
def test_arbitrary_bytes_give_chunks_or_an_input_error(data: bytes, size: int) -> None:
    try:
        chunks = _stdin_chunks(data, size)
    except InputError as error:
        assert error.path == "-" and str(error).startswith("-: ")
        assert "\n" not in str(error)
    else:
        if compression_of(data[:6]) is None:
            assert b"".join(chunks) == data
        _check_chunking(chunks, size)


@pytest.mark.parametrize("kind", ["plain", "gzip", "zstd"])
def test_lines_over_64_kib_stay_whole(tmp_path: Path, kind: str) -> None:
    long_line = b"Nov 24 mx postfix/cleanup[1]: warning: header " + b"x" * 200_000 + b"\n"
    data = b"a\n" * 10 + long_line + b"b\n" * 10 + long_line[:-1]  # last line unterminated
    path = tmp_path / "maillog"
    path.write_bytes(COMPRESSORS[kind](data))
    chunks = list(iter_chunks(_source(path), chunk_bytes=64 * 1024))
    assert b"".join(chunks) == data
    assert long_line in chunks
    assert chunks[-1] == long_line[:-1]
    _check_chunking(chunks, 64 * 1024)


def test_the_last_line_may_lack_its_newline() -> None:
    assert _stdin_chunks(b"one\ntwo", 4) == [b"one\n", b"two"]
    assert _stdin_chunks(b"one\ntwo\n", 100) == [b"one\ntwo\n"]


def test_an_empty_input_has_no_chunks(tmp_path: Path) -> None:
    (tmp_path / "maillog").write_bytes(b"")
    (tmp_path / "maillog.1.gz").write_bytes(gzip.compress(b""))
    assert [list(iter_chunks(s)) for s in expand_inputs([str(tmp_path)])] == [[], []]


def test_chunk_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        _stdin_chunks(b"x\n", 0)


@pytest.mark.parametrize("kind", sorted(COMPRESSED))
def test_truncated_stream_yields_whole_lines_then_names_the_file(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "maillog.2.gz"
    whole = COMPRESSED[kind](TEXT)
    path.write_bytes(whole[: len(whole) * 3 // 4])
    got: list[bytes] = []
    with pytest.raises(InputError) as caught:
        for chunk in iter_chunks(_source(path)):  # the default chunk is larger than TEXT
            got.append(chunk)
    assert str(caught.value) == f"{path}: truncated {'bzip2' if kind == 'bz2' else kind} stream"
    assert caught.value.path == str(path)
    text = b"".join(got)
    assert len(text) > len(TEXT) // 3  # what was decoded before the break is kept
    assert text.endswith(b"\n") and TEXT.startswith(text)


def test_truncated_second_gzip_member_keeps_the_first(tmp_path: Path) -> None:
    path = tmp_path / "maillog"
    second = gzip.compress(b"third\n")
    path.write_bytes(gzip.compress(b"first\nsecond\n") + second[:12])
    got: list[bytes] = []
    with pytest.raises(InputError, match="truncated gzip stream"):
        got.extend(iter_chunks(_source(path)))
    assert b"".join(got) == b"first\nsecond\n"


@pytest.mark.parametrize("kind", ["gzip", "bz2", "xz", "zstd"])
def test_corrupt_stream_is_an_input_error(tmp_path: Path, kind: str) -> None:
    data = bytearray(COMPRESSED[kind](TEXT))
    data[len(data) // 2] ^= 0xFF
    path = tmp_path / "maillog"
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match=rf"^{path}: corrupt \w+ stream \(.+\)$"):
        for chunk in iter_chunks(_source(path)):
            assert TEXT.startswith(chunk) or b"\n" in chunk


def test_a_corrupt_gzip_header_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "maillog"
    path.write_bytes(b"\x1f\x8b\x00garbage that is not deflate")
    with pytest.raises(InputError, match=rf"^{path}: corrupt gzip stream"):
        list(iter_chunks(_source(path)))


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "maillog"
    path.write_bytes(b"x\n")
    source = _source(path)
    path.unlink()  # rotated away between listing and reading
    with pytest.raises(InputError) as caught:
        list(iter_chunks(source))
    assert str(caught.value) == f"{path}: No such file or directory"


def test_a_directory_is_an_input_error(tmp_path: Path) -> None:
    source = Source(tmp_path, str(tmp_path), None, None)
    with pytest.raises(InputError, match=f"^{tmp_path}: Is a directory$"):
        list(iter_chunks(source))


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0, reason="root reads files whatever their mode"
)
def test_permission_denied_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "maillog"
    path.write_bytes(b"x\n")
    path.chmod(0)
    with pytest.raises(InputError, match=f"^{path}: Permission denied$"):
        list(iter_chunks(_source(path)))


def test_stdin_is_read_and_decompressed() -> None:
    stdin = io.BytesIO(gzip.compress(b"one\ntwo\n"))
    assert b"".join(iter_chunks(STDIN_SOURCE, stdin=stdin)) == b"one\ntwo\n"


class _Trickle(io.RawIOBase):
    """A pipe that hands out one byte per read."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview, /) -> int:  # type: ignore[override]
        return self._data.readinto(memoryview(buffer)[:1])


def test_magic_bytes_arriving_one_at_a_time_are_recognised() -> None:
    stdin = io.BufferedReader(_Trickle(_zstd(TEXT)), buffer_size=1)
    assert b"".join(iter_chunks(STDIN_SOURCE, chunk_bytes=1000, stdin=stdin)) == TEXT


def test_stdin_defaults_to_the_process_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(lzma.compress(b"a\nb\n"))))
    assert list(iter_chunks(STDIN_SOURCE)) == [b"a\nb\n"]


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts open descriptors")
def test_stopping_early_closes_the_file(tmp_path: Path) -> None:
    path = tmp_path / "maillog"
    path.write_bytes(gzip.compress(TEXT))
    chunks = iter_chunks(_source(path), chunk_bytes=100)
    assert isinstance(chunks, Generator)
    next(chunks)
    open_while_reading = len(os.listdir("/proc/self/fd"))
    chunks.close()
    assert len(os.listdir("/proc/self/fd")) == open_while_reading - 1


# --- naming ---------------------------------------------------------------------------


def test_rotated_sets_are_read_oldest_first(tmp_path: Path) -> None:
    _touch(
        tmp_path,
        "maillog", "maillog.1", "maillog.2.gz", "maillog.10.gz",
        "mail.log-20261124", "mail.log-20261123.gz", "mail.log",
    )  # fmt: skip
    assert _names(expand_inputs([str(tmp_path)])) == [
        "mail.log-20261123.gz", "mail.log-20261124", "mail.log",
        "maillog.10.gz", "maillog.2.gz", "maillog.1", "maillog",
    ]  # fmt: skip


def test_date_suffix_forms_and_compression_suffixes(tmp_path: Path) -> None:
    _touch(
        tmp_path,
        "mail.log", "mail.log.3.bz2", "mail.log.2.xz", "mail.log.1.zst", "mail.log.0",
        "maillog-2026-11-24.gz", "maillog-2026-11-23", "maillog-2026112401", "maillog",
    )  # fmt: skip
    assert _names(expand_inputs([str(tmp_path)])) == [
        "mail.log.3.bz2", "mail.log.2.xz", "mail.log.1.zst", "mail.log.0", "mail.log",
        "maillog-2026-11-23", "maillog-2026-11-24.gz", "maillog-2026112401", "maillog",
    ]  # fmt: skip


def test_arguments_in_shell_order_are_read_oldest_first(tmp_path: Path) -> None:
    _touch(tmp_path, "mail.log", "mail.log.1", "mail.log.2.gz")
    shell_order = sorted(str(p) for p in tmp_path.iterdir())  # what `mail.log*` expands to
    assert _names(expand_inputs(shell_order)) == ["mail.log.2.gz", "mail.log.1", "mail.log"]


def test_globs_and_directories(tmp_path: Path) -> None:
    _touch(tmp_path, "maillog", "maillog.1", "mail.err", ".maillog.swp")
    (tmp_path / "old").mkdir()
    _touch(tmp_path / "old", "maillog.7.gz")
    assert _names(expand_inputs([str(tmp_path / "maillog*")])) == ["maillog.1", "maillog"]
    # a directory: its files, not hidden ones nor subdirectories
    assert _names(expand_inputs([str(tmp_path)])) == ["mail.err", "maillog.1", "maillog"]
    assert _names(expand_inputs([str(tmp_path / "*" / "maillog*")])) == ["maillog.7.gz"]


def test_a_literal_name_wins_over_a_pattern(tmp_path: Path) -> None:
    _touch(tmp_path, "mail[1].log", "mail1.log")
    assert _names(expand_inputs([str(tmp_path / "mail[1].log")])) == ["mail[1].log"]


def test_a_file_reached_twice_is_read_once(tmp_path: Path) -> None:
    _touch(tmp_path, "maillog", "maillog.1")
    (tmp_path / "link").mkdir()
    (tmp_path / "link" / "maillog").symlink_to(tmp_path / "maillog")
    sources = expand_inputs(
        [str(tmp_path / "maillog"), str(tmp_path), str(tmp_path / "m*"), str(tmp_path / "link")]
    )
    assert len(sources) == 2
    assert sorted(_names(sources)) == ["maillog", "maillog.1"]


def test_source_carries_utc_mtime_and_size_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "maillog.1.gz"
    path.write_bytes(gzip.compress(TEXT))
    os.utime(path, (1_795_000_000, 1_795_000_000))
    source = _source(path)
    assert source == Source(
        path, str(path), datetime.fromtimestamp(1_795_000_000, UTC), path.stat().st_size
    )
    assert source.mtime is not None and source.mtime.utcoffset() is not None
    assert source.size is not None and source.size < len(TEXT)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_pipe_has_no_size(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    (source,) = expand_inputs([str(fifo)])
    assert source.path == fifo and source.size is None
    assert total_size([source]) is None


def test_missing_inputs_are_errors_and_the_rest_goes_on(tmp_path: Path) -> None:
    (tmp_path / "maillog").write_bytes(b"x\n")
    (tmp_path / "empty").mkdir()
    sources, errors = expand_inputs_lenient(
        [
            str(tmp_path / "nope"),
            str(tmp_path / "maillog"),
            str(tmp_path / "z*"),
            str(tmp_path / "empty"),
            str(tmp_path / "maillog"),
        ]
    )
    assert _names(sources) == ["maillog"]
    assert [str(e) for e in errors] == [
        f"{tmp_path / 'nope'}: No such file or directory",
        f"{tmp_path / 'z*'}: no file matches",
        f"{tmp_path / 'empty'}: no files in directory",
    ]
    assert [e.path for e in errors] == [str(tmp_path / n) for n in ("nope", "z*", "empty")]
    with pytest.raises(InputError, match="nope: No such file"):
        expand_inputs([str(tmp_path / "maillog"), str(tmp_path / "nope")])


@pytest.mark.skipif(os.geteuid() == 0, reason="root lists directories whatever their mode")
def test_an_unreadable_directory_is_an_input_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        with pytest.raises(InputError, match="Permission denied"):
            expand_inputs([str(locked)])
    finally:
        locked.chmod(0o700)


def test_stdin_is_read_where_it_is_given(tmp_path: Path) -> None:
    _touch(tmp_path, "maillog", "maillog.1")
    files = [str(tmp_path / "maillog.1"), str(tmp_path / "maillog")]
    assert [s.name for s in expand_inputs(["-", str(tmp_path)])] == ["-", *files]
    assert [s.name for s in expand_inputs([str(tmp_path), "-"])] == [*files, "-"]
    assert expand_inputs(["-", "-"]) == [STDIN_SOURCE]


def test_default_log_paths_are_the_patterns_that_match(tmp_path: Path) -> None:
    assert default_log_paths(tmp_path) == []
    (tmp_path / "var" / "log").mkdir(parents=True)
    _touch(tmp_path / "var" / "log", "maillog", "maillog-20261124.gz")
    assert default_log_paths(tmp_path) == [str(tmp_path / "var/log/maillog*")]
    _touch(tmp_path / "var" / "log", "mail.log")
    assert default_log_paths(tmp_path) == [
        str(tmp_path / "var/log/mail.log*"),
        str(tmp_path / "var/log/maillog*"),
    ]


def test_total_size(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"12345")
    (tmp_path / "b").write_bytes(b"123")
    sources = expand_inputs([str(tmp_path)])
    assert total_size(sources) == 8
    assert total_size([*sources, STDIN_SOURCE]) is None
    assert total_size([]) == 0


def test_files_last_written_before_the_period_are_skipped(tmp_path: Path) -> None:
    since = datetime(2026, 11, 24, tzinfo=UTC)
    ages = {"mail.log.3.gz": 5, "mail.log.2.gz": 1.2, "mail.log.1": 0.5, "mail.log": 0}
    for name, days in ages.items():
        (tmp_path / name).write_bytes(b"")
        stamp = (since - timedelta(days=days)).timestamp()
        os.utime(tmp_path / name, (stamp, stamp))
    sources = expand_inputs([str(tmp_path)])
    kept, skipped = skip_older([*sources, STDIN_SOURCE], since)
    # a day's margin (and three hours): stamps read in the wrong zone may run that far ahead
    assert _names(skipped) == ["mail.log.3.gz", "mail.log.2.gz"]
    assert _names(kept) == ["mail.log.1", "mail.log", "-"]
    assert skip_older(sources, None) == (sources, [])
    # --year: a classic stamp's year no longer follows its file's mtime
    assert skip_older(sources, since, year_given=True) == (sources, [])
