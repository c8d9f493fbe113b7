"""Composing an alert: from an incident (its event, severity, certainty and area filled
in) and the texts from the instruction templates."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from marchwarden.core.alerts.areas import AreaKind, AreaSpec
from marchwarden.core.alerts.model import (
    AlertContent,
    CapSeverity,
    Category,
    Certainty,
    InfoText,
    Instruction,
    Urgency,
)
from marchwarden.core.alerts.templates import instruction_text
from marchwarden.core.incidents.model import IncidentState
from marchwarden.core.incidents.place import PlaceKind

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from marchwarden.core.incidents.records import Incident

DEFAULT_LANGUAGES = ("ru", "en")
DEFAULT_HOURS = 12

_HEADLINES = {
    Instruction.SHELTER_IN_PLACE: {"en": "{event}: take shelter", "ru": "{event}: укройтесь"},
    Instruction.EVACUATE: {"en": "{event}: evacuate", "ru": "{event}: эвакуация"},
    Instruction.AVOID_AREA: {"en": "{event}: avoid the area", "ru": "{event}: избегайте района"},
    Instruction.ALL_CLEAR: {"en": "{event}: all clear", "ru": "{event}: отбой тревоги"},
}


def texts_for(
    event: str, instruction: Instruction, area: str, languages: Sequence[str], description: str
) -> tuple[InfoText, ...]:
    out = []
    for lang in languages:
        primary = lang.split("-", 1)[0].lower()
        headline = _HEADLINES[instruction].get(primary, _HEADLINES[instruction]["en"])
        out.append(
            InfoText(
                language=lang,
                headline=headline.format(event=event)[:160],
                description=description or f"{event} — {area}",
                instruction=instruction_text(instruction, lang, area),
            )
        )
    return tuple(out)


def area_of_incident(incident: Incident) -> AreaSpec:
    """The incident's polygon, or a circle of its radius round its point (>= 1 km)."""
    if incident.place.kind is PlaceKind.POLYGON:
        return AreaSpec(AreaKind.POLYGON, ring=tuple(incident.place.ring))
    return AreaSpec(
        AreaKind.CIRCLE, center=incident.place.reference, radius_km=max(incident.radius_km, 1.0)
    )


def from_incident(
    incident: Incident,
    *,
    instruction: Instruction,
    now: datetime,
    area: AreaSpec | None = None,
    area_description: str = "",
    languages: Sequence[str] = DEFAULT_LANGUAGES,
    hours: int = DEFAULT_HOURS,
) -> AlertContent:
    """An alert's content from the incident: its type as the event, its severity (Unknown
    counts as Moderate: a public alert states one), its certainty by its state (Observed
    once verified), Immediate, category Security, its place as the area."""
    event = incident.incident_type.label
    severity = CapSeverity(incident.severity.cap_value)
    observed = incident.state in (IncidentState.VERIFIED, IncidentState.ACTIVE)
    spec = area or area_of_incident(incident)
    where = area_description or spec.description or incident.name
    return AlertContent(
        event=event,
        category=Category.SECURITY,
        urgency=Urgency.IMMEDIATE,
        severity=CapSeverity.MODERATE if severity is CapSeverity.UNKNOWN else severity,
        certainty=Certainty.OBSERVED if observed else Certainty.LIKELY,
        instruction=instruction,
        texts=texts_for(event, instruction, where, languages, incident.description),
        area=spec,
        expires=now + timedelta(hours=hours),
        incident_id=incident.id,
    )
