"""Lines any Postfix program may log: its own warnings, errors and failures."""

from parsers.rules import Rule
from parsers.schema import EventKind

SEVERITY_RULES = tuple(
    Rule(EventKind.LOG, f"{severity}: ", rf"^(?P<severity>{severity}): (?P<text>.*)$")
    for severity in ("warning", "error", "fatal", "panic")
)

# A daemon that reads a lookup table quits when the table changes, to be restarted
# by master with the new one (msg_info in each daemon's pre_accept): a life-cycle line.
RESTART_RULES = (
    Rule(
        EventKind.MASTER,
        "table ",
        r"^table (?P<text>\S+) has changed -- restarting$",
        constants={"action": "table changed"},
    ),
)
