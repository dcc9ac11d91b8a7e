"""What a line-shape rule is, and the regex pieces the daemons' tables share.

A rule is one row of a daemon's table: the event kind it makes, a cheap literal test
that selects candidate messages (tried in table order, first hit wins), and the regex
whose named groups become the event's columns. A candidate the regex does not match
is counted as unparsed, never guessed at.

A rule may also have a fast path: a stricter regex for its usual lines that the regex
engine can run as a one-pass DFA (every byte decides the next state and capture, no
backtracking; at most 16 groups). It is several times faster than the full regex. A
line it does not take goes to the full regex, so it only has to agree with the full
regex on what it takes (tests/test_fast_paths.py checks that).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from parsers.schema import EventKind


class Test(StrEnum):
    STARTS = "starts"  # message starts with the literal
    CONTAINS = "contains"  # message contains the literal
    REGEX = "regex"  # message matches a short regex (for shapes no literal pins down)
    WORDS = "words"  # the literal regex's first group is one of the rule's words


@dataclass(frozen=True)
class FastPath:
    """A one-pass regex with the rule's group names, and what its captures must pass."""

    pattern: str
    checks: Mapping[str, str] = field(default_factory=dict)  # group → regex it must match
    closing: Mapping[str, str] = field(default_factory=dict)  # group → its last char, dropped
    # (group, regex): a tail captured whole, split by the full regex's own sub-pattern
    tail: tuple[str, str] | None = None


@dataclass(frozen=True)
class Rule:
    kind: EventKind
    literal: str
    pattern: str
    test: Test = Test.STARTS
    constants: Mapping[str, str] = field(default_factory=dict)
    fast: FastPath | None = None
    words: frozenset[str] = frozenset()
    # The Rust engine's hand-written scanner for the rule's plain lines
    # (engine/src/scan.rs); the regex still decides every other line.
    scanner: str | None = None


# Postfix queue ids: short ones are upper-case hex; long ones (enable_long_queue_ids)
# use an alphabet without vowels, so words such as "warning" or "Deleted" never match.
_QUEUE_IDS = r"[0-9A-F]{5,}|[0-9BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz]{10,}"
QUEUE_IDS = _QUEUE_IDS
QID = rf"(?P<queue_id>{_QUEUE_IDS})"
QID_OR_NOQUEUE = rf"(?P<queue_id>{_QUEUE_IDS}|NOQUEUE)"

# One-pass stand-in: letters of either alphabet, the capture then checked against QID.
QID_FAST = r"(?P<queue_id>[0-9A-Za-z]+)"
QID_CHECK = {"queue_id": rf"^(?:{_QUEUE_IDS})$"}
QID_OR_NOQUEUE_CHECK = {"queue_id": rf"^(?:{_QUEUE_IDS}|NOQUEUE)$"}

# host[ip] or host[ip]:port as smtpd logs its client; the host is a validated DNS name.
CLIENT = r"(?P<client_host>[^\[\]\s]*)\[(?P<client_ip>[^\]]*)\](?::\d+)?"
CLIENT_NO_PORT = r"(?P<client_host>[^\[\]\s]*)\[(?P<client_ip>[^\]]*)\]"
PEER = r"(?P<peer_host>[^\[\]\s]*)\[(?P<peer_ip>[^\]]*)\](?::(?P<peer_port>\d+))?"

# The envelope tail Postfix appends to reject/check lines (smtpd log_whatsup,
# cleanup cleanup_act_log); every part is optional.
ENVELOPE_TAIL = (
    r"(?: from=<(?P<sender>.*?)>)?(?: to=<(?P<recipient>.*?)>)?"
    r"(?: proto=(?P<proto>\S+))?(?: helo=<(?P<helo>.*?)>)?"
    r"(?: sasl_method=\S*)?(?: sasl_username=.*?)?(?: sasl_sender=.*?)?"
)


_ASCII_OUTSIDE = {"d": "[0-9]", "w": "[0-9A-Za-z_]", "s": "[ \\t]", "S": "[^ \\t]"}
_ASCII_INSIDE = {"d": "0-9", "w": "0-9A-Za-z_", "s": " \\t"}


def ascii_classes(pattern: str) -> str:
    """`\\d \\w \\s \\S` as their ASCII forms. Postfix writes these fields in ASCII, and
    the Unicode classes make every capture markedly slower (bigger automata)."""
    out: list[str] = []
    in_class = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            escaped = pattern[index + 1]
            table = _ASCII_INSIDE if in_class else _ASCII_OUTSIDE
            out.append(table.get(escaped, char + escaped))
            index += 2
            continue
        if char == "[" and not in_class:
            in_class = True
            out.append(char)
        elif char == "]" and in_class and out[-1] != "[":
            in_class = False
            out.append(char)
        else:
            out.append(char)
        index += 1
    return "".join(out)
