"""smtpd(8): sessions, accepted messages, access decisions (src/smtpd/smtpd.c, smtpd_check.c)."""

from parsers.daemons.tls import SERVER_TLS_ERROR_RULES, SERVER_TLS_SETUP_RULES, TLS_RULES
from parsers.rules import (
    CLIENT,
    CLIENT_NO_PORT,
    ENVELOPE_TAIL,
    QID,
    QID_CHECK,
    QID_FAST,
    QID_OR_NOQUEUE,
    QID_OR_NOQUEUE_CHECK,
    FastPath,
    Rule,
    Test,
)
from parsers.schema import EventKind

# log_whatsup(): "QID|NOQUEUE: ACTION: STAGE from host[ip]: TEXT; from=<> to=<> ..."
# The reply text may itself hold "; " (RBL replies do), so it is matched greedily and
# the optional envelope tail is anchored at the end of the line.
ACCESS_ACTIONS = (
    "reject|reject_warning|warn|hold|discard|filter|redirect|defer|defer_if_permit|"
    "defer_if_reject|milter-reject|milter-discard|milter-hold"
)
ACCESS = (
    rf"^{QID_OR_NOQUEUE}: (?P<action>{ACCESS_ACTIONS}): (?P<stage>[A-Z-]+(?: [A-Z-]+)?) "
    rf"from {CLIENT}: (?:(?P<code>[245]\d\d) )?(?:(?P<dsn>[245]\.\d{{1,3}}\.\d{{1,3}}) )?"
    rf"(?P<reason>.*);{ENVELOPE_TAIL}$"
)

# The usual reject: one-word stage, reply code and DSN, a reply text without ";" (an
# RBL or SPF text has some: the full regex finds where it ends), the whole envelope.
ACCESS_FAST = FastPath(
    rf"^{QID_FAST}: (?P<action>reject): (?P<stage>[A-Z-]+) from {CLIENT_NO_PORT}: "
    r"(?P<code>[245][0-9][0-9]) (?P<dsn>[245]\.[0-9]{1,3}\.[0-9]{1,3}) (?P<reason>[^;]*); "
    r"from=<(?P<sender>[^>;]*)> to=<(?P<recipient>[^>;]*)> proto=(?P<proto>[^ \t;]+) "
    r"helo=<(?P<helo>[^>;]*)>$",
    checks=QID_OR_NOQUEUE_CHECK,
)

SESSION_ERROR_RULES = tuple(
    Rule(
        EventKind.SESSION_ERROR,
        f"{words} after ",
        rf"^{words} after (?P<after>\S+(?: \(\d+ bytes\))?) from {CLIENT}(?:: (?P<detail>.*))?$",
        constants={"error": error},
    )
    for words, error in (
        ("lost connection", "lost_connection"),
        ("timeout", "timeout"),
        ("too many errors", "too_many_errors"),
        ("improper command pipelining", "improper_pipelining"),
    )
)

RULES = (
    Rule(EventKind.CONNECT, "connect from ", rf"^connect from {CLIENT}$"),
    Rule(
        EventKind.DISCONNECT,
        "disconnect from ",
        rf"^disconnect from {CLIENT}(?: (?P<commands>.*?))?$",
    ),
    Rule(
        EventKind.CLIENT,
        ": client=",
        rf"^{QID}: client={CLIENT}(?:, sasl_method=(?P<sasl_method>[^,]*))?"
        r"(?:, sasl_username=(?P<sasl_username>[^,]*))?(?:, sasl_sender=.*)?"
        r"(?:, orig_queue_id=\S+, orig_client=.*)?$",
        Test.CONTAINS,
        # The usual line: no port (smtpd_client_port_logging = no), no SASL login.
        fast=FastPath(rf"^{QID_FAST}: client={CLIENT_NO_PORT}$", checks=QID_CHECK),
    ),
    Rule(EventKind.REJECT, rf"^\S+: (?:{ACCESS_ACTIONS}): ", ACCESS, Test.REGEX, fast=ACCESS_FAST),
    *SERVER_TLS_SETUP_RULES,  # before TLS_RULES: they too contain "TLS connection "
    *TLS_RULES,
    *SERVER_TLS_ERROR_RULES,
    *SESSION_ERROR_RULES,
)

# smtpd_sasl_proto.c: "host[ip]: SASL LOGIN authentication failed: REPLY" (newer
# versions, 3.7 among them, add ", sasl_username=NAME") and "host[ip]: SASL LOGIN
# authentication aborted" (the client sent "*"). libsasl's own "SASL authentication
# failure: ..." and "SASL authentication problem: ..." name no client: they stay warnings.
SASL_FAILURE = (
    rf"^warning: {CLIENT}: SASL (?P<mechanism>\S+) authentication (?P<outcome>failed|aborted)"
    r"(?:: (?P<reason>.*?))?(?:, sasl_username=(?P<sasl_username>.*))?$"
)

# Tried before the generic "warning:" rule: smtpd logs these as warnings.
WARNING_RULES = (
    Rule(
        EventKind.SESSION_ERROR,
        "warning: non-SMTP command from ",
        rf"^warning: non-SMTP command from {CLIENT}: (?P<detail>.*)$",
        constants={"error": "non_smtp_command"},
    ),
    Rule(
        EventKind.SASL_FAILURE,
        r"^warning: [^\s\[\]]*\[[^\]]*\](?::\d+)?: SASL \S+ authentication (?:failed|aborted)",
        SASL_FAILURE,
        Test.REGEX,
    ),
)
