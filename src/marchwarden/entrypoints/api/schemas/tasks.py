"""API schemas of tasks: creation, assignment, status, unit recommendations."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, Field

from marchwarden.core.authority.evaluation import Reason
from marchwarden.core.authority.model import power_label
from marchwarden.core.dispatch.tasking import (
    TaskPriority,
    TaskStatus,
    allowed_task_transitions,
)
from marchwarden.core.forces.status import UnitStatus
from marchwarden.entrypoints.api.schemas.base import Name, Note, Schema, Text
from marchwarden.entrypoints.api.schemas.forces import UnitBriefOut
from marchwarden.entrypoints.api.schemas.law import ReasonOut as LawReason
from marchwarden.entrypoints.api.schemas.places import PointIn, PointOut
from marchwarden.entrypoints.api.schemas.types import Id
from marchwarden.services.tasks import RecommendationView, TaskView


class TaskBriefOut(Schema):
    id: int
    title: str
    status: TaskStatus
    priority: TaskPriority
    allowed_next: list[TaskStatus]
    unit_id: int | None
    unit_name: str | None
    unit_status: UnitStatus | None


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


class LawReasonOut(LawReason):
    """One of the law's reasons for a missing power, as ``GET /units/{id}/authority`` gives
    it (codes: ``core/authority/evaluation.py``'s ``ReasonCode``), with the power."""

    power: str

    @classmethod
    def for_power(cls, reason: Reason, power: str) -> LawReasonOut:
        return cls(power=power, **LawReason.of(reason).model_dump())


class ReasonOut(Schema):
    code: str
    message: str
    subject: str | None
    detail: str | None
    #: what ``message`` says, for a reader in another language (status; power; capability;
    #: readiness, minimum)
    params: dict[str, str] = Field(default_factory=dict)
    #: for a missing power: the law's reasons (``detail``) with their codes and params
    coded_reasons: list[LawReasonOut] = Field(default_factory=list)


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
    max_eta_minutes: float | None = Field(
        default=None, description="eligible units over this ETA are left out (the setting)"
    )
    beyond_eta_count: int = Field(default=0, description="eligible units left out by the ETA")

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
                            code=x.code.value,
                            message=x.message,
                            subject=x.subject,
                            detail=x.detail,
                            params=dict(x.params),
                            coded_reasons=[
                                LawReasonOut.for_power(r, x.subject or "") for r in x.law
                            ],
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
            max_eta_minutes=r.max_eta_minutes,
            beyond_eta_count=r.beyond_eta_count,
        )
