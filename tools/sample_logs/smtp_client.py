"""A raw SMTP client with full control (pipelining, garbage, half-done STARTTLS), which
records exactly what the server answered."""

from __future__ import annotations

import contextlib
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Reply:
    code: int
    text: str


@dataclass(frozen=True)
class TlsInfo:
    protocol: str
    cipher: str
    bits: int


class SmtpError(Exception):
    pass


class Conversation:
    def __init__(self, source: str, server: str, port: int = 25, timeout: float = 30) -> None:
        family = socket.AF_INET6 if ":" in server else socket.AF_INET
        self.sock: socket.socket | ssl.SSLSocket = socket.socket(family, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.bind((source, 0))
        self.sock.connect((server, port))
        self.buffer = b""

    def _line(self) -> bytes:
        while b"\n" not in self.buffer:
            data = self.sock.recv(65536)
            if not data:
                raise SmtpError("connection closed by server")
            self.buffer += data
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.rstrip(b"\r")

    def reply(self) -> Reply:
        lines = []
        while True:
            line = self._line().decode("utf-8", "replace")
            lines.append(line[4:])
            if len(line) < 4 or line[3] != "-":
                return Reply(int(line[:3]), "\n".join(lines))

    def send(self, data: str | bytes) -> None:
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def command(self, line: str) -> Reply:
        self.send(line + "\r\n")
        return self.reply()

    def starttls(self, context: ssl.SSLContext) -> TlsInfo:
        reply = self.command("STARTTLS")
        if reply.code != 220:
            raise SmtpError(f"STARTTLS refused: {reply}")
        assert isinstance(self.sock, socket.socket)
        self.sock = context.wrap_socket(self.sock, server_hostname=None)
        cipher = self.sock.cipher()
        assert cipher is not None
        return TlsInfo(protocol=str(cipher[1]), cipher=str(cipher[0]), bits=int(cipher[2]))

    def data(self, message: str) -> Reply:
        reply = self.command("DATA")
        if reply.code != 354:
            return reply
        body = message.replace("\r\n", "\n").replace("\n.", "\n..").replace("\n", "\r\n")
        self.send(body + "\r\n.\r\n")
        return self.reply()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


def tls_context(
    certs: Path, client_cert: str | None, protocol: str, cipher: str | None = None
) -> ssl.SSLContext:
    """A client context: optional client certificate, one protocol version, one cipher."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    if protocol == "TLSv1.3":
        context.minimum_version = ssl.TLSVersion.TLSv1_3
    elif protocol == "TLSv1.2":
        context.minimum_version = context.maximum_version = ssl.TLSVersion.TLSv1_2
    if cipher:
        context.set_ciphers(cipher)
    if client_cert:
        context.load_cert_chain(certs / f"{client_cert}.pem", certs / f"{client_cert}.key")
    return context
