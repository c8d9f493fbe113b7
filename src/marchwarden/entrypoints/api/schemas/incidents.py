"""API schemas of incidents: lifecycle, unified command, casualties, timeline, activity logs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, Field

from marchwarden.core.dispatch.tasking import (
    allowed_task_transitions,
)
from marchwarden.core.incidents import lifecycle
from marchwarden.core.incidents.casualties import CasualtyCategory, CasualtyTotals, CasualtyUpdate
from marchwarden.core.incidents.model import IncidentState, Severity
from marchwarden.core.incidents.records import (
    AgencyRef,
    Incident,
    TimelineEntry,
)
from marchwarden.core.incidents.taxonomy import INCIDENT_TYPES, IncidentType
from marchwarden.entrypoints.api.schemas.base import Note, Schema, Text, fields_of
from marchwarden.entrypoints.api.schemas.forces import UnitBriefOut
from marchwarden.entrypoints.api.schemas.places import GeometryIn, PointOut
from marchwarden.entrypoints.api.schemas.tasks import TaskBriefOut
from marchwarden.entrypoints.api.schemas.types import Id
from marchwarden.services.incidents import ActivityLog, CasualtyHistory, IncidentView


class IncidentIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    incident_type: IncidentType
    severity: Severity = Severity.UNKNOWN
    place: GeometryIn
    radius_km: float | None = Field(
        default=None, ge=0, le=500, description="default: MARCHWARDEN_INCIDENT_DEFAULT_RADIUS_KM"
    )
    description: Text = ""
    lead_agency_id: Id | None = None
    supporting_agency_ids: list[Id] = Field(default_factory=list, max_length=50)


class IncidentPatch(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    incident_type: IncidentType | None = None
    severity: Severity | None = None
    place: GeometryIn | None = None
    radius_km: float | None = Field(default=None, ge=0, le=500)


class TransitionIn(Schema):
    to: IncidentState
    reason: str = Field(default="", max_length=2000)


class CommandIn(Schema):
    lead_agency_id: Id | None
    supporting_agency_ids: list[Id] = Field(default_factory=list, max_length=50)


class AgencyRefOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    region: str | None

    @classmethod
    def of(cls, a: AgencyRef) -> AgencyRefOut:
        return cls(**fields_of(cls, a))


class UnifiedCommandOut(Schema):
    lead: AgencyRefOut | None
    supporting: list[AgencyRefOut]

    @classmethod
    def of(cls, i: Incident, agencies: Mapping[int, AgencyRef]) -> UnifiedCommandOut:
        """The incident's lead and supporting agencies (an agency not in ``agencies`` is
        shown by its id)."""

        def agency(agency_id: int) -> AgencyRefOut:
            found = agencies.get(agency_id)
            if found is None:
                return AgencyRefOut(
                    id=agency_id, code="?", name=f"agency {agency_id}", kind="", region=None
                )
            return AgencyRefOut.of(found)

        return cls(
            lead=agency(i.lead_agency_id) if i.lead_agency_id else None,
            supporting=[agency(a) for a in i.supporting_agency_ids],
        )


class AcledOut(Schema):
    event_type: str
    sub_event_type: str

    @classmethod
    def of(cls, t: IncidentType) -> AcledOut:
        """The ACLED event and sub-event type of an incident type."""
        return cls(event_type=t.acled.event_type.value, sub_event_type=t.acled.sub_event_type.value)


class SettlementOut(Schema):
    id: int
    name: str
    region: str
    population: int


class AffectedSettlementOut(SettlementOut):
    distance_km: float | None = Field(
        description="km from the place (0 inside a polygon); null if the settlement is unknown"
    )


class AffectedOut(Schema):
    radius_km: float
    settlement_count: int
    population: int
    settlements: list[AffectedSettlementOut]

    @classmethod
    def of(cls, i: Incident, distance_km: Mapping[int, float]) -> AffectedOut:
        """The incident's affected settlements, each with its distance (``affected_distances``)."""
        return cls(
            radius_km=i.radius_km,
            settlement_count=len(i.affected),
            population=i.affected_population,
            settlements=[
                AffectedSettlementOut(
                    **fields_of(AffectedSettlementOut, x, distance_km=distance_km.get(x.id))
                )
                for x in i.affected
            ],
        )


class CasualtyCountsOut(Schema):
    """Current figures per category (``reported`` names the categories ever given: a 0
    there is a reported zero, elsewhere "not reported")."""

    civilian_killed: int
    civilian_wounded: int
    civilian_missing: int
    personnel_killed: int
    personnel_wounded: int
    personnel_missing: int
    killed: int
    wounded: int
    missing: int
    reported: list[CasualtyCategory]
    as_of: datetime | None
    summary: str

    @classmethod
    def of(cls, t: CasualtyTotals) -> CasualtyCountsOut:
        return cls(
            **{c.value: t.counts[c] for c in CasualtyCategory},
            killed=t.killed,
            wounded=t.wounded,
            missing=t.missing,
            reported=sorted(t.reported),
            as_of=t.last_update_at,
            summary=t.describe(),
        )


class IncidentOut(Schema):
    id: int
    name: str
    description: str
    incident_type: IncidentType
    incident_type_label: str
    acled: AcledOut
    severity: Severity
    state: IncidentState
    state_since: datetime
    allowed_transitions: list[IncidentState]
    region: str | None
    place: dict[str, Any]
    reference_point: PointOut
    affected: AffectedOut
    command: UnifiedCommandOut
    casualties: CasualtyCountsOut
    report_count: int
    first_report_at: datetime | None
    last_report_at: datetime | None
    opened_from_report_id: int | None
    tasks: list[TaskBriefOut]
    created_by: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, v: IncidentView) -> IncidentOut:
        i = v.incident
        return cls(
            id=i.id,
            name=i.name,
            description=i.description,
            incident_type=i.incident_type,
            incident_type_label=i.incident_type.label,
            acled=AcledOut.of(i.incident_type),
            severity=i.severity,
            state=i.state,
            state_since=i.state_since,
            allowed_transitions=list(lifecycle.allowed_transitions(i.state)),
            region=i.region,
            place=i.place.to_geojson(),
            reference_point=PointOut(lon=i.place.reference[0], lat=i.place.reference[1]),
            affected=AffectedOut.of(i, v.distance_km),
            command=UnifiedCommandOut.of(i, v.agencies),
            casualties=CasualtyCountsOut.of(v.casualties),
            report_count=v.report_count,
            first_report_at=i.first_report_at,
            last_report_at=i.last_report_at,
            opened_from_report_id=i.opened_from_report_id,
            tasks=[
                TaskBriefOut(
                    id=k.id,
                    title=k.title,
                    status=k.status,
                    priority=k.priority,
                    allowed_next=list(allowed_task_transitions(k.status)),
                    unit_id=k.unit_id,
                    unit_name=u.name if (u := v.units.get(k.unit_id or 0)) else None,
                    unit_status=u.status if u else None,
                )
                for k in v.tasks
            ],
            created_by=i.created_by,
            created_at=i.created_at,
            updated_at=i.updated_at,
        )


class IncidentSummaryOut(Schema):
    id: int
    name: str
    incident_type: IncidentType
    severity: Severity
    state: IncidentState
    region: str | None
    place: dict[str, Any] = Field(description="GeoJSON Point or Polygon")
    reference_point: PointOut
    lead_agency_id: int | None
    supporting_agency_ids: list[int]
    affected_population: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, i: Incident) -> IncidentSummaryOut:
        return cls(
            **fields_of(
                cls,
                i,
                place=i.place.to_geojson(),
                reference_point=PointOut(lon=i.place.reference[0], lat=i.place.reference[1]),
                supporting_agency_ids=list(i.supporting_agency_ids),
            )
        )


class IncidentPage(Schema):
    items: list[IncidentSummaryOut]
    next_after_id: int | None


class CasualtiesIn(Schema):
    """Absolute counts as of ``at`` for the categories given (not increments)."""

    counts: dict[CasualtyCategory, Annotated[int, Field(ge=0, le=1_000_000)]] = Field(min_length=1)
    at: AwareDatetime | None = Field(default=None, description="as of when; default now")
    source: str = Field(default="", max_length=200)
    note: Note = ""


class CasualtyUpdateOut(Schema):
    at: datetime
    counts: dict[str, int]
    source: str
    note: str
    recorded_by: str
    recorded_at: datetime

    @classmethod
    def of(cls, u: CasualtyUpdate, by: str, at: datetime) -> CasualtyUpdateOut:
        counts = {c.value: n for c, n in u.counts.items()}
        return cls(**fields_of(cls, u, counts=counts, recorded_by=by, recorded_at=at))


class CasualtiesOut(Schema):
    incident_id: int
    totals: CasualtyCountsOut
    updates: list[CasualtyUpdateOut]

    @classmethod
    def of(cls, h: CasualtyHistory) -> CasualtiesOut:
        return cls(
            incident_id=h.incident.id,
            totals=CasualtyCountsOut.of(h.totals),
            updates=[CasualtyUpdateOut.of(u, by, at) for u, by, at in h.updates],
        )


class LogIn(Schema):
    text: str = Field(min_length=1, max_length=4000)
    unit_id: Id | None = None


class TimelineEntryOut(Schema):
    id: int
    incident_id: int
    at: datetime
    kind: str
    actor: str
    unit_id: int | None
    task_id: int | None
    text: str
    data: dict[str, Any]

    @classmethod
    def of(cls, e: TimelineEntry) -> TimelineEntryOut:
        return cls(**fields_of(cls, e, kind=e.kind.value, actor=e.actor_name, data=dict(e.data)))


class TimelinePage(Schema):
    items: list[TimelineEntryOut]
    next_after_id: int | None


class ActivityLogEntryOut(TimelineEntryOut):
    incident_name: str


class ActivityLogOut(Schema):
    """An ICS 214-style activity log of one unit, from the incident timelines."""

    unit: UnitBriefOut
    since: datetime | None
    until: datetime | None
    entries: list[ActivityLogEntryOut]

    @classmethod
    def of(cls, log: ActivityLog) -> ActivityLogOut:
        return cls(
            unit=UnitBriefOut.of(log.unit),
            since=log.since,
            until=log.until,
            entries=[
                ActivityLogEntryOut(
                    **TimelineEntryOut.of(e).model_dump(),
                    incident_name=log.incidents.get(e.incident_id, ""),
                )
                for e in log.entries
            ],
        )


class IncidentTypeOut(Schema):
    code: IncidentType
    label: str
    acled: AcledOut
    border_specific: bool
    compatible_with: list[IncidentType]


def incident_types() -> list[IncidentTypeOut]:
    return [
        IncidentTypeOut(
            code=t,
            label=info.label,
            acled=AcledOut.of(t),
            border_specific=info.border_specific,
            compatible_with=sorted(t.compatible_types() - {t}),
        )
        for t, info in INCIDENT_TYPES.items()
    ]
