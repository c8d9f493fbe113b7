"""The shelter registry: register, list, check in and out, and where the people of a
settlement can go (shelters with room, nearest first, by the dispatch travel model)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from marchwarden import geodata
from marchwarden.core.access.model import Resource
from marchwarden.core.access.policy import Action
from marchwarden.core.civil import model as civil
from marchwarden.core.errors import NotFound
from marchwarden.core.geo.distance import TravelModel
from marchwarden.services.context import authorise

if TYPE_CHECKING:
    from marchwarden.core.access.model import Principal
    from marchwarden.services.context import Services

#: the same straight-line model dispatch ranks units by (core/geo/distance.py)
TRAVEL = TravelModel()


def register(svc: Services, actor: Principal | None, shelter: civil.Shelter) -> civil.Shelter:
    region = geodata.region_code_at(shelter.lon, shelter.lat)
    shelter = dataclasses.replace(shelter, region=region)
    if actor is not None:
        authorise(actor, Action.SHELTER_WRITE, Resource("shelter", region=region))
    shelter.check()
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        shelter = dataclasses.replace(shelter, id=uow.shelters.add(shelter, now))
        event = civil.ShelterRegistered(
            shelter_id=shelter.id, region=region, name=shelter.name, capacity=shelter.capacity
        )
        uow.record(actor, [event], at=now)
        uow.commit()
    return shelter


def list_shelters(svc: Services, actor: Principal) -> list[civil.Shelter]:
    authorise(actor, Action.SHELTER_READ)
    with svc.db.unit_of_work(write=False) as uow:
        return uow.shelters.all()


def _occupancy(svc: Services, actor: Principal, shelter_id: int, people: int) -> civil.Shelter:
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        shelter = uow.shelters.get(shelter_id, for_update=True)
        if shelter is None:
            raise NotFound.with_id("shelter", shelter_id)
        authorise(actor, Action.SHELTER_WRITE, Resource("shelter", region=shelter.region))
        if people > 0:
            after, events = civil.check_in(shelter, people, uow.shelters.all(), TRAVEL)
        else:
            after, events = civil.check_out(shelter, -people)
        uow.shelters.save(after, now)
        uow.record(actor, events, at=now)
        uow.commit()
    return after


def check_in(svc: Services, actor: Principal, shelter_id: int, people: int) -> civil.Shelter:
    """Over capacity: ``ShelterFull`` naming the nearest shelters with room."""
    if people <= 0:
        raise civil.InvalidShelter.said("shelter.people_positive", "people must be > 0")
    return _occupancy(svc, actor, shelter_id, people)


def check_out(svc: Services, actor: Principal, shelter_id: int, people: int) -> civil.Shelter:
    if people <= 0:
        raise civil.InvalidShelter.said("shelter.people_positive", "people must be > 0")
    return _occupancy(svc, actor, shelter_id, -people)


def options_for_settlement(
    svc: Services, actor: Principal, settlement_id: int, people: int = 1
) -> tuple[str, list[civil.ShelterOption]]:
    """Where the people of a settlement can go: (its name, shelters with room for
    ``people``, nearest first with travel time)."""
    authorise(actor, Action.SHELTER_READ)
    place = next((s for s in geodata.settlements() if s.id == settlement_id), None)
    if place is None:
        raise NotFound.with_id("settlement", settlement_id)
    with svc.db.unit_of_work(write=False) as uow:
        shelters = uow.shelters.all()
    return place.name, civil.options_from(place.lon, place.lat, shelters, TRAVEL, people=people)
