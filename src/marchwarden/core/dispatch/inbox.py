"""The order of a unit's task inbox (the field page's "My unit's tasks").

Tasks waiting for the unit's answer (``assigned``) come first; within each group the most
urgent first, then the newest (by when the task was given to the unit)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from marchwarden.core.dispatch.tasking import TaskStatus

if TYPE_CHECKING:
    from collections.abc import Iterable

    from marchwarden.core.incidents.records import Task

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

#: the statuses in which a task belongs in its unit's inbox
INBOX_STATUSES: frozenset[TaskStatus] = frozenset(s for s in TaskStatus if s.holds_unit)


def inbox_key(task: Task) -> tuple[int, int, float, int]:
    waiting = 0 if task.status is TaskStatus.ASSIGNED else 1
    given = (task.assigned_at or task.created_at or _EPOCH) - _EPOCH
    return (waiting, -task.priority.rank, -given.total_seconds(), -task.id)


def inbox_order(tasks: Iterable[Task]) -> list[Task]:
    """Waiting for acceptance first, then most urgent, then newest."""
    return sorted(tasks, key=inbox_key)
