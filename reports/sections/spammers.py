"""Who spammed me, per period: check rules that fired, sender domains and client networks
with the most refusals, SPF failures; each with count, first and last seen. The server's
own domains and networks (reports/own.py) are never ranked."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from parsers.schema import EventKind
from reports.check_tables import CheckRule, rules_by_id
from reports.expr import bucket_label, domain, is_refusal, networks_of
from reports.options import ReportOptions
from reports.own import OWN_NEEDS, Own, OwnFromLog
from reports.section import Batch, Json, Needs, ParseSummary, SectionKind, iso, ranked, union
from reports.tables import Table, ranked_table, stamp
from reports.tally import Accumulator, Tally, ranking, regroup, regrouped

NEEDS: Needs = union(
    {
        EventKind.CONTENT_CHECK: ["action", "rule_id", "part", "sender", "client_ip"],
        EventKind.REJECT: ["action", "sender", "client_ip"],
        EventKind.SPF: ["result", "envelope_from"],
    },
    OWN_NEEDS,
)


class Spammers:
    name = "spammers"
    needs = NEEDS

    def __init__(self, options: ReportOptions) -> None:
        self.options = options
        self._bucket = bucket_label(options.tz, options.bucket).alias("period")
        self.rules: dict[int, CheckRule] = rules_by_id(
            [*options.header_checks, *options.body_checks]
        )
        self.rule_hits = Tally(["period", "part", "rule_id"])
        self.senders = Tally(["period", "sender"])  # by domain in `result`
        self.client_ips = Tally(["period", "client_ip"])
        self.spf_domains = Tally(["period", "domain"])
        self.own_log = OwnFromLog(
            (*options.own_domains, *options.catchall_domains), options.own_networks
        )
        self._own = Own()

    def add(self, batch: Batch) -> None:
        self.own_log.add(batch)
        period = self._bucket
        checks = batch[EventKind.CONTENT_CHECK].filter(pl.col("action") == "reject")
        self.rule_hits.add(
            checks.filter(pl.col("rule_id").is_not_null()).select("time", period, "part", "rule_id")
        )
        refused = pl.concat(
            [
                batch[EventKind.REJECT].filter(is_refusal()).select("time", "sender", "client_ip"),
                checks.select("time", "sender", "client_ip"),
            ]
        )
        self.senders.add(refused.select("time", period, "sender"))
        self.client_ips.add(refused.select("time", period, "client_ip"))
        spf = batch[EventKind.SPF].filter(pl.col("result").is_in(["fail", "softfail"]))
        self.spf_domains.add(
            spf.select("time", period, domain(pl.col("envelope_from")).alias("domain"))
        )

    def accumulators(self) -> dict[str, Accumulator]:
        return {
            "rule_hits": self.rule_hits,
            "senders": self.senders,
            "client_ips": self.client_ips,
            "spf_domains": self.spf_domains,
            **self.own_log.accumulators(),
        }

    def result(self, summary: ParseSummary) -> Json:
        top = self.options.top
        own = self._own = self.own_log.own()
        sender_domains = regroup(
            self.senders.frame(), period=pl.col("period"), sender_domain=domain(pl.col("sender"))
        ).filter(~own.domain_expr(pl.col("sender_domain")))
        spf_domains = self.spf_domains.frame().filter(~own.domain_expr(pl.col("domain")))
        periods = sorted(
            set(self.rule_hits.frame().get_column("period").to_list())
            | set(sender_domains.get_column("period").to_list())
        )
        by_period = {
            str(period): {
                "header_checks": self._rules(period, "header"),
                "body_checks": self._rules(period, "body"),
                "sender_domains": ranked(
                    _in(sender_domains, period).drop_nulls("sender_domain"),
                    "sender_domain",
                    top,
                ),
                "client_networks": self._networks(period),
                "spf_failing_domains": ranked(
                    _in(spf_domains, period).drop_nulls("domain"), "domain", top
                ),
            }
            for period in periods
        }
        whole = self._whole_range(by_period)
        return {
            "periods": by_period,
            **whole,
            # what was taken as the server's own, and so never ranked
            "own_domains": sorted(own.domains),
            "own_networks": [str(network) for network in own.networks],
        }

    def _whole_range(self, by_period: dict[str, Json]) -> Json:
        """The first period's lists when unsplit, else rankings over all periods."""
        if self.options.bucket is None:
            return by_period.get(
                "all",
                {
                    "header_checks": [],
                    "body_checks": [],
                    "sender_domains": [],
                    "client_networks": [],
                    "spf_failing_domains": [],
                },
            )
        return {
            "header_checks": self._rules(None, "header"),
            "body_checks": self._rules(None, "body"),
        }

    def _rules(self, period: object, part: str) -> list[Json]:
        hits = self.rule_hits.frame().filter(pl.col("part") == part)
        if period is not None:
            hits = hits.filter(pl.col("period") == period)
        merged = regroup(hits, rule_id=pl.col("rule_id"))
        out = []
        for rule_id, count, first, last in merged.head(self.options.top).iter_rows():
            rule = self.rules.get(int(rule_id))
            out.append(
                {
                    "id": int(rule_id),
                    "count": int(count),
                    "pattern": rule.pattern if rule else None,
                    "label": rule.label if rule else None,
                    "first_seen": iso(first),
                    "last_seen": iso(last),
                }
            )
        return out

    def _networks(self, period: object) -> list[Json]:
        # the period's rows taken on codes: only theirs are made text
        ips = _in(self.client_ips.merged(text=False), period).drop_nulls("client_ip")
        ips = ips.with_columns(pl.col("client_ip").cast(pl.String))
        if self._own.networks:
            ips = ips.filter(~self._own.ours(ips.get_column("client_ip")))
        if ips.height == 0:
            return []
        # IPv4 /24s by string surgery; IPv6 /48s once per distinct address.
        v4 = pl.col("client_ip").str.extract(r"^(\d{1,3}\.\d{1,3}\.\d{1,3})\.\d{1,3}$", 1)
        v6 = networks_of(
            ips.filter(pl.col("client_ip").str.contains(":", literal=True)).get_column("client_ip")
        ).rename({"ip": "client_ip", "network": "v6_network"})
        network = pl.when(v4.is_not_null()).then(v4 + ".0/24").otherwise(pl.col("v6_network"))
        with_v6 = ips.join(v6, on="client_ip", how="left")
        networks = regrouped(with_v6, network=network).drop_nulls("network")
        return ranked(ranking(networks, ["network"], self.options.top), "network", self.options.top)


def _in(frame: pl.DataFrame, period: object) -> pl.DataFrame:
    """The rows of one period (unique by the other keys already), in their order."""
    return frame.filter(pl.col("period") == period).drop("period")


def _tables(data: Mapping[str, Any]) -> list[Table]:
    tables = []
    for period, lists in data["periods"].items():
        suffix = "" if period == "all" else f" ({period})"
        slug = "" if period == "all" else f"_{period}"
        for part in ("header_checks", "body_checks"):
            rows = tuple(
                (
                    r["id"],
                    r["label"],
                    r["pattern"],
                    r["count"],
                    stamp(r["first_seen"]),
                    stamp(r["last_seen"]),
                )
                for r in lists[part]
            )
            tables.append(
                Table(
                    "spammers",
                    f"{part}{slug}",
                    f"Top {part} rules{suffix}",
                    ("id", "label", "pattern", "count", "first seen", "last seen"),
                    rows,
                )
            )
        tables.append(
            ranked_table(
                "spammers",
                f"sender_domains{slug}",
                f"Most refused sender domains{suffix}",
                "sender_domain",
                lists["sender_domains"],
            )
        )
        tables.append(
            ranked_table(
                "spammers",
                f"client_networks{slug}",
                f"Most refused client networks{suffix}",
                "network",
                lists["client_networks"],
            )
        )
        tables.append(
            ranked_table(
                "spammers",
                f"spf_failing{slug}",
                f"SPF-failing sender domains{suffix}",
                "domain",
                lists["spf_failing_domains"],
            )
        )
    return tables


SECTION: SectionKind[Json] = SectionKind(
    name="spammers",
    title="Spammers",
    version=2,
    make=lambda options, isolated: Spammers(options),
    tables=_tables,
)
