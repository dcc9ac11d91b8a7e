"""The machine's IANA time zone name, for classic syslog stamps (which carry none)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def _valid(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def local_zone_name(env: dict[str, str] | None = None, root: Path = Path("/")) -> str:
    """$TZ, else /etc/timezone, else the /etc/localtime link target, else UTC."""
    environ = os.environ if env is None else env
    candidates: list[str] = []
    tz = environ.get("TZ", "").lstrip(":")
    if tz:
        candidates.append(tz)
    with contextlib.suppress(OSError):
        candidates.append((root / "etc/timezone").read_text().strip())
    localtime = root / "etc/localtime"
    if localtime.is_symlink():
        target = str(localtime.resolve())
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    for name in candidates:
        if name and _valid(name):
            return name
    return "UTC"
