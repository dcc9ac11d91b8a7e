"""postscreen(8) and dnsblog(8): the pre-SMTP gatekeeper's verdicts."""

from parsers.rules import CLIENT, Rule, Test
from parsers.schema import EventKind

_ADDR = r"\[(?P<client_ip>[^\]]*)\]:(?P<client_port>\d+)"

POSTSCREEN_RULES = (
    Rule(
        EventKind.POSTSCREEN,
        "CONNECT from [",
        rf"^(?P<event>CONNECT) from {_ADDR} to (?P<detail>.*)$",
    ),
    Rule(
        EventKind.POSTSCREEN,
        "DNSBL rank ",
        rf"^(?P<event>DNSBL) rank (?P<rank>\d+) for {_ADDR}$",
    ),
    Rule(
        EventKind.POSTSCREEN,
        r"^(?:PASS NEW|PASS OLD|DISCONNECT|ALLOWLISTED|WHITELISTED|DENYLISTED|BLACKLISTED|"
        r"ALLOWLIST VETO|WHITELIST VETO) \[",
        r"^(?P<event>PASS NEW|PASS OLD|DISCONNECT|ALLOWLISTED|WHITELISTED|DENYLISTED|"
        rf"BLACKLISTED|ALLOWLIST VETO|WHITELIST VETO) {_ADDR}$",
        Test.REGEX,
    ),
    Rule(
        EventKind.POSTSCREEN,
        r"^(?:PREGREET|HANGUP|COMMAND PIPELINING|NON-SMTP COMMAND|BARE NEWLINE|"
        r"COMMAND TIME LIMIT|COMMAND COUNT LIMIT|COMMAND LENGTH LIMIT) ",
        r"^(?P<event>PREGREET|HANGUP|COMMAND PIPELINING|NON-SMTP COMMAND|BARE NEWLINE|"
        r"COMMAND TIME LIMIT|COMMAND COUNT LIMIT|COMMAND LENGTH LIMIT)"
        # PREGREET's number counts bytes, not a DNSBL rank.
        rf"(?: \d+)?(?: after [\d.]+)? from {_ADDR}(?:: )?(?P<detail>.*)$",
        Test.REGEX,
    ),
    # postscreen refuses a client before smtpd sees it: a reject like smtpd's (a DNSBL
    # reply, with the envelope of the RCPT it refused, comma-separated as
    # postscreen_smtpd.c writes it), or a bare reason ("too many connections").
    # Counted with smtpd's rejects, as pflogsumm does.
    Rule(
        EventKind.REJECT,
        "NOQUEUE: reject: ",
        rf"^(?P<queue_id>NOQUEUE): (?P<action>reject): (?P<stage>[A-Z-]+) from {CLIENT}: "
        r"(?:(?P<code>[245]\d\d) )?(?:(?P<dsn>[245]\.\d{1,3}\.\d{1,3}) )?"
        r"(?P<reason>.*?)(?:; from=<(?P<sender>.*?)>, to=<(?P<recipient>.*?)>, "
        r"proto=(?P<proto>\S+), helo=<(?P<helo>.*?)>)?$",
    ),
)

DNSBLOG_RULES = (
    Rule(
        EventKind.POSTSCREEN,
        "addr ",
        r"^addr (?P<client_ip>\S+) (?P<event>listed) by domain (?P<detail>\S+ as \S+)$",
    ),
)
