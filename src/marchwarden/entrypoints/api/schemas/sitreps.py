"""API schemas of situation reports (ICS 209-like), per incident, per region and over all
the border regions."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from marchwarden.core.civil.evacuation import Displacement
from marchwarden.core.civil.rollup import CasualtyRollup, IncidentCasualties
from marchwarden.core.dispatch.tasking import (
    TaskPriority,
    TaskStatus,
)
from marchwarden.core.forces.status import UnitStatus
from marchwarden.core.incidents.records import (
    Task,
)
from marchwarden.entrypoints.api.schemas.base import Schema, fields_of
from marchwarden.entrypoints.api.schemas.civil import DisplacementOut
from marchwarden.entrypoints.api.schemas.incidents import (
    AcledOut,
    AffectedOut,
    CasualtyCountsOut,
    IncidentSummaryOut,
    SettlementOut,
    UnifiedCommandOut,
)
from marchwarden.services import sitreps as sr


class HappenedOut(Schema):
    at: datetime
    kind: str
    text: str
    actor: str
    unit_id: int | None
    task_id: int | None
    #: what the line says (the timeline entry's ``data``), for a reader in another language
    data: dict[str, Any]


class DeployedUnitOut(Schema):
    unit_id: int
    unit_code: str
    unit_name: str
    unit_status: UnitStatus
    task_id: int
    task_title: str
    task_status: TaskStatus
    assigned_at: datetime | None
    ended_at: datetime | None


class AgencyDeploymentOut(Schema):
    agency_id: int
    agency_code: str
    agency_name: str
    unit_count: int
    units: list[DeployedUnitOut]

    @classmethod
    def of(cls, d: sr.AgencyDeployment) -> AgencyDeploymentOut:
        units = {u.unit.id for u in d.units}
        return cls(
            agency_id=d.agency_id,
            agency_code=d.agency_code,
            agency_name=d.agency_name,
            unit_count=len(units),
            units=[
                DeployedUnitOut(
                    unit_id=u.unit.id,
                    unit_code=u.unit.code,
                    unit_name=u.unit.name,
                    unit_status=u.unit.status,
                    task_id=u.task_id,
                    task_title=u.task_title,
                    task_status=u.task_status,
                    assigned_at=u.assigned_at,
                    ended_at=u.ended_at,
                )
                for u in d.units
            ],
        )


class NeedOut(Schema):
    task_id: int
    incident_id: int
    title: str
    priority: str
    required_powers: list[str]
    required_capabilities: list[str]
    needed_by: datetime | None
    open_for_minutes: int
    text: str

    @classmethod
    def of(cls, n: sr.Need) -> NeedOut:
        return cls(
            task_id=n.task_id,
            incident_id=n.incident_id,
            title=n.title,
            priority=n.priority,
            required_powers=list(n.required_powers),
            required_capabilities=list(n.required_capabilities),
            needed_by=n.needed_by,
            open_for_minutes=int(n.open_for.total_seconds() // 60),
            text=n.text,
        )


class OpenTaskOut(Schema):
    id: int
    title: str
    status: TaskStatus
    priority: TaskPriority
    unit_id: int | None

    @classmethod
    def of(cls, k: Task) -> OpenTaskOut:
        return cls(id=k.id, title=k.title, status=k.status, priority=k.priority, unit_id=k.unit_id)


def displacement_out(d: Displacement) -> DisplacementOut:
    return DisplacementOut(
        scope=d.scope,
        orders=d.orders,
        to_move=d.to_move,
        moved=d.moved,
        remaining=d.remaining,
        sheltered=d.sheltered,
        shelter_capacity=d.shelter_capacity,
    )


class IncidentCasualtiesOut(Schema):
    """One incident's figures in a region's or the border regions' casualty roll-up."""

    incident_id: int
    name: str
    region: str | None
    casualties: dict[str, int]
    casualties_change: dict[str, int]

    @classmethod
    def of(cls, i: IncidentCasualties) -> IncidentCasualtiesOut:
        return cls(
            incident_id=i.incident_id,
            name=i.name,
            region=i.region,
            casualties={c.value: n for c, n in i.counts.items()},
            casualties_change={c.value: n for c, n in i.change.items()},
        )


def _by_incident(r: CasualtyRollup) -> list[IncidentCasualtiesOut]:
    return [IncidentCasualtiesOut.of(i) for i in r.by_incident]


class IncidentSitrepOut(Schema):
    """ICS 209-like incident status summary over ``[since, until)``."""

    kind: Literal["incident"] = "incident"
    since: datetime
    until: datetime
    prepared_at: datetime
    prepared_by: str
    incident: IncidentSummaryOut
    incident_type_label: str
    acled: AcledOut
    command: UnifiedCommandOut
    place: dict[str, Any]
    what_happened: list[HappenedOut]
    reports_total: int
    casualties: CasualtyCountsOut
    casualties_change: dict[str, int]
    affected: AffectedOut
    units_deployed: list[AgencyDeploymentOut]
    open_tasks: list[OpenTaskOut]
    needs: list[NeedOut]
    displacement: DisplacementOut

    @classmethod
    def of(cls, s: sr.IncidentSitrep) -> IncidentSitrepOut:
        i = s.incident
        return cls(
            since=s.since,
            until=s.until,
            prepared_at=s.prepared_at,
            prepared_by=s.prepared_by,
            incident=IncidentSummaryOut.of(i),
            incident_type_label=i.incident_type.label,
            acled=AcledOut.of(i.incident_type),
            command=UnifiedCommandOut.of(i, s.agencies),
            place=i.place.to_geojson(),
            what_happened=[
                HappenedOut(
                    at=e.at,
                    kind=e.kind.value,
                    text=e.text,
                    actor=e.actor_name,
                    unit_id=e.unit_id,
                    task_id=e.task_id,
                    data=dict(e.data),
                )
                for e in s.happened
            ],
            reports_total=s.reports_total,
            casualties=CasualtyCountsOut.of(s.casualties),
            casualties_change={c.value: n for c, n in s.casualty_change().items()},
            affected=AffectedOut.of(i, s.distance_km),
            units_deployed=[AgencyDeploymentOut.of(d) for d in s.deployed],
            open_tasks=[OpenTaskOut.of(k) for k in s.open_tasks],
            needs=[NeedOut.of(n) for n in s.needs],
            displacement=displacement_out(s.displacement),
        )


class RegionSitrepOut(Schema):
    kind: Literal["region"] = "region"
    region: str
    region_name: str
    since: datetime
    until: datetime
    prepared_at: datetime
    prepared_by: str
    incident_count: int
    casualties: dict[str, int]
    casualties_change: dict[str, int]
    casualties_by_incident: list[IncidentCasualtiesOut]
    displacement: DisplacementOut
    affected_settlement_count: int
    affected_population: int
    affected_settlements: list[SettlementOut]
    units_deployed: list[AgencyDeploymentOut]
    open_tasks: int
    needs: list[NeedOut]
    incidents: list[IncidentSitrepOut]

    @classmethod
    def of(cls, s: sr.RegionSitrep) -> RegionSitrepOut:
        return cls(
            region=s.region,
            region_name=s.region_name,
            since=s.since,
            until=s.until,
            prepared_at=s.prepared_at,
            prepared_by=s.prepared_by,
            incident_count=len(s.incidents),
            casualties={c.value: n for c, n in s.casualties.totals.items()},
            casualties_change={c.value: n for c, n in s.casualties.change.items()},
            casualties_by_incident=_by_incident(s.casualties),
            displacement=displacement_out(s.displacement),
            affected_settlement_count=len(s.affected),
            affected_population=s.affected_population,
            affected_settlements=[SettlementOut(**fields_of(SettlementOut, x)) for x in s.affected],
            units_deployed=[AgencyDeploymentOut.of(d) for d in s.deployed],
            open_tasks=s.open_tasks,
            needs=[NeedOut.of(n) for n in s.needs],
            incidents=[IncidentSitrepOut.of(i) for i in s.incidents],
        )


class BorderRegionOut(Schema):
    region: str
    region_name: str
    incident_count: int
    casualties: dict[str, int]
    casualties_change: dict[str, int]
    displacement: DisplacementOut


class BorderSitrepOut(Schema):
    """Every border region the caller may read, and the sums over them."""

    kind: Literal["border"] = "border"
    since: datetime
    until: datetime
    prepared_at: datetime
    prepared_by: str
    incident_count: int
    regions: list[BorderRegionOut]
    casualties: dict[str, int]
    casualties_change: dict[str, int]
    casualties_by_incident: list[IncidentCasualtiesOut]
    displacement: DisplacementOut

    @classmethod
    def of(cls, s: sr.BorderSitrep) -> BorderSitrepOut:
        return cls(
            since=s.since,
            until=s.until,
            prepared_at=s.prepared_at,
            prepared_by=s.prepared_by,
            incident_count=len(s.casualties.by_incident),
            regions=[
                BorderRegionOut(
                    region=r.region,
                    region_name=r.region_name,
                    incident_count=len(r.incidents),
                    casualties={c.value: n for c, n in r.casualties.totals.items()},
                    casualties_change={c.value: n for c, n in r.casualties.change.items()},
                    displacement=displacement_out(r.displacement),
                )
                for r in s.regions
            ],
            casualties={c.value: n for c, n in s.casualties.totals.items()},
            casualties_change={c.value: n for c, n in s.casualties.change.items()},
            casualties_by_incident=_by_incident(s.casualties),
            displacement=displacement_out(s.displacement),
        )
