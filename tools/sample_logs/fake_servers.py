"""Two small SMTP servers in Python for the quirks run, on loopback addresses only:

- a before-queue content filter for `smtpd_proxy_filter`: it refuses recipients named
  `filtered@...` and messages with an `X-Filter: reject` header, and passes the rest on
  to Postfix's reinjection smtpd, answering with that smtpd's own reply;
- a relay that offers AUTH and refuses every login, for the smtp client's SASL failure.
"""

from __future__ import annotations

import smtplib
import socketserver
import threading
from dataclasses import dataclass


@dataclass
class Tally:
    accepted: int = 0
    rejected_data: int = 0
    rejected_rcpt: int = 0
    auth_refused: int = 0


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def _send(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        self._send(f"220 {self.server.name} ESMTP {self.server.role}")
        sender, rcpts = "", []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                extra = ["AUTH PLAIN LOGIN"] if self.server.role == "relay" else []
                lines = [self.server.name, *extra, "8BITMIME"]
                for index, item in enumerate(lines):
                    self._send(f"250{'-' if index < len(lines) - 1 else ' '}{item}")
            elif verb == "AUTH":
                with self.server.lock:
                    self.server.tally.auth_refused += 1
                self._send("535 5.7.8 Error: authentication failed: bad credentials")
            elif verb == "MAIL":
                sender, rcpts = line.split(":", 1)[1].strip().split(" ")[0].strip("<>"), []
                self._send("250 2.1.0 Ok")
            elif verb == "RCPT":
                rcpt = line.split(":", 1)[1].strip().split(" ")[0].strip("<>")
                if rcpt.lower().startswith("filtered@"):
                    with self.server.lock:
                        self.server.tally.rejected_rcpt += 1
                    self._send("550 5.7.1 Recipient refused by the content filter")
                else:
                    rcpts.append(rcpt)
                    self._send("250 2.1.5 Ok")
            elif verb == "DATA":
                self._send("354 End data with <CR><LF>.<CR><LF>")
                self._send(self._message(sender, rcpts))
            elif verb == "QUIT":
                self._send("221 2.0.0 Bye")
                return
            elif verb in ("RSET", "NOOP"):
                self._send("250 2.0.0 Ok")
            else:
                self._send("502 5.5.2 Error: command not recognized")

    def _message(self, sender: str, rcpts: list[str]) -> str:
        lines = []
        while True:
            raw = self.rfile.readline()
            if not raw or raw in (b".\r\n", b".\n"):
                break
            lines.append(raw[1:] if raw.startswith(b"..") else raw)
        data = b"".join(lines)
        if b"\nX-Filter: reject" in b"\n" + data:
            with self.server.lock:
                self.server.tally.rejected_data += 1
            return "554 5.7.1 Message content refused by the before-queue filter"
        host, port = self.server.forward
        with smtplib.SMTP(host, port, local_hostname="filter.localdomain") as client:
            client.ehlo()
            code, text = client.mail(sender)
            for rcpt in rcpts:
                if code == 250:
                    code, text = client.rcpt(rcpt)
            if code == 250:
                code, text = client.data(data)
        if code == 250:
            with self.server.lock:
                self.server.tally.accepted += 1
        return f"{code} {text.decode('utf-8', 'replace')}"


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, address: tuple[str, int], name: str, role: str) -> None:
        super().__init__(address, _Handler)
        self.name, self.role = name, role
        self.forward = ("127.0.0.1", 10026)
        self.tally = Tally()
        self.lock = threading.Lock()


def start(address: tuple[str, int], name: str, role: str) -> _Server:
    server = _Server(address, name, role)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
