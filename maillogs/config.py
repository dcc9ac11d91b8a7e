"""The TOML config file: where logs are, the user's check tables, domains, mail settings.

Found at --config, else $MAILLOGS_CONFIG, else ~/.config/maillogs/config.toml, else
/etc/maillogs/config.toml. Command-line options win over it. Relative paths in it are
relative to its own directory. Unknown keys are errors, so a typo does not pass
silently; every error names the file and the key.
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

ENV_VAR = "MAILLOGS_CONFIG"
USER_CONFIG = Path(".config/maillogs/config.toml")  # under the home directory
SYSTEM_CONFIG = Path("/etc/maillogs/config.toml")
VIAS = ("smtp", "sendmail")

T = TypeVar("T")


@dataclass(frozen=True)
class MailConfig:
    """The [mail] table: where and how `maillogs mail` sends the report."""

    to: tuple[str, ...] = ()
    from_: str | None = None  # key "from"
    host: str = "localhost"
    port: int | None = None  # None: 465 with ssl, else 587 with starttls, else 25
    starttls: bool = True
    ssl: bool = False  # implicit TLS; never together with starttls
    username: str | None = None
    password: str | None = None
    password_env: str | None = None  # name of the environment variable holding it
    via: str = "smtp"  # one of VIAS
    sendmail_path: str = "/usr/sbin/sendmail"
    cafile: Path | None = None  # a CA to trust instead of the system's
    subject: str | None = None  # a template; None: the mailer's default
    hostname_label: str | None = None  # the host named in the subject; None: this host


@dataclass(frozen=True)
class Config:
    source: Path | None = None  # the file it came from; None: defaults
    logs: tuple[str, ...] = ()  # paths and globs
    header_checks: tuple[Path, ...] = ()  # Postfix pcre/regexp tables
    body_checks: tuple[Path, ...] = ()
    catchall_domains: tuple[str, ...] = ()  # lower-cased
    own_domains: tuple[str, ...] = ()  # lower-cased
    own_networks: tuple[str, ...] = ()  # normalised: "192.0.2.7/24" → "192.0.2.0/24"
    timezone: str | None = None  # a valid IANA name
    top: int = 10
    mail: MailConfig = field(default_factory=MailConfig)


def find_config_path(
    explicit: str | None,
    env: Mapping[str, str],
    home: Path,
    system: Path = SYSTEM_CONFIG,
) -> Path | None:
    """--config (must exist), else $MAILLOGS_CONFIG (must exist), else the user's and
    then the system's config file if they exist; None when there is none."""
    if explicit:
        return _existing(Path(explicit), "")
    if env.get(ENV_VAR):
        return _existing(Path(env[ENV_VAR]), f" (from ${ENV_VAR})")
    for path in (home / USER_CONFIG, system):
        if path.is_file():
            return path
    return None


def _existing(path: Path, origin: str) -> Path:
    if path.is_dir():
        raise ConfigError(f"{path}: is a directory, not a config file{origin}")
    if not path.is_file():
        raise ConfigError(f"{path}: no such config file{origin}")
    return path


class _Table:
    """Typed access to one TOML table, remembering which keys were asked for."""

    def __init__(self, path: Path, data: Mapping[str, Any], prefix: str = "") -> None:
        self.path = path
        self.data = data
        self.prefix = prefix
        self.known: set[str] = set()

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.path}: key '{self.prefix}{key}': {message}")

    def has(self, key: str) -> bool:
        self.known.add(key)
        return key in self.data

    def get(self, key: str, kind: type[T], default: T, what: str) -> T:
        if not self.has(key):
            return default
        value = self.data[key]
        # TOML booleans are Python ints; `top = true` is not a number.
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise self.error(key, f"expected {what}")
        return value

    def string(self, key: str) -> str | None:
        """A string; an empty one counts as not given."""
        return self.get(key, str, "", "a string") or None

    def strings(self, key: str, check: Callable[[str], str] = str) -> tuple[str, ...]:
        """A list of strings; a single string is a list of one."""
        value = self.get(key, object, [], "a list of strings")
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise self.error(key, "expected a list of strings")
        return tuple(check(item) for item in items)

    def table(self, key: str) -> _Table:
        return _Table(self.path, self.get(key, dict, {}, "a table"), f"{self.prefix}{key}.")

    def reject_unknown(self) -> None:
        for key in self.data:
            if key not in self.known:
                raise self.error(key, "unknown key")


def load_config(path: Path | None) -> Config:
    """The config in `path`, checked; None gives the defaults."""
    if path is None:
        return Config()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not UTF-8 text") from error
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {_where(error, text)}") from error
    top = _Table(path, data)
    here = path.parent

    def relative(value: str) -> str:
        return str(here / Path(value).expanduser())  # an absolute value stays as it is

    config = Config(
        source=path,
        logs=top.strings("logs", relative),
        header_checks=tuple(Path(p) for p in top.strings("header_checks", relative)),
        body_checks=tuple(Path(p) for p in top.strings("body_checks", relative)),
        catchall_domains=top.strings("catchall_domains", domain_name),
        own_domains=top.strings("own_domains", domain_name),
        own_networks=top.strings("own_networks", _network(top, "own_networks")),
        timezone=_timezone(top),
        top=_top(top),
        mail=_mail(top.table("mail"), here),
    )
    top.reject_unknown()
    return config


def _where(error: tomllib.TOMLDecodeError, text: str) -> str:
    """tomllib's message, with a line number also when the error is at the very end."""
    message = str(error)
    end = "(at end of document)"
    if message.endswith(end):
        last_line = max(1, len(text.rstrip("\n").splitlines()))
        message = f"{message.removesuffix(end)}(at line {last_line}, end of file)"
    return message


def domain_name(value: str) -> str:
    """A domain as reports compare them (config and command line alike)."""
    return value.strip().lower().rstrip(".")


def _network(table: _Table, key: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        try:
            return str(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise table.error(key, f"{value!r} is not an IP network") from None

    return check


def _timezone(table: _Table) -> str | None:
    name = table.string("timezone")
    if name is not None:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise table.error("timezone", f"unknown time zone {name!r}") from None
    return name


def _top(table: _Table) -> int:
    count = table.get("top", int, 10, "an integer")
    if count < 1:
        raise table.error("top", "expected a positive integer")
    return count


def _mail(table: _Table, here: Path) -> MailConfig:
    via = table.get("via", str, "smtp", "a string")
    if via not in VIAS:
        raise table.error("via", "expected 'smtp' or 'sendmail'")
    port = table.get("port", int, 0, "an integer") if table.has("port") else None
    if port is not None and not 1 <= port <= 65535:
        raise table.error("port", "expected a port number, 1 to 65535")
    ssl = table.get("ssl", bool, False, "true or false")
    starttls = table.get("starttls", bool, not ssl, "true or false")
    if ssl and starttls:
        raise table.error("starttls", "cannot be true with ssl = true (TLS from the start)")
    password = table.string("password")
    password_env = table.string("password_env")
    if password and password_env:
        raise table.error("password_env", "give password or password_env, not both")
    mail = MailConfig(
        to=table.strings("to", str.strip),
        from_=table.string("from"),
        host=table.get("host", str, "localhost", "a string"),
        port=port,
        starttls=starttls,
        ssl=ssl,
        username=table.string("username"),
        password=password,
        password_env=password_env,
        via=via,
        sendmail_path=table.get("sendmail_path", str, "/usr/sbin/sendmail", "a string"),
        cafile=here / Path(cafile).expanduser() if (cafile := table.string("cafile")) else None,
        subject=table.string("subject"),
        hostname_label=table.string("hostname_label"),
    )
    table.reject_unknown()
    return mail
