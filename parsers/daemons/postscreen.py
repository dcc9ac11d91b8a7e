"""postscreen(8), dnsblog(8) and tlsproxy(8): the pre-SMTP gatekeeper and its helpers.

Forms from postscreen.c, postscreen_early.c, postscreen_misc.c, postscreen_smtpd.c and
postscreen_state.c (2.8 to 3.10): 2.8 wrote "CONNECT from [ip]:port" without the server
address, its SMTP-level verdicts without "after CMD", and "PENALTY N for ip".
"""

from parsers.rules import CLIENT, PEER, Rule, Test
from parsers.schema import EventKind

_ADDR = r"\[(?P<client_ip>[^\]]*)\]:(?P<client_port>\d+)"
_VERDICTS = (
    "PREGREET|HANGUP|COMMAND PIPELINING|NON-SMTP COMMAND|BARE NEWLINE|COMMAND TIME LIMIT|"
    "COMMAND COUNT LIMIT|COMMAND LENGTH LIMIT|DATA without valid RCPT|BDAT without valid RCPT"
)

POSTSCREEN_RULES = (
    Rule(
        EventKind.POSTSCREEN,
        "CONNECT from [",
        rf"^(?P<event>CONNECT) from {_ADDR}(?: to (?P<detail>.*))?$",
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
    # "PREGREET 11 after 0.04 from [ip]:port: EHLO x\r\n" (bytes, seconds, the text),
    # "HANGUP after 1.2 from [ip]:port in tests before SMTP handshake", "COMMAND
    # PIPELINING from [ip]:port after CMD: TEXT", "NON-SMTP COMMAND from [ip]:port after
    # CMD: TEXT", "BARE NEWLINE|COMMAND TIME|COUNT|LENGTH LIMIT from [ip]:port after CMD".
    # The text after "after" is the command (BARE NEWLINE: the whole line that had it,
    # "MAIL FROM:<a@b>"); a ": " ends it where the offending text follows.
    Rule(
        EventKind.POSTSCREEN,
        rf"^(?:{_VERDICTS}) ",
        rf"^(?P<event>{_VERDICTS})(?: (?P<bytes>\d+))?(?: after (?P<delay>[\d.]+))? "
        rf"from {_ADDR}(?: after (?P<stage>.*?)(?:: (?P<detail>.*))?| in (?P<test>.*)"
        r"|: (?P<text>.*)| (?P<command>.*))?$",
        Test.REGEX,
    ),
    Rule(
        EventKind.POSTSCREEN,
        "PENALTY ",
        r"^(?P<event>PENALTY) (?P<detail>\d+) for (?P<client_ip>\S+)$",
    ),
    # postscreen_state.c: the stress-adaptive behaviour switched.
    Rule(
        EventKind.POSTSCREEN,
        r"^(?:entering|leaving) STRESS mode",
        r"^(?P<event>(?:entering|leaving) STRESS mode) with (?P<detail>\d+) connections$",
        Test.REGEX,
    ),
    # postscreen refuses a client before smtpd sees it: a reject like smtpd's (a DNSBL
    # reply, with the envelope of the RCPT it refused, comma-separated as
    # postscreen_smtpd.c writes it), or a bare reason ("too many connections", "all
    # server ports busy"; postscreen.c also "reject: connect from [ip]:port: all
    # screening ports busy", without NOQUEUE). Counted with smtpd's rejects, as
    # pflogsumm does.
    Rule(
        EventKind.REJECT,
        r"^(?:NOQUEUE: )?reject: ",
        rf"^(?:(?P<queue_id>NOQUEUE): )?(?P<action>reject): (?P<stage>[A-Za-z-]+) from "
        rf"{CLIENT}: (?:(?P<code>[245]\d\d) )?(?:(?P<dsn>[245]\.\d{{1,3}}\.\d{{1,3}}) )?"
        r"(?P<reason>.*?)(?:; from=<(?P<sender>.*?)>, to=<(?P<recipient>.*?)>, "
        r"proto=(?P<proto>\S+), helo=<(?P<helo>.*?)>)?$",
        Test.REGEX,
    ),
    # postscreen_smtpd.c: postscreen_command_filter rewrote a command.
    Rule(
        EventKind.NOTICE,
        r"^\[[^\]]*\]:\d+: replacing command ",
        r"^\[(?P<peer_ip>[^\]]*)\]:\d+: (?P<topic>replacing command) (?P<detail>.*)$",
        Test.REGEX,
    ),
)

DNSBLOG_RULES = (
    Rule(
        EventKind.POSTSCREEN,
        "addr ",
        r"^addr (?P<client_ip>\S+) (?P<event>listed) by domain (?P<detail>\S+ as \S+)$",
    ),
)

# tlsproxy.c / tlsproxy_state.c: "CONNECT from|to host[ip]:port", "DISCONNECT
# host[ip]:port", "TLS handshake failed for service=NAME peer=host[ip]:port". Its TLS
# summaries are the tls kind's (TLS_RULES).
TLSPROXY_RULES = (
    Rule(
        EventKind.TLS_SETUP,
        r"^(?:CONNECT (?:from|to)|DISCONNECT) ",
        rf"^(?P<detail>CONNECT|DISCONNECT) (?P<dir>from |to )?{PEER}$",
        Test.REGEX,
    ),
    Rule(
        EventKind.TLS_ERROR,
        "TLS handshake failed for service=",
        rf"^(?P<error>TLS handshake failed for service=\S+) peer={PEER}$",
    ),
    Rule(
        EventKind.TLS_ERROR,
        "SSL_set_fd error to ",
        rf"^(?P<error>SSL_set_fd error) to {PEER}$",
    ),
)
