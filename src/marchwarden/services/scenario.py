"""The demo's scenario clock (``adapters/clock.py``): set by a replay, then handed back to
the wall clock. Each move is an audit record, stamped with the time the clock moves to."""

from __future__ import annotations

from typing import TYPE_CHECKING

from marchwarden.core.access.policy import Action
from marchwarden.core.clock import ensure_utc, next_scenario_time
from marchwarden.core.events import ScenarioClockMoved
from marchwarden.services.context import authorise

if TYPE_CHECKING:
    from datetime import datetime

    from marchwarden.core.access.model import Principal
    from marchwarden.services.context import Services
    from marchwarden.services.ports import MovableClock


def set_time(svc: Services, clock: MovableClock, actor: Principal, requested: datetime) -> datetime:
    """Move the scenario clock to ``requested`` and stand there."""
    authorise(actor, Action.SCENARIO_CLOCK)
    before = clock.now()
    at = next_scenario_time(before, ensure_utc(requested), clock.wall_now())
    _record(svc, actor, "scenario.clock.set", before, at, released=False)
    return clock.set(at)


def release(svc: Services, clock: MovableClock, actor: Principal) -> datetime:
    """Hand the clock back to the wall clock (the replay is over)."""
    authorise(actor, Action.SCENARIO_CLOCK)
    before = clock.now()
    at = clock.release()
    _record(svc, actor, "scenario.clock.release", before, at, released=True)
    return at


def _record(
    svc: Services, actor: Principal, command: str, before: datetime, at: datetime, *, released: bool
) -> None:
    event = ScenarioClockMoved(command=command, before=before, at=at, released=released)
    with svc.db.unit_of_work() as uow:
        uow.record(actor, [event], at=at)
        uow.commit()
