"""What a Postfix main.cf says about the server: its domains, networks, check tables and
catch-all domains (`--postfix-config PATH`).

Only the parameters maillogs uses are read, with `postconf -n`'s `$name`, `${name}` and
`$(name)` expansion (and `${name?value}`, `${name:value}`). A table path that does not
exist as written is looked up beside main.cf, so a copy of /etc/postfix can be read
anywhere. Lookup tables are read from their source text (`hash:/etc/postfix/virtual`
reads `virtual`), never from the compiled .db.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from maillogs.errors import ConfigError

DEFAULT_MAIN_CF = Path("/etc/postfix/main.cf")
ENV_VAR = "MAILLOGS_POSTFIX_CONFIG"
OFF = "none"
# Check table types whose rules maillogs can show (one regular expression a line).
_CHECK_TYPES = ("regexp", "pcre")
# Table types with a text source file of `key value` lines.
_KEYED_TYPES = ("hash", "btree", "lmdb", "cdb", "dbm", "sdbm", "texthash", "inline")
_PARAMETER = re.compile(r"^([A-Za-z0-9_.-]+)\s*=\s*(.*)$")
_REFERENCE = re.compile(
    r"\$(?:\{([A-Za-z0-9_]+)(?:([?:])([^}]*))?\}"  # ${name}, ${name?value}, ${name:value}
    r"|\(([A-Za-z0-9_]+)\)|([A-Za-z0-9_]+))"  # $(name), $name
)
_LIST_SPLIT = re.compile(r"[\s,]+")
# Defaults of the parameters read here that refer to others (postconf -d, Postfix 3.7).
_DEFAULTS = {
    "mydestination": "$myhostname, localhost.$mydomain, localhost",
    "config_directory": "/etc/postfix",
}


@dataclass(frozen=True)
class PostfixConfig:
    """What maillogs takes from one main.cf."""

    path: Path
    myhostname: str | None
    mydomain: str | None
    domains: tuple[str, ...]  # mydestination, virtual and relay domains, lower-cased
    networks: tuple[str, ...]  # mynetworks as CIDR
    header_checks: tuple[Path, ...]
    body_checks: tuple[Path, ...]
    catchall_domains: tuple[str, ...]  # from virtual_alias_maps entries `@domain`
    smtpd_tls_loglevel: int  # Postfix's default 0 where main.cf does not set it
    smtp_tls_loglevel: int
    notes: tuple[str, ...]  # what could not be read, said once each

    @property
    def host_label(self) -> str | None:
        """myhostname's first label: how syslog names the host in its lines."""
        return self.myhostname.split(".", 1)[0].lower() if self.myhostname else None


def parse_main_cf(text: str) -> dict[str, str]:
    """Parameters as written: a line that starts with whitespace continues the one
    before; a line whose first non-blank character is `#` is a comment."""
    values: dict[str, str] = {}
    name: str | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if line[0].isspace():
            if name is not None:
                values[name] += " " + stripped
            continue
        found = _PARAMETER.match(stripped)
        name = found.group(1) if found else None
        if found:
            values[found.group(1)] = found.group(2).strip()
    return values


def expand(name: str, raw: Mapping[str, str], seen: frozenset[str] = frozenset()) -> str:
    """A parameter's value with every reference to another parameter expanded; an
    unset one is empty, unless it has a default here."""
    if name in seen:
        raise ConfigError(f"main.cf: parameter {name} refers to itself")
    value = raw.get(name, _DEFAULTS.get(name, ""))
    inner = seen | {name}

    def substitute(found: re.Match[str]) -> str:
        ref = found.group(1) or found.group(4) or found.group(5)
        resolved = expand(ref, raw, inner)
        if found.group(2) == "?":  # ${name?value}: value when name is not empty
            return found.group(3) if resolved else ""
        if found.group(2) == ":":  # ${name:value}: value when name is empty
            return "" if resolved else found.group(3)
        return resolved

    return _REFERENCE.sub(substitute, value)


def split_list(value: str) -> list[str]:
    return [item for item in _LIST_SPLIT.split(value) if item]


class _Reader:
    """Resolves the table paths of one main.cf."""

    def __init__(self, path: Path, raw: Mapping[str, str]) -> None:
        self.here = path.parent
        self.config_directory = Path(expand("config_directory", raw))
        self.notes: list[str] = []

    def locate(self, written: str) -> Path | None:
        """The file as written, else beside main.cf (same path under config_directory,
        or same name)."""
        path = Path(written)
        candidates = [path]
        if path.is_absolute() and path.is_relative_to(self.config_directory):
            candidates.append(self.here / path.relative_to(self.config_directory))
        candidates.append(self.here / path.name)
        for candidate in candidates:
            if candidate.is_file():
                return candidate
        self.notes.append(f"{written}: not found, nor beside {self.here / 'main.cf'}")
        return None

    def tables(self, value: str, types: Iterable[str]) -> list[Path]:
        found = []
        for entry in split_list(value):
            kind, _, written = entry.partition(":")
            if kind in types and written:
                located = self.locate(written)
                if located is not None:
                    found.append(located)
            elif ":" in entry:
                self.notes.append(f"{entry}: a {kind} table, not read")
        return found

    def keys(self, entry: str) -> list[str]:
        """The keys of a `type:path` table, or the entry itself when it is a name."""
        kind, sep, written = entry.partition(":")
        if not sep:
            return [entry]
        if kind == "inline":  # inline:{ key=value, ... }
            return [item.split("=", 1)[0] for item in split_list(written.strip("{}"))]
        if kind not in _KEYED_TYPES:
            self.notes.append(f"{entry}: a {kind} table, not read")
            return []
        located = self.locate(written)
        if located is None:
            return []
        return [
            line.split()[0]
            for line in located.read_text(encoding="utf-8", errors="replace").splitlines()
            if line.strip() and not line.lstrip().startswith("#") and not line[0].isspace()
        ]


def read_postfix_config(path: Path) -> PostfixConfig:
    """The parameters maillogs uses from the main.cf at `path`."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise ConfigError(f"{path}: {error.strerror or error}") from error
    raw = parse_main_cf(text)
    reader = _Reader(path, raw)

    def listed(name: str) -> list[str]:
        return split_list(expand(name, raw))

    hostname = expand("myhostname", raw).lower() or None
    mydomain = expand("mydomain", raw).lower() or (
        hostname.split(".", 1)[1] if hostname and "." in hostname else None
    )
    # the defaults name them: give them their values when main.cf does not
    values = dict(raw)
    values.setdefault("myhostname", hostname or "")
    values.setdefault("mydomain", mydomain or "")
    domains: list[str] = []
    for name in ("mydestination", "virtual_alias_domains", "virtual_mailbox_domains",
                 "relay_domains"):  # fmt: skip
        for entry in split_list(expand(name, values)):
            domains += [_domain(key) for key in reader.keys(entry)]
    catchall = [
        _domain(key[1:])
        for entry in listed("virtual_alias_maps")
        for key in reader.keys(entry)
        if key.startswith("@") and len(key) > 1
    ]
    return PostfixConfig(
        path=path,
        myhostname=hostname,
        mydomain=mydomain,
        domains=_unique(d for d in domains if _looks_like_domain(d)),
        networks=_unique(_networks(listed("mynetworks"), reader)),
        header_checks=tuple(reader.tables(expand("header_checks", raw), _CHECK_TYPES)),
        body_checks=tuple(reader.tables(expand("body_checks", raw), _CHECK_TYPES)),
        catchall_domains=_unique(catchall),
        smtpd_tls_loglevel=_level(expand("smtpd_tls_loglevel", raw), reader),
        smtp_tls_loglevel=_level(expand("smtp_tls_loglevel", raw), reader),
        notes=_unique(reader.notes),
    )


def _level(value: str, reader: _Reader) -> int:
    """A *_tls_loglevel: unset is Postfix's default, 0."""
    if not value.strip():
        return 0
    try:
        return int(value)
    except ValueError:
        reader.notes.append(f"a TLS log level {value!r} is not a number: taken as 0")
        return 0


def _domain(value: str) -> str:
    return value.strip().lower().rstrip(".")


def _looks_like_domain(value: str) -> bool:
    return bool(value) and "/" not in value and "@" not in value


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _networks(entries: list[str], reader: _Reader) -> list[str]:
    """mynetworks entries as CIDR: `[::1]/128` and bare addresses too; a `/file`
    holds more of them; `!` exclusions and what is not a network are left out."""
    found = []
    for entry in entries:
        if entry.startswith("/"):
            located = reader.locate(entry)
            if located is not None:
                text = located.read_text(encoding="utf-8", errors="replace")
                lines = [line.split("#", 1)[0] for line in text.splitlines()]
                found += _networks(split_list(" ".join(lines)), reader)
            continue
        network = _network(entry)
        if network is not None:
            found.append(network)
        elif ":" in entry and not entry.startswith("["):
            found += [n for key in reader.keys(entry) if (n := _network(key)) is not None]
    return found


def _network(entry: str) -> str | None:
    text = entry.replace("[", "").replace("]", "")
    try:
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError:
        return None


@dataclass(frozen=True)
class Choice:
    """The main.cf to read (None: none) and why, for a notice."""

    path: Path | None
    notice: str | None = None


def choose_postfix_config(
    explicit: str | None,
    env: Mapping[str, str],
    this_host: str,
    log_hosts: Callable[[], set[str]],
    default: Path | None = None,
) -> tuple[Choice, PostfixConfig | None]:
    """--postfix-config PATH (or `none`), else $MAILLOGS_POSTFIX_CONFIG, else the
    default main.cf when it describes the server that wrote the logs: their syslog host
    is this machine's host name or myhostname's first label."""
    given = explicit or env.get(ENV_VAR)
    default = default or DEFAULT_MAIN_CF  # looked up now: tests point it elsewhere
    if given:
        if given.lower() == OFF:
            return Choice(None), None
        path = Path(given)
        if path.is_dir():
            path = path / "main.cf"
        if not path.is_file():
            raise ConfigError(f"{given}: no such Postfix main.cf")
        return Choice(path), read_postfix_config(path)
    if not default.is_file():
        return Choice(None), None
    config = read_postfix_config(default)
    hosts = {host.lower() for host in log_hosts()}
    names = {this_host.split(".", 1)[0].lower(), config.host_label}
    if not hosts or hosts & names:
        return Choice(default), config
    notice = (
        f"{default} not read: it describes {config.myhostname or this_host}, the logs come "
        f"from {', '.join(sorted(hosts))} (give --postfix-config PATH for their server's)"
    )
    return Choice(None, notice), None


@dataclass(frozen=True)
class ServerSettings:
    """The check tables, catch-all and own domains and networks a report uses: each
    from the command line if given there, else from the TOML config, else main.cf.
    Own domains and networks add up: configured ones join main.cf's."""

    header_checks: tuple[Path, ...] = ()
    body_checks: tuple[Path, ...] = ()
    catchall_domains: tuple[str, ...] = ()
    own_domains: tuple[str, ...] = ()
    own_networks: tuple[str, ...] = ()


def server_settings(
    explicit: ServerSettings, configured: ServerSettings, postfix: PostfixConfig | None
) -> ServerSettings:
    from_main_cf = (
        ServerSettings(
            postfix.header_checks,
            postfix.body_checks,
            postfix.catchall_domains,
            postfix.domains,
            postfix.networks,
        )
        if postfix
        else ServerSettings()
    )
    layers = (explicit, configured, from_main_cf)

    def first(name: str) -> tuple[object, ...]:
        return next((value for layer in layers if (value := getattr(layer, name))), ())

    def every(name: str) -> tuple[str, ...]:
        return _unique(item for layer in layers for item in getattr(layer, name))

    return ServerSettings(
        header_checks=tuple(Path(str(p)) for p in first("header_checks")),
        body_checks=tuple(Path(str(p)) for p in first("body_checks")),
        catchall_domains=tuple(str(d) for d in first("catchall_domains")),
        own_domains=every("own_domains"),
        own_networks=every("own_networks"),
    )


_LOG_HOST = re.compile(
    r"^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\S+|<\d+>1 \S+) (\S+) "
)


def log_hosts(args: Iterable[str], lines: int = 50) -> set[str]:
    """The syslog host names in the first lines of each log file (never stdin)."""
    from maillogs.inputs import expand_inputs_lenient, iter_chunks

    sources, _ = expand_inputs_lenient([arg for arg in args if arg != "-"])
    hosts: set[str] = set()
    for source in sources:
        try:
            chunk = next(iter(iter_chunks(source, 64 * 1024)), b"")
        except Exception:  # an unreadable file is reported when it is parsed
            continue
        for line in chunk.decode("utf-8", "replace").splitlines()[:lines]:
            if found := _LOG_HOST.match(line):
                hosts.add(found.group(1))
    return hosts
