"""How a day goes: the mix of sessions, drawn from the seeded RNG, spread over the day."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from world import BOUNCING_RECIPIENT, MX_NAME, OUTBOUND

SESSIONS_PER_DAY = 480
OUTBOUND_PER_DAY = 40

# (kind, weight): most mail is clean and accepted, a good share is spam refused.
INBOUND_MIX = [
    ("ham", 52),
    ("helo_spf", 4),
    ("spam_header", 12),
    ("spam_body", 3),
    ("warn", 2),
    ("discard", 1),
    ("hold", 1),
    ("relay_denied", 3),
    ("unknown_virtual", 2),
    ("unknown_local", 2),
    ("rbl", 4),
    ("client_access", 2),
    ("unknown_sender_domain", 2),
    ("spf_fail", 3),
    ("spf_helo_fail", 1),
    ("pipelining", 1),
    ("non_smtp", 1),
    ("errors", 1),
    ("lost_starttls", 1),
    ("tls_garbage", 1),
    ("tls_old_protocol", 1),
    ("probe", 2),
]


def run_session(scenario: Any, rng: random.Random, kind: str) -> None:
    world = scenario.world
    client = rng.choice(world.clients)
    if kind == "ham":
        scenario.ham(client)
    elif kind == "helo_spf":
        scenario.helo_spf(client)
    elif kind == "spam_header":
        scenario.spam_header(client)
    elif kind == "spam_body":
        scenario.spam_body(client)
    elif kind in ("warn", "discard", "hold"):
        scenario.flagged(client, kind.upper())
    elif kind in ("relay_denied", "unknown_virtual", "unknown_local", "unknown_sender_domain"):
        scenario.refused_rcpt(client, kind)
    elif kind == "rbl":
        scenario.refused_rcpt(rng.choice(world.rbl_listed), "rbl")
    elif kind == "client_access":
        scenario.refused_rcpt(rng.choice(world.blocked), "client_access")
    elif kind in ("spf_fail", "spf_helo_fail"):
        scenario.spf_refused(client, by_helo=kind == "spf_helo_fail")
    elif kind == "pipelining":
        scenario.pipelining(client)
    elif kind == "non_smtp":
        scenario.non_smtp(client)
    elif kind == "errors":
        scenario.errors(client)
    elif kind == "lost_starttls":
        scenario.starttls_trouble(client, "lost")
    elif kind == "tls_garbage":
        scenario.starttls_trouble(client, "garbage")
    elif kind == "tls_old_protocol":
        scenario.starttls_trouble(client, "old")
    elif kind == "probe":
        scenario.probe(client)
    else:
        raise ValueError(kind)


def outbound_recipient(rng: random.Random) -> str:
    domain = rng.choices(
        [*OUTBOUND, MX_NAME],
        [8, 5, 8, 4, 3, 3, 3, 1, 1, 5, 1, 2, 3],
    )[0]
    if domain == "bounce.test":
        return BOUNCING_RECIPIENT
    user = rng.choice(["alice", "bob"]) if domain == MX_NAME else f"friend{rng.randrange(20)}"
    return f"{user}@{domain}"


def run_day(scenario: Any, syslog: Any, rng: random.Random, day: datetime, scale: float) -> None:
    scenario.day = day.strftime("%Y-%m-%d")
    inbound = int(SESSIONS_PER_DAY * scale)
    outbound = int(OUTBOUND_PER_DAY * scale)
    kinds, weights = zip(*INBOUND_MIX, strict=True)
    plan = ["out"] * outbound + list(rng.choices(kinds, weights, k=inbound))
    rng.shuffle(plan)
    # Spread the day's sessions over about 16 hours of log time.
    gap = 16 * 3600 / max(1, len(plan))
    for kind in plan:
        syslog.advance(rng.expovariate(1 / gap))
        if kind == "out":
            scenario.submit([outbound_recipient(rng)], via_smtp=rng.random() < 0.3)
        else:
            run_session(scenario, rng, kind)
