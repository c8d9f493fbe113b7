"""The law: acts and grants, activation orders, who may do what, and the what-if."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from pydantic import AwareDatetime

from marchwarden.core.authority.errors import AuthorityError
from marchwarden.core.authority.evaluation import GrantBasis, Reason, UnitGrantCount
from marchwarden.core.authority.model import (
    POWER_CATALOGUE,
    ActStatus,
    Category,
    Grant,
    LegalAct,
)
from marchwarden.core.errors import Invalid
from marchwarden.entrypoints.api.deps import CurrentPrincipal, ServicesDep
from marchwarden.entrypoints.api.schemas.law import (
    ActIn,
    ActOut,
    ActStatusIn,
    AuthorityOut,
    CoverageOut,
    HeldByOut,
    OrderIn,
    OrderOut,
    PowerCatalogueOut,
    PowerChangeOut,
    PowerOut,
    ReasonOut,
    RegionChangeOut,
    SettlementOut,
    UnitPowersOut,
    WhatIfOut,
    catalogue,
)
from marchwarden.entrypoints.api.schemas.types import Id
from marchwarden.services import authority, law

router = APIRouter(tags=["law"])

WithProposed = Annotated[
    list[str] | None,
    Query(alias="with", description="proposed acts to add to the acts in force (what-if)"),
]
ProposedRequired = Annotated[
    list[str],
    Query(alias="with", min_length=1, description="proposed acts to compare with the law in force"),
]
At = Annotated[AwareDatetime | None, Query(description="the moment (default: now)")]


@router.get("/powers", response_model=list[PowerCatalogueOut])
def powers(principal: CurrentPrincipal) -> list[PowerCatalogueOut]:
    return catalogue()


@router.get("/acts", response_model=list[ActOut])
def list_acts(principal: CurrentPrincipal, services: ServicesDep) -> list[ActOut]:
    return [ActOut.of(a) for a in law.list_acts(services, principal)]


@router.get("/acts/{reference}", response_model=ActOut)
def get_act(reference: str, principal: CurrentPrincipal, services: ServicesDep) -> ActOut:
    return ActOut.of(law.get_act(services, principal, reference))


@router.post("/acts", response_model=ActOut, status_code=status.HTTP_201_CREATED)
def record_act(body: ActIn, principal: CurrentPrincipal, services: ServicesDep) -> ActOut:
    """Record a draft or proposed act with its grants (acts enter into force by a status
    change)."""
    try:
        act = LegalAct(
            id="new",
            reference=body.reference,
            title=body.title,
            status=ActStatus(body.status),
            effective_from=body.effective_from,
            effective_to=body.effective_to,
            regions=None if body.regions is None else frozenset(body.regions),
            grants=tuple(
                Grant(
                    act=body.reference,
                    clause=g.clause,
                    power=g.power,
                    categories=frozenset(Category(c.axis, c.code) for c in g.categories),
                    conditions=tuple(c.to_core() for c in g.conditions),
                    min_members=g.min_members,
                )
                for g in body.grants
            ),
        )
    except AuthorityError as exc:
        raise Invalid(exc.message, message=exc.message_code, params=exc.params) from exc
    return ActOut.of(law.record_act(services, principal, act))


@router.post("/acts/{reference}/status", response_model=ActOut)
def change_act_status(
    reference: str, body: ActStatusIn, principal: CurrentPrincipal, services: ServicesDep
) -> ActOut:
    """draft → proposed → in_force (from ``effective_from``, default now) → repealed."""
    return ActOut.of(
        law.change_act_status(
            services,
            principal,
            reference,
            body.status,
            effective_from=body.effective_from,
            effective_to=body.effective_to,
        )
    )


@router.get("/activation-orders", response_model=list[OrderOut])
def list_orders(
    principal: CurrentPrincipal,
    services: ServicesDep,
    unit_id: Annotated[Id | None, Query()] = None,
) -> list[OrderOut]:
    return [
        OrderOut(
            id=o.id,
            unit_id=o.unit_id,
            reference=o.order.reference,
            issued_by=o.issued_by,
            issued_at=o.issued_at,
            valid_from=o.order.valid_from,
            valid_to=o.order.valid_to,
        )
        for o in law.list_orders(services, principal, unit_id)
    ]


@router.post("/activation-orders", response_model=OrderOut, status_code=status.HTTP_201_CREATED)
def issue_order(body: OrderIn, principal: CurrentPrincipal, services: ServicesDep) -> OrderOut:
    o = law.issue_activation_order(
        services,
        principal,
        unit_id=body.unit_id,
        reference=body.reference,
        valid_from=body.valid_from,
        valid_to=body.valid_to,
    )
    return OrderOut(
        id=o.id,
        unit_id=o.unit_id,
        reference=o.order.reference,
        issued_by=o.issued_by,
        issued_at=o.issued_at,
        valid_from=o.order.valid_from,
        valid_to=o.order.valid_to,
    )


def _moment(services: ServicesDep, at: datetime | None) -> datetime:
    return at or services.clock.now()


@router.get("/members/{member_id}/authority", response_model=AuthorityOut)
def member_authority(
    member_id: Id,
    principal: CurrentPrincipal,
    services: ServicesDep,
    at: At = None,
    with_proposed: WithProposed = None,
) -> AuthorityOut:
    """The powers a member holds at a moment — each with the act, clause and conditions
    that grant it — and, for each power not held, what is missing."""
    moment = _moment(services, at)
    proposed = tuple(with_proposed or ())
    unit, result = authority.member_authority(services, principal, member_id, moment, proposed)

    def basis(power: str) -> list[GrantBasis] | None:
        held = result.basis(power)
        return None if held is None else list(held.bases)

    return _authority_out(
        services,
        ("member", member_id, f"member {member_id} of {unit.name}"),
        moment,
        proposed,
        basis=basis,
        reasons=result.reason_facts,
    )


def _authority_out(
    services: ServicesDep,
    subject: tuple[Literal["member", "unit"], int, str],
    moment: datetime,
    proposed: tuple[str, ...],
    *,
    basis: Callable[[str], Sequence[GrantBasis | UnitGrantCount] | None],
    reasons: Callable[[str], Iterable[Reason]],
) -> AuthorityOut:
    """Every power of the catalogue for a member or a unit (``subject``: kind, id, name):
    ``basis(power)``, what grants it (None: not held), else ``reasons(power)``."""
    powers = []
    for power in POWER_CATALOGUE:
        held = basis(power)
        why = () if held is not None else tuple(reasons(power))
        powers.append(
            PowerOut(
                power=power,
                label=POWER_CATALOGUE[power],
                held=held is not None,
                basis=[b.describe() for b in held or ()],
                held_by=[HeldByOut.of(b) for b in held or () if isinstance(b, GrantBasis)],
                missing=[r.text for r in why],
                reasons=[ReasonOut.of(r) for r in why],
            )
        )
    kind, subject_id, name = subject
    return AuthorityOut(
        subject=kind,
        id=subject_id,
        name=name,
        at=moment,
        acts=list(_acts_in_effect(services, moment, proposed)),
        with_proposed=list(proposed),
        powers=powers,
    )


def _acts_in_effect(
    services: ServicesDep, at: datetime, proposed: tuple[str, ...]
) -> tuple[str, ...]:
    _, batch = authority.batch(services, at, proposed)
    return batch.law.in_effect


@router.get("/unit-powers", response_model=UnitPowersOut)
def unit_powers(
    principal: CurrentPrincipal,
    services: ServicesDep,
    at: At = None,
    with_proposed: WithProposed = None,
) -> UnitPowersOut:
    """Every unit the caller may see with the powers it holds — one request for a whole
    board; the reasons for one unit come from ``/units/{id}/authority``."""
    moment = _moment(services, at)
    proposed = tuple(with_proposed or ())
    acts, held = authority.powers_by_unit(services, principal, moment, proposed)
    return UnitPowersOut(at=moment, acts=list(acts), with_proposed=list(proposed), units=held)


@router.get("/units/{unit_id}/authority", response_model=AuthorityOut)
def unit_authority(
    unit_id: Id,
    principal: CurrentPrincipal,
    services: ServicesDep,
    at: At = None,
    with_proposed: WithProposed = None,
) -> AuthorityOut:
    """The powers a unit holds (at least *n* of its members, sub-units included, hold the
    power through a grant whose *n* that is), with reasons for the others."""
    moment = _moment(services, at)
    proposed = tuple(with_proposed or ())
    unit, result = authority.unit_authority(services, principal, unit_id, moment, proposed)

    def basis(power: str) -> list[UnitGrantCount] | None:
        if not result.holds(power):
            return None
        return [c for c in result.counts(power) if c.met]

    return _authority_out(
        services,
        ("unit", unit_id, unit.name),
        moment,
        proposed,
        basis=basis,
        reasons=result.reason_facts,
    )


@router.get("/whatif", response_model=WhatIfOut)
def what_if(
    principal: CurrentPrincipal,
    services: ServicesDep,
    with_proposed: ProposedRequired,
    at: At = None,
    power: Annotated[str, Query(description="power whose coverage is mapped")] = "armed_response",
    minutes: Annotated[float, Query(gt=0, le=1440)] = 30.0,
    band_km: Annotated[float, Query(gt=0, le=500, description="border band")] = 30.0,
) -> WhatIfOut:
    """Acts in force versus acts in force + the chosen proposed acts."""
    report = authority.what_if(
        services,
        principal,
        proposed=tuple(with_proposed),
        at=_moment(services, at),
        power=power,
        minutes=minutes,
        border_band_km=band_km,
    )
    return whatif_out(report)


def _unit_ref(report: authority.WhatIfReport, uid: str) -> dict[str, object]:
    u = report.units[int(uid)]
    return {"id": u.id, "code": u.code, "name": u.name, "region": u.region}


def whatif_out(report: authority.WhatIfReport) -> WhatIfOut:
    powers = []
    for change in report.whatif.changes:
        if not change.changed:
            continue
        powers.append(
            PowerChangeOut(
                power=change.power,
                label=change.label,
                members_gained=change.members_gained,
                members_lost=change.members_lost,
                units_gained=change.units_gained,
                units_lost=change.units_lost,
                regions=[
                    RegionChangeOut(
                        region=r.region,
                        members_before=r.members_before,
                        members_after=r.members_after,
                        members_gained=r.members_gained,
                        members_lost=r.members_lost,
                        units_before=r.units_before,
                        units_after=r.units_after,
                        units_gaining=[
                            _unit_ref(report, u)
                            for u in r.units_gaining
                            if int(u) in report.visible_units
                        ],
                        units_losing=[
                            _unit_ref(report, u)
                            for u in r.units_losing
                            if int(u) in report.visible_units
                        ],
                    )
                    for r in change.regions
                    if r.changed
                ],
            )
        )
    cov = report.coverage
    before = {r.settlement.id: r.minutes for r in cov.before.covered}
    after = {r.settlement.id: r.minutes for r in cov.after.covered}

    def settlement(s: object) -> SettlementOut:
        from marchwarden.core.geo.model import Settlement

        assert isinstance(s, Settlement)
        return SettlementOut(
            id=s.id,
            name=s.name,
            region=s.region,
            population=s.population,
            lon=s.lon,
            lat=s.lat,
            minutes_before=before.get(s.id),
            minutes_after=after.get(s.id),
        )

    considered = cov.before.covered + cov.before.uncovered
    return WhatIfOut(
        at=report.at,
        baseline="acts in force",
        proposed=list(report.proposed),
        powers=powers,
        coverage=CoverageOut(
            power=report.coverage_power,
            minutes=report.coverage_minutes,
            border_band_km=report.border_band_km,
            travel_model=cov.travel_model,
            settlements_considered=len(considered),
            population_considered=sum(r.settlement.population for r in considered),
            covered_before=cov.before.covered_count,
            covered_after=cov.after.covered_count,
            population_before=cov.before.covered_population,
            population_after=cov.after.covered_population,
            units_before=cov.before.responder_count,
            units_after=cov.after.responder_count,
            gained=[settlement(s) for s in cov.gained],
            lost=[settlement(s) for s in cov.lost],
        ),
        army_units_moved=0,
    )
