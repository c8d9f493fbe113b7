"""The one rule that ties a unit's CAD status to the status of the task it works on.

A unit holds at most one task at a time (assignment needs an available unit). Whichever
side moves, :func:`couple` says what happens to the other; the task step endpoints, the
unit status endpoint, the Units board and the field page all go through it.

**A task step drives the unit** (the lifecycle in ``tasking.py``):

- ``assigned`` commits the unit (``assigned``); ``accepted`` leaves it ``assigned``;
- ``en_route`` and ``on_scene`` set the same unit statuses;
- declining (back to ``open``), cancelling and completing free the unit (``available``,
  or ``returning`` when released to make its way back) — but a unit that is no longer
  committed (put out of service meanwhile) is left as it is.

**A unit status drives its task** (the unit's own word, e.g. from the Units board or a
phone, counts as the task's step):

- ``en_route`` / ``on_scene`` while the task is ``assigned``: the unit moving is its
  answer — the task is ``accepted`` and then ``en_route`` / ``on_scene`` (two steps,
  both recorded);
- ``en_route`` / ``on_scene`` while the task is ``accepted`` or ``en_route``: the task
  takes the same step;
- ``available`` / ``returning`` while the task is ``on_scene``: the unit is released and
  the task ``completed``;
- anything else while a task holds the unit is refused (:class:`UnitHeldByTask`, 409):
  freeing a unit before the work is done, putting it out of service or off duty, or
  "assigning" it by hand would leave a task that no unit works on. The task is declined
  (by the unit), cancelled (by command) or completed first.

Without a task, a unit status change is checked by the CAD model alone
(``forces/status.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from marchwarden.core.dispatch.errors import DispatchError
from marchwarden.core.dispatch.tasking import (
    TaskStatus,
    check_task_transition,
    unit_status_after,
)
from marchwarden.core.errors import Conflict, Invalid
from marchwarden.core.forces.status import (
    Availability,
    UnitStatus,
    UnitStatusError,
    allowed_next_statuses,
    change_status,
)

_MOVING = (UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE)
_RELEASING = (UnitStatus.AVAILABLE, UnitStatus.RETURNING)


class UnitHeldByTask(Conflict):
    """A unit status change that would leave the unit's task without its unit."""

    code = "unit-held-by-task"
    title = "The unit is working on a task"


@dataclass(frozen=True, slots=True)
class Coupled:
    """What one change does to both sides.

    ``task_steps``: the task's statuses to pass through, in order (empty: the task is
    unchanged). ``unit_status``: the unit's new status (None: unchanged). ``release_to``:
    the unit's status after a ``completed`` step."""

    task_steps: tuple[TaskStatus, ...]
    unit_status: UnitStatus | None
    release_to: UnitStatus = UnitStatus.AVAILABLE


def allowed_unit_statuses(unit: UnitStatus, task: TaskStatus | None) -> tuple[UnitStatus, ...]:
    """The statuses a unit may be set to by hand now, its task considered (what
    :func:`couple` would accept): what the Units board and the field page offer."""
    out = []
    for status in allowed_next_statuses(unit):
        try:
            couple(unit, task, unit_to=status)
        except (UnitHeldByTask, UnitStatusError, DispatchError):
            continue
        out.append(status)
    return tuple(out)


def couple(
    unit: UnitStatus | None,
    task: TaskStatus | None,
    *,
    task_to: TaskStatus | None = None,
    unit_to: UnitStatus | None = None,
    release_to: UnitStatus = UnitStatus.AVAILABLE,
    task_id: int | None = None,
) -> Coupled:
    """Apply one change — a task step (``task_to``) or a unit status (``unit_to``) — and
    return what both sides become (module docstring). ``unit`` is the unit's status
    (None: the task has no unit), ``task`` the status of the task at hand (for a unit
    status change: the active task holding the unit, None if it has none).

    Raises ``IllegalTaskTransition``, ``IllegalStatusTransition``, ``InvalidReleaseStatus``
    or :class:`UnitHeldByTask`; nothing is to be changed then."""
    if (task_to is None) == (unit_to is None):
        raise Invalid.said(
            "task.one_change_time_task", "one change at a time: a task step or a unit status"
        )
    if task_to is not None:
        if task is None:
            raise Invalid.said(
                "task.task_step_needs_task", "a task step needs the task's current status"
            )
        check_task_transition(task, task_to)
        target = unit_status_after(task_to, release_to=release_to)
        if unit is None or target is None or target is unit:
            return Coupled((task_to,), None, release_to)
        if target.availability is Availability.AVAILABLE and unit.availability not in (
            Availability.COMMITTED,
        ):
            return Coupled((task_to,), None, release_to)  # not ours to free any more
        change_status(unit, target)
        return Coupled((task_to,), target, release_to)

    assert unit_to is not None
    if unit is None:
        raise Invalid.said(
            "task.unit_status_change_needs", "a unit status change needs the unit's current status"
        )
    change_status(unit, unit_to)
    if task is None or not task.holds_unit:
        return Coupled((), unit_to)
    steps: tuple[TaskStatus, ...] = ()
    if unit_to in _MOVING and task in (
        TaskStatus.ASSIGNED,
        TaskStatus.ACCEPTED,
        TaskStatus.EN_ROUTE,
    ):
        step = TaskStatus(unit_to.value)
        steps = (TaskStatus.ACCEPTED, step) if task is TaskStatus.ASSIGNED else (step,)
    elif unit_to in _RELEASING and task is TaskStatus.ON_SCENE:
        steps = (TaskStatus.COMPLETED,)
        release_to = unit_to
    if not steps:
        facts = {"task_id": task_id, "task_status": task.value, "requested": unit_to.value}
        if task_id is None:
            raise UnitHeldByTask.said(
                "task.holds_unit",
                "the unit is on its task ({task}): it cannot become {status} while the task holds "
                "it; decline the task, have command cancel it, or complete it on scene first",
                task=task.value,
                status=unit_to.value,
                extra=facts,
            )
        raise UnitHeldByTask.said(
            "task.holds_unit_id",
            "the unit is on task {id} ({task}): it cannot become {status} while the task holds it; "
            "decline the task, have command cancel it, or complete it on scene first",
            id=task_id,
            task=task.value,
            status=unit_to.value,
            extra=facts,
        )
    current = task
    for step in steps:
        check_task_transition(current, step)
        current = step
    return Coupled(steps, unit_to, release_to)
