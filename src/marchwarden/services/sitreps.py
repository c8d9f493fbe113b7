"""Situation reports (after ICS 209): per incident and per region, over a time window.

Each says what happened in the window (the incident timeline), the casualty figures as
they stood at its end and how they changed during it (``core/incidents/casualties.py``:
absolute counts, the latest update per category counts), the affected settlements and
their population, the units deployed by agency (tasked at any time within the window),
the open tasks at the window's end, and what is needed: tasks that still have no unit.

A region's report gathers every incident in the region that was open at some time in
the window and that the caller may read, and adds them up; a settlement affected by two
incidents is counted once. The border report does the same over every border region the
caller may read. Each carries the casualties per incident and their sum, and the
displacement (``core/civil/rollup.py``): the evacuation orders in force that the caller
may read (people to move, moved, remaining — as they stand now, orders keep no history)
and the people in the shelters of the region(s).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from shapely.geometry import Point, box, shape

from marchwarden import geodata
from marchwarden.core.access.model import Resource
from marchwarden.core.access.policy import Action, decide, decide_in_regions
from marchwarden.core.civil.rollup import (
    CasualtyRollup,
    IncidentCasualties,
    Shelter,
    casualty_rollup,
    incident_displacement,
    regions_displacement,
)
from marchwarden.core.dispatch.tasking import TaskStatus
from marchwarden.core.errors import Invalid, NotFound
from marchwarden.core.geo.svgmap import AreaMap, MapPlace, MapTask, frame_around, render
from marchwarden.core.incidents.casualties import CasualtyCategory, CasualtyRecord, CasualtyTotals
from marchwarden.core.incidents.correlation import format_duration
from marchwarden.services.context import authorise, authorise_role
from marchwarden.services.incidents import affected_distances, get_incident_row, read_resource

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from datetime import datetime

    from marchwarden.core.access.model import Principal
    from marchwarden.core.civil.evacuation import Displacement, EvacuationOrder
    from marchwarden.core.incidents.records import (
        AffectedSettlement,
        AgencyRef,
        Incident,
        Task,
        TimelineEntry,
        UnitRef,
    )
    from marchwarden.services.context import Services
    from marchwarden.services.ports import UnitOfWork

DEFAULT_REGION_WINDOW = timedelta(hours=24)
MAX_WINDOW = timedelta(days=366)
#: the window ends just after "now" by default, so that what happened at now is in it
NOW_INCLUDED = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class DeployedUnit:
    unit: UnitRef
    task_id: int
    task_title: str
    task_status: TaskStatus
    assigned_at: datetime | None
    ended_at: datetime | None


@dataclass(frozen=True, slots=True)
class AgencyDeployment:
    agency_id: int
    agency_code: str
    agency_name: str
    units: tuple[DeployedUnit, ...]


@dataclass(frozen=True, slots=True)
class Need:
    task_id: int
    incident_id: int
    title: str
    priority: str
    required_powers: tuple[str, ...]
    required_capabilities: tuple[str, ...]
    needed_by: datetime | None
    open_for: timedelta
    text: str


@dataclass(frozen=True, slots=True)
class IncidentSitrep:
    incident: Incident
    agencies: Mapping[int, AgencyRef]
    since: datetime
    until: datetime
    prepared_at: datetime
    prepared_by: str
    happened: tuple[TimelineEntry, ...]
    casualties: CasualtyTotals
    casualties_at_start: CasualtyTotals
    reports_total: int
    deployed: tuple[AgencyDeployment, ...]
    open_tasks: tuple[Task, ...]
    needs: tuple[Need, ...]
    displacement: Displacement
    distance_km: Mapping[int, float] = field(default_factory=dict)
    """Affected settlement id -> its distance from the place (0 inside a polygon)."""

    def casualty_change(self) -> dict[CasualtyCategory, int]:
        return {
            c: self.casualties.counts[c] - self.casualties_at_start.counts[c]
            for c in CasualtyCategory
        }

    def casualty_part(self) -> IncidentCasualties:
        i = self.incident
        return IncidentCasualties(
            i.id, i.name, i.region, self.casualties.counts, self.casualty_change()
        )


@dataclass(frozen=True, slots=True)
class RegionSitrep:
    region: str
    region_name: str
    since: datetime
    until: datetime
    prepared_at: datetime
    prepared_by: str
    incidents: tuple[IncidentSitrep, ...]
    casualties: CasualtyRollup
    displacement: Displacement
    affected: tuple[AffectedSettlement, ...]
    affected_population: int
    deployed: tuple[AgencyDeployment, ...]
    open_tasks: int
    needs: tuple[Need, ...]


@dataclass(frozen=True, slots=True)
class BorderSitrep:
    """All the border regions the caller may read: each region's report, and the sums."""

    since: datetime
    until: datetime
    prepared_at: datetime
    prepared_by: str
    regions: tuple[RegionSitrep, ...]
    casualties: CasualtyRollup
    displacement: Displacement


@dataclass(frozen=True, slots=True)
class _Civil:
    """The evacuation orders the caller may read, and every shelter (region, occupancy,
    capacity): loaded once per report."""

    orders: tuple[EvacuationOrder, ...]
    shelters: tuple[Shelter, ...]


def _civil(uow: UnitOfWork, actor: Principal) -> _Civil:
    return _Civil(
        tuple(
            o
            for o, _ in uow.evacuations.all()
            if decide_in_regions(actor, Action.INCIDENT_READ, "evacuation", o.regions).allowed
        ),
        tuple((s.region, s.occupancy, s.capacity) for s in uow.shelters.all()),
    )


def _window(
    since: datetime | None, until: datetime | None, now: datetime, default_since: datetime
) -> tuple[datetime, datetime]:
    # by default everything recorded up to now, "now" included
    end = until or now + NOW_INCLUDED
    start = since or default_since
    if start >= end:
        raise Invalid.said(
            "sitrep.window_start_before_end", "the window's start must be before its end"
        )
    if end - start > MAX_WINDOW:
        raise Invalid.said(
            "sitrep.situation_report_covers_most",
            "a situation report covers at most {days} days",
            days=MAX_WINDOW.days,
        )
    return start, end


def _deployed(
    tasks: Iterable[Task], units: Mapping[int, UnitRef], since: datetime, until: datetime
) -> tuple[AgencyDeployment, ...]:
    by_agency: dict[int, list[DeployedUnit]] = {}
    names: dict[int, tuple[str, str]] = {}
    for task in tasks:
        if task.unit_id is None or task.assigned_at is None:
            continue
        if task.assigned_at >= until or (task.ended_at is not None and task.ended_at < since):
            continue
        unit = units[task.unit_id]
        names[unit.agency_id] = (unit.agency_code, unit.agency_name)
        by_agency.setdefault(unit.agency_id, []).append(
            DeployedUnit(unit, task.id, task.title, task.status, task.assigned_at, task.ended_at)
        )
    return tuple(
        AgencyDeployment(
            agency_id,
            names[agency_id][0],
            names[agency_id][1],
            tuple(sorted(deployed, key=lambda d: (d.unit.name, d.task_id))),
        )
        for agency_id, deployed in sorted(by_agency.items(), key=lambda kv: names[kv[0]][1])
    )


def _open_at(task: Task, moment: datetime) -> bool:
    return task.created_at < moment and (task.ended_at is None or task.ended_at > moment)


def _needs(tasks: Iterable[Task], until: datetime) -> tuple[Need, ...]:
    out = []
    for task in tasks:
        if task.status is not TaskStatus.OPEN or not _open_at(task, until):
            continue
        powers = tuple(sorted(task.requirements.required_powers))
        caps = tuple(sorted(task.requirements.required_capabilities))
        wants = []
        if powers:
            wants.append("powers " + ", ".join(powers))
        if caps:
            wants.append("capabilities " + ", ".join(caps))
        open_for = until - task.created_at
        text = (
            f"Task {task.id} ({task.priority.value}): {task.title} — needs a unit"
            + (f" with {'; '.join(wants)}" if wants else "")
            + f"; unassigned for {format_duration(open_for)}"
            + (f"; needed by {task.needed_by.isoformat()}" if task.needed_by else "")
        )
        out.append(
            Need(
                task.id,
                task.incident_id,
                task.title,
                task.priority.value,
                powers,
                caps,
                task.needed_by,
                open_for,
                text,
            )
        )
    out.sort(key=lambda n: (-_PRIORITY_RANK[n.priority], n.needed_by or until, n.task_id))
    return tuple(out)


_PRIORITY_RANK = {"low": 0, "normal": 1, "high": 2, "urgent": 3}


def _incident_sitrep(
    uow: UnitOfWork,
    incident: Incident,
    *,
    since: datetime,
    until: datetime,
    now: datetime,
    by: str,
    civil: _Civil,
) -> IncidentSitrep:
    tasks = uow.tasks.find(incident_ids=[incident.id])
    units = {u.id: u for u in uow.tasks.units(k.unit_id for k in tasks if k.unit_id)}
    record = CasualtyRecord.of(u for u, _, _ in uow.incidents.casualties(incident.id))
    return IncidentSitrep(
        incident=incident,
        agencies=uow.incidents.agencies(incident.command_agencies),
        since=since,
        until=until,
        prepared_at=now,
        prepared_by=by,
        happened=tuple(
            uow.incidents.timeline(incident_id=incident.id, since=since, until=until, limit=None)
        ),
        casualties=record.totals(as_of=until),
        casualties_at_start=record.totals(as_of=since),
        reports_total=uow.reports.count_by_incident(incident.id),
        deployed=_deployed(tasks, units, since, until),
        open_tasks=tuple(k for k in tasks if _open_at(k, until)),
        needs=_needs(tasks, until),
        displacement=incident_displacement(
            incident.id, incident.region, civil.orders, civil.shelters
        ),
        distance_km=affected_distances(incident),
    )


def incident_sitrep(
    svc: Services,
    actor: Principal,
    incident_id: int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> IncidentSitrep:
    """One incident; the window defaults to from its opening until now."""
    now = svc.clock.now()
    with svc.db.unit_of_work(write=False) as uow:
        incident = get_incident_row(uow, incident_id)
        authorise(actor, Action.SITREP_READ, read_resource(uow, incident))
        start, end = _window(since, until, now, incident.created_at)
        civil = _civil(uow, actor)
        return _incident_sitrep(
            uow, incident, since=start, until=end, now=now, by=actor.username, civil=civil
        )


def _merge_deployments(
    parts: Sequence[tuple[AgencyDeployment, ...]],
) -> tuple[AgencyDeployment, ...]:
    merged: dict[int, AgencyDeployment] = {}
    for deployments in parts:
        for d in deployments:
            found = merged.get(d.agency_id)
            merged[d.agency_id] = (
                d
                if found is None
                else AgencyDeployment(
                    d.agency_id, d.agency_code, d.agency_name, found.units + d.units
                )
            )
    return tuple(sorted(merged.values(), key=lambda d: d.agency_name))


def _region_name(region: str) -> str:
    try:
        return geodata.region(region).name
    except KeyError:
        raise NotFound.said(
            "sitrep.no_region_code", "no region with code {region}", region=repr(region)
        ) from None


def _region_incidents(
    uow: UnitOfWork,
    actor: Principal,
    region: str,
    window: tuple[datetime, datetime],
    now: datetime,
    civil: _Civil,
) -> list[IncidentSitrep]:
    start, end = window
    reports: list[IncidentSitrep] = []
    for incident in uow.incidents.find(regions=[region], created_before=end, limit=None):
        if not incident.state.is_open and incident.state_since < start:
            continue  # over before the window began
        if not decide(actor, Action.SITREP_READ, read_resource(uow, incident)).allowed:
            continue
        reports.append(
            _incident_sitrep(
                uow, incident, since=start, until=end, now=now, by=actor.username, civil=civil
            )
        )
    return reports


def _region_report(
    region: str,
    reports: list[IncidentSitrep],
    window: tuple[datetime, datetime],
    now: datetime,
    actor: Principal,
    civil: _Civil,
) -> RegionSitrep:
    start, end = window
    affected: dict[int, AffectedSettlement] = {}
    for r in reports:
        for s in r.incident.affected:
            affected.setdefault(s.id, s)
    settlements = tuple(sorted(affected.values(), key=lambda s: (-s.population, s.name, s.id)))
    needs = tuple(
        sorted(
            (n for r in reports for n in r.needs),
            key=lambda n: (-_PRIORITY_RANK[n.priority], n.needed_by or end, n.task_id),
        )
    )
    return RegionSitrep(
        region=region,
        region_name=_region_name(region),
        since=start,
        until=end,
        prepared_at=now,
        prepared_by=actor.username,
        incidents=tuple(reports),
        casualties=casualty_rollup(r.casualty_part() for r in reports),
        displacement=regions_displacement(region, [region], civil.orders, civil.shelters),
        affected=settlements,
        affected_population=sum(s.population for s in settlements),
        deployed=_merge_deployments([r.deployed for r in reports]),
        open_tasks=sum(len(r.open_tasks) for r in reports),
        needs=needs,
    )


def region_sitrep(
    svc: Services,
    actor: Principal,
    region: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> RegionSitrep:
    """Every readable incident of ``region`` open at some time in the window (default:
    the last 24 hours)."""
    _region_name(region)
    authorise(actor, Action.SITREP_READ, Resource("region", region=region))
    now = svc.clock.now()
    window = _window(since, until, now, (until or now) - DEFAULT_REGION_WINDOW)
    with svc.db.unit_of_work(write=False) as uow:
        civil = _civil(uow, actor)
        reports = _region_incidents(uow, actor, region, window, now, civil)
    return _region_report(region, reports, window, now, actor, civil)


def border_sitrep(
    svc: Services,
    actor: Principal,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> BorderSitrep:
    """Every border region the caller may read (a regional coordinator: its own), each as
    in ``region_sitrep``, and their sums; an order over two of them is counted once. Like
    a list: a role without ``sitrep.read`` gets 403, a scope that reads no region an empty
    report (``policy.API_OPERATIONS``)."""
    authorise_role(actor, Action.SITREP_READ)
    codes = [
        code
        for code in sorted(geodata.border_region_codes())
        if decide(actor, Action.SITREP_READ, Resource("region", region=code)).allowed
    ]
    now = svc.clock.now()
    window = _window(since, until, now, (until or now) - DEFAULT_REGION_WINDOW)
    with svc.db.unit_of_work(write=False) as uow:
        civil = _civil(uow, actor)
        parts = [(c, _region_incidents(uow, actor, c, window, now, civil)) for c in codes]
    regions = tuple(_region_report(c, r, window, now, actor, civil) for c, r in parts)
    return BorderSitrep(
        since=window[0],
        until=window[1],
        prepared_at=now,
        prepared_by=actor.username,
        regions=regions,
        casualties=casualty_rollup(i.casualty_part() for r in regions for i in r.incidents),
        displacement=regions_displacement(
            "all border regions", codes, civil.orders, civil.shelters
        ),
    )


#: the sitrep map shows at least this far round the incident's place (km)
MAP_MIN_MARGIN_KM = 6.0


def incident_area_map(incident: Incident, tasks: Sequence[Task] = ()) -> str:
    """The incident's area as SVG from the bundled geodata (no tiles: it prints offline):
    regions, state border, rivers and lakes, settlements (the affected ones marked and
    named), the place and its affected radius, and the open tasks' places (numbered)."""
    place = shape(incident.place.to_geojson())
    frame = frame_around(place, max(incident.radius_km * 1.25, MAP_MIN_MARGIN_KM))
    clip = box(*frame)
    home = {r.country for r in geodata.border_regions()}
    affected = {s.id for s in incident.affected}
    spec = AreaMap(
        frame=frame,
        title=f"Map of the area of incident {incident.id}, {incident.name}: "
        f"{len(affected)} affected settlements within {incident.radius_km:g} km",
        regions=[
            (
                r.geometry,
                "border" if r.is_border_region else "home" if r.country in home else "foreign",
            )
            for r in geodata.regions()
            if r.geometry.intersects(clip)
        ],
        state_border=[b.geometry for b in geodata.state_borders()],
        rivers=[g for layer, g in geodata.basemap_geometries() if layer == "river"],
        lakes=[g for layer, g in geodata.basemap_geometries() if layer == "lake"],
        places=[
            MapPlace(s.lon, s.lat, s.name, s.population, s.id in affected)
            for s in geodata.settlements()
            if s.id in affected or clip.contains(Point(s.lon, s.lat))
        ],
        place=place,
        radius_km=incident.radius_km,
        tasks=[MapTask(t.position[0], t.position[1], f"#{t.id} {t.title}") for t in tasks],
    )
    return render(spec)
