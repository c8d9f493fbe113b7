"""The one rule between a unit's status and its task's status (core/dispatch/coupling.py)."""

from __future__ import annotations

import pytest

from marchwarden.core.dispatch.coupling import Coupled, UnitHeldByTask, couple
from marchwarden.core.dispatch.tasking import IllegalTaskTransition, TaskStatus
from marchwarden.core.errors import Invalid
from marchwarden.core.forces.status import IllegalStatusTransition, UnitStatus

T = TaskStatus
U = UnitStatus


@pytest.mark.parametrize(
    ("unit", "task", "step", "unit_after"),
    [
        (U.AVAILABLE, T.OPEN, T.ASSIGNED, U.ASSIGNED),
        (U.ASSIGNED, T.ASSIGNED, T.ACCEPTED, None),
        (U.ASSIGNED, T.ASSIGNED, T.OPEN, U.AVAILABLE),  # declined: freed
        (U.ASSIGNED, T.ACCEPTED, T.EN_ROUTE, U.EN_ROUTE),
        (U.EN_ROUTE, T.EN_ROUTE, T.ON_SCENE, U.ON_SCENE),
        (U.ON_SCENE, T.ON_SCENE, T.COMPLETED, U.AVAILABLE),
        (U.EN_ROUTE, T.EN_ROUTE, T.CANCELLED, U.AVAILABLE),
        # a unit put out of service meanwhile is not "freed" by the task ending
        (U.OUT_OF_SERVICE, T.ACCEPTED, T.CANCELLED, None),
    ],
)
def test_a_task_step_drives_the_unit(
    unit: UnitStatus, task: TaskStatus, step: TaskStatus, unit_after: UnitStatus | None
) -> None:
    assert couple(unit, task, task_to=step) == Coupled((step,), unit_after)


def test_a_released_unit_may_return_to_base() -> None:
    out = couple(U.ON_SCENE, T.ON_SCENE, task_to=T.COMPLETED, release_to=U.RETURNING)
    assert out.unit_status is U.RETURNING


def test_a_task_step_the_lifecycle_does_not_allow_is_refused() -> None:
    with pytest.raises(IllegalTaskTransition, match="allowed from assigned: accepted"):
        couple(U.ASSIGNED, T.ASSIGNED, task_to=T.ON_SCENE)


def test_a_task_step_the_units_status_cannot_take_is_refused() -> None:
    with pytest.raises(IllegalStatusTransition):
        couple(U.OUT_OF_SERVICE, T.ACCEPTED, task_to=T.EN_ROUTE)


@pytest.mark.parametrize(
    ("task", "unit_to", "steps"),
    [
        # the unit moving is its answer to a task waiting for acceptance
        (T.ASSIGNED, U.EN_ROUTE, (T.ACCEPTED, T.EN_ROUTE)),
        (T.ASSIGNED, U.ON_SCENE, (T.ACCEPTED, T.ON_SCENE)),
        (T.ACCEPTED, U.EN_ROUTE, (T.EN_ROUTE,)),
        (T.ACCEPTED, U.ON_SCENE, (T.ON_SCENE,)),
    ],
)
def test_a_unit_moving_takes_its_task_along(
    task: TaskStatus, unit_to: UnitStatus, steps: tuple[TaskStatus, ...]
) -> None:
    assert couple(U.ASSIGNED, task, unit_to=unit_to) == Coupled(steps, unit_to)


def test_en_route_to_on_scene_moves_the_task_too() -> None:
    assert couple(U.EN_ROUTE, T.EN_ROUTE, unit_to=U.ON_SCENE).task_steps == (T.ON_SCENE,)


@pytest.mark.parametrize("unit_to", [U.AVAILABLE, U.RETURNING])
def test_releasing_a_unit_on_scene_completes_its_task(unit_to: UnitStatus) -> None:
    assert couple(U.ON_SCENE, T.ON_SCENE, unit_to=unit_to) == Coupled(
        (T.COMPLETED,), unit_to, unit_to
    )


@pytest.mark.parametrize(
    ("unit", "task", "unit_to"),
    [
        (U.ASSIGNED, T.ASSIGNED, U.AVAILABLE),
        (U.ASSIGNED, T.ACCEPTED, U.OUT_OF_SERVICE),
        (U.EN_ROUTE, T.EN_ROUTE, U.AVAILABLE),
        (U.EN_ROUTE, T.EN_ROUTE, U.ASSIGNED),
        (U.ON_SCENE, T.ON_SCENE, U.OUT_OF_SERVICE),
    ],
)
def test_a_change_that_would_orphan_the_task_is_refused(
    unit: UnitStatus, task: TaskStatus, unit_to: UnitStatus
) -> None:
    with pytest.raises(UnitHeldByTask, match="on task 7") as caught:
        couple(unit, task, unit_to=unit_to, task_id=7)
    assert caught.value.extra["task_status"] == task.value


def test_without_a_task_only_the_cad_model_decides() -> None:
    assert couple(U.AVAILABLE, None, unit_to=U.EN_ROUTE) == Coupled((), U.EN_ROUTE)
    assert couple(U.AVAILABLE, T.COMPLETED, unit_to=U.OFF_DUTY) == Coupled((), U.OFF_DUTY)
    with pytest.raises(IllegalStatusTransition):
        couple(U.OFF_DUTY, None, unit_to=U.ON_SCENE)


def test_one_change_at_a_time() -> None:
    with pytest.raises(Invalid):
        couple(U.AVAILABLE, T.OPEN)
    with pytest.raises(Invalid):
        couple(U.AVAILABLE, T.OPEN, task_to=T.ASSIGNED, unit_to=U.ASSIGNED)


def test_what_a_unit_may_be_set_to_by_hand_considers_its_task() -> None:
    from marchwarden.core.dispatch.coupling import allowed_unit_statuses

    assert allowed_unit_statuses(U.ASSIGNED, T.ASSIGNED) == (U.EN_ROUTE, U.ON_SCENE)
    assert allowed_unit_statuses(U.ON_SCENE, T.ON_SCENE) == (U.RETURNING, U.AVAILABLE)
    assert allowed_unit_statuses(U.ASSIGNED, None) == (
        U.EN_ROUTE,
        U.ON_SCENE,
        U.AVAILABLE,
        U.OUT_OF_SERVICE,
    )
