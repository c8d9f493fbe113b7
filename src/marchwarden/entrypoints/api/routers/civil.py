"""Shelters and evacuation orders (``/api/v1/shelters``, ``/api/v1/evacuation-orders``)."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Query, status

from marchwarden.core.access.policy import Action
from marchwarden.core.civil.evacuation import AssemblyPoint
from marchwarden.core.civil.model import Shelter
from marchwarden.entrypoints.api.deps import CurrentPrincipal, ServicesDep
from marchwarden.entrypoints.api.schemas.civil import (
    DisplacementOut,
    EvacuationIn,
    EvacuationOut,
    EvacuationPatch,
    EvacuationTaskIn,
    PeopleIn,
    ShelterIn,
    ShelterOptionOut,
    ShelterOptionsOut,
    ShelterOut,
)
from marchwarden.entrypoints.api.schemas.tasks import TaskOut
from marchwarden.entrypoints.api.schemas.types import Id
from marchwarden.services import evacuation, shelters
from marchwarden.services.context import authorise, authorise_role

router = APIRouter(tags=["civil protection"])


@router.post("/shelters", response_model=ShelterOut, status_code=status.HTTP_201_CREATED)
def register_shelter(
    body: ShelterIn, principal: CurrentPrincipal, services: ServicesDep
) -> ShelterOut:
    shelter = Shelter.new(
        body.name,
        body.lon,
        body.lat,
        address=body.address,
        capacity=body.capacity,
        occupancy=body.occupancy,
        services=frozenset(body.services),
    )
    return ShelterOut.of(shelters.register(services, principal, shelter))


@router.get("/shelters", response_model=list[ShelterOut])
def list_shelters(principal: CurrentPrincipal, services: ServicesDep) -> list[ShelterOut]:
    return [ShelterOut.of(s) for s in shelters.list_shelters(services, principal)]


@router.post("/shelters/{shelter_id}/check-in", response_model=ShelterOut)
def check_in(
    shelter_id: Id, body: PeopleIn, principal: CurrentPrincipal, services: ServicesDep
) -> ShelterOut:
    """Admit people; over capacity is a 409 naming the nearest shelters with room."""
    return ShelterOut.of(shelters.check_in(services, principal, shelter_id, body.people))


@router.post("/shelters/{shelter_id}/check-out", response_model=ShelterOut)
def check_out(
    shelter_id: Id, body: PeopleIn, principal: CurrentPrincipal, services: ServicesDep
) -> ShelterOut:
    return ShelterOut.of(shelters.check_out(services, principal, shelter_id, body.people))


@router.get("/settlements/{settlement_id}/shelters", response_model=ShelterOptionsOut)
def shelters_for(
    settlement_id: Id,
    principal: CurrentPrincipal,
    services: ServicesDep,
    people: int = Query(default=1, ge=1, le=100_000),
) -> ShelterOptionsOut:
    """Where the people of a settlement can go: shelters with room, nearest first."""
    name, options = shelters.options_for_settlement(services, principal, settlement_id, people)
    return ShelterOptionsOut(
        settlement=name,
        travel_model=shelters.TRAVEL.describe(),
        options=[ShelterOptionOut.of(o) for o in options],
    )


@router.post(
    "/evacuation-orders", response_model=EvacuationOut, status_code=status.HTTP_201_CREATED
)
def order_evacuation(
    body: EvacuationIn, principal: CurrentPrincipal, services: ServicesDep
) -> EvacuationOut:
    """Order an evacuation of an area (people to move: its population unless given)."""
    created = evacuation.order(
        services,
        principal,
        area=body.area.spec(),
        kind=body.kind,
        incident_id=body.incident_id,
        alert_id=body.alert_id,
        to_move=body.to_move,
        assembly_points=tuple(AssemblyPoint(p.name, p.lon, p.lat) for p in body.assembly_points),
    )
    return EvacuationOut.of(created)


@router.patch("/evacuation-orders/{order_id}", response_model=EvacuationOut)
def progress(
    order_id: Id, body: EvacuationPatch, principal: CurrentPrincipal, services: ServicesDep
) -> EvacuationOut:
    """A step (in_progress, complete, lifted) and/or the people moved so far."""
    return EvacuationOut.of(
        evacuation.progress(services, principal, order_id, state=body.state, moved=body.moved)
    )


@router.get("/evacuation-orders", response_model=list[EvacuationOut])
def list_orders(principal: CurrentPrincipal, services: ServicesDep) -> list[EvacuationOut]:
    # a role that reads no incident gets 403, not an empty list (policy.API_OPERATIONS)
    authorise_role(principal, Action.INCIDENT_READ)
    return [EvacuationOut.of(o, g) for o, g in evacuation.list_orders(services, principal)]


@router.get("/displacement", response_model=list[DisplacementOut])
def displacement(
    principal: CurrentPrincipal,
    services: ServicesDep,
    incident_id: Annotated[Id | None, Query()] = None,
) -> list[DisplacementOut]:
    """Displacement roll-ups beside the casualty figures of the situation reports: the
    incident (if given), each border region and all border regions — people to move,
    moved and remaining under the orders in force, and people in shelters."""
    authorise(principal, Action.SITREP_READ)
    return [
        DisplacementOut(**dataclasses.asdict(d))
        for d in evacuation.displacement(services, principal, incident_id=incident_id)
    ]


@router.post(
    "/evacuation-orders/{order_id}/tasks",
    response_model=TaskOut,
    status_code=status.HTTP_201_CREATED,
)
def evacuation_task(
    order_id: Id, body: EvacuationTaskIn, principal: CurrentPrincipal, services: ServicesDep
) -> TaskOut:
    """An evacuation-assistance task (power ``evacuation_assist``) on the order's
    incident, at its first assembly point; assign it through the ordinary tasking."""
    return TaskOut.of(evacuation.task_for(services, principal, order_id, body.priority))
