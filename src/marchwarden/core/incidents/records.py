"""The records of unified command as the services see them: reports, incidents, tasks,
timeline entries, and the units and agencies they refer to.

Plain frozen dataclasses; the store (``adapters/db/*_repo.py``) builds them from
rows and the API (``entrypoints/api/schemas/``) turns them into JSON. Access decisions look at
``resource()``: a report by its region; an incident by its region and its unified
command (lead and supporting agencies); a unit by its region, agency and subtree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from marchwarden.core.access.model import Resource
from marchwarden.core.incidents.correlation import IncidentSummary, ReportSummary

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from marchwarden.core.dispatch.model import TaskRequirements
    from marchwarden.core.dispatch.tasking import TaskPriority, TaskStatus
    from marchwarden.core.forces.status import UnitStatus
    from marchwarden.core.incidents.model import (
        AdmiraltyRating,
        IncidentState,
        LonLat,
        ReportSourceKind,
        Severity,
    )
    from marchwarden.core.incidents.place import IncidentPlace
    from marchwarden.core.incidents.taxonomy import IncidentType


class ReportStatus(StrEnum):
    """``pending`` until a duty officer decides: attached to an incident, or rejected."""

    PENDING = "pending"
    ATTACHED = "attached"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Report:
    id: int
    source_kind: ReportSourceKind
    observed_at: datetime
    received_at: datetime
    position: LonLat
    uncertainty_m: float
    incident_type: IncidentType
    text: str
    rating: AdmiraltyRating
    reporter: str
    submitted_by: str
    region: str | None
    status: ReportStatus
    incident_id: int | None
    claimed_by_id: int | None
    claimed_by: str | None
    claim_expires_at: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str
    correlation: Mapping[str, Any] = field(default_factory=dict)

    def claim_active(self, now: datetime) -> bool:
        return (
            self.claimed_by_id is not None
            and self.claim_expires_at is not None
            and self.claim_expires_at > now
        )

    def summary(self) -> ReportSummary:
        return ReportSummary(
            report_id=self.id,
            incident_type=self.incident_type,
            position=self.position,
            observed_at=self.observed_at,
            text=self.text,
            incident_id=self.incident_id,
        )

    def resource(self) -> Resource:
        return Resource("report", region=self.region)


@dataclass(frozen=True, slots=True)
class AffectedSettlement:
    id: int
    name: str
    region: str
    population: int


@dataclass(frozen=True, slots=True)
class Incident:
    id: int
    name: str
    description: str
    incident_type: IncidentType
    severity: Severity
    state: IncidentState
    state_since: datetime
    region: str | None
    place: IncidentPlace
    radius_km: float
    affected: tuple[AffectedSettlement, ...]
    affected_population: int
    lead_agency_id: int | None
    supporting_agency_ids: tuple[int, ...]
    first_report_at: datetime | None
    last_report_at: datetime | None
    opened_from_report_id: int | None
    created_by: str
    created_at: datetime
    updated_at: datetime

    @property
    def command_agencies(self) -> frozenset[int]:
        """The unified command: the lead and every supporting agency."""
        lead = {self.lead_agency_id} if self.lead_agency_id is not None else set()
        return frozenset(lead | set(self.supporting_agency_ids))

    def resource(self) -> Resource:
        """What access to the incident (and commands on it) is decided on."""
        return Resource("incident", region=self.region, agencies=self.command_agencies)

    def summary(self, report_positions: tuple[LonLat, ...] = ()) -> IncidentSummary:
        return incident_summary(
            incident_id=self.id,
            name=self.name,
            incident_type=self.incident_type,
            state=self.state,
            position=self.place.reference,
            first_report_at=self.first_report_at,
            last_report_at=self.last_report_at,
            created_at=self.created_at,
            report_positions=report_positions,
        )


def incident_summary(
    *,
    incident_id: int,
    name: str,
    incident_type: IncidentType,
    state: IncidentState,
    position: LonLat,
    first_report_at: datetime | None,
    last_report_at: datetime | None,
    created_at: datetime,
    report_positions: tuple[LonLat, ...] = (),
) -> IncidentSummary:
    """An incident as correlation sees it (``Incident.summary``; also built by the store
    from the few columns it needs, without the whole ``Incident``): an incident without
    reports yet has its reporting period start at its creation."""
    first = first_report_at or created_at
    last = last_report_at or first
    return IncidentSummary(
        incident_id=incident_id,
        name=name,
        incident_type=incident_type,
        state=state,
        position=position,
        first_report_at=first,
        last_report_at=max(first, last),
        report_positions=report_positions,
    )


@dataclass(frozen=True, slots=True)
class Task:
    id: int
    incident_id: int
    title: str
    description: str
    requirements: TaskRequirements
    position: LonLat
    priority: TaskPriority
    needed_by: datetime | None
    status: TaskStatus
    status_since: datetime
    unit_id: int | None
    assigned_at: datetime | None
    ended_at: datetime | None
    created_by: str
    created_at: datetime


class TimelineKind(StrEnum):
    OPENED = "opened"
    UPDATED = "updated"
    STATE_CHANGED = "state_changed"
    COMMAND_CHANGED = "command_changed"
    REPORT_ATTACHED = "report_attached"
    CASUALTIES = "casualties"
    LOG = "log"
    TASK_CREATED = "task_created"
    TASK_ASSIGNED = "task_assigned"
    TASK_STATUS = "task_status"
    ALERT = "alert"
    TASK_REFUSED = "task_refused"


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    id: int
    incident_id: int
    at: datetime
    kind: TimelineKind
    actor_name: str
    unit_id: int | None
    task_id: int | None
    text: str
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AgencyRef:
    id: int
    code: str
    name: str
    kind: str
    region: str | None


@dataclass(frozen=True, slots=True)
class UnitRef:
    """A unit as tasking sees it (read from the forces registry's tables)."""

    id: int
    code: str
    name: str
    agency_id: int
    agency_code: str
    agency_name: str
    agency_kind: str
    path: str
    category: str
    region: str
    status: UnitStatus
    readiness: int
    capabilities: frozenset[str]
    home: LonLat
    position: LonLat | None

    def resource(self) -> Resource:
        return Resource(
            "unit",
            region=self.region,
            agencies=frozenset({self.agency_id}),
            unit_paths=frozenset({self.path}),
        )
