"""The Atom feed (RFC 4287) of current public alerts, in the form alert aggregators read:
one entry per alert, its ``link`` pointing at the alert's newest CAP document
(``type="application/cap+xml"``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lxml import etree

from marchwarden.core.alerts.model import cap_time

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM_MEDIA_TYPE = "application/atom+xml"
_A = "{" + ATOM_NS + "}"


@dataclass(frozen=True, slots=True)
class FeedEntry:
    identifier: str
    title: str
    summary: str
    updated: datetime
    author: str
    cap_url: str
    event: str
    severity: str
    expires: datetime


def _sub(parent: etree._Element, name: str, text: str) -> etree._Element:
    el = etree.SubElement(parent, _A + name)
    el.text = text
    return el


def feed(
    *, feed_id: str, title: str, self_url: str, updated: datetime, entries: Sequence[FeedEntry]
) -> bytes:
    root = etree.Element(_A + "feed", nsmap={None: ATOM_NS})
    _sub(root, "id", feed_id)
    _sub(root, "title", title)
    _sub(root, "updated", cap_time(updated))
    link = etree.SubElement(root, _A + "link")
    link.set("rel", "self")
    link.set("href", self_url)
    link.set("type", ATOM_MEDIA_TYPE)
    author = etree.SubElement(root, _A + "author")
    _sub(author, "name", title)
    for e in entries:
        entry = etree.SubElement(root, _A + "entry")
        _sub(entry, "id", e.cap_url)
        _sub(entry, "title", e.title)
        _sub(entry, "updated", cap_time(e.updated))
        _sub(entry, "published", cap_time(e.updated))
        who = etree.SubElement(entry, _A + "author")
        _sub(who, "name", e.author)
        _sub(entry, "summary", e.summary or e.title)
        alt = etree.SubElement(entry, _A + "link")
        alt.set("rel", "alternate")
        alt.set("type", "application/cap+xml")
        alt.set("href", e.cap_url)
        cat = etree.SubElement(entry, _A + "category")
        cat.set("term", e.severity)
        cat.set("label", f"{e.event} ({e.severity}), expires {cap_time(e.expires)}")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
