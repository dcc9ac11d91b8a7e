"""`-o`: a whole file or none, and one error for the same fault in every command."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from maillogs.errors import MaillogsError
from maillogs.output import check_folder, make_folder, size_note, text_file, write_bytes


def test_a_file_appears_whole(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    with text_file(target) as out:
        out.write("half")
        assert not target.exists()  # written under another name until complete
    assert target.read_text() == "half"
    assert os.listdir(tmp_path) == ["report.txt"]


def test_an_interrupted_write_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    target.write_text("yesterday")
    with pytest.raises(KeyboardInterrupt), text_file(target) as out:
        out.write("partial")
        raise KeyboardInterrupt
    assert target.read_text() == "yesterday"
    assert os.listdir(tmp_path) == ["report.txt"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("missing/report.txt", "no such folder"),
        ("folder", "it is a folder (give a file name)"),
        ("file/report.txt", "is not a folder"),
    ],
)
def test_a_file_where_none_can_be(tmp_path: Path, name: str, message: str) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("x")
    with pytest.raises(MaillogsError, match=re.escape(message)):
        write_bytes(tmp_path / name, b"data")
    assert sorted(os.listdir(tmp_path)) == ["file", "folder"]
    assert os.listdir(tmp_path / "folder") == []


def test_folders_for_files(tmp_path: Path) -> None:
    make_folder(tmp_path / "csv")
    make_folder(tmp_path / "csv")  # again: it exists
    assert (tmp_path / "csv").is_dir()
    (tmp_path / "plain").write_text("x")
    with pytest.raises(MaillogsError, match="it is a file"):
        check_folder(tmp_path / "plain")
    with pytest.raises(MaillogsError, match="no such folder"):
        check_folder(tmp_path / "missing" / "csv")


def test_size_note(tmp_path: Path) -> None:
    write_bytes(tmp_path / "r.html", b"x" * 412_000)
    assert size_note(tmp_path / "r.html") == f"wrote {tmp_path / 'r.html'} (412 kB)"
