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

CLIENT_PEER = r"(?P<peer_host>[^\[\]\s]*)\[(?P<peer_ip>[^\]]*)\](?::\d+)?"

# log_whatsup(): "QID|NOQUEUE: ACTION: STAGE from host[ip]: TEXT; from=<> to=<> ..."
# The reply text may itself hold "; " (RBL replies do), so it is matched greedily and
# the optional envelope tail is anchored at the end of the line.
# Actions: smtpd_check.c's log_whatsup() calls (hangup, info, warn, filter, hold, delay,
# discard, redirect, bcc, reject), reject_warning (warn_if_reject), defer_if_*, milter-*
# (smtpd_milter), and "abort" ("NOQUEUE: abort: TLS from host[ip]: No client certificate
# presented", smtpd.c since 2.5: a TLS client-certificate requirement).
ACCESS_ACTIONS = (
    "reject|reject_warning|warn|hold|discard|filter|redirect|defer|defer_if_permit|"
    "defer_if_reject|milter-reject|milter-discard|milter-hold|hangup|info|delay|bcc|abort"
)
# The reply is taken up to the first "; " that leaves a valid envelope tail; a few
# lines have no tail ("QID: reject: CONNECT from host[ip]: 421 4.3.0 host Server local
# data error", smtpd.c; "NOQUEUE: abort: TLS from ...").
ACCESS = (
    rf"^{QID_OR_NOQUEUE}: (?P<action>{ACCESS_ACTIONS}): (?P<stage>[A-Z-]+(?: [A-Z-]+)?) "
    rf"from {CLIENT}: (?:(?P<code>[245]\d\d) )?(?:(?P<dsn>[245]\.\d{{1,3}}\.\d{{1,3}}) )?"
    rf"(?P<reason>.*?)(?:;{ENVELOPE_TAIL})?$"
)

# A before-queue content filter's verdict on the message (smtpd_proxy_filter; smtpd.c,
# Postfix >= 2.7): "proxy-accept: END-OF-MESSAGE: 250 2.0.0 Ok: queued as QID; from=<>
# to=<> proto=ESMTP helo=<>" or "proxy-reject: END-OF-MESSAGE: 554 5.7.1 ...; from=...".
PROXY = (
    rf"^(?:{QID_OR_NOQUEUE}: )?(?P<action>proxy-accept|proxy-reject): (?P<stage>[A-Z-]+): "
    r"(?:(?P<code>[2-5]\d\d) )?(?:(?P<dsn>[245]\.\d{1,3}\.\d{1,3}) )?"
    rf"(?P<reason>.*?)(?:;{ENVELOPE_TAIL})?$"
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

# smtpd.c at session end: "REASON after STAGE from host[ip]", after DATA/BDAT with the
# bytes received: "(N bytes)" (2.5 and >= 2.6-20090404), "(approximately N bytes)"
# (2.6 snapshots 20080629..20090403). Postfix >= 3.10 puts "QID: " or "NOQUEUE: " first.
SESSION_ERROR_RULES = tuple(
    Rule(
        EventKind.SESSION_ERROR,
        rf"^(?:[0-9A-Za-z]+: )?{words} after ",
        rf"^(?:{QID_OR_NOQUEUE}: )?{words} after "
        r"(?P<after>\S+(?: \((?:approximately )?(?P<bytes>\d+) bytes\))?) "
        rf"from {CLIENT}(?:: (?P<detail>.*))?$",
        Test.REGEX,
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
    Rule(EventKind.CONNECT, "connect from ", rf"^connect from {CLIENT}$", scanner="connect"),
    # With smtpd_proxy_filter, smtpd logs the client before the before-queue filter has
    # a queue id for it ("NOQUEUE: client=host[ip]", smtpd.c mail_open_stream): not an
    # accepted message (the filter's proxy-accept, or the next smtpd's QID: client=, is).
    Rule(
        EventKind.NOTICE,
        "NOQUEUE: client=",
        rf"^NOQUEUE: (?P<topic>client)={CLIENT_PEER}(?:, (?P<detail>.*))?$",
    ),
    Rule(
        EventKind.DISCONNECT,
        "disconnect from ",
        rf"^disconnect from {CLIENT}(?: (?P<commands>.*?))?$",
        scanner="disconnect",
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
        scanner="client",
    ),
    Rule(EventKind.REJECT, rf"^\S+: (?:{ACCESS_ACTIONS}): ", ACCESS, Test.REGEX, fast=ACCESS_FAST),
    Rule(EventKind.REJECT, r"^(?:\S+: )?proxy-(?:accept|reject): ", PROXY, Test.REGEX),
    *SERVER_TLS_SETUP_RULES,  # before TLS_RULES: they too contain "TLS connection "
    *TLS_RULES,
    *SERVER_TLS_ERROR_RULES,
    *SESSION_ERROR_RULES,
    # smtpd.c of Postfix 2.6-2.8 (smtpd_pregreet_*): a client that talked before the
    # greeting.
    Rule(
        EventKind.SESSION_ERROR,
        "PREGREET from ",
        rf"^PREGREET from {CLIENT}: (?P<detail>.*)$",
        constants={"error": "pregreet"},
    ),
    # smtpd.c: smtpd_command_filter rewrote a command; smtpd_dsn_fix.c: a DSN status
    # that does not fit its reply code.
    Rule(
        EventKind.NOTICE,
        ": replacing command ",
        rf"^{CLIENT_PEER}: (?P<topic>replacing command) (?P<detail>.*)$",
        Test.CONTAINS,
    ),
    Rule(
        EventKind.NOTICE,
        "mapping DSN status ",
        r"^(?P<topic>mapping DSN status) (?P<detail>.*)$",
    ),
)

# qmqpd.c: connect/disconnect and client= as smtpd writes them, its verdict on the
# message ("QID: host[ip]: Ok: queued as QID", warnings for refusals), and an aborted
# session ("QID|NOQUEUE: host[ip]: lost connection while receiving ...").
QMQPD_RULES = (
    Rule(EventKind.CONNECT, "connect from ", rf"^connect from {CLIENT}$", scanner="connect"),
    Rule(EventKind.DISCONNECT, "disconnect from ", rf"^disconnect from {CLIENT}$"),
    Rule(EventKind.CLIENT, ": client=", rf"^{QID}: client={CLIENT}$", Test.CONTAINS),
    Rule(
        EventKind.SESSION_ERROR,
        r"^\S+: [^\s\[\]]*\[[^\]]*\]: .* while ",
        rf"^{QID_OR_NOQUEUE}: {CLIENT}: (?P<detail>.*) while (?P<after>.*)$",
        Test.REGEX,
        constants={"error": "qmqp_session"},
    ),
    Rule(
        EventKind.NOTICE,
        r"^\S+: [^\s\[\]]*\[[^\]]*\]: ",
        rf"^{QID_OR_NOQUEUE}: {CLIENT_PEER}: (?P<detail>.*)$",
        Test.REGEX,
        constants={"topic": "qmqp reply"},
    ),
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
