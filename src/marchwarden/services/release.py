"""The release analysis over the registry (issue 16): which units of the named agencies
the proposed acts would free while every border settlement keeps today's coverage, and
the conditions that keep more volunteers from the power.

Load (the legal engine's snapshot and batches, current unit positions, the bundled
settlements), authorise, decide in core (:mod:`marchwarden.core.authority.release` and
:mod:`~marchwarden.core.authority.binding`). Nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from marchwarden import geodata
from marchwarden.core.access.policy import Action, decide
from marchwarden.core.authority.binding import (
    BindingConditions,
    binding_conditions,
    with_activations,
)
from marchwarden.core.authority.errors import UnknownUnitError
from marchwarden.core.authority.evaluation import ApplicableLaw, evaluate_table
from marchwarden.core.authority.model import AGENCY_KINDS
from marchwarden.core.authority.release import (
    ReleaseAnalysis,
    ReleaseQuestion,
    Responder,
)
from marchwarden.core.authority.release import analyse_release as analyse
from marchwarden.core.errors import Invalid
from marchwarden.core.geo.distance import TravelModel
from marchwarden.services import authority
from marchwarden.services.context import authorise

if TYPE_CHECKING:
    from datetime import datetime

    from marchwarden.core.access.model import Principal
    from marchwarden.core.authority.evaluation import BatchAuthority
    from marchwarden.core.forces.model import Unit
    from marchwarden.services.context import Services


@dataclass(frozen=True)
class ReleaseReport:
    at: datetime
    proposed: tuple[str, ...]
    activate: tuple[int, ...]
    power: str
    minutes: float
    border_band_km: float
    analysis: ReleaseAnalysis
    binding: BindingConditions
    units: dict[int, Unit]
    #: ids of the units the caller may see in the answer (policy: RELEASE_UNIT_VIEW)
    visible: frozenset[int]


def _responders(
    result: BatchAuthority, power: str, units: dict[int, Unit], people: dict[str, int]
) -> list[Responder]:
    out = []
    for uid in result.units_holding(power):
        u = units[int(uid)]
        lon = u.position_lon if u.position_lon is not None else u.home_lon
        lat = u.position_lat if u.position_lat is not None else u.home_lat
        out.append(Responder(uid, u.agency_kind, lon, lat, people.get(uid, 0), u.readiness))
    return out


def _check(power: str, minutes: float, band_km: float, agencies: frozenset[str]) -> None:
    authority.check_coverage_question(power, minutes, band_km)
    unknown = sorted(agencies - set(AGENCY_KINDS))
    if unknown:
        raise Invalid.said(
            "law.unknown_agency_kind_one",
            "unknown agency kind {unknown}; one of {known}",
            unknown=repr(unknown[0]),
            known=", ".join(AGENCY_KINDS),
        )


def release(
    svc: Services,
    actor: Principal,
    *,
    proposed: tuple[str, ...],
    at: datetime,
    activate: tuple[int, ...] = (),
    power: str = "armed_response",
    minutes: float = 30.0,
    border_band_km: float = 30.0,
    question: ReleaseQuestion | None = None,
    travel: TravelModel | None = None,
) -> ReleaseReport:
    """Acts in force versus acts in force + ``proposed`` (+ activation orders for the
    units in ``activate``, as if issued at ``at``): the units of the question's agencies
    that could leave, and what keeps more volunteers from ``power``."""
    authorise(actor, Action.WHATIF_RUN)
    question = question or ReleaseQuestion()
    _check(power, minutes, border_band_km, question.agencies)
    snap, before = authority.batch(svc, at)
    _, after = authority.batch(svc, at, proposed)
    if activate:
        try:
            table = with_activations(snap.table, [str(u) for u in activate], at)
        except UnknownUnitError as exc:
            raise Invalid.said(
                "law.cannot_activate", "cannot activate: {message}", message=exc.message
            ) from exc
        after = evaluate_table(table, ApplicableLaw(snap.acts, at, proposed), at)
    direct = np.bincount(snap.table.unit_index, minlength=len(snap.tree))
    people = {uid: int(direct[k]) for k, uid in enumerate(snap.tree.unit_ids)}
    with svc.db.unit_of_work(write=False) as uow:
        now_units = {u.id: u for u in uow.forces.units()}
    settlements = geodata.border_settlements(border_band_km).settlements
    analysis = analyse(
        settlements,
        _responders(before, power, now_units, people),
        _responders(after, power, now_units, people),
        travel or TravelModel(),
        minutes,
        question,
    )
    visible = frozenset(
        uid
        for uid, u in now_units.items()
        if decide(actor, Action.RELEASE_UNIT_VIEW, u.resource()).allowed
    )
    return ReleaseReport(
        at=at,
        proposed=proposed,
        activate=activate,
        power=power,
        minutes=minutes,
        border_band_km=border_band_km,
        analysis=analysis,
        binding=binding_conditions(after, power),
        units=now_units,
        visible=visible,
    )


def resolve_units(svc: Services, refs: tuple[str, ...]) -> tuple[int, ...]:
    """Unit ids from ids or codes (``16`` or ``BEL-VSD-3BN``), in the order given."""
    out: list[int] = []
    with svc.db.unit_of_work(write=False) as uow:
        for ref in refs:
            unit = uow.forces.unit(int(ref)) if ref.isdigit() else uow.forces.unit_by_code(ref)
            if unit is None:
                raise Invalid.said(
                    "law.no_unit_give_unit", "no unit {ref} (give a unit id or code)", ref=repr(ref)
                )
            out.append(unit.id)
    return tuple(dict.fromkeys(out))
