"""CoT events: a small dataclass and builders for what the gateway sends (the safe
parser of untrusted XML is ``adapters/tak/cotxml.py``: core imports no XML library)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from xml.sax.saxutils import quoteattr

if TYPE_CHECKING:
    from collections.abc import Iterable

PING = "t-x-c-t"
PONG = "t-x-c-t-r"
DISCONNECT = "t-x-d-d"
GEOCHAT = "b-t-f"
DELETE = "t-x-d-d"
PROTO_VERSION = "t-x-takp-v"
PROTO_QUERY = "t-x-takp-q"
PROTO_RESPONSE = "t-x-takp-r"

_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


class CotError(ValueError):
    """A frame that is not a usable CoT event; the message says why."""


@dataclass(frozen=True, slots=True)
class Chat:
    """The GeoChat parts of a ``b-t-f`` event."""

    chatroom: str
    sender_callsign: str
    text: str
    message_id: str = ""


@dataclass(frozen=True, slots=True)
class CotEvent:
    uid: str
    type: str
    how: str = "m-g"
    time: datetime | None = None
    start: datetime | None = None
    stale: datetime | None = None
    lat: float = 0.0
    lon: float = 0.0
    hae: float = 9999999.0
    ce: float = 9999999.0
    le: float = 9999999.0
    callsign: str | None = None
    remarks: str | None = None
    #: ``<marti><dest callsign=…/>`` and ``<dest uid=…/>``: a directed message
    dest_callsigns: tuple[str, ...] = ()
    dest_uids: tuple[str, ...] = ()
    chat: Chat | None = None

    @property
    def is_ping(self) -> bool:
        return self.type == PING

    @property
    def is_disconnect(self) -> bool:
        return self.type == DISCONNECT

    @property
    def is_chat(self) -> bool:
        return self.type == GEOCHAT or self.type.startswith(GEOCHAT + "-")

    @property
    def is_position(self) -> bool:
        """A situational-awareness position (an atom ``a-…`` with a callsign)."""
        return self.type.startswith("a-") and self.callsign is not None

    @property
    def is_directed(self) -> bool:
        return bool(self.dest_callsigns or self.dest_uids)


# --------------------------------------------------------------------------- building


def cot_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime(_TIME_FORMAT)[:-4] + "Z"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def event_xml(
    *,
    uid: str,
    type: str,
    now: datetime,
    stale: datetime,
    lat: float = 0.0,
    lon: float = 0.0,
    how: str = "m-g",
    ce: float = 9999999.0,
    detail: str = "",
) -> bytes:
    """A CoT event as bytes; ``detail`` is already-escaped XML placed inside ``<detail>``."""
    t = cot_time(now)
    return (
        f'<event version="2.0" uid={quoteattr(uid)} type={quoteattr(type)} how={quoteattr(how)}'
        f' time="{t}" start="{t}" stale="{cot_time(stale)}">'
        f'<point lat="{lat:.7f}" lon="{lon:.7f}" hae="9999999.0" ce="{ce:.1f}" le="9999999.0"/>'
        f"<detail>{detail}</detail></event>"
    ).encode()


def contact(callsign: str) -> str:
    return f"<contact callsign={quoteattr(callsign)}/>"


def remarks(text: str) -> str:
    return f"<remarks>{_esc(text)}</remarks>"


def pong(now: datetime) -> bytes:
    return event_xml(
        uid="takPong", type=PONG, now=now, stale=now + timedelta(seconds=20), how="h-g-i-g-o"
    )


def delete(uid: str, now: datetime) -> bytes:
    """Tell clients to remove the item ``uid`` (ATAK's ``t-x-d-d`` with a link to it)."""
    return event_xml(
        uid=f"{uid}.delete",
        type=DELETE,
        now=now,
        stale=now + timedelta(seconds=20),
        how="h-g-i-g-o",
        detail=f'<link uid={quoteattr(uid)} relation="none" type="none"/><__forcedelete/>',
    )


def geochat(
    *,
    message_id: str,
    sender_uid: str,
    sender_callsign: str,
    to_uid: str,
    to_callsign: str,
    text: str,
    now: datetime,
    lat: float = 0.0,
    lon: float = 0.0,
) -> bytes:
    """A GeoChat ``b-t-f`` message from ``sender`` to one contact, as ATAK sends it."""
    uid = f"GeoChat.{sender_uid}.{to_uid}.{message_id}"
    detail = (
        f'<__chat parent="RootContactGroup" groupOwner="false" messageId={quoteattr(message_id)}'
        f" chatroom={quoteattr(to_callsign)} id={quoteattr(to_uid)}"
        f" senderCallsign={quoteattr(sender_callsign)}>"
        f"<chatgrp uid0={quoteattr(sender_uid)} uid1={quoteattr(to_uid)} id={quoteattr(to_uid)}/>"
        "</__chat>"
        f'<link uid={quoteattr(sender_uid)} type="a-f-G-U-C" relation="p-p"/>'
        f"<remarks source={quoteattr('BAO.F.ATAK.' + sender_uid)} to={quoteattr(to_uid)}"
        f' time="{cot_time(now)}">{_esc(text)}</remarks>'
        f"<marti><dest callsign={quoteattr(to_callsign)}/></marti>"
    )
    return event_xml(
        uid=uid,
        type=GEOCHAT,
        now=now,
        stale=now + timedelta(days=1),
        lat=lat,
        lon=lon,
        how="h-g-i-g-o",
        detail=detail,
    )


def protocol_support(now: datetime, versions: Iterable[int] = (1,)) -> bytes:
    """``t-x-takp-v``: the server announces the TAK protocol versions it speaks."""
    inner = (
        "<TakControl>"
        + "".join(f'<TakProtocolSupport version="{v}"/>' for v in versions)
        + "</TakControl>"
    )
    return event_xml(
        uid="protouid",
        type=PROTO_VERSION,
        now=now,
        stale=now + timedelta(minutes=1),
        how="m-g",
        detail=inner,
    )


def protocol_response(now: datetime, accepted: bool) -> bytes:
    """``t-x-takp-r``: the answer to a client's ``t-x-takp-q`` request for a version."""
    status = "true" if accepted else "false"
    return event_xml(
        uid="protouid",
        type=PROTO_RESPONSE,
        now=now,
        stale=now + timedelta(minutes=1),
        how="m-g",
        detail=f'<TakControl><TakResponse status="{status}"/></TakControl>',
    )
