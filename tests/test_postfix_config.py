"""--postfix-config: what maillogs takes from a main.cf, and when it reads the default one."""

from __future__ import annotations

from pathlib import Path

import pytest

from maillogs.errors import ConfigError
from maillogs.postfix_config import (
    ServerSettings,
    choose_postfix_config,
    expand,
    parse_main_cf,
    read_postfix_config,
    server_settings,
)

MAIN_CF = """\
# a copy of /etc/postfix, read elsewhere
myhostname = mx.Example.NET
mydomain = example.net
mydestination = $myhostname, localhost.${mydomain},
    localhost
virtual_alias_domains = example.org hash:/etc/postfix/virtual_domains
virtual_mailbox_domains = vmail.$mydomain
relay_domains =
mynetworks = 127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128 192.0.2.7
virtual_alias_maps = hash:/etc/postfix/virtual
header_checks = regexp:/etc/postfix/header_checks, pcre:$config_directory/maps/more_checks
body_checks = pcre:/nowhere/body_checks
smtpd_tls_loglevel = 0
"""


@pytest.fixture
def main_cf(tmp_path: Path) -> Path:
    (tmp_path / "maps").mkdir()
    (tmp_path / "main.cf").write_text(MAIN_CF)
    (tmp_path / "header_checks").write_text("/a/ REJECT id= 1\n")
    (tmp_path / "maps" / "more_checks").write_text("/b/ REJECT id= 2\n")
    (tmp_path / "body_checks").write_text("/c/ REJECT id= 3\n")
    (tmp_path / "virtual").write_text(
        "# the catch-all\n@example.org  list\npostmaster@example.net root\n"
    )
    (tmp_path / "virtual_domains").write_text("other.test  anything\n")
    return tmp_path / "main.cf"


def test_parameters_expand_like_postconf() -> None:
    raw = parse_main_cf("a = x\nb = $a-${a}-$(a)\nc = ${a?set} ${nothing:empty}\n  more\n")
    assert expand("b", raw) == "x-x-x"
    assert expand("c", raw) == "set empty more"
    with pytest.raises(ConfigError, match="refers to itself"):
        expand("d", {"d": "$d"})


def test_a_copy_of_etc_postfix_is_read_beside_main_cf(main_cf: Path) -> None:
    config = read_postfix_config(main_cf)
    here = main_cf.parent
    assert config.myhostname == "mx.example.net"
    assert config.host_label == "mx"
    assert config.domains == (
        "mx.example.net",
        "localhost.example.net",
        "localhost",
        "example.org",
        "other.test",
        "vmail.example.net",
    )
    assert config.networks == ("127.0.0.0/8", "::ffff:7f00:0/104", "::1/128", "192.0.2.7/32")
    assert config.header_checks == (here / "header_checks", here / "maps" / "more_checks")
    # /nowhere/body_checks is not under config_directory: found by its name
    assert config.body_checks == (here / "body_checks",)
    assert config.catchall_domains == ("example.org",)
    assert config.notes == ()


def test_a_missing_table_is_a_note_not_an_error(main_cf: Path) -> None:
    (main_cf.parent / "body_checks").unlink()
    config = read_postfix_config(main_cf)
    assert config.body_checks == ()
    assert config.notes == (f"/nowhere/body_checks: not found, nor beside {main_cf}",)


def test_defaults_follow_myhostname(tmp_path: Path) -> None:
    path = tmp_path / "main.cf"
    path.write_text("myhostname = mail.example.com\n")
    config = read_postfix_config(path)
    assert config.mydomain == "example.com"
    assert config.domains == ("mail.example.com", "localhost.example.com", "localhost")


def _never() -> set[str]:
    raise AssertionError("the logs need not be looked at")


def test_none_turns_it_off_and_an_explicit_path_must_exist(main_cf: Path) -> None:
    choice, config = choose_postfix_config("none", {}, "mx", _never, default=main_cf)
    assert (choice.path, config) == (None, None)
    choice, config = choose_postfix_config(
        None, {"MAILLOGS_POSTFIX_CONFIG": "NONE"}, "mx", _never, default=main_cf
    )
    assert config is None
    choice, config = choose_postfix_config(str(main_cf.parent), {}, "other", _never)
    assert choice.path == main_cf and config is not None
    with pytest.raises(ConfigError, match=r"no such Postfix main\.cf"):
        choose_postfix_config(str(main_cf.parent / "nope.cf"), {}, "mx", _never)


@pytest.mark.parametrize(
    ("this_host", "log_hosts", "read"),
    [
        ("mx.example.net", {"mx"}, True),  # this machine wrote the logs
        ("build-box", {"mx"}, True),  # myhostname's first label names them
        ("build-box", {"MX"}, True),
        ("build-box", {"relay1"}, False),  # copied from another server
        ("build-box", set(), True),  # nothing to tell them apart by
    ],
)
def test_the_default_main_cf_is_read_only_for_its_own_logs(
    main_cf: Path, this_host: str, log_hosts: set[str], read: bool
) -> None:
    choice, config = choose_postfix_config(None, {}, this_host, lambda: log_hosts, main_cf)
    assert (config is not None) is read
    assert (choice.notice is None) is read
    if not read:
        assert choice.notice == (
            f"{main_cf} not read: it describes mx.example.net, the logs come from relay1 "
            "(give --postfix-config PATH for their server's)"
        )


def test_no_default_main_cf_is_no_config(tmp_path: Path) -> None:
    choice, config = choose_postfix_config(None, {}, "mx", _never, tmp_path / "main.cf")
    assert (choice.path, choice.notice, config) == (None, None, None)


def test_command_line_then_toml_then_main_cf(main_cf: Path) -> None:
    postfix = read_postfix_config(main_cf)
    here = main_cf.parent
    nothing = ServerSettings()
    from_main_cf = server_settings(nothing, nothing, postfix)
    assert from_main_cf.header_checks == (here / "header_checks", here / "maps" / "more_checks")
    assert from_main_cf.catchall_domains == ("example.org",)
    toml = ServerSettings(
        header_checks=(Path("toml_checks"),),
        own_domains=("mine.test",),
        own_networks=("10.0.0.0/8",),
    )
    explicit = ServerSettings(header_checks=(Path("given"),), catchall_domains=("c.test",))
    merged = server_settings(explicit, toml, postfix)
    assert merged.header_checks == (Path("given"),)
    assert merged.body_checks == (here / "body_checks",)
    assert merged.catchall_domains == ("c.test",)
    assert merged.own_domains == ("mine.test", *postfix.domains)
    assert merged.own_networks == ("10.0.0.0/8", *postfix.networks)
    assert server_settings(explicit, toml, None).body_checks == ()


def test_tls_log_levels_default_to_postfix_s_zero(tmp_path: Path) -> None:
    path = tmp_path / "main.cf"
    path.write_text("myhostname = mx.example.org\nsmtp_tls_loglevel = $level\nlevel = 1\n")
    config = read_postfix_config(path)
    assert (config.smtpd_tls_loglevel, config.smtp_tls_loglevel) == (0, 1)
    path.write_text("smtpd_tls_loglevel = two\n")
    config = read_postfix_config(path)
    assert config.smtpd_tls_loglevel == 0
    assert any("'two'" in note for note in config.notes)
