"""Fetching another authority's feed or CAP document over HTTP, with a size limit, and
reading the CAP links out of an Atom feed (safely: no DOCTYPE, no entities, no network)."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx
from lxml import etree

from marchwarden.adapters.cap.xml import _DOCTYPE
from marchwarden.core.alerts.errors import CapImportRejected

if TYPE_CHECKING:
    import ssl

    from marchwarden.core.alerts.feeds import FeedRules

ATOM = "{http://www.w3.org/2005/Atom}"


#: redirects followed (each one checked against the feed rules like the first URL)
MAX_REDIRECTS = 5
Resolver = Callable[[str, int], list[str]]


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (an IP literal: itself)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def fetch(
    url: str,
    *,
    max_bytes: int,
    rules: FeedRules,
    timeout: float = 10.0,
    resolver: Resolver = resolve,
    verify: ssl.SSLContext | bool = True,
) -> bytes:
    """GET ``url`` if the feed rules allow it. The host is resolved here, every address
    checked, and the connection made to the checked address (the Host header and TLS
    name stay the host's), so a DNS answer that changes between the check and the
    connection (rebinding) cannot lead inside. Redirects are followed by hand, each
    target checked the same way. ``verify``: the TLS trust (default: the system's)."""
    for _ in range(MAX_REDIRECTS + 1):
        rules.check_url(url)
        try:
            target = httpx.URL(url)
            port = target.port or (443 if target.scheme == "https" else 80)
            addresses = resolver(target.host, port)
            for address in addresses:
                rules.check_address(target.host, address)
            if not addresses:
                raise CapImportRejected.said(
                    "cap.no_address", "{host} does not resolve", host=target.host
                )
            headers = {"Host": target.netloc.decode("ascii")}
            extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
            with (
                httpx.Client(timeout=timeout, follow_redirects=False, verify=verify) as http,
                http.stream(
                    "GET",
                    target.copy_with(host=addresses[0]),
                    headers=headers,
                    extensions=extensions,
                ) as reply,
            ):
                if reply.is_redirect and "location" in reply.headers:
                    url = str(target.join(reply.headers["location"]))
                    continue
                return _read(url, reply, max_bytes)
        except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as exc:
            # ValueError: a host name IDNA cannot encode (an empty or 64+ character label);
            # InvalidURL: control characters, a bad port; OSError: no such host
            raise CapImportRejected.said(
                "cap.fetch_failed", "could not fetch '{url}': {error}", url=url, error=exc
            ) from exc
    raise CapImportRejected.said(
        "cap.more_than_redirects",
        "'{url}': more than {most} redirects",
        url=url,
        most=MAX_REDIRECTS,
    )


def _read(url: str, reply: httpx.Response, max_bytes: int) -> bytes:
    if reply.status_code != 200:
        raise CapImportRejected.said(
            "cap.answered_http", "{url} answered HTTP {status}", url=url, status=reply.status_code
        )
    data = bytearray()
    for chunk in reply.iter_bytes():
        data.extend(chunk)
        if len(data) > max_bytes:
            raise CapImportRejected.said(
                "cap.larger_than_bytes",
                "{url} is larger than {max_bytes} bytes",
                url=url,
                max_bytes=format(max_bytes, ","),
            )
    return bytes(data)


def feed_links(data: bytes) -> list[str]:
    """The CAP documents an Atom feed links to (``type="application/cap+xml"``, or the
    entry's alternate link)."""
    if _DOCTYPE.search(data):
        raise CapImportRejected.said(
            "cap.feed_declares_doctype_entities", "the feed declares a DOCTYPE or entities"
        )
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise CapImportRejected.said(
            "cap.feed_not_xml", "the feed is not well-formed XML: {error}", error=exc
        ) from exc
    if root.tag != ATOM + "feed":
        raise CapImportRejected.said("cap.not_atom", "not an Atom feed")
    links = []
    for entry in root.iter(ATOM + "entry"):
        chosen = None
        for link in entry.iter(ATOM + "link"):
            if link.get("type") == "application/cap+xml":
                chosen = link.get("href")
                break
            if link.get("rel", "alternate") == "alternate" and chosen is None:
                chosen = link.get("href")
        if chosen:
            links.append(chosen)
    return links
