"""Verbose output: what Postfix logs under `-v` or for a `debug_peer_list` client (and
with `*_tls_loglevel` >= 2), and policyd-spf above debugLevel 1. Each such line is a
`debug` event: counted, never unparsed, never in a report section but the parse one.

The shapes come from the source, not from guesses: verbose_formats.txt holds one
anchored regex per verbose msg_info() format of Postfix 2.0 to 3.11, written by
tools/postfix_verbose_formats.py. They are tried only on the lines no other rule
took (see parsers/stream.py), cheapest first:

1. a line that starts with the name of the function that logs it (`smtpd_check_addr:
   addr=...`, `match_list_match: ...`, `dict_*`, `ctable_locate`, `watchdog_*`,
   `event_*`, `mymalloc`...): a set lookup of its first word;
2. the SMTP conversation (smtpd_chat.c, smtp_chat.c, smtpd_proxy.c: `< host[ip]: EHLO x`,
   `> host[ip]: 250 ...`), smtpd_check.c's `>>> START Client host RESTRICTIONS <<<`
   and `unknown_address_tempfail_action = defer_if_permit`, and the formats whose
   prefix is an argument: attr_scan0.c/attr_scan64.c/attr_scan_plain.c's
   `msg_info("%s: %s", context, ...)` (`input attribute name: flags`, `input
   attribute value: 0`) and smtp_stream.c's (`smtp_get: EOF`, `... timeout`), and the
   dumps that run only under msg_verbose: local/virtual deliver_attr.c (`level: 1`,
   `sender: a@b`, ...), master_ent.c (`====start service entry`, `max_proc: 100`, ...),
   smtp_addr.c (`begin MX address list`, `pref 10 host ...`), qmgr_message.c (`end
   sorted recipient list`);
3. every other verbose format, as one regex.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from parsers.rules import Rule, Test
from parsers.schema import EventKind

# The leading function name of a format: "^name:" or "^name\(" or "^name_with_underscore\ ".
_LEADING_NAME = re.compile(r"^\^([A-Za-z_][A-Za-z0-9_]*)(:|\\\(|\\ )")


@cache
def _formats() -> tuple[frozenset[str], tuple[str, ...]]:
    """(function names that start verbose lines, the other formats' regexes)."""
    text = resources.files("parsers.daemons").joinpath("verbose_formats.txt").read_text("utf-8")
    names: set[str] = set()
    others: list[str] = []
    for regex in text.splitlines():
        if not regex:
            continue
        match = _LEADING_NAME.match(regex)
        if match is not None and (match.group(2) == ":" or "_" in match.group(1)):
            names.add(match.group(1))
        else:
            others.append(regex)
    return frozenset(names), tuple(others)


def _other_formats() -> str:
    return "^(?:" + "|".join(regex[1:-1] for regex in _formats()[1]) + ")$"


_WHOLE = r"^(?P<text>.*)$"


@cache
def debug_rules() -> tuple[Rule, ...]:
    names, _ = _formats()
    return (
        Rule(EventKind.DEBUG, r"^[A-Za-z_][A-Za-z0-9_]*[:( ]", _WHOLE, Test.WORDS, words=names),
        Rule(
            EventKind.DEBUG,
            r"^(?:[<>] \S+: |>>> |<<< |input attribute (?:name|value): |"
            r"[a-z_]+_tempfail_action = |[a-z_]+: (?:EOF|timeout)$|"
            r"(?:level|path|fp|queue_name|queue_id|offset|sender|recipient|domain|local|"
            r"user|extension|unmatched|owner|delivered|relay|exp_type|exp_from|why|flags|"
            r"name|type|listen_fd_count|wakeup|max_proc|avail_proc|total_proc|"
            r"throttle_delay|children|next|arg\[\d+\]): |====(?:start|end) service entry$|"
            r"status_fd -?\d+ -?\d+$|(?:begin|end) \S+ address list$|pref +\d+ host |"
            r"(?:start|end) sorted recipient list$)",
            _WHOLE,
            Test.REGEX,
        ),
        Rule(EventKind.DEBUG, _other_formats(), _WHOLE, Test.REGEX),
    )


# policyd-spf (spf_engine/__init__.py, policyd_spf.py, policydspfsupp.py,
# policydspfuser.py, util.py of 2.0 to 3.0): lines logged only at debugLevel >= 2 (the
# default is 1). A result summary "Pass; identity=mailfrom; client-ip=..." (level 2)
# repeats the verdict line, so it is a debug line too.
_SPF_DEBUG = (
    r"^(?:Starting|Normal exit|Found the end of entry|not peruser|"
    r"Read line: |Config: |Action: |spfcheck: |Cached data for this instance: |"
    r"Per user configuration data in use for: |_get_resultcodes: |Scope (?:helo|mfrom) |"
    r"(?:helo|mfrom) policy (?:true|false) results|"
    r"\S+ enabled\.$|\S+ check used peruser data|Pyspf Cached SPF record |"
    r"HELO Domain Whitelist domain|readConfigFile: |readUserConfigFile: |Authserv_Id |"
    r"Starting to process per-user settings|User data: |Reading per user data |"
    r"Per-user settings for |drop_privileges: |PID dir created: |"
    r"Received-SPF: |Authentication-Results: |X-Comment: |"
    r"\w+; identity=|[A-Za-z_]+ = |#|"
    r"Configuration File parsing error: |Python SPF |"
    # policyd-spf 1.x: "spfcheck: pyspf result" and the raw policy request lines
    r"[a-z_]+=)"
)
SPF_DEBUG_RULES = (Rule(EventKind.DEBUG, _SPF_DEBUG, _WHOLE, Test.REGEX),)
