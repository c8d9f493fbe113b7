"""API schemas of unified command: reports, incidents, tasks, situation reports."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field

from marchwarden.core.authority.model import power_label
from marchwarden.core.dispatch.tasking import (
    TaskPriority,
    TaskStatus,
    allowed_task_transitions,
)
from marchwarden.core.forces.status import UnitStatus
from marchwarden.core.incidents import lifecycle
from marchwarden.core.incidents.casualties import CasualtyCategory, CasualtyTotals, CasualtyUpdate
from marchwarden.core.incidents.correlation import CorrelationResult
from marchwarden.core.incidents.model import IncidentState, ReportSourceKind, Severity
from marchwarden.core.incidents.records import (
    AgencyRef,
    Incident,
    Report,
    ReportStatus,
    Task,
    TimelineEntry,
    UnitRef,
)
from marchwarden.core.incidents.taxonomy import INCIDENT_TYPES, IncidentType
from marchwarden.entrypoints.api.schemas.base import Schema
from marchwarden.entrypoints.api.schemas.types import Id
from marchwarden.services import sitreps as sr
from marchwarden.services.incidents import ActivityLog, CasualtyHistory, IncidentView
from marchwarden.services.reports import correlation_json
from marchwarden.services.tasks import RecommendationView, TaskView


def fields_of(schema: type[Schema], obj: Any, **overrides: Any) -> dict[str, Any]:
    """The schema's fields from the same-named attributes of ``obj``; ``overrides`` for
    those that are named or shaped otherwise."""
    return {
        name: overrides[name] if name in overrides else getattr(obj, name)
        for name in schema.model_fields
    }


Text = Annotated[str, Field(max_length=10_000)]
Note = Annotated[str, Field(default="", max_length=2000)]
Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]


class PointIn(Schema):
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)


class PointOut(Schema):
    lon: float
    lat: float


# --------------------------------------------------------------------------- reports


class ReportIn(Schema):
    source_kind: ReportSourceKind
    observed_at: AwareDatetime
    position: PointIn
    uncertainty_m: float = Field(
        default=0.0, ge=0, le=100_000, description="radius of the position's uncertainty"
    )
    incident_type: IncidentType
    text: Text = ""
    rating: str = Field(
        min_length=2,
        max_length=4,
        description="Admiralty code: source reliability A-F and information credibility 1-6",
        examples=["B2"],
    )
    reporter: str = Field(min_length=1, max_length=200, description="who observed it")


class ReportReceiptOut(Schema):
    """What the submitter gets; a retry with the same Idempotency-Key gets it again."""

    id: int
    status: ReportStatus
    received_at: datetime
    region: str | None
    source_kind: ReportSourceKind
    observed_at: datetime
    position: PointOut
    uncertainty_m: float
    incident_type: IncidentType
    rating: str
    reporter: str
    text: str


class IncidentMatchOut(Schema):
    incident_id: int
    incident_name: str
    score: float
    distance_km: float
    time_gap_seconds: int
    same_type: bool
    reasons: list[str]


class DuplicateOut(Schema):
    report_id: int
    incident_id: int | None
    similarity: float
    distance_km: float
    time_gap_seconds: int
    reasons: list[str]


class MissOut(Schema):
    incident_id: int
    incident_name: str
    distance_km: float
    reasons: list[str]


class SuggestionsOut(Schema):
    """Incidents the report may belong to (best first), likely duplicates, and the
    nearest open incidents it was not matched to, each with its reasons."""

    matches: list[IncidentMatchOut]
    duplicates: list[DuplicateOut]
    misses: list[MissOut]

    @classmethod
    def of(cls, data: dict[str, Any]) -> SuggestionsOut:
        return cls.model_validate(
            {
                "matches": data.get("matches", []),
                "duplicates": data.get("duplicates", []),
                "misses": data.get("misses", []),
            }
        )

    @classmethod
    def of_result(cls, result: CorrelationResult) -> SuggestionsOut:
        return cls.of(correlation_json(result))


class ClaimOut(Schema):
    by: str
    until: datetime
    active: bool
    seconds_left: int = Field(
        description="whole seconds until the claim runs out, by the server's clock when the "
        "reply was made (0 once it has run out): count down from this, not from ``until``, "
        "so that a client whose clock is off still shows the right time left"
    )

    @classmethod
    def of(cls, by: str, until: datetime, now: datetime) -> ClaimOut:
        left = max(0, int((until - now).total_seconds()))
        return cls(by=by, until=until, active=until > now, seconds_left=left)


class ReportOut(Schema):
    id: int
    status: ReportStatus
    source_kind: ReportSourceKind
    observed_at: datetime
    received_at: datetime
    position: PointOut
    uncertainty_m: float
    incident_type: IncidentType
    incident_type_label: str
    text: str
    rating: str
    rating_meaning: str
    reporter: str
    submitted_by: str
    region: str | None
    incident_id: int | None
    claim: ClaimOut | None
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str
    likely_duplicate: bool
    suggestions: SuggestionsOut = Field(description="correlation when the report came in")

    @classmethod
    def of(cls, r: Report, now: datetime) -> ReportOut:
        claim = None
        if r.claimed_by is not None and r.claim_expires_at is not None:
            claim = ClaimOut.of(r.claimed_by, r.claim_expires_at, now)
        suggestions = SuggestionsOut.of(dict(r.correlation))
        return cls(
            id=r.id,
            status=r.status,
            source_kind=r.source_kind,
            observed_at=r.observed_at,
            received_at=r.received_at,
            position=PointOut(lon=r.position[0], lat=r.position[1]),
            uncertainty_m=r.uncertainty_m,
            incident_type=r.incident_type,
            incident_type_label=r.incident_type.label,
            text=r.text,
            rating=r.rating.code,
            rating_meaning=r.rating.describe(),
            reporter=r.reporter,
            submitted_by=r.submitted_by,
            region=r.region,
            incident_id=r.incident_id,
            claim=claim,
            decided_by=r.decided_by,
            decided_at=r.decided_at,
            decision_note=r.decision_note,
            likely_duplicate=bool(suggestions.duplicates),
            suggestions=suggestions,
        )


class ReportDetailOut(ReportOut):
    current_suggestions: SuggestionsOut | None = Field(
        description="correlation against the incidents and reports as they are now "
        "(pending reports only)"
    )


class ReportPage(Schema):
    items: list[ReportOut]
    next_after_id: int | None = Field(
        description="id order (no ``order``): pass as ``after_id`` for the next page"
    )
    next_cursor: str | None = Field(
        description="any order: pass as ``cursor`` (with the same ``order``) for the next page"
    )


class AttachIn(Schema):
    incident_id: Id
    note: Note = ""


class RejectIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


# --------------------------------------------------------------------------- incidents


class GeometryIn(Schema):
    """A GeoJSON Point ``[lon, lat]`` or Polygon ``[[[lon, lat], ...]]`` (no holes)."""

    type: Literal["Point", "Polygon"]
    coordinates: list[Any] = Field(max_length=2000)


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


class OpenIncidentIn(Schema):
    """Open an incident from a claimed report; type and place default to the report's."""

    name: str = Field(min_length=1, max_length=200)
    incident_type: IncidentType | None = None
    severity: Severity = Severity.UNKNOWN
    place: GeometryIn | None = None
    radius_km: float | None = Field(default=None, ge=0, le=500)
    description: Text = ""
    lead_agency_id: Id | None = None
    supporting_agency_ids: list[Id] = Field(default_factory=list, max_length=50)
    note: Note = ""


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


def _agency(agencies: dict[int, AgencyRef] | Any, agency_id: int) -> AgencyRefOut:
    found = agencies.get(agency_id)
    if found is None:
        return AgencyRefOut(
            id=agency_id, code="?", name=f"agency {agency_id}", kind="", region=None
        )
    return AgencyRefOut.of(found)


class UnifiedCommandOut(Schema):
    lead: AgencyRefOut | None
    supporting: list[AgencyRefOut]


class AcledOut(Schema):
    event_type: str
    sub_event_type: str


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
                    id=x.id,
                    name=x.name,
                    region=x.region,
                    population=x.population,
                    distance_km=distance_km.get(x.id),
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


class TaskBriefOut(Schema):
    id: int
    title: str
    status: TaskStatus
    priority: TaskPriority
    allowed_next: list[TaskStatus]
    unit_id: int | None
    unit_name: str | None
    unit_status: UnitStatus | None


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
            acled=AcledOut(
                event_type=i.incident_type.acled.event_type.value,
                sub_event_type=i.incident_type.acled.sub_event_type.value,
            ),
            severity=i.severity,
            state=i.state,
            state_since=i.state_since,
            allowed_transitions=list(lifecycle.allowed_transitions(i.state)),
            region=i.region,
            place=i.place.to_geojson(),
            reference_point=PointOut(lon=i.place.reference[0], lat=i.place.reference[1]),
            affected=AffectedOut.of(i, v.distance_km),
            command=UnifiedCommandOut(
                lead=_agency(v.agencies, i.lead_agency_id) if i.lead_agency_id else None,
                supporting=[_agency(v.agencies, a) for a in i.supporting_agency_ids],
            ),
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


class ReportDecisionOut(Schema):
    report: ReportOut
    incident: IncidentOut


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


class UnitBriefOut(Schema):
    id: int
    code: str
    name: str
    agency_id: int
    agency_code: str
    agency_name: str
    region: str
    status: UnitStatus
    readiness: int

    @classmethod
    def of(cls, u: UnitRef) -> UnitBriefOut:
        return cls(**fields_of(cls, u))


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
            acled=AcledOut(
                event_type=info.acled.event_type.value,
                sub_event_type=info.acled.sub_event_type.value,
            ),
            border_specific=info.border_specific,
            compatible_with=sorted(t.compatible_types() - {t}),
        )
        for t, info in INCIDENT_TYPES.items()
    ]


# --------------------------------------------------------------------------- tasks


class TaskIn(Schema):
    title: str = Field(min_length=1, max_length=200, description="what is to be done")
    description: Text = ""
    required_powers: list[Name] = Field(default_factory=list, max_length=20)
    required_capabilities: list[Name] = Field(default_factory=list, max_length=20)
    minimum_readiness: int = Field(default=3, ge=0, le=4)
    position: PointIn | None = Field(default=None, description="default: the incident's place")
    priority: TaskPriority = TaskPriority.NORMAL
    needed_by: AwareDatetime | None = None


class AssignIn(Schema):
    unit_id: Id
    note: Note = ""


class AcceptIn(Schema):
    note: Note = ""


class DeclineIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


class TaskStatusIn(Schema):
    status: Literal["en_route", "on_scene", "released"]
    note: Note = ""
    release_to: Literal["available", "returning"] = Field(
        default="available", description="the unit's status once released"
    )


class CancelIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


class PowerNeedOut(Schema):
    power: str
    label: str


class TaskOut(Schema):
    id: int
    incident_id: int
    incident_name: str
    title: str
    description: str
    required_powers: list[PowerNeedOut]
    required_capabilities: list[str]
    minimum_readiness: int
    position: PointOut
    priority: TaskPriority
    needed_by: datetime | None
    status: TaskStatus
    status_since: datetime
    allowed_next: list[TaskStatus]
    unit: UnitBriefOut | None
    assigned_at: datetime | None
    ended_at: datetime | None
    created_by: str
    created_at: datetime

    @classmethod
    def of(cls, v: TaskView) -> TaskOut:
        k = v.task
        return cls(
            id=k.id,
            incident_id=k.incident_id,
            incident_name=v.incident.name,
            title=k.title,
            description=k.description,
            required_powers=[
                PowerNeedOut(power=p, label=power_label(p))
                for p in sorted(k.requirements.required_powers)
            ],
            required_capabilities=sorted(k.requirements.required_capabilities),
            minimum_readiness=k.requirements.minimum_readiness,
            position=PointOut(lon=k.position[0], lat=k.position[1]),
            priority=k.priority,
            needed_by=k.needed_by,
            status=k.status,
            status_since=k.status_since,
            allowed_next=list(allowed_task_transitions(k.status)),
            unit=UnitBriefOut.of(v.unit) if v.unit else None,
            assigned_at=k.assigned_at,
            ended_at=k.ended_at,
            created_by=k.created_by,
            created_at=k.created_at,
        )


class ReasonOut(Schema):
    code: str
    message: str
    subject: str | None
    detail: str | None


class RankedUnitOut(Schema):
    rank: int
    unit: UnitBriefOut
    distance_km: float
    eta_minutes: float
    measured_from: str
    granted_powers: dict[str, str]


class IneligibleUnitOut(Schema):
    unit: UnitBriefOut
    distance_km: float
    measured_from: str
    reasons: list[ReasonOut]


class RecommendationOut(Schema):
    task_id: int
    law_at: datetime = Field(description="the moment the law was evaluated at")
    travel_model: str
    ranked: list[RankedUnitOut]
    eligible_count: int
    ineligible_nearby: list[IneligibleUnitOut]
    ineligible_nearby_count: int
    ineligible_radius_km: float
    eligible_without_position: list[int]
    units_considered: int
    considered: str

    @classmethod
    def of(cls, r: RecommendationView) -> RecommendationOut:
        return cls(
            task_id=r.task.id,
            law_at=r.law_at,
            travel_model=r.travel_model,
            ranked=[
                RankedUnitOut(
                    rank=x.rank,
                    unit=UnitBriefOut.of(x.unit),
                    distance_km=round(x.distance_km, 3),
                    eta_minutes=round(x.eta_minutes, 1),
                    measured_from=x.position_source.value,
                    granted_powers=dict(x.granted_powers),
                )
                for x in r.ranked
            ],
            eligible_count=r.eligible_count,
            ineligible_nearby=[
                IneligibleUnitOut(
                    unit=UnitBriefOut.of(n.unit),
                    distance_km=round(n.distance_km, 3),
                    measured_from=n.position_source.value,
                    reasons=[
                        ReasonOut(
                            code=x.code.value, message=x.message, subject=x.subject, detail=x.detail
                        )
                        for x in n.reasons
                    ],
                )
                for n in r.ineligible_nearby
            ],
            ineligible_nearby_count=r.ineligible_nearby_count,
            ineligible_radius_km=r.ineligible_radius_km,
            eligible_without_position=list(r.eligible_without_position),
            units_considered=r.units_considered,
            considered=r.scope_note,
        )


# --------------------------------------------------------------------------- sitreps


class HappenedOut(Schema):
    at: datetime
    kind: str
    text: str
    actor: str
    unit_id: int | None
    task_id: int | None


class DeployedUnitOut(Schema):
    unit_id: int
    unit_code: str
    unit_name: str
    unit_status: UnitStatus
    task_id: int
    task_title: str
    task_status: TaskStatus
    assigned_at: datetime | None
    ended_at: datetime | None


class AgencyDeploymentOut(Schema):
    agency_id: int
    agency_code: str
    agency_name: str
    unit_count: int
    units: list[DeployedUnitOut]

    @classmethod
    def of(cls, d: sr.AgencyDeployment) -> AgencyDeploymentOut:
        units = {u.unit.id for u in d.units}
        return cls(
            agency_id=d.agency_id,
            agency_code=d.agency_code,
            agency_name=d.agency_name,
            unit_count=len(units),
            units=[
                DeployedUnitOut(
                    unit_id=u.unit.id,
                    unit_code=u.unit.code,
                    unit_name=u.unit.name,
                    unit_status=u.unit.status,
                    task_id=u.task_id,
                    task_title=u.task_title,
                    task_status=u.task_status,
                    assigned_at=u.assigned_at,
                    ended_at=u.ended_at,
                )
                for u in d.units
            ],
        )


class NeedOut(Schema):
    task_id: int
    incident_id: int
    title: str
    priority: str
    required_powers: list[str]
    required_capabilities: list[str]
    needed_by: datetime | None
    open_for_minutes: int
    text: str

    @classmethod
    def of(cls, n: sr.Need) -> NeedOut:
        return cls(
            task_id=n.task_id,
            incident_id=n.incident_id,
            title=n.title,
            priority=n.priority,
            required_powers=list(n.required_powers),
            required_capabilities=list(n.required_capabilities),
            needed_by=n.needed_by,
            open_for_minutes=int(n.open_for.total_seconds() // 60),
            text=n.text,
        )


class OpenTaskOut(Schema):
    id: int
    title: str
    status: TaskStatus
    priority: TaskPriority
    unit_id: int | None

    @classmethod
    def of(cls, k: Task) -> OpenTaskOut:
        return cls(id=k.id, title=k.title, status=k.status, priority=k.priority, unit_id=k.unit_id)


class IncidentSitrepOut(Schema):
    """ICS 209-like incident status summary over ``[since, until)``."""

    kind: Literal["incident"] = "incident"
    since: datetime
    until: datetime
    prepared_at: datetime
    prepared_by: str
    incident: IncidentSummaryOut
    incident_type_label: str
    acled: AcledOut
    command: UnifiedCommandOut
    place: dict[str, Any]
    what_happened: list[HappenedOut]
    reports_total: int
    casualties: CasualtyCountsOut
    casualties_change: dict[str, int]
    affected: AffectedOut
    units_deployed: list[AgencyDeploymentOut]
    open_tasks: list[OpenTaskOut]
    needs: list[NeedOut]

    @classmethod
    def of(cls, s: sr.IncidentSitrep) -> IncidentSitrepOut:
        i = s.incident
        return cls(
            since=s.since,
            until=s.until,
            prepared_at=s.prepared_at,
            prepared_by=s.prepared_by,
            incident=IncidentSummaryOut.of(i),
            incident_type_label=i.incident_type.label,
            acled=AcledOut(
                event_type=i.incident_type.acled.event_type.value,
                sub_event_type=i.incident_type.acled.sub_event_type.value,
            ),
            command=UnifiedCommandOut(
                lead=_agency(s.agencies, i.lead_agency_id) if i.lead_agency_id else None,
                supporting=[_agency(s.agencies, a) for a in i.supporting_agency_ids],
            ),
            place=i.place.to_geojson(),
            what_happened=[
                HappenedOut(
                    at=e.at,
                    kind=e.kind.value,
                    text=e.text,
                    actor=e.actor_name,
                    unit_id=e.unit_id,
                    task_id=e.task_id,
                )
                for e in s.happened
            ],
            reports_total=s.reports_total,
            casualties=CasualtyCountsOut.of(s.casualties),
            casualties_change={c.value: n for c, n in s.casualty_change().items()},
            affected=AffectedOut.of(i, s.distance_km),
            units_deployed=[AgencyDeploymentOut.of(d) for d in s.deployed],
            open_tasks=[OpenTaskOut.of(k) for k in s.open_tasks],
            needs=[NeedOut.of(n) for n in s.needs],
        )


class RegionSitrepOut(Schema):
    kind: Literal["region"] = "region"
    region: str
    region_name: str
    since: datetime
    until: datetime
    prepared_at: datetime
    prepared_by: str
    incident_count: int
    casualties: dict[str, int]
    casualties_change: dict[str, int]
    affected_settlement_count: int
    affected_population: int
    affected_settlements: list[SettlementOut]
    units_deployed: list[AgencyDeploymentOut]
    open_tasks: int
    needs: list[NeedOut]
    incidents: list[IncidentSitrepOut]

    @classmethod
    def of(cls, s: sr.RegionSitrep) -> RegionSitrepOut:
        return cls(
            region=s.region,
            region_name=s.region_name,
            since=s.since,
            until=s.until,
            prepared_at=s.prepared_at,
            prepared_by=s.prepared_by,
            incident_count=len(s.incidents),
            casualties={c.value: n for c, n in s.casualties.items()},
            casualties_change={c.value: n for c, n in s.casualty_change.items()},
            affected_settlement_count=len(s.affected),
            affected_population=s.affected_population,
            affected_settlements=[
                SettlementOut(id=x.id, name=x.name, region=x.region, population=x.population)
                for x in s.affected
            ],
            units_deployed=[AgencyDeploymentOut.of(d) for d in s.deployed],
            open_tasks=s.open_tasks,
            needs=[NeedOut.of(n) for n in s.needs],
            incidents=[IncidentSitrepOut.of(i) for i in s.incidents],
        )
