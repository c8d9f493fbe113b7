"""The read models the composition root builds per store (``Services.law``,
``Services.board``): each is refreshed from the events committed since it was built —
in place for what changes one row, rebuilt for what may change powers."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from marchwarden.core.access.model import Principal, Role, Scope
from marchwarden.core.authority.model import ActStatus, LegalAct
from marchwarden.core.forces.status import UnitStatus
from marchwarden.core.incidents.place import IncidentPlace
from marchwarden.core.incidents.taxonomy import IncidentType
from marchwarden.services import authority, forces, incidents, law, tasks
from marchwarden.services.dispatch_board import RecommendationBoard
from tests.factories import make_forces

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from marchwarden.core.clock import FixedClock
    from marchwarden.services.context import Services

HQ = Principal(user_id=0, username="hq", role=Role.HQ_COMMANDER, scope=Scope.all())


def test_the_law_snapshot_is_kept_across_unrelated_events_and_rebuilt_on_the_law(
    services: Services,
) -> None:
    ids = make_forces(services)
    first = authority.snapshot(services)
    assert services.law.snapshot is first
    forces.change_unit_status(services, None, ids["co1"], UnitStatus.OUT_OF_SERVICE)
    kept = authority.snapshot(services)
    assert kept.table is first.table  # a status change does not touch the law's view
    assert kept.version > first.version  # ... but the snapshot has looked at it
    law.record_act(
        services,
        None,
        LegalAct(
            id="",
            reference="TEST-1",
            title="A test act",
            status=ActStatus.DRAFT,
            effective_from=None,
        ),
    )
    rebuilt = authority.snapshot(services)
    assert rebuilt.table is not first.table
    assert "TEST-1" in {a.reference for a in rebuilt.acts}


def _task(services: Services, ids: dict[str, int]) -> int:
    view = incidents.create_incident(
        services,
        HQ,
        incidents.IncidentSpec(
            name="Shots near the crossing",
            incident_type=IncidentType.GUNFIRE,
            place=IncidentPlace.point(35.46, 50.47),
        ),
    )
    return tasks.create_task(services, HQ, view.incident.id, tasks.TaskSpec(title="Look")).task.id


def law_at(board: RecommendationBoard) -> datetime | None:
    return board.law_at


def test_the_dispatch_board_updates_a_row_in_place_and_rebuilds_on_the_law(
    services: Services, clock: FixedClock
) -> None:
    beside: list[Callable[[], None]] = []
    services.board = RecommendationBoard(run_beside=beside.append)
    ids = make_forces(services)
    task_id = _task(services, ids)
    board = services.board
    assert law_at(board) is None  # built on first use, not before

    tasks.recommend(services, HQ, task_id)
    built = board.authorities
    assert board.units[ids["co1"]].status is UnitStatus.AVAILABLE

    forces.change_unit_status(services, None, ids["co1"], UnitStatus.OUT_OF_SERVICE)
    tasks.recommend(services, HQ, task_id)
    assert board.authorities is built  # not rebuilt: one row changed in place
    assert board.units[ids["co1"]].status is UnitStatus.OUT_OF_SERVICE

    law.issue_activation_order(
        services,
        None,
        unit_id=ids["krs_bn"],
        reference="ORD-2",
        valid_from=clock.now() - timedelta(days=1),
        valid_to=None,
    )
    tasks.recommend(services, HQ, task_id)
    assert board.authorities is not built  # an order may change powers: rebuilt
    assert beside == []

    # the minute turns: the law is evaluated anew beside the request, through the
    # runner the composition root gave the board (here: kept to run by hand)
    before = law_at(board)
    assert before is not None
    clock.advance(timedelta(minutes=2))
    tasks.recommend(services, HQ, task_id)
    assert law_at(board) == before and len(beside) == 1
    beside.pop()()
    after = law_at(board)
    assert after is not None and after > before
    assert not board.ticking
