"""Alerts of other authorities: a parsed CAP document turned into an external alert, and
how an Update or Cancel finds the alert it continues (through ``references``).

Imported areas are not held to this headquarters' drawing rules (another authority may
alert beyond the bundled coverage); they are read as they are and the settlements and
population inside are computed the same way."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import TYPE_CHECKING

import shapely
from shapely.geometry import Polygon

from marchwarden.core.alerts.areas import (
    AreaKind,
    AreaSpec,
    ResolvedArea,
    circle_polygon,
)
from marchwarden.core.alerts.errors import CapImportRejected
from marchwarden.core.alerts.events import AlertImported
from marchwarden.core.alerts.model import (
    Alert,
    AlertContent,
    AlertMessage,
    AlertState,
    CapScope,
    CapSeverity,
    CapStatus,
    Category,
    Certainty,
    InfoText,
    Instruction,
    MsgType,
    Urgency,
)
from marchwarden.core.alerts.workflow import summary
from marchwarden.core.geo.areas import settlements_in_geometry

if TYPE_CHECKING:
    from datetime import datetime

    from marchwarden.core.alerts.areas import AreaContext
    from marchwarden.core.alerts.cap import CapDocument

_INSTRUCTION = {
    "Shelter": Instruction.SHELTER_IN_PLACE,
    "Evacuate": Instruction.EVACUATE,
    "Avoid": Instruction.AVOID_AREA,
    "AllClear": Instruction.ALL_CLEAR,
}
DEFAULT_LIFETIME = timedelta(hours=24)


def read(doc: CapDocument, ctx: AreaContext) -> tuple[AlertContent, ResolvedArea]:
    """The content and area of an imported document (its first ``info`` gives the CAP
    values; every ``info`` gives a text)."""
    if not doc.infos:
        raise CapImportRejected.said(
            "cap.document_no_info_nothing", "the document has no <info>: nothing to show"
        )
    first = doc.infos[0]
    shapes = []
    for cap_area in first.areas:
        for ring in cap_area.polygons:
            if len(ring) >= 4:
                shapes.append(Polygon([(lon, lat) for lat, lon in ring]).buffer(0))
        for c in cap_area.circles:
            shapes.append(circle_polygon(c.lon, c.lat, max(c.radius_km, 0.1)))
    if not shapes:
        raise CapImportRejected.said(
            "cap.document_area_no_polygon",
            "the document's area has no polygon or circle to place it",
        )
    geometry = shapely.unary_union(shapes)
    found = settlements_in_geometry(ctx.settlements, geometry)
    rep = geometry.representative_point()
    spec = AreaSpec(
        AreaKind.CIRCLE,
        center=(float(rep.x), float(rep.y)),
        radius_km=1.0,
        description=first.areas[0].description if first.areas else "",
    )
    area = ResolvedArea(
        spec=spec,
        description=spec.description or "area of the imported alert",
        settlements=found.settlements,
        population=found.population,
        regions=ctx.regions_touched(geometry),
        polygons=(),
        circles=(),
        geocodes=(),
        geometry=geometry,
    )
    response = next((_INSTRUCTION[r] for r in first.response_types if r in _INSTRUCTION), None)
    content = AlertContent(
        event=first.event,
        category=Category(first.categories[0]) if first.categories else Category.OTHER,
        urgency=Urgency(first.urgency),
        severity=CapSeverity(first.severity),
        certainty=Certainty(first.certainty),
        instruction=response or Instruction.AVOID_AREA,
        texts=tuple(
            InfoText(i.language, i.headline or i.event, i.description, i.instruction)
            for i in doc.infos
        ),
        area=spec,
        expires=first.expires or doc.sent + DEFAULT_LIFETIME,
        scope=CapScope(doc.scope),
        status=CapStatus(doc.status),
        restriction=doc.restriction,
        addresses=doc.addresses,
    )
    return content, area


def imported_event(alert: Alert, doc: CapDocument) -> AlertImported:
    return AlertImported(
        alert_id=alert.id,
        regions=tuple(sorted(alert.area.regions)),
        incident_id=None,
        event=alert.content.event,
        severity=alert.content.severity.value,
        scope=alert.content.scope.value,
        sender=doc.sender,
        identifier=doc.identifier,
        msg_type=doc.msg_type,
    )


def apply(
    existing: Alert | None,
    doc: CapDocument,
    content: AlertContent,
    area: ResolvedArea,
    *,
    by: str,
    by_id: int | None,
    now: datetime,
) -> Alert:
    """The external alert after ``doc``: a new one (an Alert, or an Update whose
    references name no alert known here), or ``existing`` updated or cancelled."""
    message = AlertMessage(doc.identifier, doc.sender, doc.sent, MsgType(doc.msg_type))
    cancel = message.msg_type is MsgType.CANCEL
    if existing is None:
        if cancel:
            raise CapImportRejected.said(
                "cap.cancel_whose_references_name",
                "a Cancel whose references name no alert known here: nothing to cancel",
            )
        return Alert(
            id=0,
            state=AlertState.PUBLISHED,
            content=content,
            area=summary(area),
            created_by=by,
            created_by_id=by_id,
            created_at=now,
            messages=(message,),
            external=True,
            sender=doc.sender,
        )
    if not existing.external:
        raise CapImportRejected.said(
            "cap.references_name_alert_headquarters",
            "the references name an alert of this headquarters",
        )
    return dataclasses.replace(
        existing,
        state=AlertState.CANCELLED if cancel else AlertState.PUBLISHED,
        content=existing.content if cancel else content,
        area=existing.area if cancel else summary(area),
        messages=(*existing.messages, message),
    )
