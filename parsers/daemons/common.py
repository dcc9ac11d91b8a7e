"""Lines any Postfix program may log: its own warnings, errors and failures."""

from parsers.rules import Rule
from parsers.schema import EventKind

SEVERITY_RULES = tuple(
    Rule(EventKind.LOG, f"{severity}: ", rf"^(?P<severity>{severity}): (?P<text>.*)$")
    for severity in ("warning", "error", "fatal", "panic")
)
