"""master(8) and postfix-script life-cycle lines, and anvil/scache statistics."""

from parsers.rules import Rule, Test
from parsers.schema import EventKind

# master.c: "daemon started -- version V[, configuration DIR]", "reload -- version V,
# configuration DIR" (2.x: "reload configuration[ DIR]"), "terminating on signal N",
# "master exit time has arrived" (master -e). postfix-script
# ($INFO, through postlog): starting, stopping, refreshing, aborting, waiting for the
# Postfix mail system to terminate, "the Postfix mail system is [not ]running[: PID: N]".
MASTER_RULES = (
    Rule(
        EventKind.MASTER,
        r"^(?:daemon started|reload|terminating on signal|master exit time|"
        r"(?:starting|stopping|refreshing|aborting) the Postfix|waiting for the Postfix|"
        r"the Postfix mail system is)",
        r"^(?P<action>daemon started|reload|reload configuration|terminating on signal \d+|"
        r"master exit time has arrived|"
        r"(?:starting|stopping|refreshing|aborting) the Postfix mail system|"
        r"waiting for the Postfix mail system to terminate|"
        r"the Postfix mail system is (?:not )?running)"
        r"(?P<text>(?: -- version (?P<version>[^,\s]+)(?:, configuration \S+)?|[: ].*)?)$",
        Test.REGEX,
    ),
)

# master_status.c: a status update from a child of an older generation (after reload).
MASTER_NOTICE_RULES = (
    Rule(
        EventKind.NOTICE,
        "ignoring status update from child pid ",
        r"^(?P<topic>ignoring status update from child) (?P<detail>pid \d+ generation \d+)$",
    ),
)

# tlsmgr.c: its entropy source went away and it restarts to reopen it.
TLSMGR_RULES = (
    Rule(
        EventKind.NOTICE,
        r"^(?:cannot read from entropy device|lost connection to EGD server|exiting to reopen)",
        r"^(?P<topic>cannot read from entropy device|lost connection to EGD server|"
        r"exiting to reopen external entropy source) ?(?P<detail>.*)$",
        Test.REGEX,
    ),
)

# postfix-script's $WARN and $FATAL life-cycle lines come through postlog as warning:
# and fatal:; they are life-cycle events, not problems of a daemon.
SCRIPT_RULES = (
    Rule(
        EventKind.MASTER,
        r"^(?:fatal: the Postfix mail system is|warning: stopping the Postfix mail system)",
        r"^(?:fatal|warning): (?P<action>the Postfix mail system is (?:already|not) running|"
        r"stopping the Postfix mail system)(?P<text> with force)?$",
        Test.REGEX,
    ),
)

# anvil.c (smtpd's client limits): "statistics: max connection rate N/60s for
# (SERVICE:CLIENT) at Mon dd hh:mm:ss", "max connection count N for (...) at ...",
# likewise message, recipient, newtls and auth rates; "max cache size N at ...".
# scache.c (connection cache): "statistics: start interval Mon dd hh:mm:ss",
# "domain|address lookup hits=N miss=N success=N%", "max simultaneous domains=N
# addresses=N connection=N". `text` keeps the line after "statistics: ".
STATISTICS_RULES = (
    Rule(
        EventKind.STATISTICS,
        "statistics: ",
        r"^statistics: (?P<text>"
        r"(?P<figure>max \S+ (?:rate|count)) (?P<value>\d+)(?:/(?P<period>\d+)s)? for "
        r"\((?P<service>[^:()]*):(?P<client>[^()]*)\) at (?P<at>.*)"
        r"|(?P<figure2>max cache size) (?P<value2>\d+) at (?P<at2>.*)"
        r"|(?P<figure3>start interval) (?P<at3>.*)"
        r"|(?P<figure4>(?:domain|address) lookup) hits=(?P<hits>\d+) miss=(?P<misses>\d+)"
        r" success=\d+%"
        r"|(?P<figure5>max simultaneous) .*"
        r"|.*)$",
    ),
)

# postlog(1) logs whatever text an administrator or script gives it (postfix-script
# logs through it under its own name): any line of its own is an informational log.
POSTLOG_RULES = (Rule(EventKind.LOG, "", r"^(?P<text>.*)$", constants={"severity": "info"}),)
