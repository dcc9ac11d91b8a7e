"""The "quirks" run: the less common things a real Postfix logs.

postscreen in front of smtpd (greeting, DNSBL, pipelining, non-SMTP, bare newline
tests, its cache and its cleanup, STARTTLS through tlsproxy), smtpd_proxy_filter to a
before-queue filter that accepts and refuses (fake_servers.py), anvil and scache
statistics, outbound TLS through tlsproxy (connection reuse), discarded EHLO keywords
on both sides, bare LF to smtpd, a connection rate limit, a client whose name does not
resolve, a relay that refuses the smtp client's AUTH, postsuper hold, release, requeue,
force-expire and delete, and the life cycle (reload, status, a second start, stop,
start).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import fake_servers
import milter
from extra import Env, Run
from generate import _sh, wait_for_listeners, wait_for_quiet_queues
from scenario import Scenario
from smtp_client import Conversation, SmtpError, tls_context
from truth import Truth
from world import MX_V4, Client

RELAY_IP = "127.0.2.7"
FORGED = Client("127.0.9.250", None)  # its PTR names a host with no address

RUN = Run(
    name="quirks",
    start=datetime(2026, 12, 1, 7, 0, tzinfo=UTC),
    mx_main={
        "postscreen_access_list": "permit_mynetworks, cidr:{mx}/postscreen_access",
        "postscreen_denylist_action": "drop",
        "postscreen_greet_action": "enforce",
        "postscreen_greet_wait": "1s",
        "postscreen_dnsbl_sites": "zen.rbl.test*2",
        "postscreen_dnsbl_threshold": "2",
        "postscreen_dnsbl_action": "enforce",
        "postscreen_pipelining_enable": "yes",
        "postscreen_non_smtp_command_enable": "yes",
        "postscreen_bare_newline_enable": "yes",
        "postscreen_bare_newline_action": "enforce",
        "postscreen_cache_cleanup_interval": "10s",
        "anvil_status_update_time": "10s",
        "connection_cache_status_update_time": "10s",
        "smtp_connection_cache_destinations": "mx.trusted.test, mx.plain.test",
        "smtp_tls_connection_reuse": "yes",
        "smtp_discard_ehlo_keywords": "dsn",
        "smtpd_forbid_bare_newline": "reject",
        "smtpd_client_connection_rate_limit": "5",
        "smtp_sasl_auth_enable": "yes",
        "smtp_sasl_password_maps": "texthash:{mx}/sasl_passwd",
        "smtp_sasl_security_options": "noanonymous",
    },
    mx_master_replace={
        "smtp inet": "smtp      inet  n       -       n       -       1       postscreen"
    },
    mx_master_add=[
        "smtpd     pass  -       -       n       -       -       smtpd",
        "  -o smtpd_proxy_filter=127.0.0.1:10030",
        "  -o smtpd_discard_ehlo_keywords=dsn",
        "dnsblog   unix  -       -       n       -       0       dnsblog",
        "tlsproxy  unix  -       -       n       -       0       tlsproxy",
        "127.0.0.1:10026 inet n - n - - smtpd",
        "  -o smtpd_proxy_filter=",
        "  -o smtpd_authorized_xforward_hosts=127.0.0.0/8",
        "  -o smtpd_client_restrictions=",
        "  -o smtpd_helo_restrictions=",
        "  -o smtpd_sender_restrictions=",
        "  -o smtpd_recipient_restrictions=permit_mynetworks,reject",
        "  -o smtpd_relay_restrictions=permit_mynetworks,reject",
        "  -o mynetworks=127.0.0.0/8",
        "  -o receive_override_options=no_unknown_recipient_checks",
        "  -o smtpd_client_connection_rate_limit=0",
        "  -o smtpd_forbid_bare_newline=no",
        "  -o smtpd_milters=inet:127.0.0.1:10040",
    ],
    mx_files={
        "postscreen_access": "127.0.8.0/24\treject\n",
        "sasl_passwd": "[mx.authrelay.test]:2587\tuser:secret\n",
        "transport": "authrelay.test\tsmtp:[mx.authrelay.test]:2587\n",
        "tls_policy": "[mx.authrelay.test]:2587\tnone\n",
    },
    extra_dns=[
        f"host-record=mx.authrelay.test,{RELAY_IP}",
        "ptr-record=250.9.0.127.in-addr.arpa,forged.example.test",
    ],
    extra_addresses=[RELAY_IP],
    listeners=["127.0.0.1:10026"],
)


class Quirks:
    def __init__(self, env: Env) -> None:
        self.env = env
        self.sc = Scenario(env.world, Truth(), env.rng, env.syslog)
        self.sc.day = "2026-12-01"
        self.c: Counter[str] = Counter()

    def wait(self, minutes: float) -> None:
        self.env.syslog.advance(self.env.rng.expovariate(1 / (minutes * 60)))

    def _conv(self, ip: str) -> Conversation:
        return Conversation(ip, MX_V4)

    def _mail_rcpt(self, conv: Conversation, expect: int) -> None:
        assert conv.command("MAIL FROM:<someone@pass.test>").code == 250
        reply = conv.command("RCPT TO:<linkedin.com@example.org>")
        assert reply.code == expect, reply
        with contextlib.suppress(SmtpError, OSError):
            conv.command("QUIT")
        conv.close()

    def warm(self, client: Client, starttls: bool) -> None:
        """postscreen's first meeting: its own SMTP engine (and tlsproxy for STARTTLS)
        passes the deep tests, then answers 450 so the client comes back."""
        conv = self._conv(client.ip)
        assert conv.reply().code == 220
        assert conv.command(f"EHLO {client.name or 'new.example.test'}").code == 250
        if starttls:
            conv.starttls(tls_context(self.env.world.certs, None, "TLSv1.3"))
            assert conv.command(f"EHLO {client.name or 'new.example.test'}").code == 250
            self.c["tlsproxy_sessions"] += 1
        self._mail_rcpt(conv, 450)
        self.c["PASS NEW"] += 1

    def pregreet(self, ip: str) -> None:
        sock = socket.create_connection((MX_V4, 25), source_address=(ip, 0))
        sock.sendall(b"EHLO pregreet.example.test\r\n")
        sock.close()
        conv = self._conv(ip)  # a second time, talking first again and staying
        conv.send("EHLO pregreet.example.test\r\n")
        # Its "220-" greeting is cut short: the next lines answer the early EHLO.
        assert conv.reply().code == 250
        self._mail_rcpt(conv, 550)
        self.c["PREGREET"] += 2
        self.c["HANGUP"] += 1  # the first one hung up

    def hangup(self, ip: str) -> None:
        conv = self._conv(ip)
        time.sleep(0.3)
        conv.close()
        self.c["HANGUP"] += 1

    def bare_newline_postscreen(self, ip: str) -> None:
        conv = self._conv(ip)
        assert conv.reply().code == 220
        assert conv.command("EHLO bare.example.test").code == 250
        conv.send("MAIL FROM:<bare@pass.test>\n")
        assert conv.reply().code == 250
        self._refused_at_rcpt(conv, "BARE NEWLINE")

    def pipelining_postscreen(self, ip: str) -> None:
        conv = self._conv(ip)
        assert conv.reply().code == 220
        conv.send("EHLO eager.example.test\r\nMAIL FROM:<eager@pass.test>\r\n")
        assert conv.reply().code == 250
        assert conv.reply().code == 250
        self._refused_at_rcpt(conv, "COMMAND PIPELINING")

    def _refused_at_rcpt(self, conv: Conversation, verdict: str) -> None:
        """postscreen's deep tests let the client on to RCPT, then refuse it."""
        reply = conv.command("RCPT TO:<linkedin.com@example.org>")
        assert reply.code == 550, reply
        conv.command("QUIT")
        conv.close()
        self.c[verdict] += 1

    def non_smtp_postscreen(self, ip: str) -> None:
        conv = self._conv(ip)
        assert conv.reply().code == 220
        conv.send("GET / HTTP/1.0\r\n")
        with contextlib.suppress(SmtpError, OSError):
            conv.reply()
        conv.close()
        self.c["NON-SMTP COMMAND"] += 1

    def refused_by_postscreen(self, ip: str, why: str) -> None:
        """DENYLISTED (dropped at once) or DNSBL rank (refused at RCPT)."""
        conv = self._conv(ip)
        reply = conv.reply()
        if why == "denylisted":
            assert reply.code == 521, reply
            conv.close()
        else:
            assert reply.code == 220
            assert conv.command("EHLO listed.example.test").code == 250
            self._mail_rcpt(conv, 550)
        self.c["DENYLISTED" if why == "denylisted" else "DNSBL"] += 1

    def bare_newline_smtpd(self, client: Client, in_command: bool) -> None:
        """smtpd_forbid_bare_newline = reject: a command or the message's content."""
        conv = self._conv(client.ip)
        assert conv.reply().code == 220
        assert conv.command(f"EHLO {client.name or 'bare.example.test'}").code == 250
        if in_command:
            conv.send("MAIL FROM:<bare@pass.test>\n")
            with contextlib.suppress(SmtpError, OSError):
                conv.reply()
                conv.command("QUIT")
            conv.close()
            self.c["bare_newline_smtpd"] += 1
            self.c["PASS OLD"] += 1
            return
        assert conv.command("MAIL FROM:<bare@pass.test>").code == 250
        assert conv.command("RCPT TO:<github.com@example.org>").code == 250
        assert conv.command("DATA").code == 354
        conv.send(b"Subject: bare\nFrom: <bare@pass.test>\n\nline one\nline two\r\n.\r\n")
        with contextlib.suppress(SmtpError, OSError):
            conv.reply()
            conv.command("QUIT")
        conv.close()
        self.c["bare_newline_smtpd"] += 1
        self.c["PASS OLD"] += 1

    def filtered(self, client: Client, how: str) -> None:
        """The before-queue filter refuses a recipient or the message."""
        conv = self._conv(client.ip)
        assert conv.reply().code == 220
        assert conv.command(f"EHLO {client.name or 'x.example.test'}").code == 250
        assert conv.command("MAIL FROM:<user1@pass.test>").code == 250
        if how == "rcpt":
            assert conv.command("RCPT TO:<filtered@example.org>").code == 550
            self.c["proxy_reject_rcpt"] += 1
        assert conv.command("RCPT TO:<ebay.com@example.org>").code == 250
        text = "From: <user1@pass.test>\nSubject: filtered\n"
        text += "X-Filter: reject\n" if how == "data" else ""
        reply = conv.data(text + "\nHello.\n")
        if how == "data":
            assert reply.code == 554, reply
            self.c["proxy_reject_data"] += 1
        else:
            assert reply.code == 250, reply
            self.c["proxy_accept"] += 1
        conv.command("QUIT")
        conv.close()
        self.c["PASS OLD"] += 1

    def milter(self, client: Client, verdict: str) -> None:
        """A message the milter behind the filter holds, refuses or redirects."""
        conv = self._conv(client.ip)
        assert conv.reply().code == 220
        assert conv.command(f"EHLO {client.name or 'x.example.test'}").code == 250
        assert conv.command("MAIL FROM:<user2@pass.test>").code == 250
        assert conv.command("RCPT TO:<booking.com@example.org>").code == 250
        text = f"From: <user2@pass.test>\nSubject: milter\nX-Milter: {verdict}\n\nHello.\n"
        reply = conv.data(text)
        assert reply.code == (550 if verdict == "reject" else 250), reply
        conv.command("QUIT")
        conv.close()
        self.c["PASS OLD"] += 1
        self.c[f"milter_{verdict}"] += 1

    def rate_limited(self, client: Client) -> None:
        for _ in range(7):
            conv = self._conv(client.ip)
            reply = conv.reply()
            self.c["PASS OLD"] += 1
            if reply.code == 220:
                with contextlib.suppress(SmtpError, OSError):
                    conv.command("EHLO busy.example.test")
                    conv.command("QUIT")
            else:
                assert reply.code == 421, reply
                self.c["rate_limited"] += 1
            conv.close()


def _deferred() -> dict[str, list[str]]:
    """Deferred queue ids by recipient domain."""
    found: dict[str, list[str]] = {}
    for line in _sh("postqueue", "-j").stdout.splitlines():
        entry = json.loads(line)
        if entry["queue_name"] == "deferred":
            domain = entry["recipients"][0]["address"].rsplit("@", 1)[1]
            found.setdefault(domain, []).append(entry["queue_id"])
    return found


def queue_tools(q: Quirks) -> None:
    deferred = _deferred()
    refused = deferred["refused.test"]
    _sh("postsuper", "-h", refused[0])
    q.wait(10)
    _sh("postsuper", "-H", refused[0])
    q.wait(30)
    _sh("postsuper", "-f", refused[0])
    _sh("postqueue", "-i", refused[0])
    q.c["force_expired"] += 1
    time.sleep(2)
    q.wait(20)
    _sh("postsuper", "-r", refused[1])
    q.c["requeued"] += 1
    time.sleep(2)
    q.wait(20)
    _sh("postsuper", "-d", refused[2])
    q.c["deleted_by_id"] += 1


def scenario(env: Env) -> None:
    filt = fake_servers.start(("127.0.0.1", 10030), "filter.localdomain", "filter")
    relay = fake_servers.start((RELAY_IP, 2587), "mx.authrelay.test", "relay")
    milt = milter.start(("127.0.0.1", 10040))
    q = Quirks(env)
    clients = [c for c in env.world.clients if c.family == "ipv4"]
    regulars, others = clients[:16], clients[16:]
    for index, client in enumerate(regulars):
        q.wait(8)
        q.warm(client, starttls=index % 3 == 0)
        q.wait(3)
        q.sc.ham(client)
        q.c["PASS OLD"] += 1
    for index in range(2):
        q.wait(10)
        q.pregreet(f"127.0.9.{index + 1}")
        q.hangup(f"127.0.9.{index + 11}")
        q.bare_newline_postscreen(f"127.0.9.{index + 21}")
        q.pipelining_postscreen(f"127.0.9.{index + 31}")
        q.non_smtp_postscreen(f"127.0.9.{index + 41}")
        q.refused_by_postscreen(f"127.0.8.{index + 1}", "denylisted")
        q.refused_by_postscreen(env.world.rbl_listed[index].ip, "dnsbl")
    for kind in ("accept", "data", "rcpt", "data", "accept"):
        q.wait(12)
        q.filtered(regulars[len(kind)], kind)
    for client in regulars[:3]:
        q.wait(12)
        q.sc.spam_header(client)  # header_checks refuse it behind the filter
        q.c["proxy_reject_header"] += 1
        q.c["PASS OLD"] += 1
    for index, verdict in enumerate(("hold", "reject", "redirect")):
        q.wait(12)
        q.milter(regulars[8 + index], verdict)
    q.wait(5)
    q.bare_newline_smtpd(regulars[5], in_command=False)
    q.wait(5)
    q.bare_newline_smtpd(regulars[7], in_command=True)
    q.warm(FORGED, starttls=False)
    q.sc.ham(FORGED)
    q.c["PASS OLD"] += 1
    busy = others[0]
    q.warm(busy, starttls=False)
    q.rate_limited(busy)
    _sh("postfix", "reload")
    q.c["reload"] += 1
    time.sleep(1)
    # Outbound bursts (connection cache, tlsproxy), an AUTH refusal, deferrals.
    for domain, count in (("trusted.test", 6), ("plain.test", 6), ("refused.test", 3)):
        q.wait(15)
        for n in range(count):
            q.sc.submit([f"friend{n}@{domain}"])
    q.sc.submit(["friend1@authrelay.test"], via_smtp=True)
    q.c["ALLOWLISTED"] += 1
    q.sc.submit(["friend2@authrelay.test"])
    wait_for_quiet_queues(env.sink)
    time.sleep(11)  # anvil, scache and the postscreen cache log on a timer
    q.wait(30)
    queue_tools(q)
    wait_for_quiet_queues(env.sink)
    time.sleep(11)
    q.wait(60)
    _sh("postsuper", "-d", "ALL", "deferred")
    _sh("postsuper", "-d", "ALL", "hold")
    lifecycle(q, env)
    q.c["filter_accepted"], q.c["filter_refused_data"] = (
        filt.tally.accepted,
        filt.tally.rejected_data,
    )
    q.c["auth_refused"] = relay.tally.auth_refused
    for verdict, count in milt.tally.items():
        q.c[f"milter_saw_{verdict}"] = count
    # postscreen does not log every PASS OLD of a client that reconnects within a
    # second or so: that count depends on timing, and stays out of the checked table.
    q.c["known_client_connections"] = q.c.pop("PASS OLD")
    screen = {k: v for k, v in sorted(q.c.items()) if k.isupper() or " " in k}
    env.truth = {
        "postscreen": screen,
        "quirks": {k: v for k, v in sorted(q.c.items()) if k not in screen},
    }


POSTSCREEN_EVENT = re.compile(
    r"postscreen\[\d+\]: (PASS NEW|PREGREET|HANGUP|BARE NEWLINE|COMMAND PIPELINING|"
    r"NON-SMTP COMMAND|DENYLISTED|ALLOWLISTED|DNSBL) "
)


def check(classic: list[str], sink: list[str], doc: dict[str, Any]) -> list[str]:
    """postscreen's verdicts recounted from the log."""
    found = Counter(m.group(1) for line in classic if (m := POSTSCREEN_EVENT.search(line)))
    if dict(sorted(found.items())) != doc["postscreen"]:
        return [f"postscreen: truth {doc['postscreen']} but the log shows {dict(found)}"]
    return []


RUN.check = check


def stop_and_reap(env: Env) -> None:
    """`postfix stop` in the middle of a run. The master was reparented to this process
    (the PID namespace's init): reap it, or its zombie looks alive to postfix-script."""
    pid = int((env.world.path("mx", "data", "master.lock")).read_text().split()[0])
    stop = subprocess.Popen(["postfix", "stop"])
    while stop.poll() is None:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.1)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def lifecycle(q: Quirks, env: Env) -> None:
    q.wait(30)
    _sh("postfix", "status")
    _sh("postfix", "start", check=False)  # already running: a fatal line, nothing else
    q.wait(30)
    stop_and_reap(env)
    env.syslog.quiet_for(1.0)
    q.wait(600)
    _sh("postfix", "start")
    wait_for_listeners(["127.0.0.1:25", "127.0.0.1:10026"])
    q.wait(5)
    q.sc.ham(q.sc.world.clients[1])  # known to postscreen's cache from before the stop
    q.c["PASS OLD"] += 1
    wait_for_quiet_queues(env.sink)
    env.syslog.quiet_for(1.0)
    q.wait(120)
    _sh("postfix", "-c", str(env.sink), "stop")
    _sh("postfix", "stop")
    env.syslog.quiet_for(1.5)
