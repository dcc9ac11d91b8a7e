"""Each daemon's table of line shapes, and which table a program's lines go to."""

from parsers.daemons.common import NOTICE_RULES, RESTART_RULES, SEVERITY_RULES
from parsers.daemons.delivery import DELIVERY_RULES, SMTP_CLIENT_RULES
from parsers.daemons.policyd_spf import SPF_RULES, SPF_WARNING_RULES
from parsers.daemons.postscreen import DNSBLOG_RULES, POSTSCREEN_RULES, TLSPROXY_RULES
from parsers.daemons.queue import (
    BOUNCE_RULES,
    CLEANUP_RULES,
    PICKUP_RULES,
    POSTSUPER_RULES,
    QMGR_RULES,
)
from parsers.daemons.smtpd import QMQPD_RULES
from parsers.daemons.smtpd import RULES as SMTPD_RULES
from parsers.daemons.smtpd import WARNING_RULES as SMTPD_WARNING_RULES
from parsers.daemons.system import (
    MASTER_NOTICE_RULES,
    MASTER_RULES,
    POSTLOG_RULES,
    SCRIPT_RULES,
    STATISTICS_RULES,
    TLSMGR_RULES,
)
from parsers.daemons.tls import TLS_RULES
from parsers.daemons.verbose import SPF_DEBUG_RULES, debug_rules
from parsers.rules import Rule

# Every Postfix program name (the part after the last "/" of the syslog tag). A tag
# "<syslog_name>/<one of these>" is Postfix, whatever the syslog_name is.
POSTFIX_DAEMONS = frozenset(
    {
        "anvil", "bounce", "cleanup", "defer", "discard", "dnsblog", "error", "flush",
        "lmtp", "local", "master", "nqmgr", "oqmgr", "pickup", "pipe", "postalias",
        "postcat", "postconf", "postdrop", "postfix", "postfix-script", "postkick",
        "postlock", "postlog", "postlogd", "postmap", "postmulti", "postqueue",
        "postscreen", "postsuper", "proxymap", "qmgr", "qmqpd", "retry", "scache",
        "sendmail", "showq", "smtp", "smtpd", "spawn", "tlsmgr", "tlsproxy", "trace",
        "trivial-rewrite", "verify", "virtual",
    }
)  # fmt: skip

# Names the SPF policy daemon logs under (Debian, upstream, other packagings).
SPF_PROGRAMS = frozenset({"policyd-spf", "postfix-policyd-spf-python", "pypolicyd-spf"})

_BY_DAEMON: dict[str, tuple[Rule, ...]] = {
    "smtpd": SMTPD_RULES,
    "smtp": SMTP_CLIENT_RULES,
    "lmtp": SMTP_CLIENT_RULES,
    "local": DELIVERY_RULES,
    "virtual": DELIVERY_RULES,
    "pipe": DELIVERY_RULES,
    "error": DELIVERY_RULES,
    "retry": DELIVERY_RULES,
    "discard": DELIVERY_RULES,
    "qmgr": QMGR_RULES,
    "oqmgr": QMGR_RULES,
    "nqmgr": QMGR_RULES,
    "cleanup": CLEANUP_RULES,
    "pickup": PICKUP_RULES,
    "bounce": BOUNCE_RULES,
    "defer": BOUNCE_RULES,
    "trace": BOUNCE_RULES,
    "postsuper": POSTSUPER_RULES,
    "master": (*MASTER_RULES, *MASTER_NOTICE_RULES),
    "tlsmgr": TLSMGR_RULES,
    "qmqpd": QMQPD_RULES,
    "postlog": POSTLOG_RULES,
    "postfix-script": MASTER_RULES,
    "anvil": STATISTICS_RULES,
    "scache": STATISTICS_RULES,
    "postscreen": POSTSCREEN_RULES,
    "dnsblog": DNSBLOG_RULES,
    "tlsproxy": (*TLS_RULES, *TLSPROXY_RULES),
}

_WARNINGS_BY_DAEMON: dict[str, tuple[Rule, ...]] = {
    "smtpd": SMTPD_WARNING_RULES,
    "postfix-script": SCRIPT_RULES,
}

SPF_DAEMON = "policyd-spf"


def rules_for(daemon: str) -> tuple[Rule, ...]:
    """The rules tried, in order, on a message of `daemon`: warnings with a shape of their
    own, then any warning/error/fatal/panic, then restarts any daemon logs, then the
    daemon's table."""
    if daemon == SPF_DAEMON:
        return (*SPF_WARNING_RULES, *SEVERITY_RULES, *SPF_RULES)
    own_warnings = _WARNINGS_BY_DAEMON.get(daemon, ())
    return (
        *own_warnings,
        *SEVERITY_RULES,
        *RESTART_RULES,
        *_BY_DAEMON.get(daemon, ()),
        *NOTICE_RULES,
    )


def debug_rules_for(daemon: str) -> tuple[Rule, ...]:
    """The rules tried on the lines `rules_for(daemon)` left: verbose shapes."""
    return SPF_DEBUG_RULES if daemon == SPF_DAEMON else debug_rules()
