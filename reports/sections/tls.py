"""TLS coverage, inbound (smtpd) and outbound (smtp/lmtp): levels, protocols, ciphers,
IP families, the share of messages that travelled encrypted, and who would fail if
encryption were required."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from parsers.correlate import session_start_epoch
from parsers.schema import EventKind
from reports.accepted import ACCEPTED_NEEDS, AcceptedMessages
from reports.metrics import Metrics
from reports.options import ReportOptions
from reports.section import Batch, Json, Needs, ParseSummary, SectionKind, ranked, union
from reports.session_tls import starttls_count
from reports.tables import Table, count_table, ranked_table, share
from reports.tally import Accumulator, LocalTally, Tally, counts

LEVELS = ("Verified", "Trusted", "Untrusted", "Anonymous")
# TLS was used but its level, protocol or cipher was not logged
UNKNOWN = "unknown"


NEEDS: Needs = union(
    {
        EventKind.CONNECT: ["ip_family"],
        EventKind.TLS: ["direction", "level", "protocol", "cipher", "ip_family"],
        EventKind.DISCONNECT: ["ip_family", "commands", "session"],
        EventKind.DELIVERY: [
            "transport", "relay_ip", "relay_host", "tls_level", "tls_protocol", "tls_cipher",
            "ip_family", "status",
        ],
    },
    ACCEPTED_NEEDS,
)  # fmt: skip


class TlsCoverage:
    name = "tls"
    needs = NEEDS

    def __init__(self, options: ReportOptions, isolated: bool = False) -> None:
        self.options = options
        day = ["day"]
        self.connections = LocalTally(options.tz, day, ["ip_family"])
        self.inbound = LocalTally(options.tz, day, ["level", "protocol", "cipher", "ip_family"])
        # smtpd sessions whose STARTTLS succeeded, by their disconnect line's counters
        self.starttls = LocalTally(options.tz, day, ["ip_family"])
        self.accepted = AcceptedMessages(isolated)
        self.outbound = LocalTally(
            options.tz, day, ["level", "protocol", "cipher", "ip_family", "status"]
        )
        self.destinations = Tally(["relay_host", "level"], seen=False)

    def add(self, batch: Batch) -> None:
        self.connections.add(batch[EventKind.CONNECT].select("time", "ip_family"))
        tls = batch[EventKind.TLS]
        inbound = tls.filter(pl.col("direction") == "inbound")
        self.inbound.add(inbound.select("time", "level", "protocol", "cipher", "ip_family"))
        ends = batch[EventKind.DISCONNECT].filter(starttls_count(pl.col("commands")) > 0)
        # on the day the session began, as its TLS line would be
        began = pl.from_epoch(session_start_epoch(pl.col("session")), "us").dt.replace_time_zone(
            "UTC"
        )
        self.starttls.add(ends.select(pl.coalesce(began, "time").alias("time"), "ip_family"))
        self.accepted.add(batch)
        attempts = batch[EventKind.DELIVERY].filter(
            pl.col("transport").is_in(["smtp", "lmtp"]) & pl.col("relay_ip").is_not_null()
        )
        self.outbound.add(
            attempts.select(
                "time",
                pl.col("tls_level").alias("level"),
                pl.col("tls_protocol").alias("protocol"),
                pl.col("tls_cipher").alias("cipher"),
                "ip_family",
                "status",
            )
        )
        self.destinations.add(
            attempts.select("time", "relay_host", pl.col("tls_level").alias("level"))
        )

    def accumulators(self) -> dict[str, Accumulator]:
        return {
            "connections": self.connections,
            "inbound": self.inbound,
            "starttls": self.starttls,
            **self.accepted.accumulators(),
            "outbound": self.outbound,
            "destinations": self.destinations,
        }

    def result(self, summary: ParseSummary) -> Json:
        connections = self.connections.frame()
        logged = self.inbound.frame()
        starttls = self.starttls.frame()
        inbound = _with_unlogged(logged, starttls)
        outbound = self.outbound.frame()
        encrypted = outbound.filter(pl.col("level").is_not_null())
        attempts = int(outbound.get_column("count").sum() or 0)
        # no TLS line at all: smtp_tls_loglevel = 0, or no TLS; the log cannot tell, but
        # main.cf can (when read)
        out_logged = _logged(encrypted.height > 0 or attempts == 0, self.options.smtp_tls_loglevel)
        if not out_logged:
            encrypted = outbound.with_columns(
                pl.lit(UNKNOWN).alias(name) for name in ("level", "protocol", "cipher")
            )
        sent = outbound.filter(pl.col("status") == "sent")
        self.accepted.finish(_logged(logged.height > 0, self.options.smtpd_tls_loglevel))
        accepted = self.accepted.counts
        plaintext_clients = self.accepted.plaintext_clients  # ranked from its codes
        top = self.options.top
        return {
            "inbound": {
                **_breakdown(inbound, int(connections.get_column("count").sum() or 0)),
                "starttls": {
                    "sessions": int(starttls.get_column("count").sum() or 0),
                    "logged": int(logged.get_column("count").sum() or 0),
                },
                "by_ip_family": _families(connections, inbound),
                "by_day": _share_by_day(connections, inbound),
                "accepted_messages": {
                    "total": accepted["tls"] + accepted["plaintext"] + accepted["unknown"],
                    "tls": accepted["tls"],
                    "plaintext": accepted["plaintext"],
                    "unknown": accepted["unknown"],
                },
                "top_plaintext_clients": ranked(
                    plaintext_clients.top(top), "client_host", top, ("client_ip",)
                ),
                "encrypt_would_refuse": {
                    "clients": plaintext_clients.distinct(),
                    "messages": accepted["plaintext"],
                },
            },
            "outbound": {
                **_breakdown(encrypted, attempts),
                "tls_logged": out_logged,
                "by_ip_family": _families(outbound, encrypted),
                "by_day": _share_by_day(outbound, encrypted),
                "delivered_messages": _delivered(sent, out_logged),
                **self._would_fail(out_logged),
            },
        }

    def _would_fail(self, logged: bool) -> Json:
        """Destinations that took mail in plaintext or unverified. Where outbound TLS is
        not logged, none is known to: the lists are empty (the notice says why)."""
        per_destination = (
            self.destinations.frame()
            .group_by("relay_host")
            .agg(
                pl.col("count").sum().alias("attempts"),
                pl.col("count").filter(pl.col("level").is_null()).sum().alias("plaintext"),
                pl.col("count")
                .filter(pl.col("level").is_null() | ~pl.col("level").is_in(["Verified", "Trusted"]))
                .sum()
                .alias("unverified"),
            )
        )
        top = self.options.top

        def listed(column: str) -> list[Json]:
            rows = per_destination.filter(pl.col(column) > 0).sort(
                [column, "relay_host"], descending=[True, False]
            )
            return [
                {"destination": host, "attempts": int(n), column: int(bad)}
                for host, n, bad in rows.select("relay_host", "attempts", column)
                .head(top)
                .iter_rows()
            ]

        if not logged:
            return {"encrypt_would_fail": [], "verify_would_fail": []}
        return {
            "encrypt_would_fail": listed("plaintext"),
            "verify_would_fail": listed("unverified"),
        }


def _logged(seen: bool, loglevel: int | None) -> bool:
    """Whether TLS is logged: main.cf's level when it was read, unless TLS lines in the
    period show a level set since; else what the period's lines show."""
    return seen or (loglevel is not None and loglevel >= 1)


def _delivered(sent: pl.DataFrame, logged: bool) -> Json:
    """Messages delivered, over TLS, and of unknown TLS (outbound TLS not logged)."""
    total = int(sent.get_column("count").sum() or 0)
    if not logged:
        return {"total": total, "tls": 0, "unknown": total}
    tls = int(sent.filter(pl.col("level").is_not_null()).get_column("count").sum() or 0)
    return {"total": total, "tls": tls, "unknown": 0}


def _with_unlogged(logged: pl.DataFrame, starttls: pl.DataFrame) -> pl.DataFrame:
    """The TLS lines' counts, and per day and family the sessions whose STARTTLS
    succeeded beyond them, as level, protocol and cipher "unknown" (TLS not logged)."""
    per_line = logged.group_by("day", "ip_family").agg(pl.col("count").sum().alias("_lines"))
    extra = (
        starttls.join(per_line, on=["day", "ip_family"], how="left", nulls_equal=True)
        .select(
            "day",
            "ip_family",
            (pl.col("count").cast(pl.Int64) - pl.col("_lines").fill_null(0))
            .clip(lower_bound=0)
            .alias("count"),
        )
        .filter(pl.col("count") > 0)
        .with_columns(pl.lit(UNKNOWN).alias(name) for name in ("level", "protocol", "cipher"))
    )
    return (
        pl.concat(
            [logged.select(extra.columns), extra.select(extra.columns)], how="vertical_relaxed"
        )
        if extra.height
        else logged
    )


def _breakdown(tls: pl.DataFrame, connections: int) -> Json:
    # "unknown" (TLS not logged) only when there is some: a level, not a placeholder
    by_level = {level: 0 for level in LEVELS}
    by_level.update(counts(tls, "level"))
    by_level["none"] = int(connections) - int(tls.get_column("count").sum() or 0)
    return {
        "by_level": by_level,
        "by_protocol": counts(tls, "protocol"),
        "by_cipher": counts(tls, "cipher"),
    }


def _families(all_rows: pl.DataFrame, tls: pl.DataFrame) -> Json:
    total, encrypted = counts(all_rows, "ip_family"), counts(tls, "ip_family")
    return {
        family: {"connections": total.get(family, 0), "tls": encrypted.get(family, 0)}
        for family in ("ipv4", "ipv6")
    }


def _share_by_day(all_rows: pl.DataFrame, tls: pl.DataFrame) -> Json:
    total, encrypted = counts(all_rows, "day"), counts(tls, "day")
    return {
        day: {"connections": n, "tls": encrypted.get(day, 0)} for day, n in sorted(total.items())
    }


def _tables(data: Mapping[str, Any]) -> list[Table]:
    return _direction("inbound", data["inbound"]) + _direction("outbound", data["outbound"])


def _direction(name: str, data: Mapping[str, Any]) -> list[Table]:
    what = "connections" if name == "inbound" else "delivery attempts"
    title = name.capitalize()
    tables = [
        count_table(
            "tls",
            f"{name}_by_level",
            f"{title} TLS by trust level ({what})",
            "level",
            data["by_level"],
        ),
        count_table(
            "tls", f"{name}_by_protocol", f"{title} TLS protocols", "protocol", data["by_protocol"]
        ),
        count_table(
            "tls", f"{name}_by_cipher", f"{title} TLS ciphers", "cipher", data["by_cipher"]
        ),
        Table(
            "tls",
            f"{name}_by_ip_family",
            f"{title} by IP family",
            ("family", what, "over TLS", "share"),
            tuple(
                (family, row["connections"], row["tls"], share(row["tls"], row["connections"]))
                for family, row in data["by_ip_family"].items()
            ),
        ),
    ]
    messages = data.get("accepted_messages") or data.get("delivered_messages")
    if messages:
        label = "accepted messages" if name == "inbound" else "delivered messages"
        unknown = ("TLS unknown",) if messages.get("unknown") else ()
        tables.append(
            Table(
                "tls",
                f"{name}_messages",
                f"{title} {label} over TLS",
                ("messages", "over TLS", *unknown, "share"),
                (
                    (
                        messages["total"],
                        messages["tls"],
                        *((messages["unknown"],) if unknown else ()),
                        share(messages["tls"], messages["total"]),
                    ),
                ),
            )
        )
    if "starttls" in data:
        tables.append(
            Table(
                "tls",
                f"{name}_starttls",
                f"{title} STARTTLS sessions",
                ("sessions", "TLS logged"),
                ((data["starttls"]["sessions"], data["starttls"]["logged"]),),
            )
        )
    if name == "inbound":
        tables.append(
            ranked_table(
                "tls",
                "plaintext_clients",
                "Top plaintext clients (accepted messages)",
                "client_host",
                data["top_plaintext_clients"],
                ("client_ip",),
            )
        )
        refuse = data["encrypt_would_refuse"]
        tables.append(
            Table(
                "tls",
                "encrypt_would_refuse",
                "Refused had smtpd_tls_security_level = encrypt been set",
                ("plaintext clients", "accepted messages"),
                ((refuse["clients"], refuse["messages"]),),
            )
        )
    else:
        for key, label in (
            ("encrypt_would_fail", "plaintext"),
            ("verify_would_fail", "unverified"),
        ):
            rows = tuple((d["destination"], d["attempts"], d[label]) for d in data[key])
            level = key.split("_")[0]
            tables.append(
                Table(
                    "tls",
                    key,
                    f"Destinations that would fail under {level}",
                    ("destination", "attempts", label),
                    rows,
                )
            )
    return tables


def _metrics(put: Metrics, data: Json) -> None:
    for direction, side in data.items():
        for name, label, what in (
            ("tls_connections", "level", "Connections by TLS trust level (none: no TLS)."),
            ("tls_protocol_connections", "protocol", "TLS connections by protocol."),
            ("tls_cipher_connections", "cipher", "TLS connections by cipher."),
        ):
            put.each(name, what, label, side[f"by_{label}"], direction=direction)
        for family, row in side["by_ip_family"].items():
            for over, count in (("all", row["connections"]), ("tls", row["tls"])):
                put.put(
                    "ip_family_connections",
                    "Connections by IP family, all and over TLS.",
                    count,
                    direction=direction,
                    family=family,
                    over=over,
                )
        messages = side.get("accepted_messages") or side.get("delivered_messages") or {}
        for over, key in (("all", "total"), ("tls", "tls"), ("unknown", "unknown")):
            if key not in messages and over == "unknown":
                continue
            put.put(
                "tls_messages",
                "Messages accepted (inbound) or delivered (outbound), all, over TLS and "
                "of unknown TLS (not logged).",
                messages.get(key),
                direction=direction,
                over=over,
            )


SECTION: SectionKind[Json] = SectionKind(
    name="tls",
    title="TLS",
    version=4,
    make=lambda options, isolated: TlsCoverage(options, isolated),
    tables=_tables,
    metrics=_metrics,
)
