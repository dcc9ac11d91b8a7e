"""network_of reads IPv6 text itself (for speed): it must agree with ipaddress on any
address in any spelling, and on text that is not one."""

from __future__ import annotations

import ipaddress

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.expr import network_of, networks_of


def _networks(texts: list[str]) -> dict[str, str | None]:
    found = networks_of(pl.Series(texts, dtype=pl.String))
    return {str(ip): network for ip, network in found.iter_rows()}


def _reference(text: str) -> str | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


@settings(max_examples=500, deadline=None)  # a busy CI machine is not a failure
@given(
    value=st.integers(0, (1 << 128) - 1),
    zeros=st.integers(0, 128),
    spelling=st.sampled_from(["compressed", "exploded", "upper"]),
)
def test_any_ipv6_address_in_any_spelling(value: int, zeros: int, spelling: str) -> None:
    address = ipaddress.IPv6Address(value >> zeros << zeros)
    text = {
        "compressed": address.compressed,
        "exploded": address.exploded,
        "upper": address.compressed.upper(),
    }[spelling]
    assert network_of(text) == _reference(text)
    assert _networks([text]) == {text: _reference(text)}


@given(st.text(alphabet="0123456789abcdefABCDEFg:.%", max_size=45))
def test_any_text_made_of_address_characters(text: str) -> None:
    assert network_of(text) == _reference(text)
    assert _networks([text]) == {text: _reference(text)}


@given(st.lists(st.integers(0, (1 << 128) - 1), max_size=50), st.integers(0, 128))
def test_many_addresses_at_once(values: list[int], zeros: int) -> None:
    texts = [ipaddress.IPv6Address(v >> zeros << zeros).compressed for v in values]
    assert _networks(texts) == {t: _reference(t) for t in texts}


def test_known_forms() -> None:
    assert network_of("2001:db8:1:2::1") == "2001:db8:1::/48"
    assert network_of("::1") == "::/48"
    assert network_of("::ffff:192.0.2.1") == "::/48"
    assert network_of("192.0.2.77") == "192.0.2.0/24"
    assert network_of("2001:db8::1::2") is None
    assert network_of("unknown") is None
    assert network_of(None) is None
