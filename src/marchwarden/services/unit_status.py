"""A unit's status set by hand (Units board, field page), with its task following.

The rule is ``core/dispatch/coupling.py``: the unit moving en route or on scene takes its
task along (accepting it if it was waiting), releasing it on scene completes the task,
and a change that would leave the task without its unit is refused (409
``unit-held-by-task``). One transaction: the unit's status, the task's steps, one audit
record, a timeline entry and an event per step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from marchwarden.core.access.policy import Action
from marchwarden.core.dispatch.coupling import couple
from marchwarden.core.dispatch.tasking import TaskStatus
from marchwarden.core.errors import NotFound
from marchwarden.core.incidents import events as ev
from marchwarden.core.incidents.records import TimelineKind
from marchwarden.services.context import authorise
from marchwarden.services.forces import apply_unit_status
from marchwarden.services.incidents import event_base, get_incident_row

if TYPE_CHECKING:
    from marchwarden.core.access.model import Principal
    from marchwarden.core.forces import model as fm
    from marchwarden.core.forces.status import UnitStatus
    from marchwarden.services.context import Services

_ACTIVE = frozenset(s for s in TaskStatus if s.holds_unit)
_VERB = {
    TaskStatus.ACCEPTED: "accepted",
    TaskStatus.EN_ROUTE: "en route",
    TaskStatus.ON_SCENE: "on scene",
    TaskStatus.COMPLETED: "completed; unit released",
}


def change_unit_status(
    svc: Services, actor: Principal | None, unit_id: int, status: UnitStatus, note: str = ""
) -> fm.Unit:
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        unit = uow.forces.unit(unit_id, for_update=True)
        if unit is None:
            raise NotFound(f"no unit with id {unit_id}")
        if actor is not None:
            authorise(actor, Action.UNIT_STATUS, unit.resource())
        active = uow.tasks.find(unit_id=unit_id, statuses=_ACTIVE)
        task = active[0] if active else None
        coupled = couple(
            unit.status,
            task.status if task else None,
            unit_to=status,
            task_id=task.id if task else None,
        )
        apply_unit_status(uow, unit_id, status, by=actor, note=note, at=now)
        steps: list[str] = []
        if task is not None and coupled.task_steps:
            incident = get_incident_row(uow, task.incident_id)
            ref = uow.tasks.unit(unit_id)
            previous = task.status
            for step in coupled.task_steps:
                uow.tasks.set_status(
                    task.id,
                    step,
                    at=now,
                    unit_id=unit_id,
                    assigned_at=task.assigned_at,
                    ended_at=now if step.is_terminal else None,
                )
                uow.incidents.add_timeline(
                    incident.id,
                    at=now,
                    kind=TimelineKind.TASK_STATUS,
                    actor_name=actor.username if actor else "system",
                    unit_id=unit_id,
                    task_id=task.id,
                    text=f"Task {task.id} {_VERB[step]} by {unit.name} (unit status "
                    f"{status.value})" + (f": {note}" if note else ""),
                    data={"from": previous.value, "to": step.value, "by": "unit status"},
                )
                uow.emit(
                    ev.TaskStatusChanged(
                        **event_base(incident),
                        task_id=task.id,
                        unit_id=unit_id,
                        unit_agency_id=unit.agency_id,
                        unit_path=ref.path if ref else unit.path,
                        status=step.value,
                        previous=previous.value,
                    ),
                    at=now,
                )
                steps.append(step.value)
                previous = step
        uow.record_audit(
            actor=actor,
            command="unit.status",
            target_type="unit",
            target_id=unit_id,
            changes={
                "status": [unit.status.value, status.value],
                "note": note,
                **({"task_id": task.id, "task_steps": steps} if task and steps else {}),
            },
            at=now,
        )
        result = uow.forces.unit(unit_id, counted=True)
        assert result is not None
        uow.commit()
    return result
