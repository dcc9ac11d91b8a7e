"""The "tls-unlogged" run: Postfix's default TLS log levels (0), so no `TLS connection
established` lines, while clients still use STARTTLS (the `starttls=1/1` counters of
smtpd's disconnect lines show it); mail deferred and delivered later, in another hour
and another day; local submissions through pickup and from 127.0.0.1 (mynetworks);
sessions that never finish, so that the messages smtpd accepted differ from its
`client=` lines. Two days, 2026-11-28 and 2026-11-29 (UTC).
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from extra import Env, Run
from generate import _sh, wait_for_listeners, wait_for_quiet_queues
from scenario import Scenario
from smtp_client import Conversation, SmtpError, tls_context
from truth import Truth
from world import CATCHALL, MX_NAME, MX_V4, OUTBOUND, Client

LATER_IP = "127.0.2.6"  # nothing listens there until the second morning
DAYS = [datetime(2026, 11, 28, 6, 0, tzinfo=UTC), datetime(2026, 11, 29, 6, 0, tzinfo=UTC)]

RUN = Run(
    name="tls-unlogged",
    start=DAYS[0],
    mx_main={"smtpd_tls_loglevel": "0", "smtp_tls_loglevel": "0"},
    sink_main={"relay_domains": " ".join([*sorted(OUTBOUND), "later.test"])},
    mx_files={"transport": "later.test\tsmtp:[mx.later.test]:25\n"},
    extra_dns=[f"host-record=mx.later.test,{LATER_IP}"],
    extra_addresses=[LATER_IP],
)

INBOUND = [
    ("ham", 60),
    ("spam_header", 8),
    ("spam_body", 3),
    ("relay_denied", 3),
    ("unknown_local", 2),
    ("abandon_rcpt", 4),
    ("abandon_data", 3),
    ("lost_starttls", 2),
    ("probe", 3),
]


class TlsUnlogged(Scenario):
    """The main scenario, remembering whether each session's STARTTLS succeeded."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.session_tls = False
        self.x: Counter[str] = Counter()
        self.sink = Path()
        self.by_day: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.logs = Path()

    def _open(self, client: Client, tls: Any) -> Any:
        conv, helo, info = super()._open(client, tls)
        self.session_tls = info is not None
        if info is not None:
            self.x["starttls_inbound"] += 1
        return conv, helo, info

    def count(self, key: str, n: int = 1) -> None:
        """A figure of the run, in total and on the day it happened."""
        self.x[key] += n
        self.by_day[self.day][key] += n

    def abandon(self, client: Client, stage: str) -> None:
        """A session that hangs up after RCPT or in the middle of DATA: smtpd logged
        `client=` (the message has a queue id) but never accepted the message."""
        conv, helo, _ = self._open(client, self._tls_choice())
        sender = f"user{self.rng.randrange(50)}@pass.test"
        assert conv.command(f"MAIL FROM:<{sender}>").code == 250
        rcpt = f"{self.rng.choice(['github.com', 'ebay.com'])}@{CATCHALL}"
        assert conv.command(f"RCPT TO:<{rcpt}>").code == 250
        identity, result, _ = self._spf(str(helo), sender)
        self.truth.spf_verdict(identity, result, False)
        if stage == "data":
            assert conv.command("DATA").code == 354
            conv.send(f"From: <{sender}>\r\nSubject: cut short\r\n\r\nThe first li")
        conv.close()
        self.count("client_lines")
        self.x[f"abandoned_after_{stage}"] += 1


def _content_refusals(truth: Truth) -> int:
    return sum(truth.checks[part]["REJECT"] for part in ("header", "body"))


def session(sc: TlsUnlogged, kind: str) -> None:
    client = sc.rng.choice(sc.world.clients)
    truth = sc.truth
    before = (truth.c["received_smtpd"], _content_refusals(truth))
    sc.session_tls = False
    if kind == "ham":
        sc.ham(client)
    elif kind == "spam_header":
        sc.spam_header(client)
    elif kind == "spam_body":
        sc.spam_body(client)
    elif kind in ("relay_denied", "unknown_local"):
        sc.refused_rcpt(client, kind)
    elif kind.startswith("abandon_"):
        sc.abandon(client, kind.removeprefix("abandon_"))
    elif kind == "lost_starttls":
        sc.starttls_trouble(client, "lost")
        sc.x["starttls_inbound_failed"] += 1
    else:
        sc.probe(client)
    accepted = truth.c["received_smtpd"] - before[0]
    sc.count("client_lines", accepted + _content_refusals(truth) - before[1])
    sc.count("accepted_by_smtpd", accepted)
    if sc.session_tls:
        sc.x["accepted_over_tls"] += accepted


def relay(sc: TlsUnlogged, rcpt: str, tls: bool, expect: bool = True) -> None:
    """SMTP from 127.0.0.1, which is in mynetworks: relayed without authentication."""
    sender = f"me@{MX_NAME}"
    truth = sc.truth
    conv = Conversation("127.0.0.1", MX_V4)
    truth.connection(sc.day, "ipv4")
    assert conv.reply().code == 220
    assert conv.command("EHLO localhost").code == 250
    if tls:
        conv.starttls(tls_context(sc.world.certs, None, "TLSv1.3"))
        assert conv.command("EHLO localhost").code == 250
        sc.x["starttls_inbound"] += 1
        sc.x["accepted_over_tls"] += 1
    truth.inbound_tls(None, None, None, "ipv4")  # smtpd_tls_loglevel 0: no TLS line
    assert conv.command(f"MAIL FROM:<{sender}>").code == 250
    assert conv.command(f"RCPT TO:<{rcpt}>").code == 250
    identity, result, _ = sc._spf("localhost", sender)
    truth.spf_verdict(identity, result, False)
    message = sc._ham(sender, [rcpt], subject="Outbound note")
    assert conv.data(message.text(sc._now())).code == 250
    with contextlib.suppress(SmtpError, OSError):
        conv.command("QUIT")
    conv.close()
    truth.received(sc.day, "smtpd")
    sc.count("client_lines")
    sc.count("accepted_by_smtpd")
    sc.x["relayed_from_mynetworks"] += 1
    if expect:
        sc._expect_outbound(rcpt)


def pickup(sc: TlsUnlogged, rcpt: str) -> None:
    sender = f"me@{MX_NAME}"
    message = sc._ham(sender, [rcpt], subject="Outbound note")
    subprocess.run(
        ["/usr/sbin/sendmail", "-f", sender, "-i", rcpt],
        input=message.text(sc._now()).encode(),
        check=True,
    )
    sc.truth.received(sc.day, "pickup")
    sc.count("pickup")


OUT_DOMAINS = ["trusted.test"] * 5 + ["plain.test"] * 3 + ["anon.test", "verified.test"]


def outbound(sc: TlsUnlogged) -> None:
    rcpt = f"friend{sc.rng.randrange(20)}@{sc.rng.choice(OUT_DOMAINS)}"
    if sc.rng.random() < 0.4:
        relay(sc, rcpt, tls=sc.rng.random() < 0.4)
    else:
        pickup(sc, rcpt)
        sc._expect_outbound(rcpt)


LATER = [f"friend{n}@later.test" for n in range(3)]


def later_submit(sc: TlsUnlogged) -> None:
    """Mail to later.test, refused until its server comes up on the second morning."""
    for index, rcpt in enumerate(LATER):
        if index == 2:
            relay(sc, rcpt, tls=True, expect=False)
        else:
            pickup(sc, rcpt)
    _later_deferred(sc)


def _later_deferred(sc: TlsUnlogged) -> None:
    _wait_for_log(sc, "@later.test>, relay=none", sc.x["deferral_attempts"] + len(LATER))
    wait_for_quiet_queues(sc.sink)
    for _ in LATER:
        sc.truth.delivery("smtp", "deferred")
        sc.count("deferral_attempts")


def _wait_for_log(sc: TlsUnlogged, needle: str, count: int) -> None:
    """Wait until Postfix has logged `count` lines containing `needle`."""
    log = sc.logs / "main.classic"
    deadline = time.monotonic() + 60
    while log.read_text().count(needle) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"waited in vain for {count} x {needle!r}")
        time.sleep(0.2)


def later_retry(sc: TlsUnlogged) -> None:
    _sh("postqueue", "-f")
    _wait_for_log(sc, "@later.test>, relay=none", 2 * len(LATER))
    _later_deferred(sc)


def later_deliver(sc: TlsUnlogged) -> None:
    master = sc.sink / "master.cf"
    master.write_text(master.read_text() + f"{LATER_IP}:25 inet n - n - - smtpd\n")
    _sh("postfix", "-c", str(sc.sink), "reload")
    wait_for_listeners([f"{LATER_IP}:25"])
    _sh("postqueue", "-f")
    _wait_for_log(sc, "@later.test>, relay=mx.later.test", len(LATER))
    wait_for_quiet_queues(sc.sink)
    for _ in LATER:
        sc.count("delivered_after_deferral")
        sc.truth.delivery("smtp", "sent")
        sc.pending_outbound.append(("Trusted", "ipv4"))  # the CA-signed sink, TLS "may"


def run_day(sc: TlsUnlogged, day: datetime, events: dict[float, Any]) -> None:
    """About 120 sessions and 25 outbound messages over 16 hours; `events` are run
    at their hour of the day."""
    sc.day = day.strftime("%Y-%m-%d")
    kinds, weights = zip(*INBOUND, strict=True)
    plan = ["out"] * 25 + list(sc.rng.choices(kinds, weights, k=120))
    sc.rng.shuffle(plan)
    pending = sorted(events.items())
    for kind in plan:
        sc.clock.advance(sc.rng.expovariate(len(plan) / (16 * 3600)))  # type: ignore[attr-defined]
        now = sc.clock.now()  # type: ignore[attr-defined]
        while pending and now >= day.replace(hour=0) + timedelta(hours=pending[0][0]):
            pending.pop(0)[1](sc)
        if kind == "out":
            outbound(sc)
        else:
            session(sc, kind)
    for _, action in pending:
        action(sc)


def scenario(env: Env) -> None:
    truth = Truth()
    sc = TlsUnlogged(env.world, truth, env.rng, env.syslog)
    sc.sink, sc.logs = env.sink, env.work / "logs"
    env.syslog.jump_to(DAYS[0])
    run_day(sc, DAYS[0], {17.5: later_submit, 21.25: later_retry})
    env.syslog.jump_to(DAYS[1])
    run_day(sc, DAYS[1], {8.5: later_deliver})
    wait_for_quiet_queues(env.sink)
    env.syslog.quiet_for(1.0)
    env.syslog.advance(60)
    _sh("postfix", "-c", str(env.sink), "stop")
    _sh("postfix", "stop")
    env.syslog.quiet_for(1.5)
    env.truth = bookkeeping(sc)


def bookkeeping(sc: TlsUnlogged) -> dict[str, Any]:
    truth, x = sc.truth, sc.x
    for level, family in sc.pending_outbound:
        truth.outbound_attempt(level, None, None, family)
    data = truth.as_json()
    outbound_tls = sum(1 for level, _ in sc.pending_outbound if level)
    del data["tls"]  # levels, protocols and ciphers are not in this log: see "starttls"
    data["smtpd"]["client_lines"] = x["client_lines"]  # abandoned sessions have one too
    data["messages"] = {
        # pflogsumm's "received": each smtpd client= line and each pickup.
        "received": x["client_lines"] + truth.c["received_pickup"],
        "smtpd_client_lines": x["client_lines"],
        "pickup": truth.c["received_pickup"],
        # queued by smtpd: 250 at end of DATA, not refused by header/body checks.
        "accepted_by_smtpd": truth.c["received_smtpd"],
        "accepted_by_smtpd_over_tls": x["accepted_over_tls"],
        "relayed_from_mynetworks": x["relayed_from_mynetworks"],
        "abandoned_after_rcpt": x["abandoned_after_rcpt"],
        "abandoned_after_data": x["abandoned_after_data"],
        "deferred_messages": len(LATER),
        "deferral_attempts": x["deferral_attempts"],
        "delivered_after_deferral": len(LATER),
        # Per UTC day: pflogsumm's received (client= lines and pickups) and the rest.
        "by_day": {
            day: {
                "received": row["client_lines"] + row["pickup"],
                "smtpd_client_lines": row["client_lines"],
                "pickup": row["pickup"],
                "accepted_by_smtpd": row["accepted_by_smtpd"],
                "deferral_attempts": row["deferral_attempts"],
                "delivered_after_deferral": row["delivered_after_deferral"],
            }
            for day, row in sorted(sc.by_day.items())
        },
    }
    data["starttls"] = {
        "inbound_sessions": x["starttls_inbound"],
        "inbound_failed": x["starttls_inbound_failed"],
        "outbound_sessions": outbound_tls,
    }
    return data


def check(classic: list[str], sink: list[str], doc: dict[str, Any]) -> list[str]:
    """Recount the run's own figures from the log with plain regular expressions."""
    client_re = re.compile(r"postfix/smtpd\[(\d+)\]: (\w+): client=")
    # "starttls=1" when it succeeded, "starttls=0/1" when it did not.
    disconnect_re = re.compile(r"postfix/smtpd\[(\d+)\]: disconnect from .* starttls=(\d)(/1)? ")
    plain_disconnect_re = re.compile(r"postfix/smtpd\[(\d+)\]: disconnect from ")
    queued = {
        m.group(1) for line in classic if (m := re.search(r"qmgr\[\d+\]: (\w+): from=", line))
    }
    open_qids: dict[str, list[str]] = {}
    over_tls = accepted = client_lines = tls_ok = tls_failed = 0
    for line in classic:
        if m := client_re.search(line):
            client_lines += 1
            open_qids.setdefault(m.group(1), []).append(m.group(2))
        elif m := plain_disconnect_re.search(line):
            tls = disconnect_re.search(line)
            qids = [q for q in open_qids.pop(m.group(1), []) if q in queued]
            accepted += len(qids)
            if tls and not tls.group(3):
                tls_ok += 1
                over_tls += len(qids)
            elif tls:
                tls_failed += 1
    later = [line for line in classic if "@later.test>" in line and " status=" in line]
    deferred = [line for line in later if "status=deferred" in line]
    sent = [line for line in later if "status=sent" in line]
    m, s = doc["messages"], doc["starttls"]
    got = {
        "smtpd_client_lines": client_lines,
        "pickup": sum(1 for line in classic if re.search(r"pickup\[\d+\]: \w+: uid=", line)),
        "accepted_by_smtpd": accepted,
        "accepted_by_smtpd_over_tls": over_tls,
        "deferral_attempts": len(deferred),
        "deferred_messages": len({line.split(": ")[1] for line in deferred}),
        "delivered_after_deferral": len(sent),
        "inbound_sessions": tls_ok,
        "inbound_failed": tls_failed,
        "outbound_sessions": sum(1 for line in sink if "TLS connection established from" in line),
        "deferred_on_first_day": sum(1 for line in deferred if line.startswith("Nov 28")),
        "delivered_on_second_day": sum(1 for line in sent if line.startswith("Nov 29")),
    }
    want = {
        **{k: m[k] for k in got if k in m},
        **{k: s[k] for k in got if k in s},
        "deferred_on_first_day": m["deferral_attempts"],
        "delivered_on_second_day": m["delivered_after_deferral"],
    }
    return [f"{k}: truth {want[k]} but the log shows {got[k]}" for k in got if got[k] != want[k]]


RUN.check = check
