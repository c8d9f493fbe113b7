"""The shelter registry: capacity, occupancy, services, status; check-in and check-out
as pure decisions, and "where can the people of a settlement go"."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from marchwarden.core.access.model import Resource
from marchwarden.core.access.policy import Action
from marchwarden.core.errors import Conflict, Invalid, said
from marchwarden.core.events import AuditFacts, DomainEvent
from marchwarden.core.geo.distance import TravelModel, haversine_km

if TYPE_CHECKING:
    from collections.abc import Iterable


class ShelterStatus(StrEnum):
    OPEN = "open"
    FULL = "full"
    CLOSED = "closed"


SERVICES = frozenset({"beds", "medical", "accessible", "pets", "food", "heating"})


class ShelterFull(Conflict):
    code = "shelter-full"
    title = "The shelter has no room for them"


class InvalidShelter(Invalid):
    code = "invalid-shelter"


@dataclass(frozen=True, slots=True)
class Shelter:
    id: int
    name: str
    region: str | None
    lon: float
    lat: float
    address: str
    capacity: int
    occupancy: int
    services: frozenset[str]
    status: ShelterStatus

    @classmethod
    def new(
        cls,
        name: str,
        lon: float,
        lat: float,
        *,
        address: str,
        capacity: int,
        occupancy: int,
        services: frozenset[str],
    ) -> Shelter:
        """A shelter to register (open, or full when it starts at capacity)."""
        status = ShelterStatus.FULL if occupancy >= capacity else ShelterStatus.OPEN
        return cls(0, name, None, lon, lat, address, capacity, occupancy, services, status)

    @property
    def room(self) -> int:
        return 0 if self.status is ShelterStatus.CLOSED else max(self.capacity - self.occupancy, 0)

    def check(self) -> None:
        if self.capacity <= 0:
            raise InvalidShelter.said("shelter.capacity_positive", "capacity must be > 0")
        if not 0 <= self.occupancy <= self.capacity:
            raise InvalidShelter.said(
                "shelter.occupancy_between_capacity", "occupancy must be between 0 and the capacity"
            )
        unknown = self.services - SERVICES
        if unknown:
            raise InvalidShelter.said(
                "shelter.unknown_services_known",
                "unknown services {services}; known: {known}",
                services=sorted(unknown),
                known=", ".join(sorted(SERVICES)),
            )


@dataclass(frozen=True, slots=True)
class ShelterOption:
    shelter: Shelter
    distance_km: float
    minutes: float


def options_from(
    lon: float, lat: float, shelters: Iterable[Shelter], travel: TravelModel, *, people: int = 1
) -> list[ShelterOption]:
    """Shelters with room for ``people``, nearest first, with travel time by ``travel``
    (the dispatch travel model)."""
    out = []
    for s in shelters:
        if s.status is ShelterStatus.OPEN and s.room >= people:
            km = haversine_km(lon, lat, s.lon, s.lat)
            out.append(ShelterOption(s, round(km, 1), round(travel.minutes(km), 1)))
    return sorted(out, key=lambda o: (o.distance_km, o.shelter.id))


@dataclasses.dataclass(frozen=True, kw_only=True)
class ShelterOccupancyChanged(DomainEvent):
    read_action = Action.SHELTER_READ
    shelter_id: int
    region: str | None
    change: int
    occupancy: int
    capacity: int
    status: str

    def resource(self) -> Resource:
        return Resource("shelter", region=self.region)

    def audit(self) -> AuditFacts:
        verb = "shelter.check_in" if self.change >= 0 else "shelter.check_out"
        return AuditFacts(
            verb,
            "shelter",
            self.shelter_id,
            {"people": abs(self.change), "occupancy": self.occupancy},
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class ShelterRegistered(DomainEvent):
    read_action = Action.SHELTER_READ
    shelter_id: int
    region: str | None
    name: str
    capacity: int

    def resource(self) -> Resource:
        return Resource("shelter", region=self.region)

    def audit(self) -> AuditFacts:
        return AuditFacts(
            "shelter.register",
            "shelter",
            self.shelter_id,
            {"name": self.name, "capacity": self.capacity},
        )


def check_in(
    shelter: Shelter, people: int, others: Iterable[Shelter], travel: TravelModel
) -> tuple[Shelter, list[DomainEvent]]:
    """Admit ``people``; over capacity (or closed) is refused with the nearest shelters
    that still have room for them."""
    if people <= 0:
        raise InvalidShelter.said("shelter.people_positive", "people must be > 0")
    if shelter.status is ShelterStatus.CLOSED or people > shelter.room:
        nearby = [
            o
            for o in options_from(shelter.lon, shelter.lat, others, travel, people=people)
            if o.shelter.id != shelter.id
        ][:3]
        names = "; ".join(
            f"{o.shelter.name} ({o.shelter.room} free, {o.distance_km:g} km, ~{o.minutes:g} min)"
            for o in nearby
        )
        full = (
            said(
                "shelter.full",
                "{shelter} has room for {room}, not {people}; nearest with room: {nearest}",
                shelter=shelter.name,
                room=shelter.room,
                people=people,
                nearest=names,
            )
            if names
            else said(
                "shelter.full_none",
                "{shelter} has room for {room}, not {people}; no other shelter has room",
                shelter=shelter.name,
                room=shelter.room,
                people=people,
            )
        )
        raise ShelterFull(
            full.text,
            message=full.code,
            params=full.params,
            extra={
                "alternatives": [
                    {
                        "id": o.shelter.id,
                        "name": o.shelter.name,
                        "room": o.shelter.room,
                        "distance_km": o.distance_km,
                        "minutes": o.minutes,
                    }
                    for o in nearby
                ]
            },
        )
    return _occupy(shelter, people)


def check_out(shelter: Shelter, people: int) -> tuple[Shelter, list[DomainEvent]]:
    if people <= 0:
        raise InvalidShelter.said("shelter.people_positive", "people must be > 0")
    if people > shelter.occupancy:
        raise InvalidShelter.said(
            "shelter.holds",
            "{shelter} holds {occupancy}, not {people}",
            shelter=shelter.name,
            occupancy=shelter.occupancy,
            people=people,
        )
    return _occupy(shelter, -people)


def _occupy(shelter: Shelter, change: int) -> tuple[Shelter, list[DomainEvent]]:
    occupancy = shelter.occupancy + change
    status = shelter.status
    if status is not ShelterStatus.CLOSED:
        status = ShelterStatus.FULL if occupancy >= shelter.capacity else ShelterStatus.OPEN
    after = dataclasses.replace(shelter, occupancy=occupancy, status=status)
    event = ShelterOccupancyChanged(
        shelter_id=shelter.id,
        region=shelter.region,
        change=change,
        occupancy=occupancy,
        capacity=shelter.capacity,
        status=status.value,
    )
    return after, [event]
