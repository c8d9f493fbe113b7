"""A task's lifecycle as a pure state machine, and what each step does to its unit.

::

    open ──assign──► assigned ──accept──► accepted ──► en_route ──► on_scene ──release──► completed
      ▲                 │                    │                         ▲
      └────decline──────┘                    └─────────────────────────┘ (already there)

    cancel: from open, assigned, accepted, en_route, on_scene ──► cancelled

- ``open``      — no unit yet. ``assigned`` when a unit is given the task.
- ``assigned``  — a unit was given it and has not answered. Its commander (or agency
  liaison) accepts (``accepted``) or declines (back to ``open``, the unit freed).
- ``accepted``  → ``en_route``, or ``on_scene`` when the unit is already there.
- ``en_route``  → ``on_scene``.
- ``on_scene``  → ``completed`` when the unit is released.
- ``completed``, ``cancelled``: terminal.

The unit's CAD status follows (``forces.status``): assigning commits it (``assigned``),
``en_route`` and ``on_scene`` set the same statuses, and declining, cancelling and
releasing free it (``available``, or ``returning`` when released to make its way back).
A task never moves to its own status.
"""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING

from marchwarden.core.dispatch.errors import DispatchError
from marchwarden.core.forces.status import UnitStatus

if TYPE_CHECKING:
    from collections.abc import Mapping


class TaskStatus(StrEnum):
    OPEN = "open"
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        return self in (TaskStatus.COMPLETED, TaskStatus.CANCELLED)

    @property
    def holds_unit(self) -> bool:
        """True while a unit is committed to the task."""
        return self in _HOLDS_UNIT


_HOLDS_UNIT = frozenset(
    {TaskStatus.ASSIGNED, TaskStatus.ACCEPTED, TaskStatus.EN_ROUTE, TaskStatus.ON_SCENE}
)


class TaskPriority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        """0 (low) … 3 (urgent), for ordering."""
        return _PRIORITY_ORDER.index(self)


_PRIORITY_ORDER = (TaskPriority.LOW, TaskPriority.NORMAL, TaskPriority.HIGH, TaskPriority.URGENT)

_T = TaskStatus
ALLOWED_TASK_TRANSITIONS: Mapping[TaskStatus, tuple[TaskStatus, ...]] = MappingProxyType(
    {
        _T.OPEN: (_T.ASSIGNED, _T.CANCELLED),
        _T.ASSIGNED: (_T.ACCEPTED, _T.OPEN, _T.CANCELLED),
        _T.ACCEPTED: (_T.EN_ROUTE, _T.ON_SCENE, _T.CANCELLED),
        _T.EN_ROUTE: (_T.ON_SCENE, _T.CANCELLED),
        _T.ON_SCENE: (_T.COMPLETED, _T.CANCELLED),
        _T.COMPLETED: (),
        _T.CANCELLED: (),
    }
)
del _T

#: Unit statuses a task status puts its unit in; steps not listed leave the unit alone.
UNIT_STATUS_ON_ENTRY: Mapping[TaskStatus, UnitStatus] = MappingProxyType(
    {
        TaskStatus.ASSIGNED: UnitStatus.ASSIGNED,
        TaskStatus.EN_ROUTE: UnitStatus.EN_ROUTE,
        TaskStatus.ON_SCENE: UnitStatus.ON_SCENE,
        TaskStatus.OPEN: UnitStatus.AVAILABLE,
        TaskStatus.CANCELLED: UnitStatus.AVAILABLE,
        TaskStatus.COMPLETED: UnitStatus.AVAILABLE,
    }
)

#: what a released unit may become
RELEASE_STATUSES: tuple[UnitStatus, ...] = (UnitStatus.AVAILABLE, UnitStatus.RETURNING)


class TaskError(DispatchError):
    code = "task-error"


class IllegalTaskTransition(TaskError):
    """A task step the lifecycle does not allow; names the allowed next statuses."""

    code = "illegal-task-transition"

    def __init__(
        self, current: TaskStatus, requested: TaskStatus, allowed: tuple[TaskStatus, ...]
    ) -> None:
        names = ", ".join(s.value for s in allowed) if allowed else "none"
        super().__init__(
            f"task cannot go from {current.value} to {requested.value}; "
            f"allowed from {current.value}: {names}"
        )
        self.current = current
        self.requested = requested
        self.allowed = allowed


class InvalidReleaseStatus(TaskError):
    code = "invalid-release-status"


def allowed_task_transitions(current: TaskStatus) -> tuple[TaskStatus, ...]:
    return ALLOWED_TASK_TRANSITIONS[current]


def check_task_transition(current: TaskStatus, requested: TaskStatus) -> None:
    allowed = ALLOWED_TASK_TRANSITIONS[current]
    if requested not in allowed:
        raise IllegalTaskTransition(current, requested, allowed)


def unit_status_after(
    requested: TaskStatus, *, release_to: UnitStatus = UnitStatus.AVAILABLE
) -> UnitStatus | None:
    """The status the task's unit takes when the task enters ``requested`` (None: unchanged)."""
    if requested is TaskStatus.COMPLETED:
        if release_to not in RELEASE_STATUSES:
            names = ", ".join(s.value for s in RELEASE_STATUSES)
            raise InvalidReleaseStatus.said(
                "task.released_unit_becomes_one",
                "a released unit becomes one of {names}, not {release_to}",
                names=names,
                release_to=release_to.value,
            )
        return release_to
    return UNIT_STATUS_ON_ENTRY.get(requested)
