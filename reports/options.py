"""What a report is asked for: period, buckets, the user's domains and check tables."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path


class Bucket(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True)
class ReportOptions:
    tz: str = "UTC"
    since: datetime | None = None
    until: datetime | None = None
    bucket: Bucket | None = None  # --period: split rankings and totals per day/week/month
    top: int = 10
    catchall_domains: Sequence[str] = ()
    # the server's own (never spammers): main.cf's and the config's; the log adds more
    own_domains: Sequence[str] = ()
    own_networks: Sequence[str] = ()
    header_checks: Sequence[Path] = ()
    body_checks: Sequence[Path] = ()
    sections: Sequence[str] | None = None  # None: every registered section
    # main.cf's smtpd_/smtp_tls_loglevel, when it was read (None: not known). At 1 or
    # more a session or delivery without a TLS line was plaintext; at 0 its TLS is
    # unknown. Without main.cf the log decides: TLS lines in the period mean logged.
    smtpd_tls_loglevel: int | None = None
    smtp_tls_loglevel: int | None = None
