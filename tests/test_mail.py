"""`maillogs mail` against real SMTP servers on loopback (aiosmtpd): STARTTLS with a
certificate made here, implicit TLS, AUTH, refusals; a fake sendmail; dry runs."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import json
import re
import shlex
import socket
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from functools import cache
from pathlib import Path
from typing import Any

import click
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from maillogs.cli import main
from maillogs.environment import Environment

SAMPLE = Path(__file__).parents[1] / "sample_logs"
TRUTH = json.loads((SAMPLE / "truth.json").read_text())
LOGS = ["--tz", "UTC", "--year", "2026", "-q", str(SAMPLE / "classic")]
SMALL = ["--tz", "UTC", "--year", "2026", "-q", "--section", "overview", "--section", "tls",
         "--section", "timeline",
         str(SAMPLE / "classic" / "maillog")]  # fmt: skip
# For runs that fail before any message is looked at: no charts to draw.
FAST = ["--tz", "UTC", "--year", "2026", "-q", "--section", "overview",
        str(SAMPLE / "classic" / "maillog")]  # fmt: skip
ADDRESSES = ["--to", "admin@example.org", "--from", "maillogs@mx.example.net"]
USER, PASSWORD = "maillogs", "s3cret pass"


# --- a CA and a server certificate for 127.0.0.1, made for this test run ----------


@dataclass(frozen=True)
class Pki:
    ca: Path
    cert: Path
    key: Path


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    where = tmp_path_factory.mktemp("pki")
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder().subject_name(_name("maillogs test CA"))
        .issuer_name(_name("maillogs test CA")).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
            key_encipherment=False, data_encipherment=False, key_agreement=False,
            encipher_only=False, decipher_only=False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder().subject_name(_name("127.0.0.1")).issuer_name(ca.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    paths = Pki(where / "ca.pem", where / "server.pem", where / "server.key")
    paths.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption())
    )  # fmt: skip
    return paths


# --- aiosmtpd servers -------------------------------------------------------------


@dataclass
class Inbox:
    refuse_rcpt: bool = False
    messages: list[bytes] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    resets: int = 0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: Any) -> str:  # fmt: skip
        if self.refuse_rcpt and address.startswith("admin@"):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_RSET(self, server: Any, session: Any, envelope: Any) -> str:
        self.resets += 1
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 2.0.0 Ok: queued"


def _authenticate(
    server: Any, session: Any, envelope: Any, mechanism: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(pki: Pki, request: pytest.FixtureRequest) -> Iterator[tuple[int, Inbox]]:
    import ssl

    mode = getattr(request, "param", "starttls")
    inbox = Inbox(refuse_rcpt=mode == "refusing")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki.cert, pki.key)
    port = _free_port()
    kwargs: dict[str, Any] = {"hostname": "127.0.0.1", "port": port}
    if mode == "login":  # LOGIN is the only mechanism offered
        kwargs |= {"tls_context": context, "require_starttls": True,
                   "authenticator": _authenticate, "auth_require_tls": True,
                   "auth_exclude_mechanism": ["PLAIN"]}  # fmt: skip
    elif mode in ("starttls", "refusing"):
        kwargs |= {"tls_context": context, "require_starttls": True,
                   "authenticator": _authenticate, "auth_require_tls": True}  # fmt: skip
    elif mode == "implicit":
        # aiosmtpd counts only STARTTLS as TLS for AUTH; this whole session is TLS.
        kwargs |= {"ssl_context": context, "authenticator": _authenticate,
                   "auth_require_tls": False}  # fmt: skip
    controller = Controller(inbox, **kwargs)
    controller.start()
    yield port, inbox
    controller.stop()


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(main, ["mail", *args], env=env or {})


def smtp_args(port: int, pki: Pki) -> list[str]:
    return ["--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--smtp-cafile", str(pki.ca),
            "--username", USER]  # fmt: skip


AUTH_ENV = {"MAILLOGS_SMTP_PASSWORD": PASSWORD}


@cache
def report_json() -> dict[str, Any]:
    result = CliRunner().invoke(main, ["report", "--format", "json", *LOGS])
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.output))


def parts(message: EmailMessage) -> dict[str, list[EmailMessage]]:
    found: dict[str, list[EmailMessage]] = {}
    for part in message.walk():
        found.setdefault(part.get_content_type(), []).append(part)  # type: ignore[arg-type]
    return found


def check_message(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    found = parts(message)
    assert "multipart/alternative" in found and "multipart/related" in found
    text = found["text/plain"][0].get_content()
    html = found["text/html"][0].get_content()
    assert "Grand totals" in text and "\x1b" not in text
    cids = set(re.findall(r'src="cid:([^"]+)"', html))
    images = {part["Content-ID"].strip().strip("<>") for part in found.get("image/png", [])}
    assert cids and cids == images
    for part in found["image/png"]:
        assert part.get_content().startswith(b"\x89PNG")
    return message


@pytest.mark.parametrize("server", ["starttls"], indirect=True)
def test_starttls_with_auth_delivers_the_report(server: tuple[int, Inbox], pki: Pki) -> None:
    port, inbox = server
    result = run(*ADDRESSES, *smtp_args(port, pki), "--since", "2026-11-01", *LOGS, env=AUTH_ENV)
    assert result.exit_code == 0, result.output
    assert inbox.envelopes == [("maillogs@mx.example.net", ["admin@example.org"])]
    message = check_message(inbox.messages[0])
    data = report_json()
    levels = data["tls"]["inbound"]["by_level"]
    share = 1 - levels["none"] / sum(levels.values())
    overview = data["overview"]
    assert overview["queued"] == TRUTH["overview"]["received"]
    assert message["Subject"] == (
        f"mx: {overview['received']:,} received, {overview['rejected']:,} rejected, "
        f"TLS in {share:.0%} \u2014 Nov 1 \u2013 Nov 24"  # to the last line logged
    )
    html = parts(message)["text/html"][0].get_content()
    assert f">{overview['received']:,}<" in html


@pytest.mark.parametrize("server", ["implicit"], indirect=True)
def test_implicit_tls(server: tuple[int, Inbox], pki: Pki) -> None:
    port, inbox = server
    result = run(*ADDRESSES, *smtp_args(port, pki), "--tls", "implicit", *SMALL, env=AUTH_ENV)
    assert result.exit_code == 0, result.output
    check_message(inbox.messages[0])


@pytest.mark.parametrize("server", ["login"], indirect=True)
def test_auth_login(server: tuple[int, Inbox], pki: Pki) -> None:
    port, inbox = server
    result = run(*ADDRESSES, *smtp_args(port, pki), *FAST, env=AUTH_ENV)
    assert result.exit_code == 0, result.output
    assert inbox.envelopes == [("maillogs@mx.example.net", ["admin@example.org"])]


@pytest.mark.parametrize("server", ["starttls"], indirect=True)
def test_bad_password(server: tuple[int, Inbox], pki: Pki) -> None:
    port, inbox = server
    result = run(*ADDRESSES, *smtp_args(port, pki), *FAST,
                 env={"MAILLOGS_SMTP_PASSWORD": "wrong"})  # fmt: skip
    assert result.exit_code == 1
    assert f"maillogs: error: 127.0.0.1:{port}: authentication failed: 535" in result.output
    assert inbox.messages == []


@pytest.mark.parametrize("server", ["refusing"], indirect=True)
def test_recipient_refused(server: tuple[int, Inbox], pki: Pki) -> None:
    port, inbox = server
    result = run(*ADDRESSES, *smtp_args(port, pki), *FAST, env=AUTH_ENV)
    assert result.exit_code == 1
    assert result.output == (
        f"maillogs: error: 127.0.0.1:{port} refused recipients: admin@example.org "
        "(550 5.1.1 <admin@example.org>: Recipient address rejected: User unknown); "
        "nothing sent\n"
    )
    assert inbox.messages == []


@pytest.mark.parametrize("server", ["refusing"], indirect=True)
def test_one_refused_recipient_means_nobody_gets_it(server: tuple[int, Inbox], pki: Pki) -> None:
    port, inbox = server
    two = ["--to", "postmaster@example.org", *ADDRESSES]  # postmaster is accepted
    result = run(*two, *smtp_args(port, pki), *FAST, env=AUTH_ENV)
    assert result.exit_code == 1
    assert "refused recipients: admin@example.org (550 5.1.1" in result.output
    assert "nothing sent" in result.output
    assert inbox.messages == [] and inbox.resets == 1


@pytest.mark.parametrize("server", ["starttls"], indirect=True)
def test_an_untrusted_certificate_is_refused(server: tuple[int, Inbox], pki: Pki) -> None:
    port, inbox = server
    args = ["--smtp-host", "127.0.0.1", "--smtp-port", str(port)]
    result = run(*ADDRESSES, *args, *FAST)
    assert result.exit_code == 1
    assert "TLS certificate not trusted" in result.output
    assert inbox.messages == []


@pytest.mark.parametrize("server", ["plain"], indirect=True)
def test_no_starttls_offered_means_no_mail(server: tuple[int, Inbox], pki: Pki) -> None:
    port, inbox = server
    result = run(*ADDRESSES, "--smtp-host", "127.0.0.1", "--smtp-port", str(port), *FAST)
    assert result.exit_code == 1
    assert "does not offer STARTTLS" in result.output
    assert inbox.messages == []
    sent = run(*ADDRESSES, "--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--insecure",
               *FAST)  # fmt: skip
    assert sent.exit_code == 0, sent.output
    assert len(inbox.messages) == 1


def test_server_down() -> None:
    port = _free_port()
    result = run(*ADDRESSES, "--smtp-host", "127.0.0.1", "--smtp-port", str(port), *FAST)
    assert result.exit_code == 1
    assert result.output.strip().startswith(f"maillogs: error: cannot connect to 127.0.0.1:{port}")
    assert len(result.output.strip().splitlines()) == 1


# --- sendmail, dry runs, conditions, header safety ---------------------------------


def fake_sendmail(tmp_path: Path, status: int = 0) -> Path:
    script = tmp_path / "sendmail"
    script.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$@" > "{tmp_path}/argv"\n'
        f'cat > "{tmp_path}/stdin"\n'
        + (f'echo "sendmail: fatal: no such user" >&2\nexit {status}\n' if status else "")
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_via_sendmail(tmp_path: Path) -> None:
    script = fake_sendmail(tmp_path)
    result = run(*ADDRESSES, "--via", "sendmail", "--sendmail", str(script), *SMALL)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "argv").read_text().split() == ["-t", "-i"]
    fed = (tmp_path / "stdin").read_bytes()
    assert b"\r" not in fed  # local mail programs read LF lines
    message = check_message(fed)
    assert message["To"] == "admin@example.org"


def test_sendmail_failure(tmp_path: Path) -> None:
    script = fake_sendmail(tmp_path, status=75)
    result = run(*ADDRESSES, "--via", "sendmail", "--sendmail", str(script), *FAST)
    assert result.exit_code == 1
    assert "exited with status 75: sendmail: fatal: no such user" in result.output


def test_sendmail_missing(tmp_path: Path) -> None:
    missing = tmp_path / "no-sendmail"
    result = run(*ADDRESSES, "--via", "sendmail", "--sendmail", str(missing), *FAST)
    assert result.exit_code == 1
    assert result.output == f"maillogs: error: cannot run {missing}: No such file or directory\n"


def test_only_if_false_sends_nothing(tmp_path: Path) -> None:
    script = fake_sendmail(tmp_path)
    args = [*ADDRESSES, "--via", "sendmail", "--sendmail", str(script), "-v"]
    quiet = run(*args, "--only-if", "rejected>100000", *FAST)
    assert quiet.exit_code == 0
    said = quiet.output.splitlines()
    assert said[-1] == "maillogs: nothing sent: --only-if rejected>100000 does not hold"
    assert all(line.startswith("maillogs: reading ") for line in said[:-1])  # -v: the files
    assert not (tmp_path / "stdin").exists()
    silent = run(*args[:-1], "--only-if", "rejected>0", "--only-if", "tls_inbound>0.99", *FAST)
    assert (silent.exit_code, silent.output) == (0, "")  # cron mails nothing either
    assert not (tmp_path / "stdin").exists()
    sent = run(*args, "--only-if", "rejected>0", "--only-if", "tls_inbound<=1", *FAST)
    assert sent.exit_code == 0 and (tmp_path / "stdin").exists()


def test_dry_run_writes_an_eml_with_csv_attachments(tmp_path: Path) -> None:
    out = tmp_path / "report.eml"
    result = run(*ADDRESSES, "--dry-run", "-o", str(out), "--attach-csv", *SMALL)
    assert result.exit_code == 0, result.output
    message = check_message(out.read_bytes())
    assert message.get_content_type() == "multipart/mixed"
    names = [part.get_filename() for part in message.iter_attachments()]
    assert "overview-totals.csv" in names


def test_headers_cannot_be_injected(tmp_path: Path) -> None:
    out = tmp_path / "report.eml"
    result = run(*ADDRESSES, "--dry-run", "-o", str(out),
                 "--subject", "report\r\nBcc: victim@example.net\n{received}", *SMALL)  # fmt: skip
    assert result.exit_code == 0, result.output
    message = email.message_from_bytes(out.read_bytes(), policy=email.policy.default)
    assert message["Bcc"] is None
    assert "\n" not in str(message["Subject"]) and "Bcc: victim" in str(message["Subject"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "admin@example.org\r\nBcc: x@y.z"], "--to"),
        (["--to", "not an address"], "not an email address"),
        (["--to", "a@b.test", "--subject", "{nonsense}"], "unknown field {nonsense}"),
        (["--to", "a@b.test", "--only-if", "rejected~3"], "--only-if 'rejected~3'"),
        (["--from", "x@y.test"], "no recipient"),
        (["--to", "a@b.test, c@d.test"], "one address, please"),
        (["--to", "a@b.test", "--from", "maillogs@"], "--from 'maillogs@': not an email"),
        (["--to", "a@b.test", "--subject", "{host:,}"], "Cannot specify ','"),
        (["--to", "a@b.test", "--subject", "{received.real}"], "unknown field {received.real}"),
    ],
)
def test_usage_errors(args: list[str], message: str) -> None:
    result = run(*args, "--dry-run", *FAST)
    assert result.exit_code == 2, result.output
    assert message in result.output and len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tls", "implicit", "--insecure"], "--insecure sends without TLS: leave out --tls"),
        (["--smtp-user", "maillogs"], "AUTH user 'maillogs' but no password: set"),
        (["--smtp-user", "maillogs", "--insecure"], "AUTH over --insecure would send the"),
    ],
)
def test_sending_usage_errors_come_before_reading_logs(args: list[str], message: str) -> None:
    result = run(*ADDRESSES, *args, "--tz", "UTC", str(SAMPLE / "missing.log"))
    assert result.exit_code == 2, result.output
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_no_password_option() -> None:
    result = run(*ADDRESSES, "--password", "s3cret", "--dry-run", *FAST)
    assert result.exit_code == 2 and "No such option '--password'" in result.output


def one_day(since: str, *args: str, tmp_path: Path) -> tuple[Any, Path]:
    """A run whose clock says 2026-11-24 08:00 UTC, writing the .eml to a file."""
    out = tmp_path / "day.eml"
    env = Environment(
        env={}, home=tmp_path, clock=lambda: dt.datetime(2026, 11, 24, 8, tzinfo=dt.UTC)
    )
    result = CliRunner().invoke(
        main,
        ["mail", *ADDRESSES, "--since", since, "--dry-run", "-o", str(out), *args, *LOGS],
        obj=env,
    )
    return result, out


def test_yesterday_subject_equals_truth_and_report(tmp_path: Path) -> None:
    result, out = one_day("yesterday", "--section", "overview", "--section", "timeline",
                          tmp_path=tmp_path)  # fmt: skip
    assert result.exit_code == 0, result.output
    message = check_message(out.read_bytes())
    day = TRUTH["overview"]["by_day"]["2026-11-23"]
    report = CliRunner().invoke(main, ["report", "--format", "json", "--since", "2026-11-23",
                                       "--until", "2026-11-23", "--section", "overview",
                                       "--section", "tls", *LOGS])  # fmt: skip
    data = json.loads(report.output)
    # the truth's received is the report's queued; received is pflogsumm's (its Nov 23 row)
    assert (data["overview"]["queued"], data["overview"]["rejected"]) == (
        day["received"], day["rejected"],
    )  # fmt: skip
    received = data["overview"]["received"]
    assert received == 385
    tls = data["tls"]["inbound"]["by_day"]["2026-11-23"]
    assert message["Subject"] == (
        f"mx: {received:,} received, {day['rejected']:,} rejected, "
        f"TLS in {tls['tls'] / tls['connections']:.0%} \u2014 Nov 23"
    )
    html = parts(message)["text/html"][0].get_content()
    assert f">{received:,}<" in html and f">{day['rejected']:,}<" in html


def test_sections_choose_the_body_not_the_subject(tmp_path: Path) -> None:
    result, out = one_day("yesterday", "--section", "spf", "--subject", "{received} {rejected}",
                          tmp_path=tmp_path)  # fmt: skip
    assert result.exit_code == 0, result.output
    message = email.message_from_bytes(out.read_bytes(), policy=email.policy.default)
    day = TRUTH["overview"]["by_day"]["2026-11-23"]
    assert message["Subject"] == f"385 {day['rejected']}"  # pflogsumm's received that day
    text = parts(message)["text/plain"][0].get_content()  # type: ignore[union-attr]
    assert "SPF" in text and "Grand totals" not in text and "TLS" not in text


def test_dry_run_to_stdout_is_crlf_throughout() -> None:
    result = CliRunner().invoke(main, ["mail", *ADDRESSES, "--dry-run", *SMALL])
    assert result.exit_code == 0, result.output
    raw = result.stdout_bytes
    assert raw.count(b"\n") == raw.count(b"\r\n") > 100
    assert raw.startswith(b"Subject: mx: ") and b"\r\n\r\n" in raw
    check_message(raw)


@pytest.mark.parametrize("server", ["starttls"], indirect=True)
def test_settings_from_the_config_file(server: tuple[int, Inbox], pki: Pki, tmp_path: Path) -> None:
    port, inbox = server
    config = tmp_path / "config.toml"
    config.write_text(
        f"""[mail]\nto = ["admin@example.org"]\nfrom = "Reports <maillogs@mx.example.net>"
host = "127.0.0.1"\nport = {port}\ncafile = "{pki.ca}"\nusername = "{USER}"
password_env = "REPORT_PASSWORD"\nsubject = "[{{hostname}}] {{rejected}} rejected"
hostname_label = "mx1"\n"""
    )
    result = run("--config", str(config), *SMALL, env={"REPORT_PASSWORD": PASSWORD})
    assert result.exit_code == 0, result.output
    assert inbox.envelopes == [("maillogs@mx.example.net", ["admin@example.org"])]
    message = check_message(inbox.messages[0])
    assert message["From"] == "Reports <maillogs@mx.example.net>"
    assert re.fullmatch(r"\[mx1\] \d+ rejected", message["Subject"])


HOSTILE_HOST = "mx\x1b]0;owned\x07\x9bBcc:victim@example.net"
HOSTILE_LINES = [
    f"Nov 23 06:00:00 {HOSTILE_HOST} postfix/smtpd[7]: connect from unknown[192.0.2.1]",
    f"Nov 23 06:00:01 {HOSTILE_HOST} postfix/smtpd[7]: NOQUEUE: reject: RCPT from "
    "unknown[192.0.2.1]: 554 5.7.1 <x@example.org>: Relay access denied; "
    "from=<\x1b[2J=cmd|' /C calc'!A0@evil.test> to=<x@example.org> proto=ESMTP "
    "helo=<\r\x1b[31m<script>alert(1)</script>>",
]


def test_hostile_log_strings_cannot_reach_the_headers(tmp_path: Path) -> None:
    log = tmp_path / "maillog"
    log.write_bytes("\n".join(HOSTILE_LINES).encode() + b"\n")
    out = tmp_path / "hostile.eml"
    result = run(*ADDRESSES, "--dry-run", "-o", str(out), "--tz", "UTC", "--year", "2026", "-q",
                 str(log))  # fmt: skip
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", head.replace("\r\n", ""))
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Bcc"] is None and message.get_all("To") == ["admin@example.org"]
    assert message["Subject"] == (
        "mx ]0;owned Bcc:victim@example.net: 0 received, 1 rejected, TLS in 0% \u2014 Nov 23"
    )
    for part in message.walk():
        if part.get_content_maintype() == "text":
            body = part.get_content()  # type: ignore[attr-defined]
            assert "\x1b" not in body and "\x9b" not in body and "<script>" not in body


# --- contrib/ and the README: their command lines are ones maillogs accepts --------

CONTRIB = Path(__file__).parents[1] / "contrib"


def contrib_commands() -> list[list[str]]:
    commands = []
    for path in sorted(CONTRIB.iterdir()):
        for line in path.read_text().splitlines():
            if line.startswith("ExecStart="):
                commands.append(shlex.split(line.removeprefix("ExecStart=")))
            elif line[:1].isdigit():  # /etc/cron.d: five time fields, then the user
                commands.append(shlex.split(line)[6:])
    return commands


def test_contrib_command_lines_parse() -> None:
    commands = contrib_commands()
    assert len(commands) == 4
    for words in commands:
        assert Path(words[0]).name == "maillogs" and words[1] == "mail", words
        command = main.get_command(click.Context(main), "mail")
        assert command is not None
        command.make_context("mail", words[2:])  # raises on a bad option


def test_the_readme_crontab_line_is_the_contrib_one() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Mailed every morning", 1)[1]
    line = re.search(r"```\n(.*?)\n```", section, re.DOTALL)
    assert line is not None
    assert shlex.split(line.group(1))[5:] in contrib_commands()
    assert "OnCalendar=*-*-01 " in (CONTRIB / "maillogs-mail-monthly.timer").read_text()


def test_subject_and_conditions_speak_of_postfix_warnings_and_errors(tmp_path: Path) -> None:
    out = tmp_path / "report.eml"
    report = CliRunner().invoke(main, ["report", "--format", "json", *FAST])
    warnings = json.loads(report.output)["overview"]["warnings"]
    assert warnings > 0  # sample_logs' last day has Postfix warnings
    result = run(*ADDRESSES, "--dry-run", "-o", str(out),
                 "--subject", "{warnings} warnings, {errors} errors, {fatal} fatal, {panic} panic",
                 "--only-if", "warnings>0", "--only-if", "fatal==0", *FAST)  # fmt: skip
    assert result.exit_code == 0, result.output
    message = email.message_from_bytes(out.read_bytes(), policy=email.policy.default)
    assert message["Subject"] == f"{warnings} warnings, 0 errors, 0 fatal, 0 panic"
    quiet = run(*ADDRESSES, "--dry-run", "--only-if", "panic>0", "-v", *FAST)
    assert (
        quiet.output.splitlines()[-1] == "maillogs: nothing sent: --only-if panic>0 does not hold"
    )


def test_only_if_can_sound_the_alarm_on_password_guessing(tmp_path: Path) -> None:
    out = tmp_path / "report.eml"
    sasl_log = str(Path(__file__).parent / "sasl" / "maillog")
    args = ["--tz", "UTC", "-q", "--section", "overview", sasl_log]
    subject = ["--subject", "{sasl_failures} failed logins", "--only-if", "sasl_failures>=5"]
    result = run(*ADDRESSES, "--dry-run", "-o", str(out), *subject, *args)
    assert result.exit_code == 0, result.output
    message = email.message_from_bytes(out.read_bytes(), policy=email.policy.default)
    assert message["Subject"] == "5 failed logins"  # 4 failed, 1 aborted (tests/test_sasl.py)
    quiet = run(*ADDRESSES, "--dry-run", "--only-if", "sasl_failures>5", "-v", *args)
    assert (
        quiet.output.splitlines()[-1]
        == "maillogs: nothing sent: --only-if sasl_failures>5 does not hold"
    )
