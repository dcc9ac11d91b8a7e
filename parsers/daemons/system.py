"""master(8) and postfix-script life-cycle lines, and anvil/scache statistics."""

from parsers.rules import Rule, Test
from parsers.schema import EventKind

MASTER_RULES = (
    Rule(
        EventKind.MASTER,
        r"^(?:daemon started|reload|terminating on signal|"
        r"(?:starting|stopping|refreshing) the Postfix)",
        r"^(?P<action>daemon started|reload|terminating on signal \d+|"
        r"(?:starting|stopping|refreshing) the Postfix mail system)(?P<text>.*)$",
        Test.REGEX,
    ),
)

STATISTICS_RULES = (Rule(EventKind.STATISTICS, "statistics: ", r"^statistics: (?P<text>.*)$"),)
