"""Types of the Rust extension module built from engine/ (engine/src/python.rs)."""

from typing import TypedDict, final

class EngineError(Exception):
    """The engine failed on some input (a bug); the message names the input and byte offset."""

@final
class EnvelopeBatch:
    """One chunk's envelope columns, for `pl.DataFrame(batch)` (Arrow PyCapsule interface)."""

    def __len__(self) -> int: ...
    def __arrow_c_array__(
        self, requested_schema: object | None = None
    ) -> tuple[object, object]: ...

@final
class Columns:
    """Columns the engine built, for `pl.DataFrame(columns)`; their buffers move, once."""

    def __len__(self) -> int: ...
    def __arrow_c_array__(
        self, requested_schema: object | None = None
    ) -> tuple[object, object]: ...

class Parsed(TypedDict):
    rows: int
    kinds: dict[str, Columns]  # event kind → its events (seq, host, program, pid, daemon, ...)
    unparsed: Columns  # seq, host, program, pid, line
    odd: Columns  # odd: "program: message" of unparsed and not-mail lines
    envelope: Columns  # time, stamp, odd of every line
    not_mail: list[tuple[str, int]]  # (program, lines)
    deferred: list[int]  # rows of journald records left whole to Python

_Pairs = list[tuple[str, str]]
_Fast = tuple[str, _Pairs, _Pairs, tuple[str, str] | None]
_Rule = tuple[str, str, str, str, _Pairs, list[str], _Fast | None, str | None]

@final
class RuleTable:
    """The daemons' rule tables, compiled (engine/src/rules.rs)."""

    def __init__(
        self,
        rules: list[_Rule],
        daemons: list[tuple[str, list[int], list[int]]],
        postfix: list[str],
        spf_programs: list[str],
        spf_daemon: str,
        families: list[tuple[str, str]] = ...,
    ) -> None: ...
    def parse(
        self,
        chunk: bytes,
        format: str,
        *,
        first_seq: int = 0,
        source: str = "<input>",
        offset: int = 0,
    ) -> Parsed: ...

def split_envelope(
    chunk: bytes,
    format: str,
    *,
    source: str = "<input>",
    offset: int = 0,
    strings: str = "view",
) -> EnvelopeBatch: ...
def _panic_probe(source: str, offset: int) -> None: ...
