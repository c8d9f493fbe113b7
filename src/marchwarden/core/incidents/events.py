"""Typed events of unified command: reports, incidents, tasks.

Who may see each (``read_action`` + ``resource()``, decided by the access policy):

- report events: ``report.read`` in the report's region;
- incident events: ``incident.read`` in the incident's region, or for an agency scope,
  when the agency is the lead or a supporting agency (the unified command);
- task events: ``incident.read`` as for the incident, and also for the tasked unit's
  agency and the unit's subtree (so a unit commander sees the tasks of the unit).

No personal data and no free text (report texts, log entries, reporter names) travel in
events; readers allowed to see them fetch them through the API. What the audit record and
the timeline entry need beyond the payload rides in ``record_only`` fields, which stay out
of the outbox.

Each event knows its audit record (``audit()``; the command names and ``changes`` keys are
those of the audit trail since the first release: a store written then still reads the
same) and its incident-timeline entry (``timeline()``).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from marchwarden.core.access.model import Resource
from marchwarden.core.access.policy import Action
from marchwarden.core.events import AuditFacts, DomainEvent, TimelineFacts, record_only

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

#: report statuses as the audit trail spells them (``ReportStatus`` values)
_PENDING, _ATTACHED, _REJECTED = "pending", "attached", "rejected"

# --------------------------------------------------------------------------- reports


@dataclasses.dataclass(frozen=True, kw_only=True)
class _ReportEvent(DomainEvent):
    read_action = Action.REPORT_READ
    report_id: int
    region: str | None

    def resource(self) -> Resource:
        return Resource("report", region=self.region)

    def _audit(self, command: str, changes: dict[str, Any]) -> AuditFacts:
        return AuditFacts(command, "report", self.report_id, changes)


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
    idempotency_key: str = record_only("")
    request_sha256: str = record_only("")

    def audit(self) -> AuditFacts:
        return self._audit(
            "report.submit",
            {
                "idempotency_key": self.idempotency_key,
                "request_sha256": self.request_sha256,
                "incident_type": self.incident_type,
                "rating": self.rating,
                "region": self.region,
            },
        )


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

    def audit(self) -> AuditFacts:
        return self._audit("report.claim", {"claim_expires_at": self.until.isoformat()})


@dataclasses.dataclass(frozen=True, kw_only=True)
class ReportReleased(_ReportEvent):
    by: str

    def audit(self) -> AuditFacts:
        return self._audit("report.release", {})


@dataclasses.dataclass(frozen=True, kw_only=True)
class ReportAttached(_ReportEvent):
    incident_id: int
    by: str
    opened_incident: bool
    incident_name: str = record_only("")
    incident_type: str = record_only("")
    text: str = record_only("")
    """The timeline's line (attached to an existing incident)."""
    line: Mapping[str, Any] = record_only(factory=dict)
    """What the line says, for a reader in another language (the report's type, rating,
    source and time observed, the officer's note)."""

    def audit(self) -> AuditFacts:
        changes: dict[str, Any] = {"status": [_PENDING, _ATTACHED], "incident_id": self.incident_id}
        if not self.opened_incident:
            return self._audit("report.attach", changes)
        changes |= {"incident_name": self.incident_name, "incident_type": self.incident_type}
        return self._audit("report.open_incident", changes)

    def timeline(self) -> TimelineFacts | None:
        if self.opened_incident:  # the incident's "opened" entry names the report
            return None
        return TimelineFacts(
            self.incident_id,
            "report_attached",
            self.text,
            data={"report_id": self.report_id} | dict(self.line),
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class ReportRejected(_ReportEvent):
    by: str
    reason: str = record_only("")

    def audit(self) -> AuditFacts:
        return self._audit(
            "report.reject", {"status": [_PENDING, _REJECTED], "reason": self.reason}
        )


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

    def _audit(self, command: str, changes: dict[str, Any]) -> AuditFacts:
        return AuditFacts(command, "incident", self.incident_id, changes)

    def _note(self, kind: str, text: str, **data: Any) -> TimelineFacts:
        return TimelineFacts(self.incident_id, kind, text, data=data)


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
    text: str = record_only("")
    settlements: int = record_only(0)
    """How many settlements lie within the radius."""
    command: Mapping[str, Any] = record_only(factory=dict)
    """The unified command in names: {"lead": "Name (CODE)" | None, "supporting": [...]}."""

    def audit(self) -> AuditFacts | None:
        if self.from_report_id is not None:  # rides on the report's "report.open_incident"
            return None
        return self._audit(
            "incident.open",
            {
                "name": self.name,
                "type": self.incident_type,
                "severity": self.severity,
                "region": self.region,
                "lead_agency_id": self.lead_agency_id,
                "supporting_agency_ids": list(self.supporting_agency_ids),
            },
        )

    def timeline(self) -> TimelineFacts:
        facts = {
            "incident_type": self.incident_type,
            "severity": self.severity,
            "place_type": self.place.get("type"),
            "lon": self.lon,
            "lat": self.lat,
            "settlements": self.settlements,
            "people": self.affected_population,
            "radius_km": self.radius_km,
            "command": dict(self.command),
        }
        if self.from_report_id is None:
            return self._note("opened", self.text, **facts)
        return self._note("opened", self.text, report_id=self.from_report_id, **facts)


@dataclasses.dataclass(frozen=True, kw_only=True)
class IncidentUpdated(_IncidentEvent):
    changes: dict[str, object]
    """Each changed field as [before, after]; ``place`` as the new GeoJSON."""
    place: dict[str, object] | None = None
    """When the place changed: the new place (GeoJSON) and its reference point."""
    lon: float | None = None
    lat: float | None = None

    def audit(self) -> AuditFacts:
        return self._audit("incident.update", dict(self.changes))

    def timeline(self) -> TimelineFacts:
        text = "Updated: " + "; ".join(_describe_change(k, v) for k, v in self.changes.items())
        return self._note("updated", text, changes=dict(self.changes))


def _describe_change(key: str, value: Any) -> str:
    if isinstance(value, list) and len(value) == 2:
        return f"{key.replace('_', ' ')} {value[0]} → {value[1]}"
    if key == "place":
        return "place moved"
    return f"{key.replace('_', ' ')} {value}"


@dataclasses.dataclass(frozen=True, kw_only=True)
class IncidentStateChanged(_IncidentEvent):
    state: str
    previous: str
    reason: str = record_only("")

    def audit(self) -> AuditFacts:
        return self._audit(
            "incident.transition",
            {"state": [self.previous, self.state], "reason": self.reason},
        )

    def timeline(self) -> TimelineFacts:
        step = f"{self.previous} → {self.state}" + (f": {self.reason}" if self.reason else "")
        return self._note(
            "state_changed",
            f"State {step}",
            **{"from": self.previous, "to": self.state, "reason": self.reason},
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class UnifiedCommandChanged(_IncidentEvent):
    lead_agency_id: int | None
    supporting_agency_ids: tuple[int, ...]
    previous_lead_agency_id: int | None
    previous_supporting_agency_ids: tuple[int, ...]
    text: str = record_only("")
    command: Mapping[str, Any] = record_only(factory=dict)
    """The command in names, after and before: {"lead", "supporting", "previous_lead",
    "previous_supporting"}."""

    def audit(self) -> AuditFacts:
        return self._audit(
            "incident.command",
            {
                "lead_agency_id": [self.previous_lead_agency_id, self.lead_agency_id],
                "supporting_agency_ids": [
                    list(self.previous_supporting_agency_ids),
                    list(self.supporting_agency_ids),
                ],
            },
        )

    def timeline(self) -> TimelineFacts:
        return self._note(
            "command_changed",
            self.text,
            lead_agency_id=self.lead_agency_id,
            supporting_agency_ids=list(self.supporting_agency_ids),
            previous_lead_agency_id=self.previous_lead_agency_id,
            previous_supporting_agency_ids=list(self.previous_supporting_agency_ids),
            **self.command,
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class CasualtiesRecorded(_IncidentEvent):
    as_of: datetime
    counts: dict[str, int]
    """The counts this update gives (absolute figures, as of ``as_of``)."""
    totals: dict[str, int]
    """Every category's current figure after the update."""
    source: str = record_only("")
    text: str = record_only("")
    reported_totals: Mapping[str, int] = record_only(factory=dict)
    """The current figures of the categories ever reported (what the line says "now")."""

    def audit(self) -> AuditFacts:
        return self._audit(
            "incident.casualties",
            {"as_of": self.as_of.isoformat(), "counts": dict(self.counts), "source": self.source},
        )

    def timeline(self) -> TimelineFacts:
        return self._note(
            "casualties",
            self.text,
            as_of=self.as_of.isoformat(),
            counts=dict(self.counts),
            totals=dict(self.reported_totals),
            source=self.source,
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class IncidentLogged(_IncidentEvent):
    """A log entry was written. The entry is the thing the command stores (its id is in
    the event), so it adds no timeline entry of its own."""

    entry_id: int
    unit_id: int | None

    def audit(self) -> AuditFacts:
        return self._audit("incident.log", {"entry_id": self.entry_id, "unit_id": self.unit_id})


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

    def _task_audit(self, command: str, changes: dict[str, Any]) -> AuditFacts:
        return AuditFacts(command, "task", self.task_id, changes)

    def _task_note(self, kind: str, text: str, **data: Any) -> TimelineFacts:
        return TimelineFacts(
            self.incident_id, kind, text, unit_id=self.unit_id, task_id=self.task_id, data=data
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class TaskCreated(_TaskEvent):
    title: str
    priority: str
    required_powers: tuple[str, ...]
    required_capabilities: tuple[str, ...]
    lon: float
    lat: float
    minimum_readiness: int = record_only(0)

    def audit(self) -> AuditFacts:
        return self._task_audit(
            "task.create",
            {
                "incident_id": self.incident_id,
                "title": self.title,
                "required_powers": list(self.required_powers),
                "required_capabilities": list(self.required_capabilities),
                "minimum_readiness": self.minimum_readiness,
                "priority": self.priority,
            },
        )

    def timeline(self) -> TimelineFacts:
        needs = ", ".join(self.required_powers) or "no particular power"
        return TimelineFacts(
            self.incident_id,
            "task_created",
            f"Task {self.task_id} ({self.priority}): {self.title}; needs {needs}",
            task_id=self.task_id,
            data={
                "required_powers": list(self.required_powers),
                "required_capabilities": list(self.required_capabilities),
                "title": self.title,
                "priority": self.priority,
            },
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class TaskAssigned(_TaskEvent):
    previous: str = record_only("")
    granted_powers: Mapping[str, str] = record_only(factory=dict)
    """Each required power and the law that grants it to the unit."""
    scope: str = record_only("")
    """Why the caller may task this unit (the tasking scope rule's reason)."""
    unit_name: str = record_only("")
    agency_code: str = record_only("")
    note: str = record_only("")
    text: str = record_only("")

    def audit(self) -> AuditFacts:
        return self._task_audit(
            "task.assign",
            {
                "unit_id": self.unit_id,
                "status": [self.previous, "assigned"],
                "granted_powers": dict(self.granted_powers),
                "scope": self.scope,
            },
        )

    def timeline(self) -> TimelineFacts:
        return self._task_note(
            "task_assigned",
            self.text,
            granted_powers=dict(self.granted_powers),
            scope=self.scope,
            unit=self.unit_name,
            agency=self.agency_code,
            note=self.note,
        )


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
    coded_reasons: tuple[Mapping[str, Any], ...] = record_only(())
    """The same reasons with their codes and what they say (``code``, ``params``; for the
    law's: ``power``, ``act``, ``clause``), for a reader in another language."""

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
                "coded_reasons": [dict(r) for r in self.coded_reasons],
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
            data={
                "missing_powers": list(self.missing_powers),
                "reasons": list(self.reasons),
                "unit": self.unit_name,
                "unit_code": self.unit_code,
                "coded_reasons": [dict(r) for r in self.coded_reasons],
            },
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class TaskStatusChanged(_TaskEvent):
    """Accepted, declined (back to open), en route, on scene, completed, cancelled."""

    status: str
    previous: str
    note: str = record_only("")
    text: str = record_only("")
    unit_name: str = record_only("")
    """The unit that took the step (for the timeline's words; "" for a cancel or none)."""
    unit_status: str = record_only("")
    """With ``by_unit_status``: the status the unit was set to."""
    by_unit_status: bool = record_only(False)
    """True: the step followed the unit's status set by hand (``coupling.py``); the
    unit's ``unit.status`` record names it, so it has no audit record of its own."""

    @property
    def declined(self) -> bool:
        return self.previous == "assigned" and self.status == "open"

    def audit(self) -> AuditFacts | None:
        if self.by_unit_status:
            return None
        return self._task_audit(
            "task.decline" if self.declined else f"task.{self.status}",
            {"status": [self.previous, self.status], "unit_id": self.unit_id, "note": self.note},
        )

    def timeline(self) -> TimelineFacts:
        data = {"from": self.previous, "to": self.status, "unit": self.unit_name, "note": self.note}
        if self.by_unit_status:
            data |= {"by": "unit status", "unit_status": self.unit_status}
        return self._task_note("task_status", self.text, **data)
