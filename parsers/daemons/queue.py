"""Queue bookkeeping: qmgr(8), cleanup(8), pickup(8), bounce(8) and postsuper(1)."""

from parsers.daemons.delivery import DELIVERY_RULES
from parsers.daemons.smtpd import ACCESS
from parsers.rules import CLIENT, ENVELOPE_TAIL, QID, QID_CHECK, QID_FAST, FastPath, Rule, Test
from parsers.schema import EventKind

QMGR_RULES = (
    # A message that stayed in the queue past maximal_queue_lifetime, or that
    # `postsuper -e`/`-f` expired (Postfix >= 3.5): qmgr_active.c logs "QID:
    # from=<SENDER>, status=expired|force-expired, returned to sender". Tried before the
    # queued rule, which its ": from=<" would match too; the test looks at the end of
    # the line, where a sender's own text cannot put it.
    Rule(
        EventKind.DELIVERY,
        r", status=(?:force-)?expired, returned to sender$",
        rf"^{QID}: from=<(?P<sender>.*?)>, status=(?P<status>(?:force-)?expired), "
        r"(?P<reason>.*)$",
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
        scanner="queued",
    ),
    Rule(EventKind.REMOVED, ": removed", rf"^{QID}: removed$", Test.CONTAINS, scanner="removed"),
    # qmgr_message.c: a queue file another qmgr process still delivers.
    Rule(
        EventKind.NOTICE,
        ": skipped, still being delivered",
        rf"^{QID}: (?P<topic>skipped, still being delivered)$",
        Test.CONTAINS,
    ),
    # qmgr defers or bounces recipients itself (relay=none: "delivery temporarily
    # suspended", "mail transport unavailable"), through defer_append/log_adhoc.
    *DELIVERY_RULES,
)

# cleanup_act_log(): "QID: ACTION: header|body CONTENT from ORIGIN; from=<> to=<> ...: TEXT".
# CONTENT is the matched text (up to 200 bytes) and may contain anything, so it is
# matched greedily up to the last " from ORIGIN;" that leaves a valid tail.
# milter_header_checks (cleanup_milter.c, Postfix >= 2.7) log "milter-header-ACTION"
# and "milter-body-ACTION". A MIME error (cleanup_message.c) is "reject: mime-error
# TEXT: CONTENT from ORIGIN; ...": part mime-error, its text first in content.
CHECK_ACTIONS = (
    "(?:milter-(?:header|body)-)?(?:reject|warning|info|filter|pass|discard|hold|delay|"
    "prepend|replace|redirect|bcc|strip)"
)
CHECK_PARTS = "header|body|mime-header|nested-header|content|mime-error"
CONTENT_CHECK = (
    rf"^{QID}: (?P<action>{CHECK_ACTIONS}): (?P<part>{CHECK_PARTS}) "
    rf"(?P<content>.*) from (?P<origin>{CLIENT}|[^;\s]+);{ENVELOPE_TAIL}(?:: (?P<text>.*))?$"
)

CLEANUP_RULES = (
    # cleanup_message.c logs "QID: message-id=<...>" and, for a Resent- message,
    # "QID: resent-message-id=<...>": that is not the message's own Message-ID.
    Rule(
        EventKind.MESSAGE_ID,
        ": resent-message-id=",
        rf"^{QID}: resent-message-id=(?P<resent_message_id>.*)$",
        Test.CONTAINS,
    ),
    Rule(
        EventKind.MESSAGE_ID,
        "message-id=",
        rf"^{QID}: message-id=(?P<message_id>.*)$",
        Test.CONTAINS,
        fast=FastPath(rf"^{QID_FAST}: message-id=(?P<message_id>.*)$", checks=QID_CHECK),
        scanner="message_id",
    ),
    # cleanup_masquerade.c: masquerade_exceptions could not be read.
    Rule(
        EventKind.NOTICE,
        " map lookup problem -- message not accepted, try again later",
        rf"^{QID}: (?P<detail>\S+) (?P<topic>map lookup problem) -- message not accepted, "
        r"try again later$",
        Test.CONTAINS,
    ),
    # cleanup_api.c: a message a milter or check refused (canceled) or discarded.
    Rule(
        EventKind.NOTICE,
        ": removed (",
        rf"^{QID}: (?P<topic>removed) \((?P<detail>canceled|discarded)\)$",
        Test.CONTAINS,
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

# pickup.c; " orig_id=NAME" when the queue file name is not the queue id (Postfix >= 2.9).
PICKUP_RULES = (
    Rule(
        EventKind.PICKUP,
        ": uid=",
        rf"^{QID}: uid=(?P<uid>\d+) from=<(?P<sender>.*?)>(?: orig_id=\S+)?$",
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
    # bounce_trace_service.c: no success notice for a bounce of a bounce.
    Rule(
        EventKind.NOTIFICATION,
        ": not sending trace/success notification",
        rf"^{QID}: (?P<notice>not sending trace/success notification) for .*$",
        Test.CONTAINS,
    ),
)

# postsuper.c: per-message lines and the closing summaries ("Force-expired" since 3.5).
_SUMMARIES = (
    "Deleted|Requeued|Placed on hold|Released from hold|Expired|Force-expired|"
    "Renamed to match inode number"
)
POSTSUPER_RULES = (
    Rule(
        EventKind.POSTSUPER,
        rf"^(?:{_SUMMARIES}): \d+ messages?$",
        rf"^(?P<action>{_SUMMARIES}): (?P<count>\d+) messages?$",
        Test.REGEX,
    ),
    Rule(
        EventKind.POSTSUPER,
        ": ",
        rf"^{QID}: (?P<action>removed|requeued|placed on hold|released from hold|expired)$",
        Test.CONTAINS,
    ),
)
