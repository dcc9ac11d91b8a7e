"""Expressions the sections share: local days, buckets, address domains, networks."""

from __future__ import annotations

import ipaddress

import polars as pl

from reports.options import Bucket

_TRUNCATE = {Bucket.DAY: "1d", Bucket.WEEK: "1w", Bucket.MONTH: "1mo"}


def local_time(tz: str) -> pl.Expr:
    return pl.col("time").dt.convert_time_zone(tz)


def local_day(tz: str) -> pl.Expr:
    """ "YYYY-MM-DD" of the event in the report's time zone."""
    return local_time(tz).dt.strftime("%Y-%m-%d")


def local_hour(tz: str) -> pl.Expr:
    return local_time(tz).dt.strftime("%Y-%m-%d %H:00")


def bucket_label(tz: str, bucket: Bucket | None) -> pl.Expr:
    """The period an event falls in: its day, ISO week's Monday or month; "all" if unsplit."""
    if bucket is None:
        return pl.lit("all")
    start = local_time(tz).dt.truncate(_TRUNCATE[bucket])
    return start.dt.strftime("%Y-%m" if bucket is Bucket.MONTH else "%Y-%m-%d")


def domain(address: pl.Expr) -> pl.Expr:
    """Lower-cased domain of an address, null for none (the null sender <>)."""
    return address.str.extract(r"@([^@]+)$", 1).str.to_lowercase()


def network_of(ip: str | None) -> str | None:
    """The /24 of an IPv4 address, the /48 of an IPv6 one; None if not an address."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))
