"""Incidents: open, read, update, lifecycle, unified command, casualties, timeline.

Every command is one transaction: authorise through the policy, change rows, append to
the incident's timeline, ``uow.record`` the audit record and typed events, commit.

Access: commands on an incident (``incident.write``, ``incident.log``, tasking) are
decided on the incident's resource — its region and its unified command (lead and
supporting agencies). Reading also counts the units tasked to it: a unit commander or
agency liaison whose unit has (or had) a task on an incident may read that incident.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from marchwarden import geodata
from marchwarden.core.access.model import Principal, Resource
from marchwarden.core.access.policy import Action, allowed_actions, decide
from marchwarden.core.errors import Forbidden, Invalid, NotFound
from marchwarden.core.incidents.casualties import (
    CasualtyCategory,
    CasualtyRecord,
    CasualtyTotals,
    CasualtyUpdate,
)
from marchwarden.core.incidents.decisions import (
    IncidentChanges as IncidentChanges,  # the API imports it from here
)
from marchwarden.core.incidents.decisions import (
    Located,
    casualties_recorded,
    check_casualty_time,
    check_command,
    command_agencies,
    decide_command,
    decide_opening,
    decide_transition,
    decide_update,
    logged,
    opened,
)
from marchwarden.core.incidents.model import IncidentState, Severity
from marchwarden.core.incidents.records import (
    AffectedSettlement,
    AgencyRef,
    Incident,
    Task,
    TimelineEntry,
    TimelineKind,
    UnitRef,
)
from marchwarden.services.context import Services, authorise
from marchwarden.services.ports import NewIncidentRow

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import datetime

    from marchwarden.core.events import DomainEvent
    from marchwarden.core.geo.model import Settlement
    from marchwarden.core.incidents.place import IncidentPlace
    from marchwarden.core.incidents.records import Report
    from marchwarden.core.incidents.taxonomy import IncidentType
    from marchwarden.services.ports import UnitOfWork

OPEN_STATES: frozenset[IncidentState] = frozenset(s for s in IncidentState if s.is_open)


@dataclass(frozen=True, slots=True)
class IncidentSpec:
    """What opening an incident needs. ``place`` None: the report's point."""

    name: str
    incident_type: IncidentType | None = None
    severity: Severity = Severity.UNKNOWN
    place: IncidentPlace | None = None
    radius_km: float | None = None
    description: str = ""
    lead_agency_id: int | None = None
    supporting_agency_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class IncidentView:
    incident: Incident
    agencies: Mapping[int, AgencyRef]
    casualties: CasualtyTotals
    report_count: int
    tasks: tuple[Task, ...]
    units: Mapping[int, UnitRef] = field(default_factory=dict)
    distance_km: Mapping[int, float] = field(default_factory=dict)
    """Affected settlement id -> its distance from the place (0 inside a polygon)."""


@dataclass(frozen=True, slots=True)
class CasualtyHistory:
    incident: Incident
    updates: tuple[tuple[CasualtyUpdate, str, datetime], ...]
    totals: CasualtyTotals


# --------------------------------------------------------------------------- helpers


def get_incident_row(uow: UnitOfWork, incident_id: int, *, for_update: bool = False) -> Incident:
    incident = uow.incidents.get(incident_id, for_update=for_update)
    if incident is None:
        raise NotFound.with_id("incident", incident_id)
    return incident


def read_resource(uow: UnitOfWork, incident: Incident) -> Resource:
    """The incident's resource plus the units tasked to it (for reading and logging)."""
    unit_ids = {k.unit_id for k in uow.tasks.find(incident_ids=[incident.id]) if k.unit_id}
    units = uow.tasks.units(unit_ids)
    return Resource(
        "incident",
        region=incident.region,
        agencies=incident.command_agencies | {u.agency_id for u in units},
        unit_paths=frozenset(u.path for u in units),
    )


@functools.cache
def home_settlements() -> tuple[Settlement, ...]:
    """The settlements of the HQ's own state (that of the border regions): the people it
    protects. Settlements across the border are not counted as affected."""
    countries = {r.country for r in geodata.border_regions()}
    every = geodata.settlements()
    return tuple(s for s in every if s.country in countries) if countries else every


@functools.cache
def _home_settlements_by_id() -> dict[int, Settlement]:
    return {s.id: s for s in home_settlements()}


def affected_distances(incident: Incident) -> dict[int, float]:
    """Each affected settlement's distance from the incident's place, in km (3 decimals)."""
    known = _home_settlements_by_id()
    found = [known[s.id] for s in incident.affected if s.id in known]
    if not found:
        return {}
    km = incident.place.distances_km(found)
    return {s.id: round(float(d), 3) for s, d in zip(found, km, strict=True)}


def affected_settlements(place: IncidentPlace, radius_km: float) -> tuple[AffectedSettlement, ...]:
    area = place.affected(home_settlements(), radius_km)
    return tuple(
        AffectedSettlement(s.id, s.name, s.region, s.population)
        for s in sorted(area.settlements, key=lambda s: (-s.population, s.name, s.id))
    )


def locate(place: IncidentPlace, radius_km: float) -> Located:
    """Where a place lies: its region and the home settlements within the radius."""
    return Located(geodata.region_code_at(*place.reference), affected_settlements(place, radius_km))


def _actor(actor: Principal | None) -> str:
    return actor.username if actor else "system"


def open_incident(
    uow: UnitOfWork,
    actor: Principal | None,
    spec: IncidentSpec,
    *,
    at: datetime,
    default_radius_km: float,
    from_report: Report | None = None,
) -> tuple[Incident, list[DomainEvent]]:
    """Create an incident inside an open unit of work; the caller records the events."""
    radius = default_radius_km if spec.radius_km is None else spec.radius_km
    opening = decide_opening(spec.name, spec.incident_type, spec.place, radius, from_report)
    lead = spec.lead_agency_id
    known = uow.incidents.agencies(command_agencies(lead, spec.supporting_agency_ids))
    support = check_command(lead, spec.supporting_agency_ids, known)
    where = locate(opening.place, radius)
    if actor is not None:
        resource = Resource(
            "incident", region=where.region, agencies=frozenset(command_agencies(lead, support))
        )
        authorise(actor, Action.INCIDENT_WRITE, resource)
    new = NewIncidentRow.of(opening, spec, where, support, from_report)
    incident = get_incident_row(uow, uow.incidents.add(new, created_by=_actor(actor), at=at))
    agencies = uow.incidents.agencies(incident.command_agencies)
    return incident, [opened(incident, agencies, from_report)]


def incident_view(uow: UnitOfWork, incident: Incident) -> IncidentView:
    tasks = tuple(uow.tasks.find(incident_ids=[incident.id]))
    units = {u.id: u for u in uow.tasks.units(k.unit_id for k in tasks if k.unit_id)}
    record = CasualtyRecord.of(u for u, _, _ in uow.incidents.casualties(incident.id))
    return IncidentView(
        incident=incident,
        agencies=uow.incidents.agencies(incident.command_agencies),
        casualties=record.totals(),
        report_count=uow.reports.count_by_incident(incident.id),
        tasks=tasks,
        units=units,
        distance_km=affected_distances(incident),
    )


# --------------------------------------------------------------------------- commands


def create_incident(svc: Services, actor: Principal, spec: IncidentSpec) -> IncidentView:
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        incident, events = open_incident(
            uow, actor, spec, at=now, default_radius_km=svc.settings.incident_default_radius_km
        )
        uow.record(actor, events, at=now)
        view = incident_view(uow, incident)
        uow.commit()
    return view


def get_incident(svc: Services, actor: Principal, incident_id: int) -> IncidentView:
    with svc.db.unit_of_work(write=False) as uow:
        incident = get_incident_row(uow, incident_id)
        authorise(actor, Action.INCIDENT_READ, read_resource(uow, incident))
        return incident_view(uow, incident)


def list_incidents(
    svc: Services,
    actor: Principal,
    *,
    states: Iterable[IncidentState] | None = None,
    region: str | None = None,
    after_id: int | None = None,
    limit: int = 100,
) -> list[Incident]:
    """Incidents the caller may read, in id order (paged by ``after_id``)."""
    if Action.INCIDENT_READ not in allowed_actions(actor):
        # a caller without the right at all gets a 403, not an empty page
        raise Forbidden.said(
            "access.role_may",
            "role {role} may not {action}",
            role=actor.role,
            action=Action.INCIDENT_READ.value,
        )
    wanted = frozenset(states) if states is not None else None
    regions: set[str] | None = {region} if region else None
    scope = actor.scope
    if scope.regions:
        regions = set(scope.regions) if regions is None else regions & set(scope.regions)
    out: list[Incident] = []
    cursor = after_id
    with svc.db.unit_of_work(write=False) as uow:
        while len(out) < limit:
            batch = uow.incidents.find(
                states=wanted, regions=regions, after_id=cursor, limit=max(limit, 200)
            )
            if not batch:
                break
            for incident in batch:
                if (
                    decide(actor, Action.INCIDENT_READ, incident.resource()).allowed
                    or decide(actor, Action.INCIDENT_READ, read_resource(uow, incident)).allowed
                ):
                    out.append(incident)
                    if len(out) == limit:
                        break
            cursor = batch[-1].id
    return out


def update_incident(
    svc: Services, actor: Principal, incident_id: int, changes: IncidentChanges
) -> IncidentView:
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        incident = get_incident_row(uow, incident_id, for_update=True)
        authorise(actor, Action.INCIDENT_WRITE, incident.resource())
        where = None
        if changes.moves(incident):
            radius = incident.radius_km if changes.radius_km is None else changes.radius_km
            where = locate(changes.place or incident.place, radius)
        values, event = decide_update(incident, changes, where)
        if event is None:
            return incident_view(uow, incident)
        if "region" in values:  # moving it into another region needs the right there too
            authorise(actor, Action.INCIDENT_WRITE, event.resource())
        uow.incidents.update(incident_id, values, at=now)
        uow.record(actor, [event], at=now)
        view = incident_view(uow, get_incident_row(uow, incident_id))
        uow.commit()
    return view


def change_state(
    svc: Services, actor: Principal, incident_id: int, to: IncidentState, reason: str = ""
) -> IncidentView:
    """One lifecycle step (``core/incidents/lifecycle.py``); illegal steps are refused, and
    so is closing with unfinished tasks (``core/incidents/decisions.py: check_may_end``)."""
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        incident = get_incident_row(uow, incident_id, for_update=True)
        authorise(actor, Action.INCIDENT_WRITE, incident.resource())
        tasks = uow.tasks.find(incident_ids=[incident_id])
        unfinished = [k.id for k in tasks if not k.status.is_terminal]
        event = decide_transition(
            incident, to, at=now, reason=reason, unfinished_task_ids=unfinished
        )
        uow.incidents.update(incident_id, {"state": to, "state_since": now}, at=now)
        uow.record(actor, [event], at=now)
        view = incident_view(uow, get_incident_row(uow, incident_id))
        uow.commit()
    return view


def set_command(
    svc: Services,
    actor: Principal,
    incident_id: int,
    *,
    lead_agency_id: int | None,
    supporting_agency_ids: Iterable[int],
) -> IncidentView:
    """Name the lead agency and the supporting agencies (replacing the previous ones)."""
    now = svc.clock.now()
    support = tuple(supporting_agency_ids)
    with svc.db.unit_of_work() as uow:
        incident = get_incident_row(uow, incident_id, for_update=True)
        authorise(actor, Action.INCIDENT_WRITE, incident.resource())
        wanted = command_agencies(lead_agency_id, support) | incident.command_agencies
        event = decide_command(incident, lead_agency_id, support, uow.incidents.agencies(wanted))
        if event is None:
            return incident_view(uow, incident)
        uow.incidents.update(incident_id, {"lead_agency_id": lead_agency_id}, at=now)
        uow.incidents.set_supporting(incident_id, event.supporting_agency_ids)
        uow.record(actor, [event], at=now)
        view = incident_view(uow, get_incident_row(uow, incident_id))
        uow.commit()
    return view


def record_casualties(
    svc: Services,
    actor: Principal,
    incident_id: int,
    counts: Mapping[str, int],
    *,
    at: datetime | None = None,
    source: str = "",
    note: str = "",
) -> CasualtyHistory:
    """Append an update of absolute counts as of ``at`` (``core/incidents/casualties.py``)."""
    now = svc.clock.now()
    as_of = check_casualty_time(at or now, now)
    update = CasualtyUpdate(
        at=as_of,
        # the core checks every key and value and names the bad one
        counts=cast("Mapping[CasualtyCategory, int]", dict(counts)),
        source=source.strip(),
        note=note.strip(),
    )
    with svc.db.unit_of_work() as uow:
        incident = get_incident_row(uow, incident_id, for_update=True)
        authorise(actor, Action.INCIDENT_WRITE, incident.resource())
        uow.incidents.add_casualties(
            incident_id, update, recorded_by=actor.username, recorded_at=now
        )
        history = tuple(uow.incidents.casualties(incident_id))
        totals = CasualtyRecord.of(u for u, _, _ in history).totals()
        uow.record(actor, [casualties_recorded(incident, update, totals)], at=now)
        uow.commit()
    return CasualtyHistory(incident, history, totals)


def casualty_history(svc: Services, actor: Principal, incident_id: int) -> CasualtyHistory:
    with svc.db.unit_of_work(write=False) as uow:
        incident = get_incident_row(uow, incident_id)
        authorise(actor, Action.INCIDENT_READ, read_resource(uow, incident))
        history = tuple(uow.incidents.casualties(incident_id))
    return CasualtyHistory(incident, history, CasualtyRecord.of(u for u, _, _ in history).totals())


def add_log_entry(
    svc: Services, actor: Principal, incident_id: int, text: str, *, unit_id: int | None = None
) -> TimelineEntry:
    """A free-text entry in the incident's activity log, optionally about one unit. The
    entry is what this command stores; its event (``IncidentLogged``) names it."""
    text = text.strip()
    if not text:
        raise Invalid("a log entry needs text", message="incident.log_needs_text")
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        incident = get_incident_row(uow, incident_id, for_update=True)
        authorise(actor, Action.INCIDENT_LOG, read_resource(uow, incident))
        unit = None if unit_id is None else uow.tasks.unit(unit_id)
        if unit_id is not None and unit is None:
            raise Invalid.said("incident.no_unit_id", "no unit with id {unit_id}", unit_id=unit_id)
        entry_id = uow.incidents.add_timeline(
            incident_id,
            at=now,
            kind=TimelineKind.LOG,
            actor_name=actor.username,
            text=text,
            unit_id=unit_id,
            data={"note": text} | ({"unit": unit.name} if unit is not None else {}),
        )
        uow.record(actor, [logged(incident, entry_id, unit_id)], at=now)
        (entry,) = uow.incidents.timeline(incident_id=incident_id, after_id=entry_id - 1, limit=1)
        uow.commit()
    return entry


def timeline(
    svc: Services,
    actor: Principal,
    incident_id: int,
    *,
    unit_id: int | None = None,
    after_id: int | None = None,
    limit: int = 1000,
) -> list[TimelineEntry]:
    with svc.db.unit_of_work(write=False) as uow:
        incident = get_incident_row(uow, incident_id)
        authorise(actor, Action.INCIDENT_READ, read_resource(uow, incident))
        return uow.incidents.timeline(
            incident_id=incident_id, unit_id=unit_id, after_id=after_id, limit=limit
        )


@dataclass(frozen=True, slots=True)
class ActivityLog:
    """An ICS 214-style activity log of one unit: its timeline entries across incidents."""

    unit: UnitRef
    since: datetime | None
    until: datetime | None
    entries: tuple[TimelineEntry, ...]
    incidents: Mapping[int, str]


def activity_log(
    svc: Services,
    actor: Principal,
    unit_id: int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> ActivityLog:
    with svc.db.unit_of_work(write=False) as uow:
        unit = uow.tasks.unit(unit_id)
        if unit is None:
            raise NotFound.with_id("unit", unit_id)
        authorise(actor, Action.INCIDENT_READ, unit.resource())
        entries = uow.incidents.timeline(unit_id=unit_id, since=since, until=until, limit=None)
        names = {
            i: inc.name
            for i in {e.incident_id for e in entries}
            if (inc := uow.incidents.get(i)) is not None
        }
    return ActivityLog(unit, since, until, tuple(entries), names)
