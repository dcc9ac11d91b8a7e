"""The TOML config: values, relative paths, and errors that name the file and key."""

from pathlib import Path

import pytest

from maillogs.config import find_config_path, load_config
from maillogs.errors import ConfigError


def test_full_config(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        'logs = ["/var/log/mail.log*"]\n'
        'header_checks = ["header_checks.pcre"]\n'
        'catchall_domains = ["Example.ORG"]\n'
        'own_networks = ["192.0.2.7/24", "2001:db8::/48"]\n'
        'timezone = "Europe/Athens"\n'
        "top = 5\n"
        "[mail]\n"
        'to = ["admin@example.org"]\n'
        'via = "sendmail"\n'
    )
    config = load_config(path)
    assert config.header_checks == (tmp_path / "header_checks.pcre",)
    assert config.catchall_domains == ("example.org",)
    assert config.own_networks == ("192.0.2.0/24", "2001:db8::/48")
    assert (config.timezone, config.top, config.mail.to, config.mail.via) == (
        "Europe/Athens", 5, ("admin@example.org",), "sendmail",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("top = 'ten'", "key 'top': expected an integer"),
        ("tops = 3", "key 'tops': unknown key"),
        ("timezone = 'Mars/Olympus'", "key 'timezone': unknown time zone"),
        ("own_networks = ['not-a-net']", "key 'own_networks': 'not-a-net' is not a network"),
        ("[mail]\nvia = 'pigeon'", "key 'mail.via': expected 'smtp' or 'sendmail'"),
        ("logs = [", "config.toml: "),
    ],
)
def test_errors_name_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_config(path)
    assert str(path) in str(caught.value)


def test_lookup_order(tmp_path: Path) -> None:
    home_config = tmp_path / ".config" / "maillogs" / "config.toml"
    home_config.parent.mkdir(parents=True)
    home_config.write_text("")
    env_config = tmp_path / "env.toml"
    env_config.write_text("")
    assert find_config_path(None, {}, tmp_path) == home_config
    assert find_config_path(None, {"MAILLOGS_CONFIG": str(env_config)}, tmp_path) == env_config
    assert find_config_path(str(env_config), {}, tmp_path) == env_config
    with pytest.raises(ConfigError, match="no such config file"):
        find_config_path(str(tmp_path / "missing.toml"), {}, tmp_path)
