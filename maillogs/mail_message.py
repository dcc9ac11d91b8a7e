"""The report as an email: text and HTML alternatives, charts inline by Content-ID.

    multipart/mixed                       (only with CSV attachments)
      multipart/alternative
        text/plain                        the terminal report, no colour
        multipart/related
          text/html                       the HTML report, <img src="cid:...">
          image/png ...                   one per chart
      text/csv ...                        --attach-csv

Header values are checked: addresses must parse as one address each, and no value
that comes from the logs or the command line may carry a line break or another
control character into a header.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP, default
from email.utils import format_datetime, make_msgid

from maillogs.errors import UsageError
from reports.builder import Report

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# An ASCII host name (one label is fine: root@localhost); IDNs in their xn-- form.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")


def header_text(value: str) -> str:
    """One line: control characters (CR, LF, TAB, ESC, ...) become spaces."""
    return re.sub(r"\s+", " ", _CONTROL.sub(" ", value)).strip()


def address(value: str, option: str) -> Address:
    """One address (`user@example.org` or `Name <user@example.org>`), parsed by the email
    package's header parser and refused with a one-line usage error if it is anything
    else: a list, a defect, a control character, a missing or odd domain."""
    text = value.strip()

    def bad(why: str) -> UsageError:
        return UsageError(f"{option} {value!r}: {why}")

    if _CONTROL.search(text):
        raise bad("a line break or control character in an address")
    try:
        header = default.header_factory("To", text)
        found = list(header.addresses)
        defects = list(header.defects)
    except (IndexError, ValueError, TypeError):  # the parser fails on e.g. "user@"
        raise bad("not an email address (user@domain)") from None
    if len(found) != 1:
        raise bad("one address, please (repeat the option for more)")
    (parsed,) = found
    if defects or not parsed.username or not parsed.domain:
        raise bad("not an email address (user@domain)")
    if not parsed.username.isascii() or not _DOMAIN.fullmatch(parsed.domain):
        raise bad("not an ASCII address with a host name domain (IDNs in xn-- form)")
    return Address(parsed.display_name, parsed.username, parsed.domain)


def build_message(
    report: Report,
    *,
    sender: Address,
    recipients: Sequence[Address],
    subject: str,
    text: str,
    now: datetime,
    attach_csv: bool = False,
) -> EmailMessage:
    from reports.charts import report_charts
    from reports.render import csv as csv_render
    from reports.render.html import render as render_html

    message = EmailMessage(policy=SMTP)
    message["Subject"] = header_text(subject)
    message["From"] = sender
    message["To"] = list(recipients)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid("maillogs", domain=sender.domain)
    # RFC 3834: a robot wrote it; autoresponders leave it alone.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")

    charts = report_charts(report)
    cids = {chart.name: make_msgid(chart.name, domain=sender.domain) for chart in charts}
    page = render_html(
        report, image_src=lambda chart: "cid:" + cids[chart.name][1:-1], charts=charts
    )
    message.add_alternative(page, subtype="html", charset="utf-8", cte="quoted-printable")
    html_part = message.get_payload()[1]  # type: ignore[index]
    assert isinstance(html_part, EmailMessage)
    for chart in charts:
        html_part.add_related(
            chart.png,
            maintype="image",
            subtype="png",
            cid=cids[chart.name],
            filename=f"{chart.name}.png",
            disposition="inline",
        )
    if attach_csv:
        for name, document in csv_render.documents(report).items():
            message.add_attachment(
                document.encode("utf-8"), maintype="text", subtype="csv", filename=name
            )
    return message
