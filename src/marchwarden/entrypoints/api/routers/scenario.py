"""``/api/v1/scenario/clock``: the demo's scenario clock, for the replay.

Mounted only when the app is built with a scenario clock (``marchwarden demo``, with
``--replay`` or ``--scenario-clock``); on every other server these paths do not exist
(404). Admin only; every move is audited."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import AwareDatetime

from marchwarden.adapters.clock import ScenarioClock
from marchwarden.core.access.policy import Action
from marchwarden.entrypoints.api.deps import CurrentPrincipal, ServicesDep
from marchwarden.entrypoints.api.schemas.base import Schema
from marchwarden.services import scenario
from marchwarden.services.context import authorise

router = APIRouter(prefix="/scenario", tags=["scenario"])


class ClockIn(Schema):
    #: the scenario time to move to: not before the clock's time, not after the wall clock
    at: AwareDatetime


class ClockOut(Schema):
    now: datetime
    #: true once the replay handed the clock back to the wall clock
    released: bool


def _clock(request: Request) -> ScenarioClock:
    clock: ScenarioClock = request.app.state.scenario_clock
    return clock


@router.get("/clock", response_model=ClockOut)
def read_clock(request: Request, principal: CurrentPrincipal) -> ClockOut:
    """The scenario clock's time."""
    authorise(principal, Action.SCENARIO_CLOCK)
    clock = _clock(request)
    return ClockOut(now=clock.now(), released=clock.released)


@router.put("/clock", response_model=ClockOut)
def set_clock(
    body: ClockIn, request: Request, principal: CurrentPrincipal, services: ServicesDep
) -> ClockOut:
    """Move the scenario clock to ``at`` and stand there: everything the server stamps
    from now on carries that time. 409 ``scenario-clock-refused`` if ``at`` is before the
    clock's time or after the wall clock."""
    clock = _clock(request)
    return ClockOut(now=scenario.set_time(services, clock, principal, body.at), released=False)


@router.post("/clock/release", response_model=ClockOut)
def release_clock(request: Request, principal: CurrentPrincipal, services: ServicesDep) -> ClockOut:
    """Hand the clock back to the wall clock (it jumps forward to now and runs on)."""
    clock = _clock(request)
    return ClockOut(now=scenario.release(services, clock, principal), released=True)
