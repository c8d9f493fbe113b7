"""Fetching another authority's feed or CAP document over HTTP, with a size limit, and
reading the CAP links out of an Atom feed (safely: no DOCTYPE, no entities, no network)."""

from __future__ import annotations

import httpx
from lxml import etree

from marchwarden.adapters.cap.xml import _DOCTYPE
from marchwarden.core.alerts.errors import CapImportRejected

ATOM = "{http://www.w3.org/2005/Atom}"


def fetch(url: str, *, max_bytes: int, timeout: float = 10.0) -> bytes:
    if not url.startswith(("http://", "https://")):
        raise CapImportRejected(f"only http(s) URLs are fetched, not {url!r}")
    try:
        with httpx.stream("GET", url, timeout=timeout, follow_redirects=True) as reply:
            if reply.status_code != 200:
                raise CapImportRejected(f"{url} answered HTTP {reply.status_code}")
            data = bytearray()
            for chunk in reply.iter_bytes():
                data.extend(chunk)
                if len(data) > max_bytes:
                    raise CapImportRejected(f"{url} is larger than {max_bytes:,} bytes")
            return bytes(data)
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
        # ValueError: a host name IDNA cannot encode (an empty or 64+ character label);
        # InvalidURL: control characters, a bad port — the caller's URL, not our fault
        raise CapImportRejected(f"could not fetch {url!r}: {exc}") from exc


def feed_links(data: bytes) -> list[str]:
    """The CAP documents an Atom feed links to (``type="application/cap+xml"``, or the
    entry's alternate link)."""
    if _DOCTYPE.search(data):
        raise CapImportRejected("the feed declares a DOCTYPE or entities")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise CapImportRejected(f"the feed is not well-formed XML: {exc}") from exc
    if root.tag != ATOM + "feed":
        raise CapImportRejected("not an Atom feed")
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
