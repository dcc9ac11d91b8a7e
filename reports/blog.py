"""The monthly "top spammers" post, in the shape of the user's own posts.

    Dec 1 2014 - Jan 21 2015

    top five spammers:

    1. adsgreece.com
    ...

    Blocked via postfix:

    /adsgreece\\.com/                REJECT  "Plz stop sending SPAM id= 8 "

Spammers are ranked by messages blocked (cleanup refused them with a header_checks or
body_checks REJECT). Each is named by the label of the rule that blocked it
(`/adsgreece\\.com/` → adsgreece.com), or, for a reject whose rule is not in the tables
given, by the sender's domain; never by one of the server's own domains (reports/own.py):
mail with such a sender is left out of the ranking. A rule is marked new when it
blocked mail in the period and nothing before it, in logs that reach back before the
period; when the logs start inside the period, no rule is marked, since nothing can be
said.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl

from parsers.schema import EventKind
from reports.check_tables import CheckRule, read_check_table
from reports.expr import domain
from reports.own import Own, OwnFromLog
from reports.section import Batch
from reports.tally import LocalTally, Tally

NO_SENDER = "(no sender)"


@dataclass(frozen=True)
class Spammer:
    label: str
    blocked: int
    rule_ids: tuple[int, ...]  # the rules that blocked it, empty when named by domain


@dataclass(frozen=True)
class RuleLine:
    text: str  # the rule as it stands in the user's file
    rule_id: int
    hits: int
    new: bool


@dataclass(frozen=True)
class TlsSummary:
    accepted: int  # messages smtpd accepted (queued)
    over_tls: int
    unknown: int  # of them, whose TLS the log does not tell (not logged)
    connections: int
    trusted: int  # Trusted or Verified connections
    anonymous: int  # Anonymous or Untrusted connections
    unlogged: int  # encrypted connections whose level was not logged
    ipv6: int


@dataclass(frozen=True)
class Post:
    title: str
    first_day: date
    last_day: date
    spammers: list[Spammer]
    rules: list[RuleLine]
    blocked_by_day: dict[str, dict[date, int]]  # label → day → blocked, for the chart
    days: list[date]
    tls: TlsSummary | None
    new_rules_known: bool  # the logs reach back before the period


def user_date(day: date) -> str:
    """The user's style: `Dec 1 2014`."""
    return f"{day:%b} {day.day} {day.year}"


def period_text(post: Post) -> str:
    return f"{user_date(post.first_day)} - {user_date(post.last_day)}"


class BlockedSpam:
    """Content-check rejects, in the period (by rule, sender domain, day) and before it."""

    def __init__(
        self,
        tz: str,
        since: datetime | None,
        until: datetime | None,
        own: OwnFromLog | None = None,
    ) -> None:
        self.since, self.until = since, until
        self.own_log = own or OwnFromLog()
        self.in_period = LocalTally(tz, ["day"], ["part", "rule_id", "sender_domain"])
        self.before = Tally(["part", "rule_id"])
        self.earliest: datetime | None = None

    def add(self, batch: Batch) -> None:
        self.own_log.add(batch)
        lines = [frame.get_column("time").min() for frame in batch.values() if frame.height]
        found = [t for t in lines if isinstance(t, datetime)]
        if found and (self.earliest is None or min(found) < self.earliest):
            self.earliest = min(found)
        rejects = batch[EventKind.CONTENT_CHECK].filter(pl.col("action") == "reject")
        part = pl.when(pl.col("part") == "body").then(pl.lit("body")).otherwise(pl.lit("header"))
        keys = [part.alias("part"), pl.col("rule_id").cast(pl.String)]
        time = pl.col("time")
        if self.since is not None:
            self.before.add(rejects.filter(time < self.since).select("time", *keys))
        in_period = rejects
        if self.since is not None:
            in_period = in_period.filter(time >= self.since)
        if self.until is not None:
            in_period = in_period.filter(time < self.until)
        sender = domain(pl.col("sender")).fill_null(NO_SENDER).alias("sender_domain")
        self.in_period.add(in_period.select("time", *keys, sender))

    def reaches_before_period(self) -> bool:
        return self.since is not None and self.earliest is not None and self.earliest < self.since


def _label(
    part: str, rule_id: str | None, sender: str, rules: dict[tuple[str, int], CheckRule]
) -> str:
    if rule_id is not None:
        rule = rules.get((part, int(rule_id)))
        if rule is not None:
            return rule.label
    return sender


def build_post(
    blocked: BlockedSpam,
    report: dict[str, object],
    *,
    header_checks: list[Path],
    body_checks: list[Path],
    top: int,
    title: str | None,
    first_day: date,
    last_day: date,
) -> Post:
    tables = {
        "header": [(path, read_check_table(path)) for path in header_checks],
        "body": [(path, read_check_table(path)) for path in body_checks],
    }
    rules = {
        (part, rule.rule_id): rule
        for part, files in tables.items()
        for _, found in files
        for rule in found
    }
    hits = blocked.in_period.frame()
    own: Own = blocked.own_log.own()
    per_label: dict[str, int] = {}
    ids: dict[str, set[int]] = {}
    by_day: dict[str, dict[date, int]] = {}
    for part, rule_id, sender, day, count in hits.select(
        "part", "rule_id", "sender_domain", "day", "count"
    ).iter_rows():
        label = _label(str(part), rule_id, str(sender), rules)
        if label == sender and own.has_domain(label):
            continue  # the server's own domain is never a spammer
        per_label[label] = per_label.get(label, 0) + int(count)
        if rule_id is not None and (str(part), int(rule_id)) in rules:
            ids.setdefault(label, set()).add(int(rule_id))
        day_counts = by_day.setdefault(label, {})
        when = date.fromisoformat(str(day))
        day_counts[when] = day_counts.get(when, 0) + int(count)
    ranked = sorted(per_label, key=lambda label: (-per_label[label], label))
    spammers = [
        Spammer(label, per_label[label], tuple(sorted(ids.get(label, ()))))
        for label in ranked[:top]
    ]
    rule_hits: dict[tuple[str, int], int] = {}
    for part, rule_id, count in (
        hits.drop_nulls("rule_id")
        .group_by("part", "rule_id")
        .agg(pl.col("count").sum())
        .iter_rows()
    ):
        rule_hits[(str(part), int(rule_id))] = int(count)
    fired_before = {
        (str(part), int(rule_id))
        for part, rule_id in blocked.before.frame()
        .drop_nulls("rule_id")
        .select("part", "rule_id")
        .iter_rows()
    }
    known = blocked.reaches_before_period()
    lines = [
        RuleLine(
            text=_file_line(path, rule.line),
            rule_id=rule.rule_id,
            hits=rule_hits.get((part, rule.rule_id), 0),
            new=known
            and rule_hits.get((part, rule.rule_id), 0) > 0
            and (part, rule.rule_id) not in fired_before,
        )
        for part, files in tables.items()
        for path, found in files
        for rule in found
        if rule.action == "REJECT"
    ]
    days = []
    day = first_day
    while day <= last_day:
        days.append(day)
        day += timedelta(days=1)
    return Post(
        title=title or f"Top spammers, {user_date(first_day)} - {user_date(last_day)}",
        first_day=first_day,
        last_day=last_day,
        spammers=spammers,
        rules=lines,
        blocked_by_day={s.label: by_day.get(s.label, {}) for s in spammers},
        days=days,
        tls=_tls(report),
        new_rules_known=known,
    )


def _file_line(path: Path, number: int) -> str:
    return path.read_text(encoding="utf-8", errors="replace").splitlines()[number - 1].rstrip()


def _tls(report: dict[str, object]) -> TlsSummary | None:
    tls = report.get("tls")
    if not isinstance(tls, dict):
        return None
    inbound = tls["inbound"]
    levels = inbound["by_level"]
    families = inbound["by_ip_family"]
    accepted = inbound["accepted_messages"]
    return TlsSummary(
        accepted=int(accepted["total"]),
        over_tls=int(accepted["tls"]),
        unknown=int(accepted.get("unknown", 0)),
        connections=sum(int(v) for v in levels.values()),
        trusted=int(levels.get("Trusted", 0)) + int(levels.get("Verified", 0)),
        anonymous=int(levels.get("Anonymous", 0)) + int(levels.get("Untrusted", 0)),
        unlogged=int(levels.get("unknown", 0)),
        ipv6=int(families.get("ipv6", {}).get("connections", 0)),
    )
