"""The release analysis (issue 16) as the API returns it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from marchwarden.core.authority.binding import Gain, condition_text
from marchwarden.core.authority.release import ReleasePlan
from marchwarden.entrypoints.api.schemas.base import Schema
from marchwarden.services.release import ReleaseReport


class ReleaseUnitOut(Schema):
    id: int
    code: str
    name: str
    region: str
    agency_kind: str
    #: members of the unit itself (sub-units are units of their own), stand-ins included
    people: int
    readiness: int
    lon: float
    lat: float


class KeptUnitOut(Schema):
    unit: ReleaseUnitOut
    #: ids of the settlements covered today that this unit keeps covered
    settlements: list[int]
    #: of those, the ones no other kept unit or other responder reaches
    only: list[int]


class ReleasePlanOut(Schema):
    label: str
    #: optimal: proved by the MILP solver; greedy: the time limit was hit (see bound);
    #: trivial: no settlement needs a unit of the named agencies
    method: Literal["optimal", "greedy", "trivial"]
    #: cost of the kept units under the objective, and a lower bound on the optimum
    objective: float
    bound: float
    responders: int
    candidates: int
    kept: list[KeptUnitOut]
    released: list[ReleaseUnitOut]
    released_people: int
    covered_by_others: int
    lost: list[int]


class ReleaseSettlementOut(Schema):
    id: int
    name: str
    region: str
    population: int
    lon: float
    lat: float
    #: covered_by_others | kept_covered | uncovered | gained_by_act
    state: Literal["covered_by_others", "kept_covered", "uncovered", "gained_by_act"]


class GainOut(Schema):
    kind: Literal["unit_activated", "qualification", "training", "fit"]
    condition: str
    #: what meeting it takes, in words
    needs: str
    members: int
    units: int


class BattalionOut(Schema):
    id: int
    code: str
    name: str
    region: str
    members_without: int
    gains: list[GainOut]


class BindingOut(Schema):
    power: str
    #: members (of the battalions shown) a grant of the power names who do not hold it
    members_without: int
    totals: list[GainOut]
    battalions: list[BattalionOut]


class ReleaseOut(Schema):
    at: datetime
    proposed: list[str]
    activate: list[ReleaseUnitOut]
    power: str
    minutes: float
    border_band_km: float
    travel_model: str
    reach_km: float
    agencies: list[str]
    objective: Literal["units", "people", "readiness"]
    target: Literal["settlements", "population"]
    #: true when the caller's scope hides units outside it from the lists and sums
    scoped: bool
    settlements: list[ReleaseSettlementOut]
    settlements_considered: int
    covered_today: int
    covered_today_population: int
    uncovered_either_way: list[int]
    before: ReleasePlanOut
    after: ReleasePlanOut
    freed: list[ReleaseUnitOut]
    freed_people: int
    binding: BindingOut


def _unit(report: ReleaseReport, uid: str | int) -> ReleaseUnitOut:
    u = report.units[int(uid)]
    return ReleaseUnitOut(
        id=u.id,
        code=u.code,
        name=u.name,
        region=u.region,
        agency_kind=u.agency_kind,
        people=report.analysis.people.get(str(u.id), 0),
        readiness=u.readiness,
        lon=u.position_lon if u.position_lon is not None else u.home_lon,
        lat=u.position_lat if u.position_lat is not None else u.home_lat,
    )


def _plan(report: ReleaseReport, plan: ReleasePlan, label: str) -> ReleasePlanOut:
    seen = report.visible
    released = [_unit(report, u) for u in plan.released if int(u) in seen]
    return ReleasePlanOut(
        label=label,
        method=plan.method.value,
        objective=plan.objective,
        bound=plan.bound,
        responders=plan.responders,
        candidates=sum(1 for u in plan.candidates if int(u) in seen),
        kept=[
            KeptUnitOut(
                unit=_unit(report, k.unit_id), settlements=list(k.settlements), only=list(k.only)
            )
            for k in plan.kept
            if int(k.unit_id) in seen
        ],
        released=released,
        released_people=sum(u.people for u in released),
        covered_by_others=len(plan.covered_by_others),
        lost=list(plan.lost),
    )


def _gain(g: Gain) -> GainOut:
    return GainOut(
        kind=g.kind,
        condition=g.label,
        needs=condition_text(g.condition),
        members=g.members,
        units=len(g.units),
    )


def _binding(report: ReleaseReport) -> BindingOut:
    b = report.binding
    battalions = [
        BattalionOut(
            id=int(bt.unit_id),
            code=report.units[int(bt.unit_id)].code,
            name=bt.name,
            region=report.units[int(bt.unit_id)].region,
            members_without=bt.members_without,
            gains=[_gain(g) for g in bt.gains],
        )
        for bt in b.battalions
        if int(bt.unit_id) in report.visible
    ]
    # per condition: the sum over the battalions shown (members and units of different
    # battalions are disjoint, so for an unscoped caller this is the engine's total)
    totals = []
    for g in b.totals:
        members = sum(x.members for bt in battalions for x in bt.gains if x.condition == g.label)
        units = sum(x.units for bt in battalions for x in bt.gains if x.condition == g.label)
        totals.append(_gain(g).model_copy(update={"members": members, "units": units}))
    totals.sort(key=lambda t: (-t.members, -t.units, t.condition))
    return BindingOut(
        power=b.power,
        members_without=sum(bt.members_without for bt in battalions),
        totals=totals,
        battalions=battalions,
    )


def _settlements(report: ReleaseReport) -> list[ReleaseSettlementOut]:
    a = report.analysis
    others = set(a.after.covered_by_others)
    kept = {s for k in a.after.kept for s in k.settlements}
    gained = set(a.gained_by_act)
    out = []
    for s in a.settlements:
        if s.id in others:
            state = "covered_by_others"
        elif s.id in kept:
            state = "kept_covered"
        elif s.id in gained:
            state = "gained_by_act"
        else:
            state = "uncovered"
        out.append(
            ReleaseSettlementOut(
                id=s.id,
                name=s.name,
                region=s.region,
                population=s.population,
                lon=s.lon,
                lat=s.lat,
                state=state,
            )
        )
    return out


def release_out(report: ReleaseReport) -> ReleaseOut:
    a = report.analysis
    q = a.question
    freed = [_unit(report, u) for u in a.freed if int(u) in report.visible]
    return ReleaseOut(
        at=report.at,
        proposed=list(report.proposed),
        activate=[_unit(report, u) for u in report.activate],
        power=report.power,
        minutes=report.minutes,
        border_band_km=report.border_band_km,
        travel_model=a.travel_model,
        reach_km=a.reach_km,
        agencies=sorted(q.agencies),
        objective=q.objective.value,
        target=q.target.value,
        scoped=len(report.visible) < len(report.units),
        settlements=_settlements(report),
        settlements_considered=len(a.settlements),
        covered_today=len(a.covered_today),
        covered_today_population=a.covered_today_population,
        uncovered_either_way=list(a.uncovered_either_way),
        before=_plan(report, a.before, "acts in force"),
        after=_plan(report, a.after, " + ".join(("acts in force", *report.proposed))),
        freed=freed,
        freed_people=sum(u.people for u in freed),
        binding=_binding(report),
    )
