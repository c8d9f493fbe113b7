"""Typed events of unified command: reports, incidents, tasks.

Who may see each (``read_action`` + ``resource()``, decided by the access policy):

- report events: ``report.read`` in the report's region;
- incident events: ``incident.read`` in the incident's region, or for an agency scope,
  when the agency is the lead or a supporting agency (the unified command);
- task events: ``incident.read`` as for the incident, and also for the tasked unit's
  agency and the unit's subtree (so a unit commander sees the tasks of the unit).

No personal data and no free text (report texts, log entries, reporter names) travel in
events; readers allowed to see them fetch them through the API.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from marchwarden.core.access.model import Resource
from marchwarden.core.access.policy import Action
from marchwarden.core.events import AuditFacts, DomainEvent, TimelineFacts

if TYPE_CHECKING:
    from datetime import datetime

# --------------------------------------------------------------------------- reports


@dataclasses.dataclass(frozen=True, kw_only=True)
class _ReportEvent(DomainEvent):
    read_action = Action.REPORT_READ
    report_id: int
    region: str | None

    def resource(self) -> Resource:
        return Resource("report", region=self.region)


@dataclasses.dataclass(frozen=True, kw_only=True)
class ReportSubmitted(_ReportEvent):
    incident_type: str
    source_kind: str
    rating: str
    observed_at: datetime
    lon: float
    lat: float
    uncertainty_m: float
    suggested_incidents: tuple[int, ...]
    likely_duplicate_of: tuple[int, ...]


@dataclasses.dataclass(frozen=True, kw_only=True)
class ReportClaimed(_ReportEvent):
    by: str
    until: datetime


@dataclasses.dataclass(frozen=True, kw_only=True)
class ReportReleased(_ReportEvent):
    by: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class ReportAttached(_ReportEvent):
    incident_id: int
    by: str
    opened_incident: bool


@dataclasses.dataclass(frozen=True, kw_only=True)
class ReportRejected(_ReportEvent):
    by: str


# --------------------------------------------------------------------------- incidents


@dataclasses.dataclass(frozen=True, kw_only=True)
class _IncidentEvent(DomainEvent):
    read_action = Action.INCIDENT_READ
    incident_id: int
    region: str | None
    agencies: tuple[int, ...]
    """The unified command (lead and supporting agencies) after the change."""

    def resource(self) -> Resource:
        return Resource("incident", region=self.region, agencies=frozenset(self.agencies))


@dataclasses.dataclass(frozen=True, kw_only=True)
class IncidentOpened(_IncidentEvent):
    name: str
    incident_type: str
    severity: str
    state: str
    lon: float
    lat: float
    """The reference point (the point itself, or a point inside the polygon)."""
    place: dict[str, object]
    """The place as GeoJSON (a Point or a Polygon)."""
    radius_km: float
    affected_population: int
    lead_agency_id: int | None
    supporting_agency_ids: tuple[int, ...]
    from_report_id: int | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class IncidentUpdated(_IncidentEvent):
    changes: dict[str, object]
    """Each changed field as [before, after]; ``place`` as the new GeoJSON."""
    place: dict[str, object] | None = None
    """When the place changed: the new place (GeoJSON) and its reference point."""
    lon: float | None = None
    lat: float | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class IncidentStateChanged(_IncidentEvent):
    state: str
    previous: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class UnifiedCommandChanged(_IncidentEvent):
    lead_agency_id: int | None
    supporting_agency_ids: tuple[int, ...]
    previous_lead_agency_id: int | None
    previous_supporting_agency_ids: tuple[int, ...]


@dataclasses.dataclass(frozen=True, kw_only=True)
class CasualtiesRecorded(_IncidentEvent):
    as_of: datetime
    counts: dict[str, int]
    """The counts this update gives (absolute figures, as of ``as_of``)."""
    totals: dict[str, int]
    """Every category's current figure after the update."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class IncidentLogged(_IncidentEvent):
    entry_id: int
    unit_id: int | None


# --------------------------------------------------------------------------- tasks


@dataclasses.dataclass(frozen=True, kw_only=True)
class _TaskEvent(_IncidentEvent):
    task_id: int
    unit_id: int | None
    unit_agency_id: int | None
    unit_path: str | None

    def resource(self) -> Resource:
        agencies = set(self.agencies)
        if self.unit_agency_id is not None:
            agencies.add(self.unit_agency_id)
        return Resource(
            "task",
            region=self.region,
            agencies=frozenset(agencies),
            unit_paths=frozenset({self.unit_path}) if self.unit_path else frozenset(),
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class TaskCreated(_TaskEvent):
    title: str
    priority: str
    required_powers: tuple[str, ...]
    required_capabilities: tuple[str, ...]
    lon: float
    lat: float


@dataclasses.dataclass(frozen=True, kw_only=True)
class TaskAssigned(_TaskEvent):
    pass


@dataclasses.dataclass(frozen=True, kw_only=True)
class TaskAssignmentRefused(_TaskEvent):
    """An officer tried to give a task to a unit the law does not allow it for ("Assign
    anyway"): the refusal stays on the incident's timeline and in the audit trail — who
    (the actor), which unit, which powers were missing, and the law's reasons."""

    unit_code: str
    unit_name: str
    missing_powers: tuple[str, ...]
    """The codes of the powers the unit does not hold."""
    reasons: tuple[str, ...]
    """Why, in words: each failed requirement, then the law's reasons for each missing power."""

    def audit(self) -> AuditFacts:
        return AuditFacts(
            command="task.assign.refused",
            target_type="task",
            target_id=self.task_id,
            changes={
                "unit_id": self.unit_id,
                "unit_code": self.unit_code,
                "missing_powers": list(self.missing_powers),
                "reasons": list(self.reasons),
            },
        )

    def timeline(self) -> TimelineFacts:
        return TimelineFacts(
            incident_id=self.incident_id,
            kind="task_refused",
            text=(
                f"Assignment of task {self.task_id} to {self.unit_name} ({self.unit_code}) "
                f"refused: {'; '.join(self.reasons)}"
            ),
            unit_id=self.unit_id,
            task_id=self.task_id,
            data={"missing_powers": list(self.missing_powers), "reasons": list(self.reasons)},
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class TaskStatusChanged(_TaskEvent):
    """Accepted, declined (back to open), en route, on scene, completed, cancelled."""

    status: str
    previous: str
