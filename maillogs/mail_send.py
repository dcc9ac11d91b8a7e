"""Hand the message to an SMTP server (STARTTLS or implicit TLS, certificates
verified, optional AUTH) or to the local sendmail. Every failure is one line."""

from __future__ import annotations

import smtplib
import ssl
import subprocess
from contextlib import suppress
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from maillogs.errors import MaillogsError

TIMEOUT_SECONDS = 60


class SendError(MaillogsError):
    """The message could not be handed over; nothing was sent."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # "starttls", "implicit" or "none"
    cafile: Path | None = None  # trust this CA instead of the system's
    username: str | None = None
    password: str | None = None


def _context(cafile: Path | None) -> ssl.SSLContext:
    try:
        return ssl.create_default_context(cafile=str(cafile) if cafile else None)
    except (OSError, ssl.SSLError) as error:
        raise SendError(f"cannot read CA file {cafile}: {error}") from error


def send_smtp(message: EmailMessage, settings: SmtpSettings) -> None:
    where = f"{settings.host}:{settings.port}"
    try:
        if settings.security == "implicit":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=TIMEOUT_SECONDS,
                context=_context(settings.cafile),
            )  # fmt: skip
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
        with client:
            client.ehlo()
            if settings.security == "starttls":
                if not client.has_extn("starttls"):
                    raise SendError(
                        f"{where} does not offer STARTTLS (use --insecure to send in the clear)"
                    )
                client.starttls(context=_context(settings.cafile))
                client.ehlo()
            if settings.username:
                client.login(settings.username, settings.password or "")
            _hand_over(client, message, where)
    except SendError:
        raise
    except smtplib.SMTPAuthenticationError as error:
        raise SendError(
            f"{where}: authentication failed: {_reply(error.smtp_code, error.smtp_error)}"
        ) from error
    except smtplib.SMTPRecipientsRefused as error:
        raise SendError(f"{where} refused recipients: {_refused(error.recipients)}") from error
    except smtplib.SMTPSenderRefused as error:
        raise SendError(
            f"{where} refused sender {error.sender}: {_reply(error.smtp_code, error.smtp_error)}"
        ) from error
    except smtplib.SMTPResponseException as error:
        raise SendError(f"{where}: {_reply(error.smtp_code, error.smtp_error)}") from error
    except ssl.SSLCertVerificationError as error:
        raise SendError(f"{where}: TLS certificate not trusted: {error.verify_message}") from error
    except (ssl.SSLError, smtplib.SMTPException) as error:
        raise SendError(f"{where}: {error}") from error
    except (TimeoutError, OSError) as error:
        raise SendError(f"cannot connect to {where}: {error.strerror or error}") from error


def _hand_over(client: smtplib.SMTP, message: EmailMessage, where: str) -> None:
    """MAIL, every RCPT, then DATA only if all were accepted: a refused recipient
    means nobody gets it (RSET), never a copy for some and an error for the rest."""
    sender = _addr_specs(message, "From")[0]
    code, reply = client.mail(sender)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    refused: dict[str, tuple[int, bytes]] = {}
    for recipient in _addr_specs(message, "To"):
        code, reply = client.rcpt(recipient)
        if code not in (250, 251):
            refused[recipient] = (code, reply)
    if refused:
        with suppress(smtplib.SMTPException, OSError):
            client.rset()
        raise SendError(f"{where} refused recipients: {_refused(refused)}; nothing sent")
    client.data(message.as_bytes())  # raises SMTPDataError unless 250


def _addr_specs(message: EmailMessage, name: str) -> list[str]:
    header = message[name]
    return [address.addr_spec for address in header.addresses]


def send_sendmail(message: EmailMessage, sendmail: str) -> None:
    """`sendmail -t -i`: recipients from the headers, a lone dot is not the end."""
    # Local mail programs read lines ending in LF, not the wire's CRLF.
    data = message.as_bytes(policy=message.policy.clone(linesep="\n"))
    try:
        done = subprocess.run(
            [sendmail, "-t", "-i"], input=data, capture_output=True,
            timeout=TIMEOUT_SECONDS, check=False,
        )  # fmt: skip
    except OSError as error:
        raise SendError(f"cannot run {sendmail}: {error.strerror or error}") from error
    except subprocess.TimeoutExpired as error:
        raise SendError(f"{sendmail} did not finish in {TIMEOUT_SECONDS} s") from error
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SendError(
            f"{sendmail} exited with status {done.returncode}" + (f": {said[-1]}" if said else "")
        )


def _reply(code: int, text: bytes | str) -> str:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(message.split())}"


def _refused(recipients: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{rcpt} ({_reply(code, text)})" for rcpt, (code, text) in recipients.items())
