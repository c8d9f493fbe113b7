"""API schemas of shelters and evacuation orders."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from marchwarden.core.civil.evacuation import EvacuationOrder, OrderKind, OrderState
from marchwarden.core.civil.model import Shelter, ShelterOption, ShelterStatus
from marchwarden.core.dispatch.tasking import TaskPriority
from marchwarden.entrypoints.api.schemas.alerts import AreaIn
from marchwarden.entrypoints.api.schemas.base import Schema
from marchwarden.entrypoints.api.schemas.types import Count, Id


class ShelterIn(Schema):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    lon: Annotated[float, Field(ge=-180, le=180)]
    lat: Annotated[float, Field(ge=-90, le=90)]
    address: Annotated[str, Field(max_length=400)] = ""
    capacity: Annotated[int, Field(gt=0, le=1_000_000)]
    occupancy: Count = 0
    services: list[str] = Field(default_factory=list, max_length=20)


class ShelterOut(Schema):
    id: int
    name: str
    region: str | None
    lon: float
    lat: float
    address: str
    capacity: int
    occupancy: int
    room: int
    services: list[str]
    status: ShelterStatus

    @classmethod
    def of(cls, s: Shelter) -> ShelterOut:
        return cls(
            id=s.id,
            name=s.name,
            region=s.region,
            lon=s.lon,
            lat=s.lat,
            address=s.address,
            capacity=s.capacity,
            occupancy=s.occupancy,
            room=s.room,
            services=sorted(s.services),
            status=s.status,
        )


class PeopleIn(Schema):
    people: Annotated[int, Field(gt=0, le=100_000)]


class ShelterOptionOut(Schema):
    shelter: ShelterOut
    distance_km: float
    minutes: float

    @classmethod
    def of(cls, o: ShelterOption) -> ShelterOptionOut:
        return cls(shelter=ShelterOut.of(o.shelter), distance_km=o.distance_km, minutes=o.minutes)


class ShelterOptionsOut(Schema):
    settlement: str
    travel_model: str
    options: list[ShelterOptionOut]


class AssemblyPointIn(Schema):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    lon: float
    lat: float


class EvacuationIn(Schema):
    area: AreaIn
    kind: OrderKind = OrderKind.RECOMMENDED
    incident_id: Id | None = None
    alert_id: Id | None = None
    to_move: Count | None = None
    assembly_points: list[AssemblyPointIn] = Field(default_factory=list, max_length=50)


class EvacuationPatch(Schema):
    state: OrderState | None = None
    moved: Count | None = None


class EvacuationOut(Schema):
    id: int
    incident_id: int | None
    alert_id: int | None
    kind: OrderKind
    state: OrderState
    description: str
    regions: list[str]
    settlement_ids: list[int]
    to_move: int
    moved: int
    remaining: int
    assembly_points: list[AssemblyPointIn]
    geometry: dict[str, Any] | None = None
    created_by: str

    @classmethod
    def of(cls, o: EvacuationOrder, geometry: dict[str, Any] | None = None) -> EvacuationOut:
        return cls(
            id=o.id,
            incident_id=o.incident_id,
            alert_id=o.alert_id,
            kind=o.kind,
            state=o.state,
            description=o.description,
            regions=sorted(o.regions),
            settlement_ids=list(o.settlement_ids),
            to_move=o.to_move,
            moved=o.moved,
            remaining=o.remaining,
            assembly_points=[
                AssemblyPointIn(name=p.name, lon=p.lon, lat=p.lat) for p in o.assembly_points
            ],
            geometry=geometry,
            created_by=o.created_by,
        )


class DisplacementOut(Schema):
    scope: str
    orders: int
    to_move: int
    moved: int
    remaining: int
    sheltered: int
    shelter_capacity: int


class EvacuationTaskIn(Schema):
    priority: TaskPriority = TaskPriority.HIGH
