"""The "sasl" run: SMTP AUTH (Cyrus SASL, sasldb) with `smtpd_tls_auth_only = no`, so
clients log in both over STARTTLS and in plaintext: logins that send mail, logins with
a wrong password, logins the client aborts. Two phases: the first day with
`smtpd_tls_loglevel = 1` (TLS lines logged), the second with 0 (only the `starttls=`
counters of smtpd's disconnect lines tell). Each login session waits two minutes of
log time after its greeting (and STARTTLS) and two more before QUIT, so a test can cut
the log at an instant between a session's connect and its login, or between the login
and its disconnect. Two days, 2026-11-30 and 2026-12-01 (UTC).

truth.json records what the clients did: per session its address, whether STARTTLS
was used, the instants of its gaps and each login's mechanism, user, outcome and the
messages it sent.
"""

from __future__ import annotations

import base64
import re
import subprocess
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from extra import Env, Run
from generate import _bind, _sh, wait_for_quiet_queues
from scenario import Scenario
from smtp_client import Conversation
from truth import Truth
from world import MX_NAME, Client

DAYS = [datetime(2026, 11, 30, 6, 0, tzinfo=UTC), datetime(2026, 12, 1, 6, 0, tzinfo=UTC)]
USERS = {"alice": "wonderland", "bob": "builder", "carol": "xmas-2026", "dave": "h4x0r-proof"}
REALM = "example.net"
GAP = 120.0  # seconds of log time before the login and before QUIT

RUN = Run(
    name="sasl",
    start=DAYS[0],
    mx_main={
        "smtpd_sasl_auth_enable": "yes",
        "smtpd_sasl_type": "cyrus",
        "smtpd_sasl_path": "smtpd",
        "cyrus_sasl_config_path": "{mx}",
        "smtpd_sasl_local_domain": REALM,
        "smtpd_sasl_security_options": "noanonymous",
        "smtpd_tls_auth_only": "no",
        "smtpd_relay_restrictions": (
            "permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination"
        ),
        # a wrong password is an error: keep smtpd from hanging up on the second
        "smtpd_soft_error_limit": "10",
        "smtpd_hard_error_limit": "20",
    },
    mx_files={
        # Cyrus SASL's configuration for the "smtpd" application, from cyrus_sasl_config_path
        "smtpd.conf": (
            "pwcheck_method: auxprop\nauxprop_plugin: sasldb\n"
            "sasldb_path: {mx}/sasldb2\nmech_list: PLAIN LOGIN\n"
        ),
    },
)

# Per phase: session kinds and how many.
PLAN = [("send", 14), ("send_login", 4), ("fail", 6), ("fail_then_send", 3), ("abort", 3)]
PLAIN_SESSIONS = 0.4  # share of login sessions without STARTTLS


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _plain(user: str, password: str) -> str:
    """AUTH PLAIN's initial response: no authorization id, user, password."""
    return _b64(f"\0{user}\0{password}")


def _logged(user: str) -> str:
    """The name smtpd logs (sasl_username=): smtpd_sasl_local_domain appended."""
    return f"{user}@{REALM}"


class SaslScenario(Scenario):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.sessions: list[dict[str, Any]] = []
        self.phase = ""

    def _gap(self) -> list[str]:
        """Let every line of the session so far arrive, then move the log clock on:
        an instant inside the returned span is between the lines before and after."""
        self.clock.quiet_for(0.25)  # type: ignore[attr-defined]
        before = self.clock.now()  # type: ignore[attr-defined]
        self.clock.advance(GAP)  # type: ignore[attr-defined]
        after = self.clock.now()  # type: ignore[attr-defined]
        return [before.isoformat(), after.isoformat()]

    def login_session(self, client: Client, kind: str) -> None:
        tls = self.rng.random() >= PLAIN_SESSIONS
        opened = self.clock.now()  # type: ignore[attr-defined]
        conv, helo, info = self._open(client, ("", "TLSv1.3", None) if tls else (None,) * 3)
        assert (info is not None) == tls
        record: dict[str, Any] = {
            "phase": self.phase,
            "client_ip": client.ip,
            "starttls": tls,
            "opened": opened.isoformat(),
            "before_login": self._gap(),
            "logins": [],
        }
        users = sorted(USERS)
        user = users[self.rng.randrange(len(users))]
        if kind in ("fail", "fail_then_send"):
            tries = 1 if kind == "fail_then_send" else self.rng.choice([1, 1, 2])
            for _ in range(tries):
                tried = self.rng.choice([user, "admin", "test", "info"])
                reply = conv.command("AUTH PLAIN " + _plain(tried, "wrong-password"))
                assert reply.code == 535, reply
                record["logins"].append(
                    {
                        "mechanism": "PLAIN",
                        "user": _logged(tried),
                        "outcome": "failed",
                        "messages": 0,
                    }
                )
        if kind == "abort":
            assert conv.command("AUTH LOGIN").code == 334
            assert conv.command("*").code == 501
            record["logins"].append(
                {"mechanism": "LOGIN", "user": None, "outcome": "aborted", "messages": 0}
            )
        if kind in ("send", "send_login", "fail_then_send"):
            mechanism = "LOGIN" if kind == "send_login" else "PLAIN"
            if mechanism == "LOGIN":
                assert conv.command("AUTH LOGIN").code == 334
                assert conv.command(_b64(user)).code == 334
                reply = conv.command(_b64(USERS[user]))
            else:
                reply = conv.command("AUTH PLAIN " + _plain(user, USERS[user]))
            assert reply.code == 235, reply
            messages = self.rng.choice([1, 1, 1, 2])
            for _ in range(messages):
                self._submit(conv, str(helo), user)
            record["logins"].append(
                {
                    "mechanism": mechanism,
                    "user": _logged(user),
                    "outcome": "success",
                    "messages": messages,
                }
            )
        record["before_quit"] = self._gap()
        self._quit(conv)
        self.clock.quiet_for(0.25)  # type: ignore[attr-defined]
        record["closed"] = self.clock.now().isoformat()  # type: ignore[attr-defined]
        self.sessions.append(record)

    def _submit(self, conv: Conversation, helo: str, user: str) -> None:
        """One message from a logged-in user: relayed to a remote domain (which only
        permit_sasl_authenticated allows) or to a local user."""
        sender = f"{user}@{MX_NAME}"
        if self.rng.random() < 0.6:
            rcpt = f"friend{self.rng.randrange(9)}@trusted.test"
        else:
            rcpt = f"{self.rng.choice(['me', 'alice', 'bob'])}@{MX_NAME}"
        assert conv.command(f"MAIL FROM:<{sender}>").code == 250
        reply = conv.command(f"RCPT TO:<{rcpt}>")
        assert reply.code == 250, reply
        identity, result, _ = self._spf(helo, sender)
        self.truth.spf_verdict(identity, result, False)
        reply = conv.data(self._ham(sender, [rcpt], subject="Sent after login").text(self._now()))
        assert reply.code == 250, reply


def _clients(env: Env) -> list[Client]:
    return list(env.world.clients)


def phase(sc: SaslScenario, env: Env, name: str, day: datetime) -> dict[str, str]:
    env.syslog.jump_to(day)
    sc.phase, sc.day = name, day.strftime("%Y-%m-%d")
    plan = [kind for kind, n in PLAN for _ in range(n)]
    plan += ["ham"] * 4  # mail without a login: not a figure of the SASL section
    sc.rng.shuffle(plan)
    start = env.syslog.now()
    for kind in plan:
        env.syslog.advance(sc.rng.expovariate(1 / 600))
        client = sc.rng.choice(_clients(env))
        if kind == "ham":
            sc.ham(client)
        else:
            sc.login_session(client, kind)
    wait_for_quiet_queues(env.sink)
    env.syslog.quiet_for(0.5)
    return {"from": start.isoformat(), "until": env.syslog.now().isoformat()}


def make_sasldb(env: Env) -> None:
    db = env.world.path("mx", "sasldb2")
    for user, password in USERS.items():
        subprocess.run(
            ["saslpasswd2", "-f", str(db), "-c", "-p", "-u", REALM, user],
            input=password.encode(),
            check=True,
        )
    _sh("chown", "root:postfix", str(db))
    db.chmod(0o640)
    # libsasl's sasldb plugin opens /etc/sasldb2 whatever smtpd.conf says: ours stands
    # in for it in this mount namespace only.
    _bind(db, "/etc/sasldb2")


def scenario(env: Env) -> None:
    make_sasldb(env)
    sc = SaslScenario(env.world, Truth(), env.rng, env.syslog)
    phases = {"tls_logged": phase(sc, env, "tls_logged", DAYS[0])}
    _sh("postconf", "-e", "smtpd_tls_loglevel=0")
    _sh("postfix", "reload")
    env.syslog.quiet_for(1.0)
    phases["tls_unlogged"] = phase(sc, env, "tls_unlogged", DAYS[1])
    env.syslog.advance(60)
    _sh("postfix", "-c", str(env.sink), "stop")
    _sh("postfix", "stop")
    env.syslog.quiet_for(1.5)
    env.truth = {"sasl": bookkeeping(sc.sessions, phases)}


def figures(sessions: list[dict[str, Any]]) -> dict[str, Any]:
    """The report's sasl figures of these sessions, every one of them in the log whole."""
    over: Counter[str] = Counter({"tls": 0, "plaintext": 0})
    failed_over: Counter[str] = Counter({"tls": 0, "plaintext": 0})
    outcomes: Counter[str] = Counter({"failed": 0, "aborted": 0})
    by_method: Counter[str] = Counter()
    by_mechanism: Counter[str] = Counter()
    for session in sessions:
        where = "tls" if session["starttls"] else "plaintext"
        for login in session["logins"]:
            if login["outcome"] == "success":
                over[where] += login["messages"]
                by_method[login["mechanism"]] += login["messages"]
            else:
                failed_over[where] += 1
                outcomes[login["outcome"]] += 1
                by_mechanism[login["mechanism"]] += 1
    return {
        "messages": sum(over.values()),
        "messages_over": dict(over),
        "messages_by_method": dict(sorted(by_method.items())),
        "failures": dict(outcomes),
        "failures_by_mechanism": dict(sorted(by_mechanism.items())),
        "failures_over": dict(failed_over),
    }


def bookkeeping(sessions: list[dict[str, Any]], phases: dict[str, dict[str, str]]) -> Any:
    return {
        **figures(sessions),
        "phases": {
            name: {**span, **figures([s for s in sessions if s["phase"] == name])}
            for name, span in phases.items()
        },
        "sessions": sessions,
    }


def check(classic: list[str], sink: list[str], doc: dict[str, Any]) -> list[str]:
    """Recount the logins from the log with plain regular expressions: per smtpd
    session (pid), TLS from its TLS line or its disconnect's `starttls=1`."""
    start_re = re.compile(r"postfix/smtpd\[(\d+)\]: connect from ")
    end_re = re.compile(r"postfix/smtpd\[(\d+)\]: disconnect from ")
    tls_re = re.compile(r"postfix/smtpd\[(\d+)\]: \w+ TLS connection established from ")
    sent_re = re.compile(r"postfix/smtpd\[(\d+)\]: \w+: client=.*, sasl_method=")
    fail_re = re.compile(r"postfix/smtpd\[(\d+)\]: warning: .*: SASL \w+ authentication (\w+)")
    open_: dict[str, list[str]] = {}
    tls_line: set[str] = set()
    over: Counter[str] = Counter({"tls": 0, "plaintext": 0})
    failed_over: Counter[str] = Counter({"tls": 0, "plaintext": 0})
    for line in classic:
        if m := start_re.search(line):
            open_[m.group(1)] = []
            tls_line.discard(m.group(1))
        elif m := tls_re.search(line):
            tls_line.add(m.group(1))
        elif m := sent_re.search(line):
            open_[m.group(1)].append("sent")
        elif m := fail_re.search(line):
            open_[m.group(1)].append("failed")
        elif m := end_re.search(line):
            over_tls = " starttls=1 " in line or m.group(1) in tls_line
            where = "tls" if over_tls else "plaintext"
            for what in open_.pop(m.group(1), []):
                (over if what == "sent" else failed_over)[where] += 1
    truth = doc["sasl"]
    got = {"messages_over": dict(over), "failures_over": dict(failed_over)}
    return [
        f"{key}: truth {truth[key]} but the log shows {value}"
        for key, value in got.items()
        if value != truth[key]
    ]


RUN.check = check
