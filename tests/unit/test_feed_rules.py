"""The feed allow-list (``core/alerts/feeds.py``): prefixes match by parsed scheme, host,
port and path, never by string prefix; inside addresses need an explicit network."""

from __future__ import annotations

import pytest

from marchwarden.core.alerts.errors import FeedUrlRefused
from marchwarden.core.alerts.feeds import FeedRules

RULES = FeedRules(("https://alerts.neighbour.example/cap/", "http://10.20.0.7:8080/"))


@pytest.mark.parametrize(
    "url",
    [
        "https://alerts.neighbour.example/cap/",
        "https://ALERTS.neighbour.example/cap/feed.atom",
        "https://alerts.neighbour.example:443/cap/2026/a.xml?x=1",
        "http://10.20.0.7:8080/anything",
    ],
)
def test_urls_under_a_prefix_are_allowed(url: str) -> None:
    RULES.check_url(url)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://alerts.neighbour.example.evil.example/cap/", "not under any prefix"),
        ("https://alerts.neighbour.example@evil.example/cap/", "carries credentials"),
        ("https://evil.example@alerts.neighbour.example/cap/", "carries credentials"),
        ("https://alerts.neighbour.example/capture", "not under any prefix"),
        ("https://alerts.neighbour.example/", "not under any prefix"),
        ("http://alerts.neighbour.example/cap/", "not under any prefix"),
        ("https://alerts.neighbour.example:8443/cap/", "not under any prefix"),
        ("http://10.20.0.7/", "not under any prefix"),
        ("http://[::1/feed", "not a valid URL"),
        ("gopher://alerts.neighbour.example/cap/", "only http"),
    ],
)
def test_anything_else_is_refused(url: str, reason: str) -> None:
    with pytest.raises(FeedUrlRefused, match=reason):
        RULES.check_url(url)


def test_nothing_is_allowed_by_default_and_the_detail_names_the_setting() -> None:
    with pytest.raises(FeedUrlRefused, match="MARCHWARDEN_ALERT_FEED_ALLOW is empty"):
        FeedRules().check_url("https://alerts.neighbour.example/cap/")


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.1",
        "192.168.1.1",
        "172.16.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104 - an address refused, not bound
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "224.0.0.1",
        "fe80::1%eth0",
    ],
)
def test_inside_addresses_are_refused_unless_their_network_is_named(address: str) -> None:
    with pytest.raises(FeedUrlRefused, match="MARCHWARDEN_ALERT_FEED_PRIVATE_NETWORKS"):
        RULES.check_address("h.example", address)
    FeedRules(private_networks=("0.0.0.0/0", "::/0")).check_address("h.example", address)


def test_public_addresses_pass() -> None:
    for address in ("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"):
        RULES.check_address("h.example", address)
