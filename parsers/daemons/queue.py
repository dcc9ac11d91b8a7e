"""Queue bookkeeping: qmgr(8), cleanup(8), pickup(8), bounce(8) and postsuper(1)."""

from parsers.daemons.smtpd import ACCESS
from parsers.rules import CLIENT, ENVELOPE_TAIL, QID, QID_CHECK, QID_FAST, FastPath, Rule, Test
from parsers.schema import EventKind

QMGR_RULES = (
    # A message that stayed in the queue past maximal_queue_lifetime (qmgr_active.c
    # logs "QID: from=<SENDER>, status=expired, returned to sender"). Tried before the
    # queued rule, which its ": from=<" would match too; the test looks at the end of
    # the line, where a sender's own text cannot put it.
    Rule(
        EventKind.DELIVERY,
        r", status=expired, returned to sender$",
        rf"^{QID}: from=<(?P<sender>.*?)>, status=(?P<status>expired), (?P<reason>.*)$",
        Test.REGEX,
    ),
    Rule(
        EventKind.QUEUED,
        ": from=<",
        rf"^{QID}: from=<(?P<sender>.*?)>, size=(?P<size>\d+), nrcpt=(?P<nrcpt>\d+) "
        r"\(queue active\)$",
        Test.CONTAINS,
        fast=FastPath(
            rf"^{QID_FAST}: from=<(?P<sender>[^>]*)>, size=(?P<size>[0-9]+), "
            r"nrcpt=(?P<nrcpt>[0-9]+) \(queue active\)$",
            checks=QID_CHECK,
        ),
    ),
    Rule(EventKind.REMOVED, ": removed", rf"^{QID}: removed$", Test.CONTAINS),
)

# cleanup_act_log(): "QID: ACTION: header|body CONTENT from ORIGIN; from=<> to=<> ...: TEXT".
# CONTENT is the matched text (up to 200 bytes) and may contain anything, so it is
# matched greedily up to the last " from ORIGIN;" that leaves a valid tail.
CHECK_ACTIONS = (
    "reject|warning|info|filter|pass|discard|hold|delay|prepend|replace|redirect|bcc|strip"
)
CHECK_PARTS = "header|body|mime-header|nested-header|content"
CONTENT_CHECK = (
    rf"^{QID}: (?P<action>{CHECK_ACTIONS}): (?P<part>{CHECK_PARTS}) "
    rf"(?P<content>.*) from (?P<origin>{CLIENT}|[^;\s]+);{ENVELOPE_TAIL}(?:: (?P<text>.*))?$"
)

CLEANUP_RULES = (
    Rule(
        EventKind.MESSAGE_ID,
        "message-id=",
        rf"^{QID}: (?:resent-)?message-id=(?P<message_id>.*)$",
        Test.CONTAINS,
        fast=FastPath(rf"^{QID_FAST}: message-id=(?P<message_id>.*)$", checks=QID_CHECK),
    ),
    Rule(
        EventKind.CONTENT_CHECK,
        rf"^\S+: (?:{CHECK_ACTIONS}): (?:{CHECK_PARTS}) ",
        CONTENT_CHECK,
        Test.REGEX,
    ),
    # A milter's verdict on the whole message, which cleanup logs as smtpd logs its own
    # ("QID: milter-reject: END-OF-MESSAGE from host[ip]: 5.7.1 text; from=<> to=<> ...").
    Rule(EventKind.REJECT, r"^\S+: milter-(?:reject|discard|hold): ", ACCESS, Test.REGEX),
)

PICKUP_RULES = (
    Rule(
        EventKind.PICKUP,
        ": uid=",
        rf"^{QID}: uid=(?P<uid>\d+) from=<(?P<sender>.*?)>$",
        Test.CONTAINS,
    ),
)

BOUNCE_RULES = (
    Rule(
        EventKind.NOTIFICATION,
        " notification: ",
        rf"^{QID}: (?P<notice>[a-z -]+ notification): (?P<new_queue_id>\S+)$",
        Test.CONTAINS,
    ),
)

POSTSUPER_RULES = (
    Rule(
        EventKind.POSTSUPER,
        r"^(?:Deleted|Requeued|Placed on hold|Released from hold|Expired): \d+ messages?$",
        r"^(?P<action>Deleted|Requeued|Placed on hold|Released from hold|Expired): "
        r"(?P<count>\d+) messages?$",
        Test.REGEX,
    ),
    Rule(
        EventKind.POSTSUPER,
        ": ",
        rf"^{QID}: (?P<action>removed|requeued|placed on hold|released from hold|expired)$",
        Test.CONTAINS,
    ),
)
