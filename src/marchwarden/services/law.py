"""The law as data: legal acts with their grants, status changes, activation orders."""

from __future__ import annotations

from typing import TYPE_CHECKING

from marchwarden.core.access.policy import Action
from marchwarden.core.authority.decisions import (
    act_recorded,
    check_order,
    decide_act_status,
    order_issued,
)
from marchwarden.core.errors import Conflict, NotFound
from marchwarden.services.context import authorise

if TYPE_CHECKING:
    from datetime import datetime

    from marchwarden.core.access.model import Principal
    from marchwarden.core.authority.model import ActStatus, LegalAct
    from marchwarden.services.context import Services
    from marchwarden.services.ports import StoredOrder


def list_acts(svc: Services, actor: Principal) -> list[LegalAct]:
    authorise(actor, Action.LAW_READ)
    with svc.db.unit_of_work(write=False) as uow:
        return uow.forces.acts()


def get_act(svc: Services, actor: Principal, reference: str) -> LegalAct:
    for act in list_acts(svc, actor):
        if act.reference == reference:
            return act
    raise NotFound.said("law.no_legal_act", "no legal act {reference}", reference=repr(reference))


def record_act(svc: Services, actor: Principal | None, act: LegalAct) -> LegalAct:
    """Record an act with its grants (any status; usually draft or proposed)."""
    if actor is not None:
        authorise(actor, Action.LAW_WRITE)
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        if uow.forces.act_id(act.reference) is not None:
            raise Conflict.said(
                "law.legal_act_already_exists",
                "a legal act {reference} already exists",
                reference=repr(act.reference),
            )
        act_id = uow.forces.add_act(act, now)
        uow.record(actor, [act_recorded(act, act_id)], at=now)
        uow.commit()
    return get_act_unchecked(svc, act.reference)


def get_act_unchecked(svc: Services, reference: str) -> LegalAct:
    with svc.db.unit_of_work(write=False) as uow:
        for act in uow.forces.acts():
            if act.reference == reference:
                return act
    raise NotFound.said("law.no_legal_act", "no legal act {reference}", reference=repr(reference))


def change_act_status(
    svc: Services,
    actor: Principal,
    reference: str,
    status: ActStatus,
    *,
    effective_from: datetime | None = None,
    effective_to: datetime | None = None,
) -> LegalAct:
    """Move an act along draft → proposed → in force → repealed
    (``core/authority/decisions.py``)."""
    authorise(actor, Action.LAW_WRITE)
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        act = next((a for a in uow.forces.acts() if a.reference == reference), None)
        if act is None:
            raise NotFound.said(
                "law.no_legal_act", "no legal act {reference}", reference=repr(reference)
            )
        moved, event = decide_act_status(
            act, status, now=now, effective_from=effective_from, effective_to=effective_to
        )
        uow.forces.set_act_status(
            reference,
            status=status,
            effective_from=moved.effective_from,
            effective_to=moved.effective_to,
            at=now,
        )
        uow.record(actor, [event], at=now)
        uow.commit()
    return get_act_unchecked(svc, reference)


def issue_activation_order(
    svc: Services,
    actor: Principal | None,
    *,
    unit_id: int,
    reference: str,
    valid_from: datetime,
    valid_to: datetime | None,
) -> StoredOrder:
    """An order activating a unit (and its sub-units) for a period."""
    check_order(reference, valid_from, valid_to)
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        unit = uow.forces.unit(unit_id)
        if unit is None:
            raise NotFound.with_id("unit", unit_id)
        if actor is not None:
            authorise(actor, Action.ACTIVATION_ISSUE, unit.resource())
        order_id = uow.forces.add_order(
            unit_id=unit_id,
            reference=reference,
            issued_by=actor.username if actor else "system",
            issued_at=now,
            valid_from=valid_from,
            valid_to=valid_to,
        )
        event = order_issued(unit, order_id, reference, valid_from, valid_to)
        uow.record(actor, [event], at=now)
        order = next(o for o in uow.forces.orders(unit_id) if o.id == order_id)
        uow.commit()
    return order


def list_orders(svc: Services, actor: Principal, unit_id: int | None = None) -> list[StoredOrder]:
    authorise(actor, Action.LAW_READ)
    with svc.db.unit_of_work(write=False) as uow:
        return uow.forces.orders(unit_id)
