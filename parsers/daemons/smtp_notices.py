"""smtp(8)/lmtp(8) informational lines that are not a delivery attempt's outcome."""

from parsers.rules import PEER, QID, Rule, Test
from parsers.schema import EventKind

SMTP_CLIENT_NOTICE_RULES = (
    # smtp_proto.c: workarounds for a Cisco PIX in front of the server.
    Rule(
        EventKind.NOTICE,
        ": enabling PIX workarounds: ",
        rf"^{QID}: (?P<topic>enabling PIX workarounds): (?P<detail>.*) for {PEER}$",
        Test.CONTAINS,
    ),
    # smtp_proto.c of Postfix 2.x: "QID: enabling PIX <CRLF>.<CRLF> workaround for H[A]".
    Rule(
        EventKind.NOTICE,
        ": enabling PIX <CRLF>.<CRLF> workaround for ",
        rf"^{QID}: (?P<topic>enabling PIX) (?P<detail><CRLF>\.<CRLF>) workaround for {PEER}$",
        Test.CONTAINS,
    ),
    # smtp_connect.c of Postfix 2.x: port 465 asked for, which that smtp cannot do.
    Rule(
        EventKind.NOTICE,
        r"^(?:CLIENT wrappermode \(port smtps/465\) is unimplemented|instead, send to )",
        r"^(?P<topic>CLIENT wrappermode \(port smtps/465\) is unimplemented|instead, send to)"
        r"(?P<detail>.*)$",
        Test.REGEX,
    ),
    # smtp_connect.c of Postfix 2.x (a warning since 3.0): the TLS policy table failed.
    Rule(
        EventKind.NOTICE,
        "TLS policy lookup ",
        r"^(?P<topic>TLS policy lookup(?: error)?) for (?P<peer_host>[^\[\]\s/]*)"
        r"(?:\[(?P<peer_ip>[^\]]*)\](?::\d+)?)?(?P<detail>/.*)$",
    ),
    # smtp_proto.c: a header line longer than smtp_line_length_limit was folded.
    Rule(
        EventKind.NOTICE,
        ": breaking line > ",
        rf"^{QID}: (?P<topic>breaking line) > (?P<detail>\d+ bytes with <CR><LF>SPACE)$",
        Test.CONTAINS,
    ),
    # smtp_proto.c (Postfix >= 3.0): a server that offers SMTPUTF8 but not 8BITMIME.
    Rule(
        EventKind.NOTICE,
        "host ",
        r"^host (?P<peer_host>[^\[\]\s]*)\[(?P<peer_ip>[^\]]*)\](?::\d+)? "
        r"(?P<topic>offers SMTPUTF8 support, but not 8BITMIME)$",
    ),
    # smtp_proto.c smtp_tls_note_starttls_offer (Postfix >= 2.2).
    Rule(
        EventKind.NOTICE,
        "Host offered STARTTLS: ",
        r"^(?P<topic>Host offered STARTTLS): \[(?P<peer_host>[^\]]*)\]$",
    ),
    # smtp_chat.c: smtp_reply_footer / smtp_reply_filter rewrote a server reply.
    Rule(
        EventKind.NOTICE,
        ": replacing server reply ",
        rf"^{PEER}: (?P<topic>replacing server reply) (?P<detail>.*)$",
        Test.CONTAINS,
    ),
    # smtp_addr.c (Postfix >= 3.8, use_srv_lookup).
    Rule(
        EventKind.NOTICE,
        "skipping SRV lookup for ",
        r"^(?P<topic>skipping SRV lookup) for (?P<detail>.*)$",
    ),
    # smtp_connect.c (Postfix >= 3.0): port 465 without wrapper mode.
    Rule(
        EventKind.NOTICE,
        "SMTPS wrappermode (TCP port 465) requires setting ",
        r"^(?P<topic>SMTPS wrappermode) \(TCP port 465\) requires setting (?P<detail>.*)$",
    ),
    # tlsrpt_wrapper.c (Postfix >= 3.10, smtp_tlsrpt_enable).
    Rule(
        EventKind.NOTICE,
        "TLSRPT: ",
        r"^(?P<topic>TLSRPT): (?P<detail>status=[^,]*, domain=[^,]*, receiving_mx="
        r"(?P<peer_host>[^\[\]\s]*)\[(?P<peer_ip>[^\]]*)\].*)$",
    ),
    # smtp_proto.c smtp_header_checks/smtp_body_checks: "QID: ACTION: header|body TEXT:
    # OPTIONAL_TEXT" (no origin or envelope, unlike cleanup's).
    Rule(
        EventKind.CONTENT_CHECK,
        r"^\S+: (?:reject|warning|info|filter|pass|discard|hold|delay|prepend|replace|"
        r"redirect|bcc|strip): (?:header|body|mime-header|nested-header) ",
        rf"^{QID}: (?P<action>[a-z]+): (?P<part>header|body|mime-header|nested-header) "
        r"(?P<content>.*?)(?:: (?P<text>[^:]*))?$",
        Test.REGEX,
        constants={"origin": "smtp"},
    ),
)
