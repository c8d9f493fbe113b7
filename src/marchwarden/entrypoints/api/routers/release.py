"""The release analysis: which army and national-guard units the proposed acts would free,
and what stands in the way (issue 16)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from marchwarden.core.authority.release import (
    DEFAULT_AGENCIES,
    DEFAULT_TIME_LIMIT_S,
    Objective,
    ReleaseQuestion,
    Target,
)
from marchwarden.core.errors import Invalid
from marchwarden.entrypoints.api.deps import CurrentPrincipal, ServicesDep
from marchwarden.entrypoints.api.schemas.release import ReleaseOut, release_out
from marchwarden.entrypoints.api.schemas.types import Id
from marchwarden.services import release as release_service

router = APIRouter(tags=["law"])


@router.get("/whatif/release", response_model=ReleaseOut)
def release(
    principal: CurrentPrincipal,
    services: ServicesDep,
    with_proposed: Annotated[
        list[str] | None, Query(alias="with", description="proposed acts added to the law")
    ] = None,
    activate: Annotated[
        list[Id] | None,
        Query(description="units (with their sub-units) to treat as activated from `at`"),
    ] = None,
    agency: Annotated[
        list[str] | None,
        Query(
            description="agency kinds whose units could be released (default army, national_guard)"
        ),
    ] = None,
    at: Annotated[AwareDatetime | None, Query(description="the moment (default: now)")] = None,
    power: Annotated[
        str, Query(description="the power that covers a settlement")
    ] = "armed_response",
    minutes: Annotated[float, Query(gt=0, le=1440)] = 30.0,
    band_km: Annotated[float, Query(gt=0, le=500, description="border band")] = 30.0,
    objective: Annotated[
        Objective, Query(description="what keeping a unit costs")
    ] = Objective.UNITS,
    target: Annotated[Target, Query(description="what must stay covered")] = Target.SETTLEMENTS,
    time_limit: Annotated[
        float, Query(gt=0, le=60, description="solver time limit, s")
    ] = DEFAULT_TIME_LIMIT_S,
) -> ReleaseOut:
    """Under the acts in force, and with the chosen proposed acts (and activation orders),
    the smallest set of units of the named agencies that keeps every settlement covered
    today covered; the others could be released. With the conditions that keep more
    volunteers from the power, and what meeting each would bring."""
    proposed = tuple(with_proposed or ())
    activated = tuple(dict.fromkeys(activate or ()))
    if not proposed and not activated:
        raise Invalid.said(
            "law.name_proposed_act_unit",
            "name a proposed act (with=…) or a unit to activate (activate=…)",
        )
    question = ReleaseQuestion(
        agencies=frozenset(agency) if agency else DEFAULT_AGENCIES,
        objective=objective,
        target=target,
        time_limit_s=time_limit,
    )
    report = release_service.release(
        services,
        principal,
        proposed=proposed,
        activate=activated,
        at=at or services.clock.now(),
        power=power,
        minutes=minutes,
        border_band_km=band_km,
        question=question,
    )
    return release_out(report)
