"""New header_checks rules: sender domains whose mail got in although the log itself
says it looks like spam.

Evidence, all from the period's log:
- SPF: policyd-spf gave the envelope sender `fail` or `softfail` and only prepended
  a header (the mail was not refused for it);
- RBL: mail accepted from a client network (/24, /48) that an RBL listed when
  smtpd refused another client of it;
- refused elsewhere: the domain's mail was refused at other times as spam (an RBL,
  SPF, client access, HELO or sender domain check, header/body checks), or the client
  that brought it was; a refused recipient or relay says nothing about the sender;
- catch-all leak: a catch-all address whose mail all comes from one sender domain
  that is not the site the address was given to (`shop.example@` ← `spam.test`).

Only domains with mail smtpd accepted are suggested, never one a rule of the user's
table already matches, nor the server's own or catch-all domains (reports/own.py), and
never a rule that would match a header of the server's own mail. Mail from the server's
own networks and SASL clients is no evidence, and does not make its network RBL-listed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from parsers.schema import EventKind, empty_frame
from reports.check_tables import read_check_table, read_patterns
from reports.expr import domain, is_refusal, network_of
from reports.own import Own, OwnFromLog
from reports.section import Batch

_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_VALID_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})+")
# Refusals that say the sender or client is a spammer (not a mistyped recipient).
SPAM_CLASSES = ("rbl", "spf", "client_access", "helo", "unknown_sender_domain", "content_check")
# pcre_table(5): matching is case-insensitive unless the `i` flag toggles it off.
_PCRE_FLAGS = {"m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}


@dataclass
class Evidence:
    accepted: int = 0  # messages smtpd accepted from the domain
    spf_fail: int = 0
    spf_softfail: int = 0
    rbl_network: int = 0  # accepted messages from RBL-listed networks
    refused: int = 0  # the domain's refused messages
    refused_client: int = 0  # accepted messages from clients refused at other times
    leaked_to: list[str] = field(default_factory=list)  # catch-all addresses

    def qualifies(self) -> bool:
        """Evidence about the domain itself; a refused client alone only supports it."""
        return bool(self.spf_fail + self.spf_softfail + self.rbl_network + self.refused
                    + len(self.leaked_to))  # fmt: skip

    def kinds(self) -> int:
        return sum(
            bool(n)
            for n in (
                self.spf_fail + self.spf_softfail,
                self.rbl_network,
                self.refused + self.refused_client,
                len(self.leaked_to),
            )
        )

    def why(self) -> str:
        parts = [f"{self.accepted:,} accepted"]
        if self.spf_fail:
            parts.append(f"{self.spf_fail:,} with SPF fail")
        if self.spf_softfail:
            parts.append(f"{self.spf_softfail:,} with SPF softfail")
        if self.rbl_network:
            parts.append(f"{self.rbl_network:,} from RBL-listed networks")
        if self.refused:
            parts.append(f"{self.refused:,} more refused this period")
        if self.refused_client:
            parts.append(f"{self.refused_client:,} from clients refused at other times")
        if self.leaked_to:
            parts.append("the only sender to catch-all " + ", ".join(self.leaked_to))
        return "; ".join(parts)


@dataclass(frozen=True)
class Suggestion:
    domain: str
    evidence: Evidence
    rule_id: int

    def pattern(self) -> str:
        return "/" + pcre_escape(self.domain) + "/"

    def line(self) -> str:
        return f'{self.pattern():<32}REJECT  "Plz stop sending SPAM id= {self.rule_id} "'


def pcre_escape(text: str) -> str:
    """Every character but letters and digits backslashed: literal in PCRE, and `/` can
    not end the pattern early."""
    return "".join(c if c.isascii() and c.isalnum() else "\\" + c for c in text)


class SuspectCollector:
    """The period's events a suggestion is made of (feed it batches already in period)."""

    def __init__(self, catchall_domains: Sequence[str], own: OwnFromLog | None = None) -> None:
        self.catchall = [d.lower() for d in catchall_domains]
        self.own_log = own or OwnFromLog()
        self.parts: dict[str, list[pl.DataFrame]] = {
            name: [] for name in ("queued", "client", "spf", "refused", "deliveries")
        }
        # an empty batch first: every part has its columns, even for a log with no lines
        self.add({kind: empty_frame(kind) for kind in EventKind})

    def add(self, batch: Batch) -> None:
        self.own_log.add(batch)
        keep = self.parts
        keep["queued"].append(
            batch[EventKind.QUEUED]
            .select("queue_id", domain(pl.col("sender")).alias("domain"))
            .drop_nulls()
        )
        keep["client"].append(batch[EventKind.CLIENT].select("queue_id", "client_ip").drop_nulls())
        spf = batch[EventKind.SPF].filter(
            (pl.col("identity") == "mailfrom")
            & pl.col("result").is_in(["fail", "softfail"])
            & (pl.col("action") == "prepend")
        )
        keep["spf"].append(
            spf.select(domain(pl.col("envelope_from")).alias("domain"), "result").drop_nulls()
        )
        refused = [
            batch[EventKind.REJECT]
            .filter(is_refusal())
            .select("sender", "client_ip", "reason_class"),
            batch[EventKind.CONTENT_CHECK]
            .filter(pl.col("action") == "reject")
            .select("sender", "client_ip", pl.lit("content_check").alias("reason_class")),
        ]
        keep["refused"].append(
            pl.concat(refused).select(
                domain(pl.col("sender")).alias("domain"), "client_ip", "reason_class"
            )
        )
        if self.catchall:
            keep["deliveries"].append(
                batch[EventKind.DELIVERY]
                .filter(pl.col("status") == "sent")
                .select(
                    "queue_id",
                    pl.coalesce("orig_recipient", "recipient").str.to_lowercase().alias("address"),
                )
                .filter(domain(pl.col("address")).is_in(self.catchall))
            )

    def _frame(self, name: str) -> pl.DataFrame:
        return pl.concat(self.parts[name]) if self.parts[name] else pl.DataFrame()

    def own(self) -> Own:
        return self.own_log.own()

    def evidence(self) -> dict[str, Evidence]:
        own = self.own()
        queued = self._frame("queued").unique("queue_id", keep="first")
        clients = self._frame("client").unique("queue_id", keep="first")
        ours = [
            ip
            for ip in clients.get_column("client_ip").unique().to_list() + self._refused_ips()
            if own.has_address(ip)
        ]
        clients = clients.filter(~pl.col("client_ip").is_in(ours))
        accepted = queued.join(clients, on="queue_id", how="inner")
        found: dict[str, Evidence] = {}
        for name, count in accepted.group_by("domain").len().iter_rows():
            found[str(name)] = Evidence(accepted=int(count))

        spf = self._frame("spf").group_by("domain", "result").len()
        for name, result, count in spf.iter_rows():
            entry = found.get(str(name))
            if entry is not None:
                if result == "fail":
                    entry.spf_fail += int(count)
                else:
                    entry.spf_softfail += int(count)

        refused = (
            self._frame("refused")
            .filter(pl.col("reason_class").is_in(SPAM_CLASSES))
            .filter(~pl.col("client_ip").is_in(ours))
        )
        for name, count in refused.drop_nulls("domain").group_by("domain").len().iter_rows():
            if str(name) in found:
                found[str(name)].refused = int(count)
        rbl_networks = {
            network_of(ip)
            for ip in refused.filter(pl.col("reason_class") == "rbl").get_column("client_ip")
        } - {None}
        refused_clients = set(refused.get_column("client_ip").drop_nulls().to_list())
        for name, ip in accepted.select("domain", "client_ip").iter_rows():
            entry = found[str(name)]
            if network_of(ip) in rbl_networks:
                entry.rbl_network += 1
            if ip in refused_clients:
                entry.refused_client += 1

        if self.catchall:
            leaks = self._frame("deliveries").join(queued, on="queue_id", how="inner")
            for address, domains in (
                leaks.group_by("address").agg(pl.col("domain").unique()).iter_rows()
            ):
                senders = list(domains)
                site = str(address).split("@", 1)[0]
                if len(senders) == 1 and _stranger(str(senders[0]), site):
                    entry = found.get(str(senders[0]))
                    if entry is not None:
                        entry.leaked_to.append(str(address))
        return found

    def _refused_ips(self) -> list[str]:
        if not self.parts["refused"]:
            return []
        return [
            str(ip) for ip in self._frame("refused").get_column("client_ip").drop_nulls().unique()
        ]


def _stranger(sender_domain: str, site: str) -> bool:
    """Is mail from `sender_domain` foreign to the site a catch-all address names?"""
    site = site.lower()
    return not (sender_domain == site or sender_domain.endswith("." + site)
                or site.endswith("." + sender_domain))  # fmt: skip


def compiled_rules(paths: Iterable[Path]) -> list[re.Pattern[str]]:
    patterns = []
    for path in paths:
        for pattern, flags in read_patterns(path):
            options = 0 if flags.count("i") % 2 else re.IGNORECASE
            for flag in flags:
                options |= _PCRE_FLAGS.get(flag, 0)
            try:
                patterns.append(re.compile(pattern, options))
            except re.error:
                continue  # PCRE syntax Python lacks: that rule is not tested against
    return patterns


def blocked_already(candidate: str, rules: Sequence[re.Pattern[str]]) -> bool:
    """Would a rule match this domain's From: header or envelope sender?"""
    probes = (f"From: someone@{candidate}", f"someone@{candidate}", candidate)
    return any(rule.search(probe) for rule in rules for probe in probes)


def own_headers(domains: Iterable[str]) -> list[str]:
    """Headers every message of an own domain carries, to test a proposed rule on."""
    return [
        header
        for name in sorted(domains)
        for header in (
            f"From: someone@{name}",
            f"Return-Path: <someone@{name}>",
            f"Received: from mail.{name} (mail.{name} [192.0.2.1]) by mx.{name} (Postfix)",
            f"Message-ID: <20261124.1@{name}>",
            name,
        )
    ]


def matches_own(suggestion: Suggestion, headers: Sequence[str]) -> bool:
    """Would the proposed rule (a pcre table's pattern: case-insensitive) hit own mail?"""
    rule = re.compile(suggestion.pattern()[1:-1], re.IGNORECASE)
    return any(rule.search(header) for header in headers)


def next_free_id(paths: Iterable[Path]) -> int:
    ids = [rule.rule_id for path in paths for rule in read_check_table(path)]
    return max(ids, default=0) + 1


def suggest(
    evidence: dict[str, Evidence],
    *,
    header_checks: Sequence[Path],
    own_domains: Sequence[str],
    top: int,
) -> list[Suggestion]:
    rules = compiled_rules(header_checks)
    own = {d.lower() for d in own_domains}
    headers = own_headers(own)
    candidates = [
        (name, entry)
        for name, entry in evidence.items()
        if entry.qualifies()
        and _VALID_DOMAIN.fullmatch(name)
        and name not in own
        and not any(name.endswith("." + d) for d in own)
        and not blocked_already(name, rules)
        and not matches_own(Suggestion(name, entry, 0), headers)
    ]
    candidates.sort(key=lambda item: (-item[1].kinds(), -item[1].accepted, item[0]))
    first = next_free_id(header_checks)
    return [
        Suggestion(name, entry, first + index)
        for index, (name, entry) in enumerate(candidates[:top])
    ]


def render(suggestions: Sequence[Suggestion], source: Sequence[Path]) -> str:
    tables = ", ".join(str(p) for p in source) or "no header_checks table given"
    lines = [
        f"# maillogs suggest-rules: new header_checks rules (numbered after {tables})",
        "# Check a rule before you add it: postmap -q 'From: x@DOMAIN' pcre:THIS_FILE",
    ]
    if not suggestions:
        lines.append("# nothing to suggest: no accepted mail looks like spam by the log")
    for item in suggestions:
        lines += [f"# {item.domain}: {item.evidence.why()}", item.line()]
    return "\n".join(lines) + "\n"
