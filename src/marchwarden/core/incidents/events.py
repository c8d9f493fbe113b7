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
from marchwarden.core.events import AuditFacts, DomainEvent

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
class ReportPhotoAdded(_ReportEvent):
    """A photo was attached to a report (metadata stripped; see core/incidents/photos.py)."""

    photo_id: int
    sha256: str
    content_type: str
    size_bytes: int
    position_kept: bool

    def audit(self) -> AuditFacts:
        return AuditFacts(
            command="report.photo",
            target_type="report",
            target_id=self.report_id,
            changes={
                "photo_id": self.photo_id,
                "sha256": self.sha256,
                "content_type": self.content_type,
                "size_bytes": self.size_bytes,
                "position_kept": self.position_kept,
            },
        )


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
class TaskStatusChanged(_TaskEvent):
    """Accepted, declined (back to open), en route, on scene, completed, cancelled."""

    status: str
    previous: str
