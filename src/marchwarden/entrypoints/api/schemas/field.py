"""The field page's API shapes: the inbox, the units one answers for, queued actions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import AwareDatetime, Field

from marchwarden.core.forces.status import UnitStatus
from marchwarden.entrypoints.api.schemas.base import Schema
from marchwarden.entrypoints.api.schemas.forces import UnitBriefOut
from marchwarden.entrypoints.api.schemas.tasks import TaskOut
from marchwarden.entrypoints.api.schemas.types import Id
from marchwarden.services.field import FieldAction, FieldActionKind

if TYPE_CHECKING:
    from marchwarden.services.field import FieldUnit, InboxTask


class FieldTaskOut(TaskOut):
    """A task in the inbox: the task, and what the incident is."""

    incident_type: str
    incident_severity: str
    waiting: bool = Field(description="waiting for the unit to accept or decline")
    tasked_by: str | None = Field(description="who gave the task to the unit")

    @classmethod
    def of_inbox(cls, item: InboxTask) -> FieldTaskOut:
        v = item.view
        return cls(
            **TaskOut.of(v).model_dump(),
            incident_type=v.incident.incident_type.value,
            incident_severity=v.incident.severity.value,
            waiting=v.task.status.value == "assigned",
            tasked_by=item.tasked_by,
        )


class FieldUnitOut(Schema):
    unit: UnitBriefOut
    active_task_id: int | None
    allowed_next: list[UnitStatus]

    @classmethod
    def of(cls, f: FieldUnit) -> FieldUnitOut:
        return cls(
            unit=UnitBriefOut.of(f.unit),
            active_task_id=f.active_task_id,
            allowed_next=list(f.allowed_next),
        )


class ReportTypeOut(Schema):
    value: str
    label: str
    border_specific: bool


class FieldConfigOut(Schema):
    position_interval_seconds: int
    photo_max_bytes: int
    #: the incident types a report may name, the border's own first
    report_types: list[ReportTypeOut]


class FieldActionIn(Schema):
    """One action made on a phone: a task step, a unit status or a unit position."""

    kind: FieldActionKind
    task_id: Id | None = None
    unit_id: Id | None = None
    status: UnitStatus | None = None
    note: str = Field(default="", max_length=2000)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000)
    at: AwareDatetime | None = None

    def action(self) -> FieldAction:
        return FieldAction(**self.model_dump())


class FieldActionOut(Schema):
    kind: FieldActionKind
    replayed: bool
    task: TaskOut | None = None
    unit_id: int | None = None
