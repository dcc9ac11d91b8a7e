"""The TOML config: values, relative paths, lookup order, and errors that name the file
and the key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from maillogs.config import Config, MailConfig, find_config_path, load_config
from maillogs.errors import ConfigError

FULL = """\
logs = ["/var/log/mail.log*", "archive/maillog*"]
header_checks = ["header_checks.pcre", "/etc/postfix/header_checks"]
body_checks = "body_checks.pcre"
catchall_domains = ["Example.ORG", "lists.example.org."]
own_domains = ["example.org"]
own_networks = ["192.0.2.7/24", "2001:db8::/48", "198.51.100.1"]
timezone = "Europe/Athens"
top = 5

[mail]
to = ["admin@example.org", " postmaster@example.org "]
from = "maillogs@mx.example.org"
host = "smtp.example.org"
port = 587
starttls = true
username = "maillogs"
password_env = "MAILLOGS_SMTP_PASSWORD"
subject = "[{hostname}] mail report {period}"
hostname_label = "mx1"
"""


def _write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_full_config(tmp_path: Path) -> None:
    path = _write(tmp_path, FULL)
    assert load_config(path) == Config(
        source=path,
        logs=("/var/log/mail.log*", str(tmp_path / "archive/maillog*")),
        header_checks=(tmp_path / "header_checks.pcre", Path("/etc/postfix/header_checks")),
        body_checks=(tmp_path / "body_checks.pcre",),
        catchall_domains=("example.org", "lists.example.org"),
        own_domains=("example.org",),
        own_networks=("192.0.2.0/24", "2001:db8::/48", "198.51.100.1/32"),
        timezone="Europe/Athens",
        top=5,
        mail=MailConfig(
            to=("admin@example.org", "postmaster@example.org"),
            from_="maillogs@mx.example.org",
            host="smtp.example.org",
            port=587,
            starttls=True,
            ssl=False,
            username="maillogs",
            password=None,
            password_env="MAILLOGS_SMTP_PASSWORD",
            via="smtp",
            sendmail_path="/usr/sbin/sendmail",
            subject="[{hostname}] mail report {period}",
            hostname_label="mx1",
        ),
    )


def test_no_config_and_an_empty_config_give_the_defaults(tmp_path: Path) -> None:
    assert load_config(None) == Config()
    path = _write(tmp_path, "# nothing set\n[mail]\n")
    config = load_config(path)
    assert config == Config(source=path)
    assert (config.top, config.mail.via, config.mail.starttls, config.mail.ssl) == (
        10, "smtp", True, False,
    )  # fmt: skip


def test_paths_are_relative_to_the_config_file_not_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "etc").mkdir()
    _write(tmp_path / "etc", 'header_checks = ["checks/header"]\nlogs = ["../logs"]\n')
    monkeypatch.chdir(tmp_path)
    config = load_config(Path("etc/config.toml"))
    assert config.header_checks == (Path("etc/checks/header"),)
    assert config.logs == ("etc/../logs",)
    assert (tmp_path / config.logs[0]).resolve() == tmp_path / "logs"


def test_home_in_paths_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    config = load_config(_write(tmp_path, 'logs = ["~/logs/maillog*"]\n'))
    assert config.logs == (str(tmp_path / "home/logs/maillog*"),)


def test_implicit_tls_turns_starttls_off(tmp_path: Path) -> None:
    mail = load_config(_write(tmp_path, "[mail]\nssl = true\nport = 465\n")).mail
    assert (mail.ssl, mail.starttls, mail.port) == (True, False, 465)


def test_sendmail(tmp_path: Path) -> None:
    text = '[mail]\nvia = "sendmail"\nsendmail_path = "/usr/lib/sendmail"\nto = "root"\n'
    mail = load_config(_write(tmp_path, text)).mail
    assert (mail.via, mail.sendmail_path, mail.to) == ("sendmail", "/usr/lib/sendmail", ("root",))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("top = 'ten'", "key 'top': expected an integer"),
        ("top = true", "key 'top': expected an integer"),
        ("top = 2.5", "key 'top': expected an integer"),
        ("top = 0", "key 'top': expected a positive integer"),
        ("tops = 3", "key 'tops': unknown key"),
        ("[mial]\nto = 'x'", "key 'mial': unknown key"),
        ("logs = true", "key 'logs': expected a list of strings"),
        ("logs = ['a', 1]", "key 'logs': expected a list of strings"),
        ("catchall_domains = [['a']]", "key 'catchall_domains': expected a list of strings"),
        ("timezone = 'Mars/Olympus'", "key 'timezone': unknown time zone 'Mars/Olympus'"),
        ("timezone = '../../etc/passwd'", "key 'timezone': unknown time zone"),
        ("timezone = 3", "key 'timezone': expected a string"),
        ("own_networks = ['not-a-net']", "key 'own_networks': 'not-a-net' is not an IP network"),
        ("mail = 'admin@example.org'", "key 'mail': expected a table"),
        ("[mail]\nvia = 'pigeon'", "key 'mail.via': expected 'smtp' or 'sendmail'"),
        ("[mail]\nsmtp_host = 'x'", "key 'mail.smtp_host': unknown key"),
        ("[mail]\nport = '587'", "key 'mail.port': expected an integer"),
        ("[mail]\nport = 70000", "key 'mail.port': expected a port number"),
        ("[mail]\nstarttls = 'yes'", "key 'mail.starttls': expected true or false"),
        ("[mail]\nssl = true\nstarttls = true", "key 'mail.starttls': cannot be true with ssl"),
        (
            "[mail]\npassword = 'x'\npassword_env = 'Y'",
            "key 'mail.password_env': give password or password_env, not both",
        ),
        ("[mail]\nto = [1]", "key 'mail.to': expected a list of strings"),
        ("logs = [", r"invalid TOML: Invalid value \(at line 1, end of file\)$"),
        ("top = 3\ntop = 4", r"invalid TOML: Cannot overwrite a value \(at line 2, end of file\)$"),
        ("top = = 3\nlogs = []", r"invalid TOML: Invalid value \(at line 1, column 7\)$"),
    ],
)
def test_errors_name_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert "\n" not in str(caught.value)


def test_a_file_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"subject = '\xff'\n")
    with pytest.raises(ConfigError, match=f"^{path}: not UTF-8 text$"):
        load_config(path)


def test_an_unreadable_config_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=f"^{tmp_path}: Is a directory$"):
        load_config(tmp_path)
    with pytest.raises(ConfigError, match="No such file or directory"):
        load_config(tmp_path / "missing.toml")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_permission_denied_is_a_config_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "top = 3\n")
    path.chmod(0)
    with pytest.raises(ConfigError, match="Permission denied"):
        load_config(path)


def test_lookup_order(tmp_path: Path) -> None:
    system = tmp_path / "etc" / "config.toml"
    assert find_config_path(None, {}, tmp_path, system) is None
    system.parent.mkdir()
    system.write_text("")
    assert find_config_path(None, {}, tmp_path, system) == system
    home_config = tmp_path / ".config" / "maillogs" / "config.toml"
    home_config.parent.mkdir(parents=True)
    home_config.write_text("")
    assert find_config_path(None, {}, tmp_path, system) == home_config
    env_config = _write(tmp_path, "", "env.toml")
    env = {"MAILLOGS_CONFIG": str(env_config)}
    assert find_config_path(None, env, tmp_path, system) == env_config
    explicit = _write(tmp_path, "", "explicit.toml")
    assert find_config_path(str(explicit), env, tmp_path, system) == explicit


def test_an_empty_environment_variable_is_not_set(tmp_path: Path) -> None:
    assert find_config_path(None, {"MAILLOGS_CONFIG": ""}, tmp_path, tmp_path / "none") is None


def test_named_configs_must_exist(tmp_path: Path) -> None:
    home_config = tmp_path / ".config" / "maillogs" / "config.toml"
    home_config.parent.mkdir(parents=True)
    home_config.write_text("")  # not a fallback for a config that was named
    missing = str(tmp_path / "missing.toml")
    with pytest.raises(ConfigError, match=f"^{missing}: no such config file$"):
        find_config_path(missing, {}, tmp_path)
    with pytest.raises(ConfigError, match=r"no such config file \(from \$MAILLOGS_CONFIG\)"):
        find_config_path(None, {"MAILLOGS_CONFIG": missing}, tmp_path)
    with pytest.raises(ConfigError, match="is a directory, not a config file"):
        find_config_path(str(tmp_path), {}, tmp_path)


# The commented example given for docs/config.md, kept here so it keeps loading.
EXAMPLE = """\
# maillogs config: --config FILE, else $MAILLOGS_CONFIG, else
# ~/.config/maillogs/config.toml, else /etc/maillogs/config.toml.
# Command-line options win over these values. Unknown keys are errors.
# Relative paths are relative to this file's directory.

# Logs read when no path is given on the command line: files, globs, directories.
# Rotated and compressed files (.1, .2.gz, -20261124, .xz, .zst) are read oldest first.
logs = ["/var/log/mail.log*"]

# Your Postfix check tables, so reports show each rule's pattern with its hits.
header_checks = ["/etc/postfix/header_checks"]
body_checks = ["/etc/postfix/body_checks"]

# Catch-all domains: mail to unknown addresses there is reported as catch-all leaks.
catchall_domains = ["example.org"]

# Your own domains and networks (CIDR; a single address is a /32 or /128).
own_domains = ["example.org", "example.net"]
own_networks = ["192.0.2.0/24", "2001:db8::/48"]

# IANA time zone of classic syslog stamps (they carry none); default: this machine's.
timezone = "Europe/Athens"

# Rows in each ranking.
top = 10

# Where `maillogs mail` sends the report.
[mail]
to = ["postmaster@example.org"]
from = "maillogs@mx.example.org"
via = "smtp"                      # or "sendmail"
host = "localhost"
# port = 587                      # default: 465 with ssl, else 587 with starttls, else 25
starttls = true                   # STARTTLS on a plain connection
ssl = false                       # TLS from the first byte (port 465); turns starttls off
# username = "maillogs"
# password_env = "MAILLOGS_SMTP_PASSWORD"   # read the password from this variable...
# password = "..."                          # ...or give it here (then chmod 600 this file)
# sendmail_path = "/usr/sbin/sendmail"      # with via = "sendmail"
# cafile = "/etc/ssl/private/my-ca.pem"    # trust this CA for the server's certificate
# subject = "{host}: {rejected:,} rejected, TLS in {tls_inbound:.0%} — {period}"
# hostname_label = "mx1"          # {host} in the subject; default: the log's host names
"""


def test_the_documented_example_loads(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, EXAMPLE))
    assert config.logs == ("/var/log/mail.log*",)
    assert config.own_networks == ("192.0.2.0/24", "2001:db8::/48")
    assert (config.mail.to, config.mail.via, config.mail.starttls) == (
        ("postmaster@example.org",), "smtp", True,
    )  # fmt: skip
