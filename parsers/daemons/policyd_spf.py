"""pypolicyd-spf (postfix-policyd-spf-python): one line per SPF verdict it acts on.

Accepted: `prepend Received-SPF: Pass (mailfrom) identity=mailfrom; client-ip=...;
helo=...; envelope-from=...; receiver=...`. Refused: `550 5.7.23 Message rejected due
to: SPF fail - not authorized. Please see http://www.openspf.net/Why?s=mfrom;id=...;
ip=...;r=...`. Recent versions put a (here always empty) queue id and ": " in front,
since the policy request comes before a queue id exists.
"""

from parsers.rules import FastPath, Rule, Test
from parsers.schema import EventKind

_LEAD = r"^(?:[0-9A-Za-z]*: )?"

SPF_RULES = (
    Rule(
        EventKind.SPF,
        "prepend Received-SPF: ",
        # The comment (pyspf's explanation) is skipped lazily: a greedy match would
        # scan the rest of the line and back off, four times slower.
        _LEAD + r"(?P<action>prepend) Received-SPF: (?P<result>\w+) \(.*?\) "
        r"identity=(?P<identity>\w+); client-ip=(?P<client_ip>[^;]*); helo=(?P<helo>[^;]*); "
        r"envelope-from=(?P<envelope_from>[^;]*); receiver=(?P<receiver>.*?) ?$",
        Test.CONTAINS,
        # The usual line: an empty or no queue id, no ")" in the comment, one-word receiver.
        fast=FastPath(
            r"^(?:: )?(?P<action>prepend) Received-SPF: (?P<result>[0-9A-Za-z_]+) \([^)]*\) "
            r"identity=(?P<identity>[0-9A-Za-z_]+); client-ip=(?P<client_ip>[^;]*); "
            r"helo=(?P<helo>[^;]*); envelope-from=(?P<envelope_from>[^;]*); "
            r"receiver=(?P<receiver>[^ ]*) ?$"
        ),
    ),
    Rule(
        EventKind.SPF,
        r"^(?:[0-9A-Za-z]*: )?[45]\d\d [45]\.\d{1,3}\.\d{1,3} ",
        _LEAD + r"(?P<code>[45]\d\d) (?P<dsn>[45]\.\d{1,3}\.\d{1,3}) (?P<text>.*?SPF.*)$",
        Test.REGEX,
    ),
)
