"""Types of the Rust extension module built from engine/ (engine/src/python.rs)."""

from typing import final

class EngineError(Exception):
    """The engine failed on some input (a bug); the message names the input and byte offset."""

@final
class EnvelopeBatch:
    """One chunk's envelope columns, for `pl.DataFrame(batch)` (Arrow PyCapsule interface)."""

    def __len__(self) -> int: ...
    def __arrow_c_array__(
        self, requested_schema: object | None = None
    ) -> tuple[object, object]: ...

def split_envelope(
    chunk: bytes,
    format: str,
    *,
    source: str = "<input>",
    offset: int = 0,
    strings: str = "view",
) -> EnvelopeBatch: ...
def _panic_probe(source: str, offset: int) -> None: ...
