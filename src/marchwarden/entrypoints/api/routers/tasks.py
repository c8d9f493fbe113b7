"""Tasks: create on an incident, recommend units, assign, accept or decline, status."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from marchwarden.core.dispatch.ranking import DEFAULT_INELIGIBLE_RADIUS_KM, DEFAULT_LIMIT
from marchwarden.core.dispatch.tasking import TaskStatus
from marchwarden.core.forces.status import UnitStatus
from marchwarden.entrypoints.api.deps import CurrentPrincipal, ServicesDep
from marchwarden.entrypoints.api.schemas.tasks import (
    AcceptIn,
    AssignIn,
    CancelIn,
    DeclineIn,
    RecommendationOut,
    TaskIn,
    TaskOut,
    TaskStatusIn,
)
from marchwarden.entrypoints.api.schemas.types import Id
from marchwarden.services import tasks

router = APIRouter(tags=["tasks"])

_REPORTED = {
    "en_route": TaskStatus.EN_ROUTE,
    "on_scene": TaskStatus.ON_SCENE,
    "released": TaskStatus.COMPLETED,
}


@router.post(
    "/incidents/{incident_id}/tasks", response_model=TaskOut, status_code=status.HTTP_201_CREATED
)
def create_task(
    incident_id: Id, body: TaskIn, principal: CurrentPrincipal, services: ServicesDep
) -> TaskOut:
    """A task on an open incident: what (the powers and capabilities it needs, the minimum
    readiness), where (default: the incident's place), priority and time."""
    spec = tasks.TaskSpec(
        title=body.title,
        description=body.description,
        required_powers=frozenset(body.required_powers),
        required_capabilities=frozenset(body.required_capabilities),
        minimum_readiness=body.minimum_readiness,
        position=(body.position.lon, body.position.lat) if body.position else None,
        priority=body.priority,
        needed_by=body.needed_by,
    )
    return TaskOut.of(tasks.create_task(services, principal, incident_id, spec))


@router.get("/tasks", response_model=list[TaskOut])
def list_tasks(
    principal: CurrentPrincipal,
    services: ServicesDep,
    incident_id: Annotated[Id | None, Query()] = None,
    task_status: Annotated[list[TaskStatus] | None, Query(alias="status")] = None,
    unit_id: Annotated[Id | None, Query()] = None,
) -> list[TaskOut]:
    views = tasks.list_tasks(
        services, principal, incident_id=incident_id, statuses=task_status, unit_id=unit_id
    )
    return [TaskOut.of(v) for v in views]


@router.get("/tasks/{task_id}", response_model=TaskOut)
def get_task(task_id: Id, principal: CurrentPrincipal, services: ServicesDep) -> TaskOut:
    return TaskOut.of(tasks.get_task(services, principal, task_id))


@router.get("/tasks/{task_id}/recommendations", response_model=RecommendationOut)
def recommend(
    task_id: Id,
    principal: CurrentPrincipal,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=100)] = DEFAULT_LIMIT,
    radius_km: Annotated[
        float, Query(ge=0, le=500, description="list ineligible units within this distance")
    ] = DEFAULT_INELIGIBLE_RADIUS_KM,
) -> RecommendationOut:
    """Eligible units ranked by ETA, and every ineligible unit nearby with its reasons.
    Only units the caller may task are considered (see docs/security.md)."""
    view = tasks.recommend(
        services, principal, task_id, limit=limit, ineligible_radius_km=radius_km
    )
    return RecommendationOut.of(view)


@router.post("/tasks/{task_id}/assign", response_model=TaskOut)
def assign(
    task_id: Id, body: AssignIn, principal: CurrentPrincipal, services: ServicesDep
) -> TaskOut:
    """Give the task to a unit. An ineligible unit is refused (409 ``unit-not-eligible``)
    with every reason and, for each missing power, the legal engine's explanation."""
    return TaskOut.of(tasks.assign(services, principal, task_id, body.unit_id, note=body.note))


@router.post("/tasks/{task_id}/accept", response_model=TaskOut)
def accept(
    task_id: Id, body: AcceptIn, principal: CurrentPrincipal, services: ServicesDep
) -> TaskOut:
    """The unit (its commander or agency liaison) accepts the assignment."""
    return TaskOut.of(tasks.respond(services, principal, task_id, accept=True, note=body.note))


@router.post("/tasks/{task_id}/decline", response_model=TaskOut)
def decline(
    task_id: Id, body: DeclineIn, principal: CurrentPrincipal, services: ServicesDep
) -> TaskOut:
    """The unit declines: the task is open again and the unit available."""
    return TaskOut.of(tasks.respond(services, principal, task_id, accept=False, note=body.reason))


@router.post("/tasks/{task_id}/status", response_model=TaskOut)
def report_status(
    task_id: Id, body: TaskStatusIn, principal: CurrentPrincipal, services: ServicesDep
) -> TaskOut:
    """En route, on scene, or released (the task completed, the unit freed)."""
    return TaskOut.of(
        tasks.report_status(
            services,
            principal,
            task_id,
            _REPORTED[body.status],
            note=body.note,
            release_to=UnitStatus(body.release_to),
        )
    )


@router.post("/tasks/{task_id}/cancel", response_model=TaskOut)
def cancel(
    task_id: Id, body: CancelIn, principal: CurrentPrincipal, services: ServicesDep
) -> TaskOut:
    return TaskOut.of(tasks.cancel(services, principal, task_id, reason=body.reason))
