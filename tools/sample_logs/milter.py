"""A small milter (Sendmail milter protocol, version 6) for the quirks run, on loopback.

It reads the headers and acts at the end of the message on an `X-Milter:` header:
`hold` quarantines the message (Postfix: `milter-hold`), `reject` refuses it with 550
(`milter-reject`), `redirect` replaces the recipients with bob@mx.example.net.
"""

from __future__ import annotations

import socketserver
import struct
import threading
from collections import Counter

# Protocol steps the MTA may skip (SMFIP_NO*): everything but RCPT and the headers.
NO_STEPS = 0x1 | 0x2 | 0x4 | 0x10 | 0x40 | 0x100 | 0x200
ACTIONS = 0x04 | 0x08 | 0x20  # SMFIF_ADDRCPT, SMFIF_DELRCPT, SMFIF_QUARANTINE
REDIRECT_TO = "<bob@mx.example.net>"


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def _read(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self.request.recv(size - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    def _send(self, command: bytes, data: bytes = b"") -> None:
        self.request.sendall(struct.pack(">I", len(data) + 1) + command + data)

    def handle(self) -> None:
        rcpts: list[bytes] = []
        verdict = ""
        try:
            while True:
                (length,) = struct.unpack(">I", self._read(4))
                packet = self._read(length)
                command, data = packet[:1], packet[1:]
                if command == b"O":
                    self._send(b"O", struct.pack(">III", 6, ACTIONS, NO_STEPS))
                elif command == b"R":
                    rcpts.append(data.split(b"\0", 1)[0])
                    self._send(b"c")
                elif command == b"L":
                    name, value = [*data.split(b"\0"), b""][:2]
                    if name.lower() == b"x-milter":
                        verdict = value.strip().decode()
                    self._send(b"c")
                elif command == b"E":
                    self._end(verdict, rcpts)
                    rcpts, verdict = [], ""
                elif command in (b"A",):
                    rcpts, verdict = [], ""
                elif command in (b"Q",):
                    return
                elif command not in (b"D",):  # macros need no reply
                    self._send(b"c")
        except EOFError:
            return

    def _end(self, verdict: str, rcpts: list[bytes]) -> None:
        with self.server.lock:
            self.server.tally[verdict or "continue"] += 1
        if verdict == "hold":
            self._send(b"q", b"held by the test milter\0")
        elif verdict == "reject":
            self._send(b"y", b"550 5.7.1 Refused by the test milter\0")
            return
        elif verdict == "redirect":
            for rcpt in rcpts:
                self._send(b"-", rcpt + b"\0")
            self._send(b"+", REDIRECT_TO.encode() + b"\0")
        self._send(b"c")


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, _Handler)
        self.tally: Counter[str] = Counter()
        self.lock = threading.Lock()


def start(address: tuple[str, int]) -> _Server:
    server = _Server(address)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
