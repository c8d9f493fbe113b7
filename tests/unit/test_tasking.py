"""The task lifecycle (core/dispatch/tasking.py) and what it does to the unit's status."""

from __future__ import annotations

import itertools

import pytest

from marchwarden.core.dispatch.tasking import (
    ALLOWED_TASK_TRANSITIONS,
    IllegalTaskTransition,
    InvalidReleaseStatus,
    TaskPriority,
    TaskStatus,
    check_task_transition,
    unit_status_after,
)
from marchwarden.core.forces.status import Availability, UnitStatus, can_change_status

T = TaskStatus


def test_the_happy_path_is_allowed() -> None:
    path = [T.OPEN, T.ASSIGNED, T.ACCEPTED, T.EN_ROUTE, T.ON_SCENE, T.COMPLETED]
    for current, nxt in itertools.pairwise(path):
        check_task_transition(current, nxt)


@pytest.mark.parametrize(
    ("current", "requested"),
    [
        (T.OPEN, T.ACCEPTED),
        (T.ASSIGNED, T.EN_ROUTE),  # accept first
        (T.EN_ROUTE, T.COMPLETED),  # release happens on scene
        (T.COMPLETED, T.OPEN),
        (T.CANCELLED, T.ASSIGNED),
        (T.ON_SCENE, T.ON_SCENE),
    ],
)
def test_illegal_steps_name_the_allowed_ones(current: TaskStatus, requested: TaskStatus) -> None:
    with pytest.raises(IllegalTaskTransition) as err:
        check_task_transition(current, requested)
    assert err.value.allowed == ALLOWED_TASK_TRANSITIONS[current]
    names = ", ".join(s.value for s in err.value.allowed) or "none"
    assert err.value.message.endswith(f"allowed from {current.value}: {names}")


def test_terminal_statuses_lead_nowhere() -> None:
    assert [s for s in T if s.is_terminal] == [T.COMPLETED, T.CANCELLED]
    assert all(not ALLOWED_TASK_TRANSITIONS[s] for s in T if s.is_terminal)
    assert all(T.CANCELLED in ALLOWED_TASK_TRANSITIONS[s] for s in T if not s.is_terminal)


def test_unit_status_follows_every_step_within_the_cad_model() -> None:
    """Every task step maps to a unit status change the CAD model allows from the status
    the unit has while the task is in its previous status."""
    unit_in = {
        T.OPEN: UnitStatus.AVAILABLE,
        T.ASSIGNED: UnitStatus.ASSIGNED,
        T.ACCEPTED: UnitStatus.ASSIGNED,
        T.EN_ROUTE: UnitStatus.EN_ROUTE,
        T.ON_SCENE: UnitStatus.ON_SCENE,
    }
    for current, allowed in ALLOWED_TASK_TRANSITIONS.items():
        for nxt in allowed:
            target = unit_status_after(nxt)
            if target is None or current not in unit_in or target is unit_in[current]:
                continue
            assert can_change_status(unit_in[current], target), (current, nxt, target)
    assert unit_status_after(T.ACCEPTED) is None
    for freeing in (T.OPEN, T.CANCELLED, T.COMPLETED):
        target = unit_status_after(freeing)
        assert target is not None and target.availability is Availability.AVAILABLE
    assert {s for s in T if s.holds_unit} == {T.ASSIGNED, T.ACCEPTED, T.EN_ROUTE, T.ON_SCENE}


def test_a_released_unit_is_available_or_returning() -> None:
    assert unit_status_after(T.COMPLETED, release_to=UnitStatus.RETURNING) is UnitStatus.RETURNING
    with pytest.raises(InvalidReleaseStatus, match="available, returning"):
        unit_status_after(T.COMPLETED, release_to=UnitStatus.OFF_DUTY)


def test_priorities_are_ordered() -> None:
    assert sorted(TaskPriority, key=lambda p: p.rank) == [
        TaskPriority.LOW,
        TaskPriority.NORMAL,
        TaskPriority.HIGH,
        TaskPriority.URGENT,
    ]
