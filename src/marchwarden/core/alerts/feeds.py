"""Which feed URLs the headquarters may fetch (``POST /alerts/import-feed``): the rule
against server-side request forgery. Pure: the adapter resolves the host and asks here
about every address before it connects, and again for every redirect.

- A URL is fetched only when it starts with one of the configured prefixes
  (``MARCHWARDEN_ALERT_FEED_ALLOW``): same scheme, same host, same port, and the path
  under the prefix's path. Nothing is allowed by default.
- Whatever the allow-list says, an address that is not public (loopback, private,
  link-local, shared, reserved, multicast, unspecified) is refused unless it lies in a
  network named in ``MARCHWARDEN_ALERT_FEED_PRIVATE_NETWORKS``: a public host name that
  resolves (or is re-bound) to an inside address is still refused.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from marchwarden.core.alerts.errors import FeedUrlRefused

ALLOW_SETTING = "MARCHWARDEN_ALERT_FEED_ALLOW"
PRIVATE_SETTING = "MARCHWARDEN_ALERT_FEED_PRIVATE_NETWORKS"
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class _Target:
    scheme: str
    host: str
    port: int
    path: str


def _target(url: str) -> _Target:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FeedUrlRefused.said(
            "cap.bad_url", "'{url}' is not a valid URL: {error}", url=url, error=exc
        ) from exc
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise FeedUrlRefused.said(
            "cap.only_http_urls_host",
            "only http(s) URLs with a host are fetched, not '{url}'",
            url=url,
        )
    if parts.username is not None or parts.password is not None:
        raise FeedUrlRefused.said(
            "cap.carries_credentials_feed_urls",
            "'{url}' carries credentials; feed URLs may not",
            url=url,
        )
    return _Target(
        scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme], parts.path or "/"
    )


def valid_prefix(prefix: str) -> str:
    """A configured allow-list entry, checked (the settings refuse a bad one at start)."""
    _target(prefix)
    return prefix


@dataclass(frozen=True, slots=True)
class FeedRules:
    """The allow-list (URL prefixes) and the non-public networks explicitly allowed."""

    allow: tuple[str, ...] = ()
    private_networks: tuple[str, ...] = ()

    def check_url(self, url: str) -> None:
        """Refuse ``url`` unless an allow-list prefix covers it."""
        target = _target(url)
        for prefix in self.allow:
            allowed = _target(prefix)
            if (allowed.scheme, allowed.host, allowed.port) != (
                target.scheme,
                target.host,
                target.port,
            ):
                continue
            base = allowed.path if allowed.path.endswith("/") else allowed.path + "/"
            if target.path == allowed.path or target.path.startswith(base):
                return
        if not self.allow:
            raise FeedUrlRefused.said(
                "cap.feeds_not_allowed",
                "feed URLs are not fetched: {setting} is empty (list the URL prefixes of the "
                "feeds this headquarters may import), so '{url}' is refused",
                setting=ALLOW_SETTING,
                url=url,
            )
        raise FeedUrlRefused.said(
            "cap.not_allowed_prefix",
            "'{url}' is not under any prefix of {setting}",
            url=url,
            setting=ALLOW_SETTING,
        )

    def check_address(self, host: str, address: str) -> None:
        """Refuse connecting to ``address`` (what ``host`` resolved to) unless it is public
        or inside an explicitly allowed network."""
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if ip.is_global and not ip.is_multicast:
            return
        for network in self.private_networks:
            if ip in ipaddress.ip_network(network, strict=False):
                return
        raise FeedUrlRefused.said(
            "cap.resolves_which_public_address",
            "{host} resolves to {ip}, which is not a public address; feeds on inside networks are "
            "fetched only when {setting} names the network",
            host=host,
            ip=ip,
            setting=PRIVATE_SETTING,
        )
