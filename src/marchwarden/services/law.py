"""The law as data: legal acts with their grants, status changes, activation orders."""

from __future__ import annotations

from typing import TYPE_CHECKING

from marchwarden.core.access.policy import Action
from marchwarden.core.authority.errors import AuthorityError
from marchwarden.core.authority.model import ActStatus, LegalAct
from marchwarden.core.errors import Conflict, Invalid, NotFound
from marchwarden.core.forces.events import (
    ActivationOrderIssued,
    LegalActRecorded,
    LegalActStatusChanged,
)
from marchwarden.services.context import authorise

if TYPE_CHECKING:
    from datetime import datetime

    from marchwarden.core.access.model import Principal
    from marchwarden.services.context import Services
    from marchwarden.services.ports import StoredOrder

#: the status changes an act may go through
ACT_TRANSITIONS: dict[ActStatus, tuple[ActStatus, ...]] = {
    ActStatus.DRAFT: (ActStatus.PROPOSED,),
    ActStatus.PROPOSED: (ActStatus.IN_FORCE, ActStatus.DRAFT),
    ActStatus.IN_FORCE: (ActStatus.REPEALED,),
    ActStatus.REPEALED: (),
}


def list_acts(svc: Services, actor: Principal) -> list[LegalAct]:
    authorise(actor, Action.LAW_READ)
    with svc.db.unit_of_work(write=False) as uow:
        return uow.forces.acts()


def get_act(svc: Services, actor: Principal, reference: str) -> LegalAct:
    for act in list_acts(svc, actor):
        if act.reference == reference:
            return act
    raise NotFound(f"no legal act {reference!r}")


def record_act(svc: Services, actor: Principal | None, act: LegalAct) -> LegalAct:
    """Record an act with its grants (any status; usually draft or proposed)."""
    if actor is not None:
        authorise(actor, Action.LAW_WRITE)
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        if uow.forces.act_id(act.reference) is not None:
            raise Conflict(f"a legal act {act.reference!r} already exists")
        act_id = uow.forces.add_act(act, now)
        uow.record_audit(
            actor=actor,
            command="law.record",
            target_type="legal_act",
            target_id=act_id,
            changes={
                "reference": act.reference,
                "title": act.title,
                "status": act.status.value,
                "grants": [g.describe() for g in act.grants],
            },
            events=[
                LegalActRecorded(
                    reference=act.reference,
                    title=act.title,
                    status=act.status.value,
                    grants=len(act.grants),
                )
            ],
            at=now,
        )
        uow.commit()
    return get_act_unchecked(svc, act.reference)


def get_act_unchecked(svc: Services, reference: str) -> LegalAct:
    with svc.db.unit_of_work(write=False) as uow:
        for act in uow.forces.acts():
            if act.reference == reference:
                return act
    raise NotFound(f"no legal act {reference!r}")


def change_act_status(
    svc: Services,
    actor: Principal,
    reference: str,
    status: ActStatus,
    *,
    effective_from: datetime | None = None,
    effective_to: datetime | None = None,
) -> LegalAct:
    """Move an act along draft → proposed → in force → repealed.

    Entering into force needs ``effective_from`` (default: now); repealing sets
    ``effective_to`` (default: now)."""
    authorise(actor, Action.LAW_WRITE)
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        act = next((a for a in uow.forces.acts() if a.reference == reference), None)
        if act is None:
            raise NotFound(f"no legal act {reference!r}")
        allowed = ACT_TRANSITIONS[act.status]
        if status not in allowed:
            names = ", ".join(s.value for s in allowed) or "none"
            raise Conflict(
                f"a legal act cannot go from {act.status.value} to {status.value}; "
                f"allowed from {act.status.value}: {names}",
                extra={"allowed": [s.value for s in allowed]},
            )
        start = act.effective_from
        end = act.effective_to
        if status is ActStatus.IN_FORCE:
            start = effective_from or now
            end = effective_to
        elif status is ActStatus.REPEALED:
            end = effective_to or now
        try:
            LegalAct(
                id=act.id,
                reference=act.reference,
                title=act.title,
                status=status,
                effective_from=start,
                effective_to=end,
                regions=act.regions,
                grants=act.grants,
            )
        except AuthorityError as exc:
            raise Invalid(exc.message) from exc
        uow.forces.set_act_status(
            reference, status=status, effective_from=start, effective_to=end, at=now
        )
        uow.record_audit(
            actor=actor,
            command="law.status",
            target_type="legal_act",
            target_id=act.id,
            changes={
                "status": [act.status.value, status.value],
                "effective_from": None if start is None else start.isoformat(),
                "effective_to": None if end is None else end.isoformat(),
            },
            events=[
                LegalActStatusChanged(
                    reference=reference,
                    status=status.value,
                    previous=act.status.value,
                    effective_from=None if start is None else start.isoformat(),
                    effective_to=None if end is None else end.isoformat(),
                )
            ],
            at=now,
        )
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
    if not reference.strip():
        raise Invalid("an activation order needs a reference")
    if valid_to is not None and valid_to <= valid_from:
        raise Invalid("valid_to must be after valid_from")
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        unit = uow.forces.unit(unit_id)
        if unit is None:
            raise NotFound(f"no unit with id {unit_id}")
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
        uow.record_audit(
            actor=actor,
            command="activation.issue",
            target_type="unit",
            target_id=unit_id,
            changes={
                "order_id": order_id,
                "reference": reference,
                "valid_from": valid_from.isoformat(),
                "valid_to": None if valid_to is None else valid_to.isoformat(),
            },
            events=[
                ActivationOrderIssued(
                    unit_id=unit_id,
                    region=unit.region,
                    agency_id=unit.agency_id,
                    path=unit.path,
                    order_id=order_id,
                    reference=reference,
                    valid_from=valid_from.isoformat(),
                    valid_to=None if valid_to is None else valid_to.isoformat(),
                )
            ],
            at=now,
        )
        order = next(o for o in uow.forces.orders(unit_id) if o.id == order_id)
        uow.commit()
    return order


def list_orders(svc: Services, actor: Principal, unit_id: int | None = None) -> list[StoredOrder]:
    authorise(actor, Action.LAW_READ)
    with svc.db.unit_of_work(write=False) as uow:
        return uow.forces.orders(unit_id)
