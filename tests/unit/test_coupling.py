"""The one rule between a unit's status and its task's status (core/dispatch/coupling.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING, cast

import pytest

from marchwarden.core.dispatch.coupling import Coupled, UnitHeldByTask, couple
from marchwarden.core.dispatch.decisions import decide_move, decide_unit_status_set
from marchwarden.core.dispatch.model import TaskRequirements
from marchwarden.core.dispatch.tasking import IllegalTaskTransition, TaskPriority, TaskStatus
from marchwarden.core.errors import Invalid
from marchwarden.core.forces.model import Unit
from marchwarden.core.forces.status import IllegalStatusTransition, UnitStatus
from marchwarden.core.incidents.records import Task

if TYPE_CHECKING:
    from marchwarden.core.incidents.records import Incident, UnitRef

NOW = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)

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


# ------------------------------------------------ the decision a unit status set by hand makes


def _unit(status: UnitStatus) -> Unit:
    return Unit(
        id=7,
        code="BEL-EVAC",
        name="BEL-EVAC",
        agency_id=1,
        agency_kind="volunteer_self_defence",
        parent_id=None,
        path="/1/7/",
        category="evacuation",
        region="RU-BEL",
        home_lon=36.6,
        home_lat=50.6,
        capabilities=(),
        readiness=3,
        status=status,
        status_since=NOW,
    )


def _task(status: TaskStatus) -> Task:
    return Task(
        id=11,
        incident_id=5,
        title="evacuate",
        description="",
        requirements=TaskRequirements(),
        position=(36.6, 50.6),
        priority=TaskPriority.URGENT,
        needed_by=None,
        status=status,
        status_since=NOW,
        unit_id=7,
        assigned_at=NOW,
        ended_at=None,
        created_by="hq",
        created_at=NOW,
    )


# the decision reads only these fields of the incident and of the unit as tasking sees it
INCIDENT = cast("Incident", SimpleNamespace(id=5, region="RU-BEL", command_agencies={1}))
REF = cast("UnitRef", SimpleNamespace(id=7, agency_id=1, path="/1/7/"))


def test_a_unit_set_en_route_by_hand_accepts_its_task_and_takes_it_along() -> None:
    move = decide_unit_status_set(
        _unit(U.ASSIGNED), U.EN_ROUTE, "rolling", task=_task(T.ASSIGNED), incident=INCIDENT, ref=REF
    )
    assert move.task_steps == (T.ACCEPTED, T.EN_ROUTE)
    # one audit record: the unit's, naming the task's steps
    facts = move.unit_event.audit()
    assert facts is not None and facts.command == "unit.status"
    assert facts.changes == {
        "status": ["assigned", "en_route"],
        "note": "rolling",
        "task_id": 11,
        "task_steps": ["accepted", "en_route"],
    }
    # a timeline entry per step, and no record of their own
    assert [e.audit() for e in move.task_events] == [None, None]
    notes = [e.timeline() for e in move.task_events]
    assert [n.text for n in notes] == [
        "Task 11 accepted by BEL-EVAC (unit status en_route): rolling",
        "Task 11 en route by BEL-EVAC (unit status en_route): rolling",
    ]
    assert [n.data for n in notes] == [
        {
            "from": "assigned",
            "to": "accepted",
            "unit": "BEL-EVAC",
            "note": "rolling",
            "by": "unit status",
            "unit_status": "en_route",
        },
        {
            "from": "accepted",
            "to": "en_route",
            "unit": "BEL-EVAC",
            "note": "rolling",
            "by": "unit status",
            "unit_status": "en_route",
        },
    ]
    assert [(e.previous, e.status, e.unit_path) for e in move.task_events] == [
        ("assigned", "accepted", "/1/7/"),
        ("accepted", "en_route", "/1/7/"),
    ]


def test_a_unit_without_a_task_changes_alone_and_one_held_by_its_task_is_refused() -> None:
    alone = decide_unit_status_set(
        _unit(U.AVAILABLE), U.OFF_DUTY, "", task=None, incident=None, ref=None
    )
    assert alone.task_steps == () and alone.task_events == ()
    facts = alone.unit_event.audit()
    assert facts is not None
    assert facts.changes == {"status": ["available", "off_duty"], "note": ""}
    with pytest.raises(UnitHeldByTask, match="task 11"):
        decide_unit_status_set(
            _unit(U.ASSIGNED), U.AVAILABLE, "", task=_task(T.ASSIGNED), incident=INCIDENT, ref=REF
        )


def test_a_task_step_takes_its_unit_through_the_same_rule() -> None:
    """decide_move (the task step endpoints) asks couple(): a unit put out of service
    meanwhile is left as it is when its task is cancelled."""
    ref = cast(
        "UnitRef",
        SimpleNamespace(id=7, agency_id=1, path="/1/7/", name="BEL-EVAC", status=U.OUT_OF_SERVICE),
    )
    move = decide_move(_task(T.ACCEPTED), INCIDENT, ref, T.CANCELLED, note="not needed")
    assert move.unit_status is None and move.ended
    ref = cast(
        "UnitRef",
        SimpleNamespace(id=7, agency_id=1, path="/1/7/", name="BEL-EVAC", status=U.EN_ROUTE),
    )
    assert decide_move(_task(T.EN_ROUTE), INCIDENT, ref, T.ON_SCENE, note="").unit_status is (
        U.ON_SCENE
    )
