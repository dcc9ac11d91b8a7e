"""Delivery agents (smtp, lmtp, local, virtual, pipe, error, discard, retry): one line per
recipient attempt, as log_adhoc() in src/global/log_adhoc.c writes it."""

from parsers.daemons.smtp_notices import SMTP_CLIENT_NOTICE_RULES
from parsers.daemons.tls import CLIENT_TLS_ERROR_RULES, CLIENT_TLS_SETUP_RULES, TLS_RULES
from parsers.rules import PEER, QID, QID_CHECK, QID_FAST, FastPath, Rule, Test
from parsers.schema import EventKind

_DELAY = r"[\d.]+"

# Postfix 2.0-2.2 wrote neither delays= nor dsn= (log_adhoc.c of 2.2: "QID: to=<%s>,
# relay=%s, delay=%d, status=%s (%s)"); both are optional.
DELIVERY = (
    rf"^{QID}: to=<(?P<recipient>.*?)>,(?: orig_to=<(?P<orig_recipient>.*?)>,)? "
    r"relay=(?P<relay>\S+?),(?: conn_use=(?P<conn_use>\d+),)? "
    rf"delay=(?P<delay>{_DELAY})(?:, delays=(?P<delay_before_qmgr>{_DELAY})/"
    rf"(?P<delay_in_qmgr>{_DELAY})/(?P<delay_conn_setup>{_DELAY})/"
    rf"(?P<delay_transmission>{_DELAY}))?,(?: tls=(?P<tls_summary>\S+),)?"
    r"(?: dsn=(?P<dsn>\d\.\d{1,3}\.\d{1,3}),)? status=(?P<status>\S+)(?: \((?P<reason>.*)\))?$"
)

# The usual line: no ">" in addresses, no "," or space in relay and tls=, and the reason
# taken with its closing parenthesis (which classify checks and drops).
DELIVERY_FAST = FastPath(
    rf"^{QID_FAST}: to=<(?P<recipient>[^>]*)>, (?:orig_to=<(?P<orig_recipient>[^>]*)>, )?"
    r"relay=(?P<relay>[^, \t]+), (?:conn_use=(?P<conn_use>[0-9]+), )?"
    r"delay=(?P<delay>[0-9.]+), delays=(?P<delay_before_qmgr>[0-9.]+)/"
    r"(?P<delay_in_qmgr>[0-9.]+)/(?P<delay_conn_setup>[0-9.]+)/"
    r"(?P<delay_transmission>[0-9.]+), (?:tls=(?P<tls_summary>[^, \t]+), )?"
    r"dsn=(?P<dsn>[0-9]\.[0-9]{1,3}\.[0-9]{1,3}), status=(?P<status>\S+)"
    r"(?: \((?P<reason>.*))?$",
    checks=QID_CHECK,
    closing={"reason": ")"},
)

DELIVERY_RULES = (
    Rule(
        EventKind.DELIVERY,
        ": to=<",
        DELIVERY,
        Test.CONTAINS,
        fast=DELIVERY_FAST,
        scanner="delivery",  # the fast path's shape, by hand (engine/src/scan.rs)
    ),
)

# A soft error from one server while another (a backup MX) is left to try is logged
# alone, "QID: REASON", before smtp(8) moves on (smtp_site_fail()/smtp_mesg_fail() in
# smtp_trouble.c). REASON is what the delivery line would say: "host H[A] said: REPLY
# (in reply to CMD command)", "host H[A] refused to talk to me: REPLY", "lost connection
# with H[A] while STAGE", "conversation with H[A] timed out while STAGE", and the SASL
# failures of smtp_sasl_glue.c/smtp_sasl_proto.c ("SASL authentication failed; server
# H[A] said: REPLY", "SASL [CACHED] authentication failed; ...", "SASL authentication
# failed; cannot authenticate to server H[A]: REASON", "... no compatible ...").
# The peer, reply, its code and DSN, and the SMTP stage are split out of the reason
# by derive.py, which does the same for "connect to" lines.
# smtp_connect.c also logs a failed server's reason alone, without a queue id, before it
# tries the next address ("The reason already includes the IP address and TCP port").
SOFT_ERROR = (
    rf"^(?:{QID}: )?(?P<error>(?:host |lost connection with |conversation with )[^\s\[]*\[.*"
    r"|SASL (?:\[CACHED\] )?authentication failed[;:] .*)$"
)

# smtp(8)/lmtp(8) also log their connection failures and TLS.
SMTP_CLIENT_RULES = (
    Rule(
        EventKind.CONNECT_ERROR,
        r"^(?:\S+: )?(?:host \S+ (?:said|refused to talk to me):|lost connection with "
        r"[^\s\[]*\[|conversation with [^\s\[]*\[)|"
        r"^\S+: SASL (?:\[CACHED\] )?authentication failed",
        SOFT_ERROR,
        Test.REGEX,
    ),
    *DELIVERY_RULES,
    *CLIENT_TLS_SETUP_RULES,  # before TLS_RULES: they too contain "TLS connection "
    *TLS_RULES,
    *CLIENT_TLS_ERROR_RULES,
    Rule(
        EventKind.CONNECT_ERROR,
        "connect to ",
        rf"^connect to {PEER}: (?P<error>.*)$",
    ),
    *SMTP_CLIENT_NOTICE_RULES,
    # Any other "QID: REASON" of smtp/lmtp is smtp_trouble.c's msg_info("%s: %s",
    # queue_id, reason) of a soft error with a backup left ("Cannot start TLS:
    # handshake failure", "server dropped connection without sending the initial SMTP
    # greeting", ...): the reasons are many, the writer is one.
    Rule(
        EventKind.CONNECT_ERROR,
        r"^[0-9A-Za-z]{5,}: ",
        rf"^{QID}: (?P<error>(?:[^t]|t[^o]|to[^=]).*)$",
        Test.REGEX,
    ),
)
