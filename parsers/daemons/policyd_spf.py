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
        scanner="spf_prepend",  # the fast path's shape, by hand (engine/src/scan.rs)
    ),
    # With Header_Type = AR: "prepend Authentication-Results: HOST; spf=pass
    # (sender SPF authorized) smtp.mailfrom=DOMAIN (client-ip=...; helo=...; ...)".
    Rule(
        EventKind.SPF,
        "prepend Authentication-Results: ",
        _LEAD + r"(?P<action>prepend) (?P<text>Authentication-Results: [^;]*; "
        r"spf=(?P<result>\w+) .*?smtp\.(?P<identity>mailfrom|helo)=(?P<envelope_from>[^\s;()]*)"
        r".*)$",
        Test.CONTAINS,
    ),
    # policyd_spf.py: a reject ("550 5.7.23 ...", "550 5.7.24 ...", or a bare "550").
    Rule(
        EventKind.SPF,
        r"^(?:[0-9A-Za-z]*: )?[45]\d\d ",
        _LEAD + r"(?P<code>[45]\d\d) (?:(?P<dsn>[45]\.\d{1,3}\.\d{1,3}) )?(?P<text>.*?SPF.*)$",
        Test.REGEX,
    ),
    # A temporary error: "defer_if_permit 4.7.24 SPF Temporary Error: ..." (or no DSN).
    Rule(
        EventKind.SPF,
        r"^(?:[0-9A-Za-z]*: )?defer_if_permit ",
        _LEAD + r"(?P<action>defer_if_permit) (?:(?P<dsn>4\.\d{1,3}\.\d{1,3}) )?(?P<text>.*)$",
        Test.REGEX,
    ),
    # Header_Type = None, or a result_only configuration: the verdict, nothing added.
    Rule(
        EventKind.SPF,
        r"^(?:[0-9A-Za-z]*: )?(?:Header field not prepended: |result_only )",
        _LEAD + r"(?P<action>Header field not prepended|result_only):? (?P<text>(?:Received-SPF: )?"
        r"(?P<result>\w+) .*?(?:identity=(?P<identity>\w+); client-ip=(?P<client_ip>[^;]*); "
        r"helo=(?P<helo>[^;]*); envelope-from=(?P<envelope_from>[^;]*); "
        r"receiver=(?P<receiver>.*?) ?)?)$",
        Test.REGEX,
    ),
)

# Lines logged at every debugLevel >= 0: configuration and run-time errors.
SPF_WARNING_RULES = (
    Rule(
        EventKind.LOG,
        r"^(?:ERROR|WARNING)[: ]|^Ouch, caught exc: |^Authserv_Id not set |"
        r"^Header_Type includes both |^Unable to write pidfle |^Could not make HostDataset",
        r"^(?:(?P<severity>ERROR|WARNING):? )?(?P<text>.*)$",
        Test.REGEX,
    ),
)
