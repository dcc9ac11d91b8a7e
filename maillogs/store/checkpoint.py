"""What has been read: per source, how far; and the parser's open connections there.

A source is known by its content, not its name: the SHA-256 of its first bytes
(decompressed), so `maillog` renamed to `maillog.1` and later compressed to
`maillog.2.gz` is the same source, read on from where it was left.
"""

from __future__ import annotations

import base64
import io
import json
from dataclasses import asdict, dataclass, field

import polars as pl

from maillogs.store.layout import CHECKPOINT, StoreError, StorePath, at, write_atomically

HEAD_BYTES = 4096
VERSION = 1


@dataclass
class SourceState:
    source: str  # 16 hex digits of SHA-256 over the first head_len bytes
    head_len: int
    offset: int  # decompressed bytes ingested (always at a line boundary)
    name: str  # where it was last seen, for people
    lines: int = 0
    not_mail: int = 0
    # where and how big it was when last read (the identity is the content above)
    device: int = 0
    inode: int = 0
    size: int = 0


@dataclass
class Checkpoint:
    sources: dict[str, SourceState] = field(default_factory=dict)
    parser: dict[str, pl.DataFrame] = field(default_factory=dict)
    # The zone classic syslog stamps were read in: every later line must be read the
    # same way, or one store would hold times of two clocks.
    tz: str | None = None

    def to_bytes(self) -> bytes:
        parser = {}
        for name, frame in self.parser.items():
            buffer = io.BytesIO()
            frame.write_ipc(buffer)
            parser[name] = base64.b64encode(buffer.getvalue()).decode("ascii")
        document = {
            "version": VERSION,
            "tz": self.tz,
            "sources": [asdict(state) for state in self.sources.values()],
            "parser": parser,
        }
        return json.dumps(document, indent=1).encode()


def load(store: StorePath) -> Checkpoint:
    path = at(store).state_dir / CHECKPOINT
    if not path.exists():
        return Checkpoint()
    try:
        document = json.loads(path.read_bytes())
        if document.get("version") != VERSION:
            raise ValueError(f"version {document.get('version')!r}")
        sources = {s["source"]: SourceState(**s) for s in document["sources"]}
        parser = {
            name: pl.read_ipc(io.BytesIO(base64.b64decode(text)))
            for name, text in document["parser"].items()
        }
        tz = document.get("tz")
        if tz is not None and not isinstance(tz, str):
            raise TypeError(f"tz {tz!r}")
    except (OSError, ValueError, KeyError, TypeError, pl.exceptions.PolarsError) as error:
        raise StoreError(f"{path}: damaged checkpoint: {error}") from error
    return Checkpoint(sources, parser, tz)


def save(store: StorePath, checkpoint: Checkpoint) -> None:
    write_atomically(at(store).state_dir / CHECKPOINT, checkpoint.to_bytes())
