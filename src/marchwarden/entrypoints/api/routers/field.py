"""The field page's API: my tasks, my units, and idempotent actions (services/field.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response

from marchwarden.core.incidents.taxonomy import IncidentType
from marchwarden.entrypoints.api.deps import CurrentPrincipal, ServicesDep
from marchwarden.entrypoints.api.schemas.field import (
    FieldActionIn,
    FieldActionOut,
    FieldConfigOut,
    FieldTaskOut,
    FieldUnitOut,
    ReportTypeOut,
)
from marchwarden.entrypoints.api.schemas.tasks import TaskOut
from marchwarden.services import field, tasks

router = APIRouter(prefix="/field", tags=["field"])


@router.get("/config", response_model=FieldConfigOut)
def config(principal: CurrentPrincipal, services: ServicesDep) -> FieldConfigOut:
    """What the field page needs: the position interval, the photo limit, report types."""
    s = services.settings
    kinds = sorted(IncidentType, key=lambda t: (not t.border_specific, t.label))
    return FieldConfigOut(
        position_interval_seconds=s.field_position_interval_seconds,
        photo_max_bytes=s.photo_max_bytes,
        report_types=[
            ReportTypeOut(value=t.value, label=t.label, border_specific=t.border_specific)
            for t in kinds
        ],
    )


@router.get("/tasks", response_model=list[FieldTaskOut])
def my_tasks(principal: CurrentPrincipal, services: ServicesDep) -> list[FieldTaskOut]:
    """The active tasks of the units the caller answers for: waiting for acceptance
    first, then the most urgent, then the newest."""
    return [FieldTaskOut.of_inbox(v) for v in field.my_tasks(services, principal)]


@router.get("/units", response_model=list[FieldUnitOut])
def my_units(principal: CurrentPrincipal, services: ServicesDep) -> list[FieldUnitOut]:
    """The units whose status the caller may set, with the task holding each."""
    return [FieldUnitOut.of(f) for f in field.my_units(services, principal)]


@router.post("/actions", response_model=FieldActionOut)
def act(
    body: FieldActionIn,
    principal: CurrentPrincipal,
    services: ServicesDep,
    response: Response,
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", description="unique per action; a retry sends the same"),
    ] = None,
) -> FieldActionOut:
    """A task step, unit status or unit position made on a phone (perhaps offline, sent
    later). Carried out once per ``Idempotency-Key``: the same key again replays
    (``Idempotent-Replayed: true``, the task as it is now) and changes nothing."""
    outcome = field.perform(services, principal, body.action(), idempotency_key)
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    task = None
    if outcome.task_id is not None:
        task = TaskOut.of(tasks.get_task(services, principal, outcome.task_id))
    return FieldActionOut(
        kind=outcome.kind, replayed=outcome.replayed, task=task, unit_id=outcome.unit_id
    )
