"""The server's own domains and networks, and the notices, as data."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from reports.notices import empty_period, mostly_unparsed, tls_not_logged, year_from_mtime
from reports.own import own_of


def test_own_domains_take_in_their_subdomains_and_networks_their_addresses() -> None:
    own = own_of(
        domains=["Example.NET."],
        networks=["192.0.2.0/24", "not a network"],
        delivered_domains=["vmail.test"],
        sasl_clients=["2001:db8::7"],
    )
    assert own.domains == {"example.net", "vmail.test"}
    assert [str(n) for n in own.networks] == ["192.0.2.0/24", "2001:db8::7/128"]
    assert own.has_domain("mx.example.net") and own.has_domain("EXAMPLE.net")
    assert not own.has_domain("badexample.net") and not own.has_domain(None)
    assert own.has_address("192.0.2.99") and own.has_address("2001:db8::7")
    assert not own.has_address("192.0.3.1") and not own.has_address("unknown")
    frame = pl.DataFrame({"d": ["mx.example.net", "badexample.net", "vmail.test", None]})
    found = frame.select(own.domain_expr(pl.col("d"))).to_series().to_list()
    assert found == [True, False, True, False]
    assert pl.DataFrame({"d": ["x"]}).select(own_of().domain_expr(pl.col("d"))).item() is False


def test_own_addresses_at_once_are_what_has_address_says_of_each() -> None:
    own = own_of(
        networks=["127.0.0.0/8", "10.1.2.0/23", "172.16.0.0/12", "2001:db8::/32"],
        sasl_clients=["192.168.1.7"],
    )
    ips = [
        "127.0.0.1", "10.1.3.255", "10.1.4.0", "10.1.1.255", "192.168.1.7", "192.168.1.8",
        "172.31.255.255", "172.32.0.0", "2001:db8::1", "2001:db9::1", "::ffff:127.0.0.1",
        "01.2.3.4", "256.1.1.1", "1.2.3", "127.0.0.1 ", "unknown", "", None,
    ]  # fmt: skip
    found = own.ours(pl.Series(ips, dtype=pl.String())).to_list()
    assert found == [own.has_address(ip) for ip in ips]
    assert sum(found) == 5
    everything = own_of(networks=["0.0.0.0/0"])
    assert everything.ours(pl.Series(ips, dtype=pl.String())).to_list() == [
        everything.has_address(ip) for ip in ips
    ]


def test_notices_say_what_is_wrong_and_nothing_when_all_is_well() -> None:
    nov = datetime(2026, 11, 1, tzinfo=UTC)
    dec = datetime(2026, 12, 1, tzinfo=UTC)
    first, last = datetime(2026, 11, 22, 6, tzinfo=UTC), datetime(2026, 11, 24, 20, tzinfo=UTC)
    assert empty_period(5, nov, dec, first, last) is None
    assert empty_period(0, None, None, None, None) is None  # no period asked for
    notice = empty_period(0, dec, None, first, last)
    assert notice is not None and notice.as_json() == {
        "code": "empty-period",
        "message": "no events from 2026-12-01T00:00:00+00:00 to the end: "
        "the logs cover 2026-11-22T06:00:00+00:00 to 2026-11-24T20:00:00+00:00",
    }
    assert tls_not_logged("inbound", 0, 0) is None
    assert tls_not_logged("inbound", 12, 3) is None
    notice = tls_not_logged("outbound", 1200, 0)
    assert notice is not None and "smtp_tls_loglevel = 0" in notice.message
    assert notice.message.startswith("1,200 outbound delivery attempts")
    notice = tls_not_logged("inbound", 7, 0)
    assert notice is not None and "(smtpd_tls_loglevel = 0)" in notice.message
    assert mostly_unparsed(10, 5) is None
    notice = mostly_unparsed(10, 6)
    assert notice is not None and notice.code == "mostly-unparsed" and "60%" in notice.message
    assert year_from_mtime([]) is None
    notice = year_from_mtime([("maillog.1.gz", 2025), ("maillog.2.gz", 2025), ("maillog", 2026)])
    assert notice is not None and notice.message == (
        "classic syslog stamps have no year: took 2025 from the mtime of maillog.1.gz, "
        "maillog.2.gz; 2026 from the mtime of maillog (--year sets it)"
    )
