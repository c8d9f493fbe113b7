"""Parsing untrusted CoT XML from the field into ``core.tak.cot.CotEvent``.

Refuse any markup declaration (``<!DOCTYPE``, ``<!ENTITY``) before parsing (lxml kills the
process with SIGSEGV on some internal DTD entities when entities are resolved; see
standards), then parse with ``resolve_entities=False, no_network=True``, no DTD, no huge
trees; the caller bounds the frame's size (``framing.py``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from lxml import etree

from marchwarden.core.tak.cot import Chat, CotError, CotEvent

#: what a frame may not contain: any markup declaration (DOCTYPE, ENTITY, ELEMENT...)
_DECLARATION = re.compile(rb"<!\s*[A-Za-z]")

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)


def refuse_declarations(frame: bytes) -> None:
    if _DECLARATION.search(frame):
        raise CotError("markup declarations (DOCTYPE, ENTITY) are not accepted")


def _time(text: str | None, what: str) -> datetime | None:
    if text is None or text == "":
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CotError(f"event {what} {text[:40]!r} is not an ISO 8601 time") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _float(el: etree._Element, name: str, default: float) -> float:
    text = el.get(name)
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        raise CotError(f"point {name} {text[:20]!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise CotError(f"point {name} is not a finite number")
    return value


def parse_event(frame: bytes) -> CotEvent:
    """One CoT ``<event>`` from a frame; ``CotError`` saying why if it is not one."""
    refuse_declarations(frame)
    try:
        root = etree.fromstring(frame, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise CotError(f"malformed XML: {exc.msg}") from None
    if root.tag != "event":
        raise CotError(f"the root element is <{str(root.tag)[:30]}>, not <event>")
    uid = root.get("uid") or ""
    typ = root.get("type") or ""
    if not uid or len(uid) > 200:
        raise CotError("event needs a uid of 1-200 characters")
    if not typ or len(typ) > 100:
        raise CotError("event needs a type of 1-100 characters")
    lat = lon = 0.0
    hae = ce = le = 9999999.0
    point = root.find("point")
    if point is not None:
        lat = _float(point, "lat", 0.0)
        lon = _float(point, "lon", 0.0)
        hae = _float(point, "hae", 9999999.0)
        ce = _float(point, "ce", 9999999.0)
        le = _float(point, "le", 9999999.0)
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
            raise CotError("point lat must be -90..90 and lon -180..180")
    callsign = remarks = None
    dest_callsigns: list[str] = []
    dest_uids: list[str] = []
    chat = None
    detail = root.find("detail")
    if detail is not None:
        contact = detail.find("contact")
        if contact is not None:
            callsign = contact.get("callsign")
        rem = detail.find("remarks")
        if rem is not None:
            remarks = (rem.text or "").strip()
        for dest in detail.iterfind("marti/dest"):
            if dest.get("callsign"):
                dest_callsigns.append(str(dest.get("callsign")))
            if dest.get("uid"):
                dest_uids.append(str(dest.get("uid")))
        gc = detail.find("__chat")
        if gc is not None:
            chat = Chat(
                chatroom=gc.get("chatroom") or "",
                sender_callsign=gc.get("senderCallsign") or "",
                text=remarks or "",
                message_id=gc.get("messageId") or "",
            )
    return CotEvent(
        uid=uid,
        type=typ,
        how=root.get("how") or "",
        time=_time(root.get("time"), "time"),
        start=_time(root.get("start"), "start"),
        stale=_time(root.get("stale"), "stale"),
        lat=lat,
        lon=lon,
        hae=hae,
        ce=ce,
        le=le,
        callsign=callsign,
        remarks=remarks,
        dest_callsigns=tuple(dest_callsigns),
        dest_uids=tuple(dest_uids),
        chat=chat,
    )
