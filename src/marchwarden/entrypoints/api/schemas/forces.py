from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Literal

import orjson
from pydantic import AwareDatetime, Field

from marchwarden.core.forces import model as fm
from marchwarden.core.forces.status import UnitStatus
from marchwarden.core.incidents.records import UnitRef
from marchwarden.entrypoints.api.schemas.base import Schema, fields_of
from marchwarden.entrypoints.api.schemas.types import Id
from marchwarden.services.forces import MemberView

Code = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")


class AgencyIn(Schema):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    name: str = Field(min_length=1, max_length=200)
    kind: Literal[
        "army",
        "border_service",
        "national_guard",
        "police",
        "emergency_service",
        "volunteer_self_defence",
        "other",
    ]
    region: str | None = Field(default=None, max_length=16)


class AgencyOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    region: str | None

    @classmethod
    def of(cls, a: fm.Agency) -> AgencyOut:
        return cls(id=a.id, code=a.code, name=a.name, kind=a.kind, region=a.region)


class Point(Schema):
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)


class UnitIn(Schema):
    code: str = Code
    name: str = Field(min_length=1, max_length=200)
    agency_id: Id
    parent_id: Id | None = None
    category: str = Field(min_length=1, max_length=32)
    region: str = Field(min_length=2, max_length=16)
    home: Point
    capabilities: list[str] = Field(default_factory=list, max_length=50)
    readiness: int = Field(default=3, ge=1, le=4)
    status: UnitStatus = UnitStatus.AVAILABLE
    declared_strength: int | None = Field(default=None, ge=0, le=100_000)


class UnitPatch(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    category: str | None = Field(default=None, min_length=1, max_length=32)
    home: Point | None = None
    capabilities: list[str] | None = Field(default=None, max_length=50)
    readiness: int | None = Field(default=None, ge=1, le=4)
    declared_strength: int | None = Field(default=None, ge=0, le=100_000)


class UnitOut(Schema):
    id: int
    code: str
    name: str
    agency_id: int
    agency_kind: str
    parent_id: int | None
    path: str
    category: str
    region: str
    home: Point
    capabilities: list[str]
    readiness: int
    readiness_label: str
    status: UnitStatus
    status_label: str
    availability: str
    status_since: datetime
    strength: int | None
    registered_members: int | None
    declared_strength: int | None
    position: Point | None
    position_at: datetime | None

    @classmethod
    def of(cls, u: fm.Unit) -> UnitOut:
        return cls(**unit_fields(u))


def unit_fields(u: fm.Unit) -> dict[str, Any]:
    """A unit as the API shows it: the fields of ``UnitOut``, in its order."""
    position = (
        {"lon": float(u.position_lon), "lat": float(u.position_lat)}
        if u.position_lon is not None and u.position_lat is not None
        else None
    )
    return {
        "id": u.id,
        "code": u.code,
        "name": u.name,
        "agency_id": u.agency_id,
        "agency_kind": u.agency_kind,
        "parent_id": u.parent_id,
        "path": u.path,
        "category": u.category,
        "region": u.region,
        "home": {"lon": float(u.home_lon), "lat": float(u.home_lat)},
        "capabilities": list(u.capabilities),
        "readiness": u.readiness,
        "readiness_label": fm.READINESS_LEVELS[u.readiness],
        "status": u.status.value,
        "status_label": u.status.label,
        "availability": u.status.availability.value,
        "status_since": u.status_since,
        "strength": u.strength,
        "registered_members": u.registered_members,
        "declared_strength": u.declared_strength,
        "position": position,
        "position_at": u.position_at,
    }


def unit_json(unit: fm.Unit) -> bytes:
    """``UnitOut`` of one unit as JSON, as ``units_json`` writes each."""
    return orjson.dumps(unit_fields(unit), option=orjson.OPT_UTC_Z)


def units_json(units: Iterable[fm.Unit]) -> bytes:
    """``list[UnitOut]`` as JSON, the same as FastAPI writes it (times in UTC with "Z"),
    without a model per unit: for the 5,000 units of ``GET /units`` building and checking
    the models was a third of the server's time for the reply (docs/benchmarks.md)."""
    return orjson.dumps([unit_fields(u) for u in units], option=orjson.OPT_UTC_Z)


class StatusIn(Schema):
    status: UnitStatus
    note: str = Field(default="", max_length=500)


class StatusChangeOut(Schema):
    at: datetime
    status: str
    previous: str | None
    by_user: str
    note: str


class PositionIn(Schema):
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    at: AwareDatetime | None = None
    source: str = Field(default="avl", max_length=32)
    #: the device's stated accuracy in metres (browser geolocation gives one)
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000)


class PositionOut(Schema):
    at: datetime
    lon: float
    lat: float
    source: str
    accuracy_m: float | None = None


class TrainingIO(Schema):
    programme: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
    completed_on: date
    hours: float = Field(default=0, ge=0, le=10000)


class QualificationIO(Schema):
    kind: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
    issued_on: date
    expires_on: date | None = None


class FitnessIO(Schema):
    examined_on: date
    valid_until: date | None = None
    fit: bool = True


class PersonalOut(Schema):
    given_name: str
    family_name: str
    date_of_birth: date | None
    phone: str


class MemberOut(Schema):
    id: int
    external_id: str
    unit_id: int
    unit_code: str
    callsign: str
    #: present only for callers with need to know (personnel officer, unit commander, admin)
    personal: PersonalOut | None
    trainings: list[TrainingIO]
    qualifications: list[QualificationIO]
    fitness: list[FitnessIO]

    @classmethod
    def of(cls, v: MemberView) -> MemberOut:
        m = v.member
        p = v.personal
        return cls(
            id=m.id,
            external_id=m.external_id,
            unit_id=m.unit_id,
            unit_code=v.unit.code,
            callsign=m.callsign,
            personal=None
            if p is None
            else PersonalOut(
                given_name=p.given_name,
                family_name=p.family_name,
                date_of_birth=p.date_of_birth,
                phone=p.phone,
            ),
            trainings=[
                TrainingIO(programme=t.programme, completed_on=t.completed_on, hours=t.hours)
                for t in m.trainings
            ],
            qualifications=[
                QualificationIO(kind=q.kind, issued_on=q.issued_on, expires_on=q.expires_on)
                for q in m.qualifications
            ],
            fitness=[
                FitnessIO(examined_on=f.examined_on, valid_until=f.valid_until, fit=f.fit)
                for f in m.fitness
            ],
        )


class MemberIn(Schema):
    external_id: str = Code
    unit_code: str = Code
    callsign: str = Field(min_length=1, max_length=64)
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    date_of_birth: date | None = None
    phone: str = Field(default="", max_length=32)
    trainings: list[TrainingIO] = Field(default_factory=list, max_length=100)
    qualifications: list[QualificationIO] = Field(default_factory=list, max_length=100)
    fitness: list[FitnessIO] = Field(default_factory=list, max_length=100)


class MemberRecordsIn(Schema):
    trainings: list[TrainingIO] = Field(default_factory=list, max_length=100)
    qualifications: list[QualificationIO] = Field(default_factory=list, max_length=100)
    fitness: list[FitnessIO] = Field(default_factory=list, max_length=100)


class ImportOut(Schema):
    created: int
    updated: int
    unchanged: int


class UnitBriefOut(Schema):
    id: int
    code: str
    name: str
    agency_id: int
    agency_code: str
    agency_name: str
    region: str
    status: UnitStatus
    readiness: int

    @classmethod
    def of(cls, u: UnitRef) -> UnitBriefOut:
        return cls(**fields_of(cls, u))
