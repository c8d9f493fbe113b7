"""The CAP 1.2 document as data: what ``adapters/cap`` writes as XML and reads back.

``compose`` turns an alert, its resolved area and the message's header into a
``CapDocument``; nothing here knows XML.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from marchwarden.core.alerts.model import CapRef, MsgType

if TYPE_CHECKING:
    from datetime import datetime

    from marchwarden.core.alerts.areas import CapCircle, ResolvedArea
    from marchwarden.core.alerts.model import AlertContent


@dataclass(frozen=True, slots=True)
class CapArea:
    description: str
    polygons: tuple[tuple[tuple[float, float], ...], ...] = ()
    """Closed rings of (lat, lon)."""
    circles: tuple[CapCircle, ...] = ()
    geocodes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class CapInfo:
    language: str
    categories: tuple[str, ...]
    event: str
    response_types: tuple[str, ...]
    urgency: str
    severity: str
    certainty: str
    expires: datetime | None
    sender_name: str
    headline: str
    description: str
    instruction: str
    web: str
    areas: tuple[CapArea, ...]


@dataclass(frozen=True, slots=True)
class CapDocument:
    identifier: str
    sender: str
    sent: datetime
    status: str
    msg_type: str
    scope: str
    restriction: str = ""
    addresses: str = ""
    note: str = ""
    references: tuple[CapRef, ...] = ()
    incidents: str = ""
    infos: tuple[CapInfo, ...] = ()

    def ref(self) -> CapRef:
        return CapRef(self.sender, self.identifier, self.sent)


@dataclass(frozen=True, slots=True)
class MessageHeader:
    identifier: str
    sender: str
    sender_name: str
    sent: datetime
    msg_type: MsgType
    references: tuple[CapRef, ...]
    web: str
    note: str = ""


def compose(content: AlertContent, area: ResolvedArea, header: MessageHeader) -> CapDocument:
    """The CAP document of one message of an alert."""
    cap_area = CapArea(
        description=area.description,
        polygons=area.polygons,
        circles=area.circles,
        geocodes=area.geocodes,
    )
    infos = tuple(
        CapInfo(
            language=text.language,
            categories=(content.category.value,),
            event=content.event,
            response_types=(content.instruction.response_type,),
            urgency=content.urgency.value,
            severity=content.severity.value,
            certainty=content.certainty.value,
            expires=content.expires,
            sender_name=header.sender_name,
            headline=text.headline,
            description=text.description,
            instruction=text.instruction,
            web=header.web,
            areas=(cap_area,),
        )
        for text in content.texts
    )
    return CapDocument(
        identifier=header.identifier,
        sender=header.sender,
        sent=header.sent,
        status=content.status.value,
        msg_type=header.msg_type.value,
        scope=content.scope.value,
        restriction=content.restriction,
        addresses=content.addresses,
        note=header.note,
        references=header.references,
        incidents=str(content.incident_id) if content.incident_id is not None else "",
        infos=infos,
    )
