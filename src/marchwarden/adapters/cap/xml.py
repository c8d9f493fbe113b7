"""Write, validate and safely read CAP 1.2 XML.

Reading untrusted XML (imported alerts): any ``<!DOCTYPE`` is refused before parsing
(lxml/libxml2 crash the process on some internal-entity documents: see
docs/alerts.md), the parser resolves no entities, loads nothing from the network and
the document has a size limit; then it is validated against the OASIS schema, separately.
"""

from __future__ import annotations

import re
import threading
from datetime import datetime
from functools import cache
from importlib import resources

from lxml import etree

from marchwarden.core.alerts.areas import CapCircle
from marchwarden.core.alerts.cap import CapArea, CapDocument, CapInfo
from marchwarden.core.alerts.errors import CapImportRejected, CapSchemaViolation
from marchwarden.core.alerts.model import CapRef, cap_time

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
CAP_MEDIA_TYPE = "application/cap+xml"
_NS = "{" + CAP_NS + "}"
DEFAULT_MAX_BYTES = 1_048_576
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


@cache
def _schema() -> etree.XMLSchema:
    data = resources.files("marchwarden.data").joinpath("CAP-v1.2.xsd").read_bytes()
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.fromstring(data, parser))


#: lxml's XMLSchema object is not safe to share between threads
_schema_lock = threading.Lock()


def _sub(parent: etree._Element, name: str, text: str | None) -> None:
    if text:
        etree.SubElement(parent, _NS + name).text = text


def _polygon_text(ring: tuple[tuple[float, float], ...]) -> str:
    return " ".join(f"{lat:g},{lon:g}" for lat, lon in ring)


def build(doc: CapDocument) -> bytes:
    """The document as CAP 1.2 XML (UTF-8, with an XML declaration)."""
    root = etree.Element(_NS + "alert", nsmap={None: CAP_NS})
    _sub(root, "identifier", doc.identifier)
    _sub(root, "sender", doc.sender)
    _sub(root, "sent", cap_time(doc.sent))
    _sub(root, "status", doc.status)
    _sub(root, "msgType", doc.msg_type)
    _sub(root, "scope", doc.scope)
    _sub(root, "restriction", doc.restriction)
    _sub(root, "addresses", doc.addresses)
    _sub(root, "note", doc.note)
    _sub(root, "references", " ".join(r.text() for r in doc.references))
    _sub(root, "incidents", doc.incidents)
    for info in doc.infos:
        el = etree.SubElement(root, _NS + "info")
        _sub(el, "language", info.language)
        for category in info.categories:
            _sub(el, "category", category)
        _sub(el, "event", info.event)
        for response in info.response_types:
            _sub(el, "responseType", response)
        _sub(el, "urgency", info.urgency)
        _sub(el, "severity", info.severity)
        _sub(el, "certainty", info.certainty)
        _sub(el, "expires", cap_time(info.expires) if info.expires else None)
        _sub(el, "senderName", info.sender_name)
        _sub(el, "headline", info.headline)
        _sub(el, "description", info.description)
        _sub(el, "instruction", info.instruction)
        _sub(el, "web", info.web)
        for area in info.areas:
            a = etree.SubElement(el, _NS + "area")
            _sub(a, "areaDesc", area.description)
            for ring in area.polygons:
                _sub(a, "polygon", _polygon_text(ring))
            for c in area.circles:
                _sub(a, "circle", f"{c.lat:g},{c.lon:g} {c.radius_km:g}")
            for name, value in area.geocodes:
                g = etree.SubElement(a, _NS + "geocode")
                _sub(g, "valueName", name)
                _sub(g, "value", value)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def validate(data: bytes) -> None:
    """Raise ``CapSchemaViolation`` with the schema's own message unless ``data`` is a
    valid CAP 1.2 document."""
    tree = _safe_parse(data, DEFAULT_MAX_BYTES * 16, CapSchemaViolation)
    _validate_tree(tree, CapSchemaViolation)


def _validate_tree(
    tree: etree._Element, error: type[CapSchemaViolation | CapImportRejected]
) -> None:
    schema = _schema()
    with _schema_lock:
        ok = schema.validate(tree)
        log = schema.error_log
        first = log[0] if len(log) else None
    if not ok:
        if first is None:
            raise error.said("cap.schema_invalid", "invalid")
        raise error.said(
            "cap.schema",
            "line {line}, column {column}: {error}",
            line=first.line,
            column=first.column,
            error=first.message,
        )


def _safe_parse(
    data: bytes, max_bytes: int, error: type[CapSchemaViolation | CapImportRejected]
) -> etree._Element:
    if len(data) > max_bytes:
        raise error.said(
            "cap.too_large",
            "the document is {size} bytes; at most {most} accepted",
            size=f"{len(data):,}",
            most=f"{max_bytes:,}",
        )
    if _DOCTYPE.search(data):
        raise error.said(
            "cap.doctype", "the document declares a DOCTYPE or entities; CAP needs none"
        )
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise error.said("cap.not_xml", "not well-formed XML: {error}", error=exc) from exc


def _text(el: etree._Element, name: str) -> str:
    found = el.find(_NS + name)
    return (found.text or "").strip() if found is not None else ""


def _texts(el: etree._Element, name: str) -> tuple[str, ...]:
    return tuple((f.text or "").strip() for f in el.findall(_NS + name))


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _refs(text: str) -> tuple[CapRef, ...]:
    out = []
    for triple in text.split():
        parts = triple.split(",")
        if len(parts) != 3:
            raise CapImportRejected.said(
                "cap.references_entry_sender_identifier",
                "references entry '{triple}' is not 'sender,identifier,sent'",
                triple=triple,
            )
        try:
            out.append(CapRef(parts[0], parts[1], _time(parts[2])))
        except ValueError as exc:
            raise CapImportRejected.said(
                "cap.references_entry",
                "references entry '{triple}': {error}",
                triple=triple,
                error=exc,
            ) from exc
    return tuple(out)


def _latlon(pair: str) -> tuple[float, float]:
    lat, lon = pair.split(",")
    return (float(lat), float(lon))


def _area(el: etree._Element) -> CapArea:
    circles = []
    for text in _texts(el, "circle"):
        centre, radius = text.split()
        lat, lon = _latlon(centre)
        circles.append(CapCircle(lat, lon, float(radius)))
    return CapArea(
        description=_text(el, "areaDesc"),
        polygons=tuple(tuple(_latlon(p) for p in t.split()) for t in _texts(el, "polygon")),
        circles=tuple(circles),
        geocodes=tuple(
            (_text(g, "valueName"), _text(g, "value")) for g in el.findall(_NS + "geocode")
        ),
    )


def _info(el: etree._Element) -> CapInfo:
    expires = _text(el, "expires")
    return CapInfo(
        language=_text(el, "language") or "en-US",
        categories=_texts(el, "category"),
        event=_text(el, "event"),
        response_types=_texts(el, "responseType"),
        urgency=_text(el, "urgency"),
        severity=_text(el, "severity"),
        certainty=_text(el, "certainty"),
        expires=_time(expires) if expires else None,
        sender_name=_text(el, "senderName"),
        headline=_text(el, "headline"),
        description=_text(el, "description"),
        instruction=_text(el, "instruction"),
        web=_text(el, "web"),
        areas=tuple(_area(a) for a in el.findall(_NS + "area")),
    )


def parse_untrusted(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> CapDocument:
    """Read a CAP 1.2 document from outside: safe parse, schema validation, then the
    data. ``CapImportRejected`` with the reason for anything wrong."""
    root = _safe_parse(data, max_bytes, CapImportRejected)
    if root.tag != _NS + "alert":
        raise CapImportRejected.said(
            "cap.root_element_cap_alert",
            "the root element is {text}, not a CAP 1.2 <alert>",
            text=etree.QName(root).text,
        )
    _validate_tree(root, CapImportRejected)
    try:
        return CapDocument(
            identifier=_text(root, "identifier"),
            sender=_text(root, "sender"),
            sent=_time(_text(root, "sent")),
            status=_text(root, "status"),
            msg_type=_text(root, "msgType"),
            scope=_text(root, "scope"),
            restriction=_text(root, "restriction"),
            addresses=_text(root, "addresses"),
            note=_text(root, "note"),
            references=_refs(_text(root, "references")),
            incidents=_text(root, "incidents"),
            infos=tuple(_info(i) for i in root.findall(_NS + "info")),
        )
    except ValueError as exc:
        raise CapImportRejected.said(
            "cap.value_cannot_read", "a value cannot be read: {error}", error=exc
        ) from exc
