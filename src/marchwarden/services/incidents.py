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
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from marchwarden import geodata
from marchwarden.adapters.db.command_repo import NewIncidentRow
from marchwarden.core.access.model import Principal, Resource
from marchwarden.core.access.policy import Action, allowed_actions, decide
from marchwarden.core.errors import Conflict, Forbidden, Invalid, NotFound
from marchwarden.core.incidents import lifecycle
from marchwarden.core.incidents.casualties import (
    CasualtyCategory,
    CasualtyRecord,
    CasualtyTotals,
    CasualtyUpdate,
)
from marchwarden.core.incidents.events import (
    CasualtiesRecorded,
    IncidentLogged,
    IncidentOpened,
    IncidentStateChanged,
    IncidentUpdated,
    UnifiedCommandChanged,
)
from marchwarden.core.incidents.model import IncidentState, Severity
from marchwarden.core.incidents.place import IncidentPlace
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

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from marchwarden.adapters.db.uow import SqlUnitOfWork
    from marchwarden.core.geo.model import Settlement
    from marchwarden.core.incidents.records import Report
    from marchwarden.core.incidents.taxonomy import IncidentType

OPEN_STATES: frozenset[IncidentState] = frozenset(s for s in IncidentState if s.is_open)
#: casualty figures may be dated a little in the future (clock skew of field devices)
CASUALTY_CLOCK_SKEW = timedelta(minutes=5)


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


def event_base(incident: Incident) -> dict[str, Any]:
    """The fields every incident event carries (who may see it)."""
    return {
        "incident_id": incident.id,
        "region": incident.region,
        "agencies": tuple(sorted(incident.command_agencies)),
    }


def place_fields(place: IncidentPlace) -> dict[str, Any]:
    """What an incident event says of a place: GeoJSON, and the reference point."""
    return {"place": place.to_geojson(), "lon": place.reference[0], "lat": place.reference[1]}


def get_incident_row(uow: SqlUnitOfWork, incident_id: int, *, for_update: bool = False) -> Incident:
    incident = uow.incidents.get(incident_id, for_update=for_update)
    if incident is None:
        raise NotFound(f"no incident with id {incident_id}")
    return incident


def read_resource(uow: SqlUnitOfWork, incident: Incident) -> Resource:
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


def check_agencies(
    uow: SqlUnitOfWork, lead: int | None, supporting: Iterable[int]
) -> tuple[int, ...]:
    support = tuple(sorted(set(supporting)))
    if lead is not None and lead in support:
        raise Invalid(f"agency {lead} cannot be both the lead and a supporting agency")
    wanted = set(support) | ({lead} if lead is not None else set())
    known = uow.incidents.agencies(wanted)
    missing = sorted(wanted - set(known))
    if missing:
        raise Invalid("no agency with id " + ", ".join(str(m) for m in missing))
    return support


def _command_text(
    agencies: Mapping[int, AgencyRef], lead: int | None, support: Sequence[int]
) -> str:
    def name(i: int) -> str:
        a = agencies.get(i)
        return f"{a.name} ({a.code})" if a else f"agency {i}"

    lead_text = name(lead) if lead is not None else "none"
    support_text = ", ".join(name(i) for i in support) or "none"
    return f"lead {lead_text}; supporting {support_text}"


def _actor(actor: Principal | None) -> str:
    return actor.username if actor else "system"


def open_incident(
    uow: SqlUnitOfWork,
    actor: Principal | None,
    spec: IncidentSpec,
    *,
    at: datetime,
    default_radius_km: float,
    from_report: Report | None = None,
) -> tuple[Incident, list[Any]]:
    """Create an incident inside an open unit of work (authorised by the caller).

    Returns the incident and the events to record.
    """
    name = spec.name.strip()
    if not name:
        raise Invalid("an incident needs a name")
    incident_type = spec.incident_type
    place = spec.place
    if from_report is not None:
        incident_type = incident_type or from_report.incident_type
        place = place or IncidentPlace.point(*from_report.position)
    if incident_type is None:
        raise Invalid("an incident needs a type")
    if place is None:
        raise Invalid("an incident needs a place (a GeoJSON Point or Polygon)")
    radius = default_radius_km if spec.radius_km is None else spec.radius_km
    support = check_agencies(uow, spec.lead_agency_id, spec.supporting_agency_ids)
    affected = affected_settlements(place, radius)
    region = geodata.region_code_at(*place.reference)
    new = NewIncidentRow(
        name=name,
        description=spec.description.strip(),
        incident_type=incident_type,
        severity=spec.severity,
        state=IncidentState.REPORTED,
        region=region,
        place=place,
        radius_km=radius,
        affected=affected,
        affected_population=sum(s.population for s in affected),
        lead_agency_id=spec.lead_agency_id,
        supporting_agency_ids=support,
        first_report_at=from_report.observed_at if from_report else None,
        opened_from_report_id=from_report.id if from_report else None,
    )
    if actor is not None:
        authorise(
            actor,
            Action.INCIDENT_WRITE,
            Resource(
                "incident",
                region=region,
                agencies=frozenset(support)
                | ({spec.lead_agency_id} if spec.lead_agency_id else set()),
            ),
        )
    incident_id = uow.incidents.add(new, created_by=_actor(actor), at=at)
    incident = get_incident_row(uow, incident_id)
    agencies = uow.incidents.agencies(incident.command_agencies)
    origin = f" from report {from_report.id}" if from_report else ""
    uow.incidents.add_timeline(
        incident_id,
        at=at,
        kind=TimelineKind.OPENED,
        actor_name=_actor(actor),
        text=(
            f"Incident opened{origin}: {incident.incident_type.label}, severity "
            f"{incident.severity.value}, {place.describe()}, {len(affected)} settlements "
            f"({incident.affected_population} people) within {radius:g} km; unified command: "
            + _command_text(agencies, incident.lead_agency_id, incident.supporting_agency_ids)
        ),
        data={"report_id": from_report.id} if from_report else {},
    )
    events: list[Any] = [
        IncidentOpened(
            **event_base(incident),
            name=incident.name,
            incident_type=incident.incident_type.value,
            severity=incident.severity.value,
            state=incident.state.value,
            **place_fields(place),
            radius_km=radius,
            affected_population=incident.affected_population,
            lead_agency_id=incident.lead_agency_id,
            supporting_agency_ids=incident.supporting_agency_ids,
            from_report_id=from_report.id if from_report else None,
        )
    ]
    return incident, events


def incident_view(uow: SqlUnitOfWork, incident: Incident) -> IncidentView:
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
        uow.record_audit(
            actor=actor,
            command="incident.open",
            target_type="incident",
            target_id=incident.id,
            changes={
                "name": incident.name,
                "type": incident.incident_type.value,
                "severity": incident.severity.value,
                "region": incident.region,
                "lead_agency_id": incident.lead_agency_id,
                "supporting_agency_ids": list(incident.supporting_agency_ids),
            },
            events=events,
            at=now,
        )
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
        raise Forbidden(f"role {actor.role} may not {Action.INCIDENT_READ.value}")
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


@dataclass(frozen=True, slots=True)
class IncidentChanges:
    """A partial update; None means "leave as is"."""

    name: str | None = None
    description: str | None = None
    incident_type: IncidentType | None = None
    severity: Severity | None = None
    place: IncidentPlace | None = None
    radius_km: float | None = None


def update_incident(
    svc: Services, actor: Principal, incident_id: int, changes: IncidentChanges
) -> IncidentView:
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        incident = get_incident_row(uow, incident_id, for_update=True)
        authorise(actor, Action.INCIDENT_WRITE, incident.resource())
        values: dict[str, Any] = {}
        diff: dict[str, Any] = {}
        if changes.name is not None and changes.name.strip() != incident.name:
            if not changes.name.strip():
                raise Invalid("an incident needs a name")
            values["name"] = changes.name.strip()
            diff["name"] = [incident.name, values["name"]]
        if changes.description is not None and changes.description.strip() != incident.description:
            values["description"] = changes.description.strip()
            diff["description"] = "changed"
        if (
            changes.incident_type is not None
            and changes.incident_type is not incident.incident_type
        ):
            values["incident_type"] = changes.incident_type
            diff["incident_type"] = [incident.incident_type.value, changes.incident_type.value]
        if changes.severity is not None and changes.severity is not incident.severity:
            values["severity"] = changes.severity
            diff["severity"] = [incident.severity.value, changes.severity.value]
        place = changes.place or incident.place
        radius = incident.radius_km if changes.radius_km is None else changes.radius_km
        if place != incident.place or radius != incident.radius_km:
            affected = affected_settlements(place, radius)
            region = geodata.region_code_at(*place.reference)
            if region != incident.region:
                authorise(
                    actor,
                    Action.INCIDENT_WRITE,
                    Resource("incident", region=region, agencies=incident.command_agencies),
                )
                values["region"] = region
                diff["region"] = [incident.region, region]
            values.update(
                place=place,
                radius_km=radius,
                affected=affected,
                affected_population=sum(s.population for s in affected),
            )
            if place != incident.place:
                diff["place"] = place.to_geojson()
            if radius != incident.radius_km:
                diff["radius_km"] = [incident.radius_km, radius]
            diff["affected_population"] = [
                incident.affected_population,
                values["affected_population"],
            ]
        if not values:
            return incident_view(uow, incident)
        uow.incidents.update(incident_id, values, at=now)
        updated = get_incident_row(uow, incident_id)
        uow.incidents.add_timeline(
            incident_id,
            at=now,
            kind=TimelineKind.UPDATED,
            actor_name=actor.username,
            text="Updated: " + "; ".join(_describe_change(k, v) for k, v in diff.items()),
            data={"changes": diff},
        )
        uow.record_audit(
            actor=actor,
            command="incident.update",
            target_type="incident",
            target_id=incident_id,
            changes=diff,
            events=[
                IncidentUpdated(
                    **event_base(updated),
                    changes=diff,
                    **(place_fields(updated.place) if "place" in diff else {}),
                )
            ],
            at=now,
        )
        view = incident_view(uow, updated)
        uow.commit()
    return view


def _describe_change(key: str, value: Any) -> str:
    if isinstance(value, list) and len(value) == 2:
        return f"{key.replace('_', ' ')} {value[0]} → {value[1]}"
    if key == "place":
        return "place moved"
    return f"{key.replace('_', ' ')} {value}"


def change_state(
    svc: Services, actor: Principal, incident_id: int, to: IncidentState, reason: str = ""
) -> IncidentView:
    """One lifecycle step (``core/incidents/lifecycle.py``); illegal steps are refused.

    Closing or rejecting an incident needs every task on it completed or cancelled first,
    so that no unit is left committed to an incident nobody works on.
    """
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        incident = get_incident_row(uow, incident_id, for_update=True)
        authorise(actor, Action.INCIDENT_WRITE, incident.resource())
        step = lifecycle.transition(incident.state, to, at=now, reason=reason)
        if to.is_terminal:
            unfinished = [
                k for k in uow.tasks.find(incident_ids=[incident_id]) if not k.status.is_terminal
            ]
            if unfinished:
                ids = ", ".join(str(k.id) for k in unfinished)
                raise Conflict(
                    f"incident {incident_id} still has unfinished tasks ({ids}); complete or "
                    f"cancel them before it is {to.value}",
                    extra={"unfinished_tasks": [k.id for k in unfinished]},
                )
        uow.incidents.update(incident_id, {"state": to, "state_since": now}, at=now)
        updated = get_incident_row(uow, incident_id)
        uow.incidents.add_timeline(
            incident_id,
            at=now,
            kind=TimelineKind.STATE_CHANGED,
            actor_name=actor.username,
            text=f"State {step.describe()}",
            data={"from": incident.state.value, "to": to.value, "reason": step.reason},
        )
        uow.record_audit(
            actor=actor,
            command="incident.transition",
            target_type="incident",
            target_id=incident_id,
            changes={"state": [incident.state.value, to.value], "reason": step.reason},
            events=[
                IncidentStateChanged(
                    **event_base(updated), state=to.value, previous=incident.state.value
                )
            ],
            at=now,
        )
        view = incident_view(uow, updated)
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
    with svc.db.unit_of_work() as uow:
        incident = get_incident_row(uow, incident_id, for_update=True)
        authorise(actor, Action.INCIDENT_WRITE, incident.resource())
        if not incident.state.is_open:
            raise Conflict(
                f"incident {incident_id} is {incident.state.value}; its command is final"
            )
        support = check_agencies(uow, lead_agency_id, supporting_agency_ids)
        if lead_agency_id == incident.lead_agency_id and support == incident.supporting_agency_ids:
            return incident_view(uow, incident)
        uow.incidents.update(incident_id, {"lead_agency_id": lead_agency_id}, at=now)
        uow.incidents.set_supporting(incident_id, support)
        updated = get_incident_row(uow, incident_id)
        agencies = uow.incidents.agencies(updated.command_agencies | incident.command_agencies)
        uow.incidents.add_timeline(
            incident_id,
            at=now,
            kind=TimelineKind.COMMAND_CHANGED,
            actor_name=actor.username,
            text=(
                "Unified command: "
                + _command_text(agencies, lead_agency_id, support)
                + " (was "
                + _command_text(agencies, incident.lead_agency_id, incident.supporting_agency_ids)
                + ")"
            ),
            data={
                "lead_agency_id": lead_agency_id,
                "supporting_agency_ids": list(support),
                "previous_lead_agency_id": incident.lead_agency_id,
                "previous_supporting_agency_ids": list(incident.supporting_agency_ids),
            },
        )
        uow.record_audit(
            actor=actor,
            command="incident.command",
            target_type="incident",
            target_id=incident_id,
            changes={
                "lead_agency_id": [incident.lead_agency_id, lead_agency_id],
                "supporting_agency_ids": [list(incident.supporting_agency_ids), list(support)],
            },
            events=[
                UnifiedCommandChanged(
                    **event_base(updated),
                    lead_agency_id=lead_agency_id,
                    supporting_agency_ids=support,
                    previous_lead_agency_id=incident.lead_agency_id,
                    previous_supporting_agency_ids=incident.supporting_agency_ids,
                )
            ],
            at=now,
        )
        view = incident_view(uow, updated)
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
    as_of = at or now
    if as_of > now + CASUALTY_CLOCK_SKEW:
        raise Invalid(f"casualty figures cannot be dated in the future ({as_of.isoformat()})")
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
        given = {c.value: n for c, n in update.counts.items()}
        uow.incidents.add_timeline(
            incident_id,
            at=now,
            kind=TimelineKind.CASUALTIES,
            actor_name=actor.username,
            text=(
                f"Casualties as of {as_of.isoformat()}: {update.describe()}"
                + (f" (source: {update.source})" if update.source else "")
                + f"; now {totals.describe()}"
            ),
            data={"as_of": as_of.isoformat(), "counts": given},
        )
        uow.record_audit(
            actor=actor,
            command="incident.casualties",
            target_type="incident",
            target_id=incident_id,
            changes={"as_of": as_of.isoformat(), "counts": given, "source": update.source},
            events=[
                CasualtiesRecorded(
                    **event_base(incident),
                    as_of=as_of,
                    counts=given,
                    totals={c.value: n for c, n in totals.counts.items()},
                )
            ],
            at=now,
        )
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
    """A free-text entry in the incident's activity log, optionally about one unit."""
    text = text.strip()
    if not text:
        raise Invalid("a log entry needs text")
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        incident = get_incident_row(uow, incident_id, for_update=True)
        authorise(actor, Action.INCIDENT_LOG, read_resource(uow, incident))
        if unit_id is not None and uow.tasks.unit(unit_id) is None:
            raise Invalid(f"no unit with id {unit_id}")
        entry_id = uow.incidents.add_timeline(
            incident_id,
            at=now,
            kind=TimelineKind.LOG,
            actor_name=actor.username,
            text=text,
            unit_id=unit_id,
        )
        uow.record_audit(
            actor=actor,
            command="incident.log",
            target_type="incident",
            target_id=incident_id,
            changes={"entry_id": entry_id, "unit_id": unit_id},
            events=[IncidentLogged(**event_base(incident), entry_id=entry_id, unit_id=unit_id)],
            at=now,
        )
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
            raise NotFound(f"no unit with id {unit_id}")
        authorise(actor, Action.INCIDENT_READ, unit.resource())
        entries = uow.incidents.timeline(unit_id=unit_id, since=since, until=until, limit=None)
        names = {
            i: inc.name
            for i in {e.incident_id for e in entries}
            if (inc := uow.incidents.get(i)) is not None
        }
    return ActivityLog(unit, since, until, tuple(entries), names)
