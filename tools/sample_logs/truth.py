"""The ground truth, kept as the scenario runs: what each client did and what the
servers answered it, turned into the counts Postfix's log must show."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from world import CATCHALL

TLS_LEVELS_IN = ("Trusted", "Untrusted", "Anonymous")
TLS_LEVELS_OUT = ("Verified", "Trusted", "Untrusted", "Anonymous")
SPF_RESULTS = ("pass", "fail", "softfail", "neutral", "none", "permerror", "temperror")
REJECT_CLASSES = (
    "unknown_recipient",
    "relay_denied",
    "rbl",
    "unknown_sender_domain",
    "client_access",
    "spf",
    "helo",
    "other",
)


class Truth:
    def __init__(self) -> None:
        self.c: Counter[str] = Counter()
        self.by_day: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.tls_in: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.tls_out: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.family_in: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.family_out: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.spf: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.checks: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.check_ids: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.reject_classes: Counter[str] = Counter()
        self.rbl: Counter[str] = Counter()
        self.deliveries: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.catchall: Counter[str] = Counter()
        self.catchall_rejected: Counter[str] = Counter()

    # --- inbound sessions
    def connection(self, day: str, family: str) -> None:
        self.c["connections"] += 1
        self.by_day[day]["connections"] += 1
        self.family_in[family]["connections"] += 1

    def inbound_tls(
        self, level: str | None, protocol: str | None, cipher: str | None, family: str
    ) -> None:
        self.tls_in["by_level"][level or "none"] += 1
        if level:
            self.tls_in["by_protocol"][str(protocol)] += 1
            self.tls_in["by_cipher"][str(cipher)] += 1
            self.family_in[family]["tls"] += 1

    def reject(self, day: str, klass: str, recipient: str, rbl: str | None = None) -> None:
        self.c["rejected"] += 1
        self.by_day[day]["rejected"] += 1
        self.reject_classes[klass] += 1
        if rbl:
            self.rbl[rbl] += 1
        if recipient.lower().endswith("@" + CATCHALL):
            self.catchall_rejected[recipient.lower()] += 1

    def spf_verdict(self, identity: str, result: str, refused: bool) -> None:
        self.spf[identity][result] += 1
        if refused:
            self.c["spf_rejected"] += 1

    def content_check(
        self, day: str, part: str, action: str, rule_id: int | None, recipient: str
    ) -> None:
        self.checks[part][action] += 1
        if action == "REJECT":
            self.c["rejected"] += 1
            self.by_day[day]["rejected"] += 1
            if rule_id is not None:
                self.check_ids[part][str(rule_id)] += 1
            if recipient.lower().endswith("@" + CATCHALL):
                self.catchall_rejected[recipient.lower()] += 1
        elif action == "DISCARD":
            self.c["discarded"] += 1
        elif action == "HOLD":
            self.c["held"] += 1
            self.c["postsuper_deleted"] += 1  # held mail is deleted at the end
        elif action == "WARN":
            self.c["warned"] += 1

    def received(self, day: str, source: str) -> None:
        self.c["received"] += 1
        self.c[f"received_{source}"] += 1
        self.by_day[day]["received"] += 1

    def delivery(self, transport: str, status: str) -> None:
        self.deliveries[transport][status] += 1
        self.c[status] += 1

    def outbound_attempt(
        self, level: str | None, protocol: str | None, cipher: str | None, family: str
    ) -> None:
        self.tls_out["by_level"][level or "none"] += 1
        self.family_out[family]["connections"] += 1
        if level:
            self.tls_out["by_protocol"][str(protocol)] += 1
            self.tls_out["by_cipher"][str(cipher)] += 1
            self.family_out[family]["tls"] += 1

    def catchall_delivered(self, address: str) -> None:
        self.catchall[address.lower()] += 1

    # --- the file
    def as_json(self) -> dict[str, Any]:
        c = self.c
        statuses = ("sent", "deferred", "bounced", "expired")

        def families(table: defaultdict[str, Counter[str]]) -> dict[str, dict[str, int]]:
            return {
                family: {"connections": table[family]["connections"], "tls": table[family]["tls"]}
                for family in ("ipv4", "ipv6")
            }

        def levels(table: defaultdict[str, Counter[str]], names: tuple[str, ...]) -> dict[str, int]:
            return {name: table["by_level"][name] for name in (*names, "none")}

        return {
            "overview": {
                "connections": c["connections"],
                "received": c["received"],
                "received_by_source": {
                    "smtpd": c["received_smtpd"],
                    "pickup": c["received_pickup"],
                    "postfix": c["received_postfix"],
                },
                "delivered": c["sent"],
                "deferred": c["deferred"],
                "bounced": c["bounced"],
                "expired": c["expired"],
                "rejected": c["rejected"],
                "discarded": c["discarded"],
                "held": c["held"],
                "warned": c["warned"],
                "by_day": {
                    day: {
                        "connections": row["connections"],
                        "received": row["received"],
                        "rejected": row["rejected"],
                    }
                    for day, row in sorted(self.by_day.items())
                },
            },
            "tls": {
                "inbound": {
                    "by_level": levels(self.tls_in, TLS_LEVELS_IN),
                    "by_protocol": dict(sorted(self.tls_in["by_protocol"].items())),
                    "by_cipher": dict(sorted(self.tls_in["by_cipher"].items())),
                    "by_ip_family": families(self.family_in),
                },
                "outbound": {
                    "by_level": levels(self.tls_out, TLS_LEVELS_OUT),
                    "by_protocol": dict(sorted(self.tls_out["by_protocol"].items())),
                    "by_cipher": dict(sorted(self.tls_out["by_cipher"].items())),
                    "by_ip_family": families(self.family_out),
                },
            },
            "spf": {
                "by_identity": {
                    identity: {result: self.spf[identity][result] for result in SPF_RESULTS}
                    for identity in ("mailfrom", "helo")
                },
                "rejected": c["spf_rejected"],
            },
            "header_checks": {
                "by_action": dict(sorted(self.checks["header"].items())),
                "reject_by_id": dict(
                    sorted(self.check_ids["header"].items(), key=lambda kv: int(kv[0]))
                ),
            },
            "body_checks": {
                "by_action": dict(sorted(self.checks["body"].items())),
                "reject_by_id": dict(
                    sorted(self.check_ids["body"].items(), key=lambda kv: int(kv[0]))
                ),
            },
            "rejects": {
                "by_class": {name: self.reject_classes[name] for name in REJECT_CLASSES},
                "rbl_by_list": dict(self.rbl),
            },
            "deliveries": {
                "by_status": {status: c[status] for status in statuses},
                "by_transport": {
                    transport: {status: row[status] for status in statuses}
                    for transport, row in sorted(self.deliveries.items())
                },
            },
            "catchall": {
                "by_address": dict(sorted(self.catchall.items())),
                "rejected_by_address": dict(sorted(self.catchall_rejected.items())),
            },
            "smtpd": {
                "too_many_errors": c["too_many_errors"],
                "pipelining": c["pipelining"],
                "non_smtp_command": c["non_smtp_command"],
                "handshake_failures": c["handshake_failures"],
                "lost_after_starttls": c["lost_after_starttls"],
                # Every transaction with an accepted recipient reaches the end of DATA
                # here, so smtpd's client= lines are the messages it queued plus those
                # that header/body checks refused, discarded or held.
                "client_lines": c["received_smtpd"]
                + sum(self.checks[part]["REJECT"] for part in ("header", "body"))
                + c["discarded"]
                + c["held"],
                # Messages smtpd accepted: queued (cleanup and qmgr took them).
                "accepted": c["received_smtpd"],
            },
            "pickup": {"submitted": c["received_pickup"]},
            "postsuper": {
                "deleted": c["postsuper_deleted"],
                "removed_by_id": c["postsuper_removed"],
            },
        }
