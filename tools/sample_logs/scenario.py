"""The scenario: who connects, what they send, and the bookkeeping of what happened.

Each session is drawn from a seeded RNG; each records in Truth what the client did and
the replies it got. Where Postfix or policyd-spf log something the client cannot see
(an SPF prepend, a delivery), the count follows from the world's configuration by the
rule written next to it; the generator then checks every count against the log.
"""

from __future__ import annotations

import contextlib
import random
import subprocess
import time
from dataclasses import dataclass
from email.utils import format_datetime

from smtp_client import Conversation, Reply, SmtpError, TlsInfo, tls_context
from truth import Truth
from world import (
    BOUNCING_RECIPIENT,
    CATCHALL,
    HELO_SPF,
    MX_NAME,
    MX_V4,
    MX_V6,
    RBL_ZONE,
    SPF_RECORDS,
    UNKNOWN_ALIAS_DOMAIN,
    VMAIL_DOMAIN,
    Client,
    World,
)

# Sites the user gave a disposable address to; the first few later leak to spammers.
SITES = [
    "linkedin.com",
    "eshop.gr",
    "twitter.com",
    "github.com",
    "skroutz.gr",
    "ebay.com",
    "airbnb.com",
    "booking.com",
    "python.org",
    "kickstarter.com",
]
LEAKED = SITES[:3]
GREEK_SPAM = {  # sender domain → (header_checks id, how the From header names it)
    "adsgreece.com": 8,
    "mailendo.com": 5,
    "4udeals.gr": 31,
    "eliamep.org": 12,
    "mailinglist.gr": 24,
    "globalgreece.gr": 22,
    "nfs.gr": 10,
    "specisoft.biz": 6,
}
TLS12_CIPHERS = [
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-RSA-CHACHA20-POLY1305",
    "DHE-RSA-AES256-GCM-SHA384",
]


def spf_result(domain: str | None, table: dict[str, str | None]) -> str:
    """What pyspf gives for our clients (all in 127.0.0.0/8 or 2001:db8::/32)."""
    record = table.get(domain or "")
    if record is None:
        return "none"
    if "include:spf.dead.test" in record:
        return "temperror"
    if "frobnicate" in record:
        return "permerror"
    if "ip4:127.0.0.0/8" in record:
        return "pass"
    return {"-all": "fail", "~all": "softfail", "?all": "neutral"}[record.split()[-1]]


@dataclass
class Message:
    sender: str
    recipients: list[str]
    headers: dict[str, str]
    body: str

    def text(self, when: str) -> str:
        lines = [f"{name}: {value}" for name, value in self.headers.items()]
        lines.append(f"Date: {when}")
        return "\n".join(lines) + "\n\n" + self.body


class Scenario:
    def __init__(self, world: World, truth: Truth, rng: random.Random, clock: object) -> None:
        self.world, self.truth, self.rng, self.clock = world, truth, rng, clock
        self.day = ""
        self.ids = 0
        # (TLS level, IP family) of each smtp delivery attempt that reaches a server.
        self.pending_outbound: list[tuple[str | None, str]] = []

    # --- helpers
    def _now(self) -> str:
        return format_datetime(self.clock.now())  # type: ignore[attr-defined]

    def _message_id(self) -> str:
        self.ids += 1
        return f"<{self.ids}.{self.rng.randrange(10**9)}@generator.test>"

    def _tls_choice(self) -> tuple[str | None, str | None, str | None]:
        """(client certificate, protocol, cipher) or all None for plaintext."""
        roll = self.rng.random()
        if roll < 0.22:
            return None, None, None
        cert = self.rng.choices([None, "client", "client-self"], [0.7, 0.15, 0.15])[0]
        if self.rng.random() < 0.6:
            return cert or "", "TLSv1.3", None
        return cert or "", "TLSv1.2", self.rng.choice(TLS12_CIPHERS)

    def _open(
        self, client: Client, tls: tuple[str | None, str | None, str | None]
    ) -> tuple[Conversation, str | None, TlsInfo | None]:
        server = MX_V6 if client.family == "ipv6" else MX_V4
        self.truth.connection(self.day, client.family)
        conv = Conversation(client.ip, server)
        banner = conv.reply()
        assert banner.code == 220, banner
        helo = client.name or f"host{self.rng.randrange(1000)}.dyn.test"
        ehlo = conv.command(f"EHLO {helo}")
        assert ehlo.code == 250, ehlo
        info = None
        level = None
        cert, protocol, cipher = tls
        if protocol:
            context = tls_context(self.world.certs, cert or None, protocol, cipher)
            info = conv.starttls(context)
            level = {"client": "Trusted", "client-self": "Untrusted"}.get(cert or "", "Anonymous")
            assert conv.command(f"EHLO {helo}").code == 250
        self.truth.inbound_tls(
            level, info.protocol if info else None, info.cipher if info else None, client.family
        )
        return conv, helo, info

    def _quit(self, conv: Conversation) -> None:
        with contextlib.suppress(SmtpError, OSError):
            conv.command("QUIT")
        conv.close()

    # --- the SPF policy, as spf_engine 3.0.4 decides and logs it (one line per message)
    def _spf(self, helo: str, sender: str) -> tuple[str, str, bool]:
        helo_result = spf_result(helo, HELO_SPF)  # type: ignore[arg-type]
        if helo_result == "fail":
            return "helo", "fail", True
        sender_result = spf_result(sender.rsplit("@", 1)[-1], SPF_RECORDS)
        if sender_result == "fail":
            return "mailfrom", "fail", True
        if sender_result != "none" or helo_result == "none":
            return "mailfrom", sender_result, False
        return "helo", helo_result, False

    # --- one inbound message transaction; returns the final reply
    def _transaction(
        self,
        conv: Conversation,
        client: Client,
        helo: str,
        message: Message,
        expect_rcpt: dict[str, tuple[str, str | None]] | None = None,
        check: tuple[str, str, int | None] | None = None,
    ) -> Reply | None:
        """expect_rcpt: recipient → (reject class, rbl list) for refusals decided before
        the SPF policy; check: (part, action, id) header/body check the message trips."""
        assert conv.command(f"MAIL FROM:<{message.sender}>").code == 250
        accepted: list[str] = []
        spf_logged = False
        for rcpt in message.recipients:
            reply = conv.command(f"RCPT TO:<{rcpt}>")
            planned = (expect_rcpt or {}).get(rcpt)
            if planned:
                assert reply.code >= 500, (rcpt, reply)
                self.truth.reject(self.day, planned[0], rcpt, planned[1])
                continue
            if not spf_logged:
                identity, result, refused = self._spf(helo, message.sender)
                self.truth.spf_verdict(identity, result, refused)
                if refused:
                    assert reply.code == 550 and "SPF" in reply.text, (rcpt, reply)
                    self.truth.reject(self.day, "spf", rcpt)
                    continue  # a rejected request leaves the next RCPT to be checked again
                spf_logged = True
            assert reply.code == 250, (client, rcpt, reply)
            accepted.append(rcpt)
        if not accepted:
            conv.command("RSET")
            return None
        reply = conv.data(message.text(self._now()))
        if check:
            part, action, rule_id = check
            self.truth.content_check(self.day, part, action, rule_id, accepted[0])
            if action == "REJECT":
                assert reply.code == 550, reply
                return reply
            if action in ("DISCARD", "HOLD"):
                assert reply.code == 250, reply
                return reply
        assert reply.code == 250, reply
        self.truth.received(self.day, "smtpd")
        for rcpt in accepted:
            self._expect_local_delivery(rcpt)
        return reply

    def _expect_local_delivery(self, rcpt: str) -> None:
        """Where an accepted recipient ends up (virtual_alias_maps, virtual, local)."""
        local, domain = rcpt.lower().rsplit("@", 1)
        if domain == CATCHALL:
            self.truth.catchall_delivered(rcpt)
            for _ in ("alice", "bob") if local == "list" else ("me",):
                self.truth.delivery("local", "sent")
        elif domain == VMAIL_DOMAIN:
            self.truth.delivery("virtual", "sent")
        elif domain == MX_NAME:
            self.truth.delivery("local", "sent")
        else:
            raise AssertionError(rcpt)

    def _ham(self, sender: str, rcpts: list[str], subject: str = "Hello") -> Message:
        return Message(
            sender,
            rcpts,
            {
                "From": f"<{sender}>",
                "To": ", ".join(f"<{r}>" for r in rcpts),
                "Subject": subject,
                "Message-ID": self._message_id(),
            },
            "Just a normal message.\n",
        )

    # --- session kinds
    def ham(self, client: Client) -> None:
        conv, helo, _ = self._open(client, self._tls_choice())
        domain = self.rng.choices(
            [
                "pass.test",
                "softfail.test",
                "neutral.test",
                "nospf.test",
                "permerror.test",
                "temperror.test",
                "newsletter.test",
            ],
            [40, 8, 6, 14, 4, 3, 10],
        )[0]
        sender = f"user{self.rng.randrange(50)}@{domain}"
        target = self.rng.random()
        if target < 0.55:
            rcpt = f"{self.rng.choice(SITES)}@{CATCHALL}"
        elif target < 0.65:
            rcpt = f"list@{CATCHALL}"
        elif target < 0.8:
            rcpt = f"user{self.rng.randrange(1, 4)}@{VMAIL_DOMAIN}"
        else:
            rcpt = f"{self.rng.choice(['me', 'alice', 'bob'])}@{MX_NAME}"
        self._transaction(conv, client, str(helo), self._ham(sender, [rcpt]))
        self._quit(conv)

    def helo_spf(self, client: Client) -> None:
        conv = Conversation(client.ip, MX_V6 if client.family == "ipv6" else MX_V4)
        self.truth.connection(self.day, client.family)
        assert conv.reply().code == 220
        helo = self.rng.choice(list(HELO_SPF))
        assert conv.command(f"EHLO {helo}").code == 250
        self.truth.inbound_tls(None, None, None, client.family)
        rcpt = f"{self.rng.choice(SITES)}@{CATCHALL}"
        self._transaction(conv, client, helo, self._ham("info@nospf.test", [rcpt]))
        self._quit(conv)

    def spam_header(self, client: Client) -> None:
        conv, helo, _ = self._open(client, self._tls_choice())
        domain = self.rng.choice(list(GREEK_SPAM))
        rule = GREEK_SPAM[domain]
        sender = f"news@{domain}"
        rcpt = f"{self.rng.choice(LEAKED)}@{CATCHALL}"
        message = self._ham(sender, [rcpt], subject="Great offers this week")
        # "from.*mailendo.com" matches a From: line, like the user's rule 5 intends.
        message.headers["From"] = f"Newsletter <{sender}>"
        refused = self._spf(str(helo), sender)[2]
        check = None if refused else ("header", "REJECT", rule)
        self._transaction(conv, client, str(helo), message, check=check)
        self._quit(conv)

    def spam_body(self, client: Client) -> None:
        conv, helo, _ = self._open(client, self._tls_choice())
        phrase, rule = self.rng.choice([("casino bonus", 70), ("cheap pills", 71)])
        rcpt = f"{self.rng.choice(LEAKED)}@{CATCHALL}"
        message = self._ham(
            f"promo{self.rng.randrange(9)}@newsletter.test", [rcpt], subject="Offer"
        )
        message.body = f"Claim your {phrase} today!\n"
        self._transaction(conv, client, str(helo), message, check=("body", "REJECT", rule))
        self._quit(conv)

    def flagged(self, client: Client, action: str) -> None:
        conv, helo, _ = self._open(client, self._tls_choice())
        rcpt = f"{self.rng.choice(SITES)}@{CATCHALL}"
        message = self._ham(f"user{self.rng.randrange(50)}@pass.test", [rcpt])
        if action == "WARN":
            message.headers["Subject"] = "You won the lottery"
            check = ("header", "WARN", None)
        elif action == "DISCARD":
            message.headers["X-Mailer"] = "BulkBlaster 3.1"
            check = ("header", "DISCARD", 90)
        else:
            message.headers["Subject"] = "Invoice [hold-for-review]"
            check = ("header", "HOLD", None)
        self._transaction(conv, client, str(helo), message, check=check)
        self._quit(conv)

    def refused_rcpt(self, client: Client, kind: str) -> None:
        conv, helo, _ = self._open(client, self._tls_choice())
        sender = f"user{self.rng.randrange(50)}@pass.test"
        rbl = None
        if kind == "relay_denied":
            rcpt = f"someone@elsewhere{self.rng.randrange(5)}.test"
        elif kind == "unknown_virtual":
            rcpt, kind = (
                f"nobody{self.rng.randrange(9)}@{UNKNOWN_ALIAS_DOMAIN}",
                "unknown_recipient",
            )
        elif kind == "unknown_local":
            rcpt, kind = f"nosuchuser{self.rng.randrange(9)}@{MX_NAME}", "unknown_recipient"
        elif kind == "unknown_sender_domain":
            rcpt = f"{self.rng.choice(SITES)}@{CATCHALL}"
            sender = f"billing@no-such-domain{self.rng.randrange(9)}.test"
        else:  # rbl and client_access: the client decides
            rcpt = f"{self.rng.choice(LEAKED)}@{CATCHALL}"
            rbl = RBL_ZONE if kind == "rbl" else None
        self._transaction(
            conv, client, str(helo), self._ham(sender, [rcpt]), expect_rcpt={rcpt: (kind, rbl)}
        )
        self._quit(conv)

    def spf_refused(self, client: Client, by_helo: bool) -> None:
        conv = Conversation(client.ip, MX_V6 if client.family == "ipv6" else MX_V4)
        self.truth.connection(self.day, client.family)
        assert conv.reply().code == 220
        helo = "helo-fail.test" if by_helo else (client.name or "dyn.example.test")
        assert conv.command(f"EHLO {helo}").code == 250
        self.truth.inbound_tls(None, None, None, client.family)
        sender = "user@nospf.test" if by_helo else "ceo@fail.test"
        self._transaction(
            conv, client, helo, self._ham(sender, [f"{self.rng.choice(SITES)}@{CATCHALL}"])
        )
        self._quit(conv)

    def pipelining(self, client: Client) -> None:
        """HELO (not EHLO: no PIPELINING offered) and QUIT in one write: smtpd finds QUIT
        already waiting when it has read HELO, every time."""
        server = MX_V6 if client.family == "ipv6" else MX_V4
        self.truth.connection(self.day, client.family)
        conv = Conversation(client.ip, server)
        assert conv.reply().code == 220
        conv.send(f"HELO {client.name or 'eager.test'}\r\nQUIT\r\n")
        assert conv.reply().code == 250
        assert conv.reply().code == 221
        conv.close()
        self.truth.inbound_tls(None, None, None, client.family)
        self.truth.c["pipelining"] += 1

    def non_smtp(self, client: Client) -> None:
        server = MX_V6 if client.family == "ipv6" else MX_V4
        self.truth.connection(self.day, client.family)
        conv = Conversation(client.ip, server)
        assert conv.reply().code == 220
        conv.send("GET / HTTP/1.1\r\n")
        with contextlib.suppress(SmtpError):
            conv.reply()
        conv.close()
        self.truth.inbound_tls(None, None, None, client.family)
        self.truth.c["non_smtp_command"] += 1

    def errors(self, client: Client) -> None:
        server = MX_V6 if client.family == "ipv6" else MX_V4
        self.truth.connection(self.day, client.family)
        conv = Conversation(client.ip, server)
        assert conv.reply().code == 220
        for _ in range(6):
            try:
                reply = conv.command("XYZZY")
            except (SmtpError, OSError):
                break
            if reply.code == 421:
                break
        conv.close()
        self.truth.inbound_tls(None, None, None, client.family)
        self.truth.c["too_many_errors"] += 1

    def starttls_trouble(self, client: Client, how: str) -> None:
        server = MX_V6 if client.family == "ipv6" else MX_V4
        self.truth.connection(self.day, client.family)
        conv = Conversation(client.ip, server)
        assert conv.reply().code == 220
        assert conv.command(f"EHLO {client.name or 'broken.test'}").code == 250
        self.truth.inbound_tls(None, None, None, client.family)
        if how == "lost":
            # smtpd's TLS handshake meets end-of-file: a failed handshake, then the
            # lost connection.
            assert conv.command("STARTTLS").code == 220
            self.truth.c["handshake_failures"] += 1
            self.truth.c["lost_after_starttls"] += 1
        elif how == "garbage":
            assert conv.command("STARTTLS").code == 220
            conv.send(b"\x16\x03\x01\x00\x05hello, not really TLS\r\n")
            time.sleep(0.05)
            # smtpd logs the failed handshake, then the lost connection.
            self.truth.c["handshake_failures"] += 1
            self.truth.c["lost_after_starttls"] += 1
        else:
            # Only a NULL-encryption suite, which smtpd never agrees to: no shared cipher.
            try:
                conv.starttls(
                    tls_context(self.world.certs, None, "TLSv1.2", "NULL-SHA256:@SECLEVEL=0")
                )
            except (OSError, SmtpError):
                self.truth.c["handshake_failures"] += 1
                self.truth.c["lost_after_starttls"] += 1
            else:
                raise AssertionError("a NULL-cipher handshake unexpectedly succeeded")
        conv.close()

    def probe(self, client: Client) -> None:
        conv, _, _ = self._open(client, (None, None, None))
        self._quit(conv)

    # --- outbound: local submissions through pickup, and relaying for mynetworks
    def submit(self, rcpts: list[str], via_smtp: bool = False) -> None:
        sender = f"me@{MX_NAME}"
        message = self._ham(sender, rcpts, subject="Outbound note")
        if via_smtp:
            conv = Conversation("127.0.0.1", MX_V4)
            self.truth.connection(self.day, "ipv4")
            assert conv.reply().code == 220
            assert conv.command("EHLO localhost").code == 250
            self.truth.inbound_tls(None, None, None, "ipv4")
            assert conv.command(f"MAIL FROM:<{sender}>").code == 250
            for rcpt in rcpts:
                assert conv.command(f"RCPT TO:<{rcpt}>").code == 250
            # Relayed mail still passes smtpd_recipient_restrictions: one SPF verdict.
            identity, result, _ = self._spf("localhost", sender)
            self.truth.spf_verdict(identity, result, False)
            assert conv.data(message.text(self._now())).code == 250
            self._quit(conv)
            self.truth.received(self.day, "smtpd")
        else:
            subprocess.run(
                ["/usr/sbin/sendmail", "-f", sender, "-i", *rcpts],
                input=message.text(self._now()).encode(),
                check=True,
            )
            self.truth.received(self.day, "pickup")
        for rcpt in rcpts:
            self._expect_outbound(rcpt)

    def _expect_outbound(self, rcpt: str) -> None:
        """What smtp(8) makes of a recipient, from the destination's server and policy."""
        domain = rcpt.rsplit("@", 1)[1]
        if domain == MX_NAME:
            self.truth.delivery("local", "sent")
            return
        family = "ipv6" if domain == "v6.test" else "ipv4"
        tls_by_domain = {
            "verified.test": "Verified",
            "verify.test": "Verified",
            "trusted.test": "Trusted",
            "untrusted.test": "Untrusted",
            "anon.test": "Anonymous",
            "v6.test": "Trusted",
            "bounce.test": "Trusted",
            # smtp logs the TLS summary before it refuses the unverified certificate.
            "verifyfail.test": "Untrusted",
        }
        if domain == "refused.test":
            self.truth.delivery("smtp", "deferred")  # relay=none: no server reached
            self.truth.c["postsuper_deleted"] += 1
            self.truth.c["postsuper_removed"] += 1
            return
        level = tls_by_domain.get(domain)
        status = "sent"
        if domain in ("encrypt.test", "verifyfail.test"):
            status = "deferred"
            self.truth.c["postsuper_deleted"] += 1
            self.truth.c["postsuper_removed"] += 1
        elif rcpt == BOUNCING_RECIPIENT:
            status = "bounced"
            # The non-delivery notice to me@ is a message of its own, delivered locally.
            self.truth.received(self.day, "postfix")
            self.truth.delivery("local", "sent")
        self.pending_outbound.append((level, family))
        self.truth.delivery("smtp", status)
