"""Marchwarden's picture as CoT: units, incidents and tasks as the events ATAK draws.

Every item has a stable uid (``mw.unit.12``, ``mw.incident.7``, ``mw.task.3``), so an
update replaces the item on the device. A unit that goes out of service or off duty,
a closed or rejected incident and a finished task are sent once more with a stale time
of now (ATAK greys out and then drops stale items) followed by a ``t-x-d-d`` delete.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from marchwarden.core.tak import cot
from marchwarden.core.tak.symbols import INCIDENT_TYPE, TASK_TYPE, unit_type

#: how long an item stays current on a device without an update
UNIT_STALE = timedelta(hours=12)
INCIDENT_STALE = timedelta(days=2)
TASK_STALE = timedelta(days=1)

GONE_UNIT_STATUSES = frozenset({"out_of_service", "off_duty"})
GONE_INCIDENT_STATES = frozenset({"closed", "rejected"})
GONE_TASK_STATUSES = frozenset({"completed", "cancelled"})


@dataclass(frozen=True, slots=True)
class UnitInfo:
    id: int
    code: str
    name: str
    agency_kind: str
    category: str
    status: str = "available"
    lon: float | None = None
    lat: float | None = None

    @property
    def uid(self) -> str:
        return unit_uid(self.id)


def unit_uid(unit_id: int) -> str:
    return f"mw.unit.{unit_id}"


def incident_uid(incident_id: int) -> str:
    return f"mw.incident.{incident_id}"


def task_uid(task_id: int) -> str:
    return f"mw.task.{task_id}"


def unit_event(unit: UnitInfo, now: datetime, *, gone: bool = False) -> bytes:
    assert unit.lon is not None and unit.lat is not None
    detail = (
        cot.contact(f"{unit.code} {unit.name}")
        + '<__group name="Cyan" role="Team Member"/>'
        + cot.remarks(f"{unit.name} ({unit.code}): {unit.status.replace('_', ' ')}")
        + f'<status readiness="{"false" if gone else "true"}"/>'
    )
    return cot.event_xml(
        uid=unit.uid,
        type=unit_type(unit.agency_kind, unit.category),
        now=now,
        stale=now if gone else now + UNIT_STALE,
        lat=unit.lat,
        lon=unit.lon,
        how="m-g",
        ce=50.0,
        detail=detail,
    )


@dataclass(frozen=True, slots=True)
class IncidentInfo:
    id: int
    name: str
    incident_type: str
    severity: str
    state: str
    lon: float
    lat: float
    radius_km: float = 0.0


def incident_event(incident: IncidentInfo, now: datetime) -> bytes:
    gone = incident.state in GONE_INCIDENT_STATES
    text = (
        f"{incident.name}: {incident.incident_type.replace('_', ' ')}, "
        f"severity {incident.severity}, {incident.state}"
    )
    return cot.event_xml(
        uid=incident_uid(incident.id),
        type=INCIDENT_TYPE,
        now=now,
        stale=now if gone else now + INCIDENT_STALE,
        lat=incident.lat,
        lon=incident.lon,
        how="h-e",
        ce=max(incident.radius_km * 1000.0, 10.0),
        detail=cot.contact(f"INC {incident.id} {incident.name}") + cot.remarks(text),
    )


@dataclass(frozen=True, slots=True)
class TaskInfo:
    id: int
    incident_id: int
    title: str
    priority: str
    lon: float
    lat: float
    status: str = "open"
    unit_id: int | None = None


def task_event(task: TaskInfo, now: datetime) -> bytes:
    gone = task.status in GONE_TASK_STATUSES
    text = f"Task {task.id} ({task.priority}) for incident {task.incident_id}: {task.title}"
    return cot.event_xml(
        uid=task_uid(task.id),
        type=TASK_TYPE,
        now=now,
        stale=now if gone else now + TASK_STALE,
        lat=task.lat,
        lon=task.lon,
        how="h-e",
        detail=cot.contact(f"TASK {task.id} {task.title}") + cot.remarks(f"{text} [{task.status}]"),
    )


def task_chat(
    task: TaskInfo, *, hq_uid: str, hq_callsign: str, to_uid: str, to_callsign: str, now: datetime
) -> bytes:
    """The GeoChat a unit's devices get when the unit is given a task."""
    return cot.geochat(
        message_id=f"task-{task.id}-{task.status}",
        sender_uid=hq_uid,
        sender_callsign=hq_callsign,
        to_uid=to_uid,
        to_callsign=to_callsign,
        text=f"TASK {task.id} ({task.priority}): {task.title} — see marker {task_uid(task.id)}",
        now=now,
        lat=task.lat,
        lon=task.lon,
    )
