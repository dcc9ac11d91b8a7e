"""The TOML config file: where logs are, the user's check tables, domains, mail settings.

Found at --config, else $MAILLOGS_CONFIG, else ~/.config/maillogs/config.toml, else
/etc/maillogs/config.toml. Command-line options win over it. Unknown keys are errors,
so a typo does not pass silently; every error names the file and the key.
"""

from __future__ import annotations

import ipaddress
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from maillogs.errors import ConfigError

SYSTEM_CONFIG = Path("/etc/maillogs/config.toml")
T = TypeVar("T")


@dataclass(frozen=True)
class MailConfig:
    to: tuple[str, ...] = ()
    from_: str | None = None
    host: str = "localhost"
    port: int | None = None
    starttls: bool = True
    ssl: bool = False
    username: str | None = None
    password: str | None = None
    password_env: str | None = None
    via: str = "smtp"
    sendmail_path: str = "/usr/sbin/sendmail"
    subject: str | None = None


@dataclass(frozen=True)
class Config:
    source: Path | None = None
    logs: tuple[str, ...] = ()
    header_checks: tuple[Path, ...] = ()
    body_checks: tuple[Path, ...] = ()
    catchall_domains: tuple[str, ...] = ()
    own_domains: tuple[str, ...] = ()
    own_networks: tuple[str, ...] = ()
    timezone: str | None = None
    top: int = 10
    mail: MailConfig = field(default_factory=MailConfig)


def find_config_path(explicit: str | None, env: Mapping[str, str], home: Path) -> Path | None:
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"{path}: no such config file")
        return path
    if env.get("MAILLOGS_CONFIG"):
        path = Path(env["MAILLOGS_CONFIG"])
        if not path.is_file():
            raise ConfigError(f"{path}: no such config file (from $MAILLOGS_CONFIG)")
        return path
    for path in (home / ".config" / "maillogs" / "config.toml", SYSTEM_CONFIG):
        if path.is_file():
            return path
    return None


class _Reader:
    """Typed access to one table of the file, recording which keys were used."""

    def __init__(self, path: Path, table: Mapping[str, Any], prefix: str = "") -> None:
        self.path, self.table, self.prefix = path, table, prefix
        self.used: set[str] = set()

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.path}: key '{self.prefix}{key}': {message}")

    def get(self, key: str, kind: type[T], default: T, what: str) -> T:
        self.used.add(key)
        if key not in self.table:
            return default
        value = self.table[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.error(key, f"expected {what}")
        return value

    def strings(self, key: str, check: Callable[[str], str] | None = None) -> tuple[str, ...]:
        value = self.get(key, list, [], "a list of strings")
        if not all(isinstance(item, str) for item in value):
            raise self.error(key, "expected a list of strings")
        return tuple(check(item) if check else item for item in value)

    def optional_string(self, key: str) -> str | None:
        value = self.get(key, str, "", "a string")
        return value or None

    def reject_unknown(self) -> None:
        for key in self.table:
            if key not in self.used:
                raise self.error(key, "unknown key")


def _network(reader: _Reader, key: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        try:
            return str(ipaddress.ip_network(value, strict=False))
        except ValueError:
            raise reader.error(key, f"{value!r} is not a network") from None

    return check


def load_config(path: Path | None) -> Config:
    if path is None:
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{path}: {error.strerror or error}") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: {error}") from error
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not UTF-8 text") from error
    base = path.parent
    top = _Reader(path, data)

    def relative(value: str) -> str:
        return str(base / Path(value).expanduser())

    timezone = top.optional_string("timezone")
    if timezone:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise top.error("timezone", f"unknown time zone {timezone!r}") from None
    count = top.get("top", int, 10, "an integer")
    if count < 1:
        raise top.error("top", "expected a positive integer")
    mail_table = top.get("mail", dict, {}, "a table")
    config = Config(
        source=path,
        logs=top.strings("logs", relative),
        header_checks=tuple(Path(p) for p in top.strings("header_checks", relative)),
        body_checks=tuple(Path(p) for p in top.strings("body_checks", relative)),
        catchall_domains=tuple(d.lower() for d in top.strings("catchall_domains")),
        own_domains=tuple(d.lower() for d in top.strings("own_domains")),
        own_networks=top.strings("own_networks", _network(top, "own_networks")),
        timezone=timezone,
        top=count,
        mail=_mail(_Reader(path, mail_table, "mail.")),
    )
    top.reject_unknown()
    return config


def _mail(reader: _Reader) -> MailConfig:
    via = reader.get("via", str, "smtp", "a string")
    if via not in ("smtp", "sendmail"):
        raise reader.error("via", "expected 'smtp' or 'sendmail'")
    port = reader.get("port", int, 0, "an integer")
    mail = MailConfig(
        to=reader.strings("to"),
        from_=reader.optional_string("from"),
        host=reader.get("host", str, "localhost", "a string"),
        port=port or None,
        starttls=reader.get("starttls", bool, True, "true or false"),
        ssl=reader.get("ssl", bool, False, "true or false"),
        username=reader.optional_string("username"),
        password=reader.optional_string("password"),
        password_env=reader.optional_string("password_env"),
        via=via,
        sendmail_path=reader.get("sendmail_path", str, "/usr/sbin/sendmail", "a string"),
        subject=reader.optional_string("subject"),
    )
    reader.reject_unknown()
    return mail
