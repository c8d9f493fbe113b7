"""The CAP port (``services/civil_ports.py: CapDocuments``) over lxml and httpx."""

from __future__ import annotations

from typing import TYPE_CHECKING

from marchwarden.adapters.cap import fetch as capfetch
from marchwarden.adapters.cap import xml as capxml

if TYPE_CHECKING:
    from marchwarden.core.alerts.cap import CapDocument
    from marchwarden.core.alerts.feeds import FeedRules


class LxmlCapDocuments:
    def build(self, doc: CapDocument) -> bytes:
        return capxml.build(doc)

    def validate(self, data: bytes) -> None:
        capxml.validate(data)

    def parse_untrusted(self, data: bytes, *, max_bytes: int) -> CapDocument:
        return capxml.parse_untrusted(data, max_bytes=max_bytes)

    def fetch(self, url: str, *, max_bytes: int, rules: FeedRules) -> bytes:
        return capfetch.fetch(url, max_bytes=max_bytes, rules=rules)

    def feed_links(self, data: bytes) -> list[str]:
        return capfetch.feed_links(data)
