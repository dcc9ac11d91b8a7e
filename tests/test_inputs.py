"""Inputs: compression by magic bytes, chunking at line boundaries, rotated-set order, errors."""

import bz2
import gzip
import io
import lzma
from pathlib import Path

import pytest
import zstandard
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from maillogs.errors import InputError
from maillogs.inputs import Source, expand_inputs, expand_inputs_lenient, iter_chunks

TEXT = b"".join(
    f"Nov 24 17:18:{i % 60:02d} mx postfix/qmgr[1]: line {i}\n".encode() for i in range(5000)
)

COMPRESSORS = {
    "plain": lambda data: data,
    "gzip": gzip.compress,
    "gzip-multimember": lambda data: gzip.compress(data[:1000]) + gzip.compress(data[1000:]),
    "bz2": bz2.compress,
    "xz": lzma.compress,
    "zstd": lambda data: zstandard.ZstdCompressor().compress(data),
}


def _source(path: Path) -> Source:
    return expand_inputs([str(path)])[0]


@pytest.mark.parametrize("kind", list(COMPRESSORS))
def test_compression_is_recognised_by_content(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "maillog"  # no telling suffix on purpose
    path.write_bytes(COMPRESSORS[kind](TEXT))
    chunks = list(iter_chunks(_source(path), chunk_bytes=4096))
    assert b"".join(chunks) == TEXT
    assert all(chunk.endswith(b"\n") for chunk in chunks)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.binary(max_size=300).map(lambda b: b.replace(b"\n", b"")), max_size=40),
    st.integers(1, 700),
)
def test_chunks_never_split_a_line(lines: list[bytes], size: int) -> None:
    data = b"\n".join(lines)
    assume(not data.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"\x28\xb5\x2f\xfd")))
    chunks = list(
        iter_chunks(Source(None, "-", None, None), chunk_bytes=size, stdin=io.BytesIO(data))
    )
    assert b"".join(chunks) == data
    assert all(chunk.endswith(b"\n") for chunk in chunks[:-1])


def test_a_line_longer_than_a_chunk_stays_whole(tmp_path: Path) -> None:
    path = tmp_path / "long"
    long_line = b"x" * 100_000 + b"\n"
    path.write_bytes(b"a\n" + long_line + b"b\n")
    chunks = list(iter_chunks(_source(path), chunk_bytes=1024))
    assert any(long_line in chunk for chunk in chunks)


def test_truncated_gzip_yields_whole_lines_then_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "maillog.2.gz"
    path.write_bytes(gzip.compress(TEXT)[:-200])
    got = b""
    with pytest.raises(InputError, match=r"maillog\.2\.gz"):
        for chunk in iter_chunks(_source(path), chunk_bytes=4096):
            got += chunk
    assert got and got.endswith(b"\n") and TEXT.startswith(got)


def test_rotated_sets_are_read_oldest_first(tmp_path: Path) -> None:
    for name in [
        "maillog",
        "maillog.1",
        "maillog.2.gz",
        "maillog.10.gz",
        "mail.log-20261124",
        "mail.log-20261123.gz",
        "mail.log",
    ]:
        (tmp_path / name).write_bytes(b"")
    names = [Path(s.name).name for s in expand_inputs([str(tmp_path)])]
    assert names == [
        "mail.log-20261123.gz", "mail.log-20261124", "mail.log",
        "maillog.10.gz", "maillog.2.gz", "maillog.1", "maillog",
    ]  # fmt: skip
    assert [Path(s.name).name for s in expand_inputs([str(tmp_path / "maillog*")])][-1] == "maillog"


def test_missing_inputs_are_errors_and_the_rest_goes_on(tmp_path: Path) -> None:
    (tmp_path / "maillog").write_bytes(b"x\n")
    sources, errors = expand_inputs_lenient(
        [
            str(tmp_path / "nope"),
            str(tmp_path / "maillog"),
            str(tmp_path / "z*"),
            str(tmp_path / "maillog"),
        ]
    )
    assert [Path(s.name).name for s in sources] == ["maillog"]
    assert [str(e) for e in errors] == [
        f"{tmp_path / 'nope'}: No such file or directory",
        f"{tmp_path / 'z*'}: no file matches",
    ]


def test_stdin_is_read_and_decompressed() -> None:
    stdin = io.BytesIO(gzip.compress(b"one\ntwo\n"))
    assert b"".join(iter_chunks(Source(None, "-", None, None), stdin=stdin)) == b"one\ntwo\n"
