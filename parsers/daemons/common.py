"""Lines any Postfix program may log: its own warnings, errors and failures, and the
informational lines library code writes whichever daemon runs it."""

from parsers.rules import QUEUE_IDS, Rule, Test
from parsers.schema import EventKind

# msg_warn/msg_error/msg_fatal/msg_panic (src/util/msg.c). Many warnings name the
# message they concern first ("warning: QID: ..."); the text keeps that prefix.
SEVERITY_RULES = tuple(
    Rule(
        EventKind.LOG,
        f"{severity}: ",
        rf"^(?P<severity>{severity}): (?P<text>(?:(?P<queue_id>{QUEUE_IDS}): )?.*)$",
    )
    for severity in ("warning", "error", "fatal", "panic")
)

# A daemon that reads a lookup table quits when the table changes, to be restarted
# by master with the new one (msg_info in each daemon's pre_accept): a life-cycle line.
# postscreen(8) (postscreen.c) finishes its connections first: "- finishing in the
# background".
RESTART_RULES = (
    Rule(
        EventKind.MASTER,
        "table ",
        r"^table (?P<text>\S+) has changed -(?:- restarting| finishing in the background)$",
        constants={"action": "table changed"},
    ),
)

# Informational lines of library code, in every daemon that links it.
NOTICE_RULES = (
    # tlsproxy.c, tlsmgr.c: built without TLS.
    Rule(
        EventKind.NOTICE,
        "TLS support is not compiled in -- exiting",
        r"^(?P<topic>TLS support is not compiled in -- exiting)$",
    ),
    # Postfix >= 3.0 compatibility_level: a default that is about to change was used
    # (smtpd_check.c, smtpd.c, postscreen.c, master_ent.c, ...).
    Rule(
        EventKind.NOTICE,
        "using backwards-compatible default setting ",
        r"^(?:\S+: )?(?P<topic>using backwards-compatible default setting) "
        r"(?P<detail>.*)$",
        Test.CONTAINS,
    ),
    # dict_cache.c dict_cache_clean_stat(): postscreen, verify and tlsmgr caches.
    Rule(
        EventKind.STATISTICS,
        "cache ",
        r"^cache (?P<service>\S+) (?P<text>full|partial) cleanup: "
        r"retained=(?P<retained>\d+) dropped=(?P<dropped>\d+) entries$",
        constants={"figure": "cache cleanup"},
    ),
    # inet_connect.c, smtp_addr.c, smtpd_peer.c: an address of a family not enabled in
    # inet_protocols.
    Rule(
        EventKind.NOTICE,
        "skipping address family ",
        r"^(?P<topic>skipping address family) (?P<detail>\d+ for (?:host )?.*)$",
    ),
    # smtpd.c / smtp_proto.c ehlo_discard: EHLO keywords removed by policy.
    Rule(
        EventKind.NOTICE,
        "discarding EHLO keywords: ",
        # postscreen writes "[ip]port:" (no colon before the port, postscreen_smtpd.c)
        r"^(?:(?P<peer_host>[^\[\]\s]*)\[(?P<peer_ip>[^\]]*)\]:?\d*: )?"
        r"(?P<topic>discarding EHLO keywords): (?P<detail>.*)$",
        Test.CONTAINS,
    ),
)
