"""The "verbose" run: what Postfix and policyd-spf write when asked for debug output.

A submission service runs with `-v` in master.cf, one inbound client and one remote
server are in `debug_peer_list` (so that smtpd and smtp raise their verbosity for them
alone), and policyd-spf runs at debugLevel 5. Everything else is the main run's world.
"""

from __future__ import annotations

from datetime import UTC, datetime

from extra import Env, Run
from scenario import Scenario
from smtp_client import Conversation, tls_context
from truth import Truth
from world import MX_V4

DEBUG_CLIENT = "127.0.3.8"  # one of world.clients (mail7.sender0.test)
DEBUG_SERVER = "127.0.2.1"  # the CA-signed sink: mx.trusted.test and others

RUN = Run(
    name="verbose",
    start=datetime(2026, 11, 26, 9, 0, tzinfo=UTC),
    mx_main={
        "debug_peer_list": f"{DEBUG_CLIENT}, {DEBUG_SERVER}",
        "debug_peer_level": "2",
    },
    mx_master_add=[
        f"{MX_V4}:587 inet n - n - - smtpd -v",
        "  -o syslog_name=postfix/submission",
        "  -o smtpd_tls_security_level=encrypt",
        "  -o smtpd_relay_restrictions=permit_mynetworks,reject",
    ],
    spf_debug_level=5,
    listeners=[f"{MX_V4}:587"],
)


def submission(env: Env, sc: Scenario, rcpt: str, tls: bool) -> None:
    """A message from 127.0.0.1 (mynetworks) through the -v submission service."""
    truth = sc.truth
    truth.connection(sc.day, "ipv4")
    conv = Conversation(MX_V4, MX_V4, 587)
    assert conv.reply().code == 220
    assert conv.command("EHLO localhost").code == 250
    if tls:
        info = conv.starttls(tls_context(env.world.certs, None, "TLSv1.3"))
        truth.inbound_tls("Anonymous", info.protocol, info.cipher, "ipv4")
        assert conv.command("EHLO localhost").code == 250
        sender = "me@mx.example.net"
        assert conv.command(f"MAIL FROM:<{sender}>").code == 250
        assert conv.command(f"RCPT TO:<{rcpt}>").code == 250
        body = f"From: <{sender}>\nTo: <{rcpt}>\nSubject: verbose submission\n\nHello.\n"
        assert conv.data(body).code == 250
        env.truth["submitted"] = env.truth.get("submitted", 0) + 1
        # Relayed mail passes smtpd_recipient_restrictions too: one SPF verdict.
        identity, result, _ = sc._spf("localhost", sender)
        truth.spf_verdict(identity, result, False)
        truth.received(sc.day, "smtpd")
        sc._expect_outbound(rcpt)
    else:
        truth.inbound_tls(None, None, None, "ipv4")
        # encrypt: smtpd refuses MAIL before STARTTLS.
        assert conv.command("MAIL FROM:<me@mx.example.net>").code == 530
        env.truth["refused_without_tls"] = env.truth.get("refused_without_tls", 0) + 1
    conv.command("QUIT")
    conv.close()


def scenario(env: Env) -> None:
    from generate import wait_for_quiet_queues

    truth = Truth()
    sc = Scenario(env.world, truth, env.rng, env.syslog)
    sc.day = "2026-11-26"
    debug_client = next(c for c in env.world.clients if c.ip == DEBUG_CLIENT)
    plan = ["ham"] * 14 + ["debug"] * 4 + ["sub"] * 3 + ["sub_plain"] + ["out"] * 6
    plan += ["spam_header"] * 2 + ["relay"]
    env.rng.shuffle(plan)
    for kind in plan:
        env.syslog.advance(env.rng.expovariate(1 / 900))
        others = [c for c in env.world.clients if c.ip != DEBUG_CLIENT]
        client = env.rng.choice(others)
        if kind == "ham":
            sc.ham(client)
        elif kind == "debug":
            sc.ham(debug_client)
        elif kind == "spam_header":
            sc.spam_header(client)
        elif kind == "relay":
            sc.refused_rcpt(client, "relay_denied")
        elif kind == "sub":
            submission(env, sc, f"friend{env.rng.randrange(9)}@trusted.test", tls=True)
        elif kind == "sub_plain":
            submission(env, sc, "friend1@trusted.test", tls=False)
        else:
            domain = env.rng.choice(["trusted.test", "plain.test", "verified.test"])
            sc.submit([f"friend{env.rng.randrange(9)}@{domain}"])
    wait_for_quiet_queues(env.sink)
    env.syslog.quiet_for(1.0)
    env.syslog.advance(60)
    from generate import _sh

    _sh("postfix", "-c", str(env.sink), "stop")
    _sh("postfix", "stop")
    env.syslog.quiet_for(1.5)
    for level, family in sc.pending_outbound:
        truth.outbound_attempt(level, None, None, family)
    env.truth = {**truth.as_json(), "submission": env.truth}
