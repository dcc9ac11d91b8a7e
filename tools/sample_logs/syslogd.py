"""A small syslog daemon on /dev/log: it stamps each mail-facility message on arrival,
like rsyslog's RSYSLOG_TraditionalFileFormat and RSYSLOG_FileFormat templates, from a
clock the scenario can move forward (so a run of minutes spans several days)."""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

LOG_MAIL = 2
HOSTNAME = "mx"


class SyslogDaemon:
    def __init__(self, socket_path: Path, out_dir: Path, start: datetime) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        socket_path.unlink(missing_ok=True)
        self.sock.bind(str(socket_path))
        socket_path.chmod(0o666)
        self.sock.settimeout(0.2)
        out_dir.mkdir(parents=True, exist_ok=True)
        self.files: dict[str, tuple[TextIO, TextIO]] = {
            name: (
                (out_dir / f"{name}.classic").open("w", encoding="utf-8", buffering=1),
                (out_dir / f"{name}.rfc3339").open("w", encoding="utf-8", buffering=1),
            )
            for name in ("main", "sink")
        }
        self.offset = start.timestamp() - time.time()
        self.lock = threading.Lock()
        self.running = True
        self.received = 0
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def now(self) -> datetime:
        return datetime.fromtimestamp(time.time() + self.offset, UTC)

    def advance(self, seconds: float) -> None:
        """Move the log clock forward (never back, so lines stay in order)."""
        with self.lock:
            self.offset += max(0.0, seconds)

    def jump_to(self, when: datetime) -> None:
        with self.lock:
            self.offset = max(self.offset, when.timestamp() - time.time())

    def _loop(self) -> None:
        while self.running:
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            self._write(data)

    def _write(self, data: bytes) -> None:
        text = data.decode("utf-8", "replace").rstrip("\n\x00")
        if not text.startswith("<") or ">" not in text[:5]:
            return
        priority, rest = text[1:].split(">", 1)
        if int(priority) >> 3 != LOG_MAIL:
            return
        # glibc's syslog(3) sends "Mmm dd hh:mm:ss ident[pid]: message".
        tag_and_message = rest[16:] if rest[3:4] == " " and rest[15:16] == " " else rest
        with self.lock:
            stamp = datetime.fromtimestamp(time.time() + self.offset, UTC)
            name = "sink" if tag_and_message.startswith("postfix-sink") else "main"
            classic, rfc3339 = self.files[name]
            classic.write(
                f"{stamp:%b} {stamp.day:2d} {stamp:%H:%M:%S} {HOSTNAME} {tag_and_message}\n"
            )
            iso = stamp.isoformat(timespec="microseconds")
            rfc3339.write(f"{iso} {HOSTNAME} {tag_and_message}\n")
            self.received += 1

    def quiet_for(self, seconds: float) -> None:
        """Wait until no message has arrived for `seconds`."""
        last = -1
        while last != self.received:
            last = self.received
            time.sleep(seconds)

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.sock.close()
        for classic, rfc3339 in self.files.values():
            classic.close()
            rfc3339.close()
