"""Decisions on the law as data: an act's lifecycle and activation orders. Pure; each
returns the event (``core/forces/events.py``), which knows its audit record.

::

    draft ──► proposed ──► in_force ──► repealed
      ▲          │
      └──────────┘ (withdrawn to draft)
"""

from __future__ import annotations

import dataclasses
from types import MappingProxyType
from typing import TYPE_CHECKING

from marchwarden.core.authority.errors import AuthorityError
from marchwarden.core.authority.model import ActStatus, LegalAct
from marchwarden.core.errors import Conflict, Invalid
from marchwarden.core.forces.events import (
    ActivationOrderIssued,
    LegalActRecorded,
    LegalActStatusChanged,
)

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from marchwarden.core.forces.model import Unit

#: the status changes an act may go through
ACT_TRANSITIONS: Mapping[ActStatus, tuple[ActStatus, ...]] = MappingProxyType(
    {
        ActStatus.DRAFT: (ActStatus.PROPOSED,),
        ActStatus.PROPOSED: (ActStatus.IN_FORCE, ActStatus.DRAFT),
        ActStatus.IN_FORCE: (ActStatus.REPEALED,),
        ActStatus.REPEALED: (),
    }
)


def check_act_transition(current: ActStatus, to: ActStatus) -> None:
    """The act lifecycle: refuse a step it does not have, naming the ones it has."""
    allowed = ACT_TRANSITIONS[current]
    if to not in allowed:
        names = ", ".join(s.value for s in allowed) or "none"
        raise Conflict.said(
            "law.act_step",
            "a legal act cannot go from {current} to {to}; allowed from {current}: {allowed}",
            current=current.value,
            to=to.value,
            allowed=names,
            extra={"allowed": [s.value for s in allowed]},
        )


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def decide_act_status(
    act: LegalAct,
    status: ActStatus,
    *,
    now: datetime,
    effective_from: datetime | None = None,
    effective_to: datetime | None = None,
) -> tuple[LegalAct, LegalActStatusChanged]:
    """Move an act one step. Entering into force needs ``effective_from`` (default: now);
    repealing sets ``effective_to`` (default: now). Returns the act as it will be."""
    check_act_transition(act.status, status)
    start, end = act.effective_from, act.effective_to
    if status is ActStatus.IN_FORCE:
        start, end = effective_from or now, effective_to
    elif status is ActStatus.REPEALED:
        end = effective_to or now
    try:
        moved = dataclasses.replace(act, status=status, effective_from=start, effective_to=end)
    except AuthorityError as exc:
        raise Invalid(exc.message, message=exc.message_code, params=exc.params) from exc
    event = LegalActStatusChanged(
        reference=act.reference,
        status=status.value,
        previous=act.status.value,
        effective_from=_iso(start),
        effective_to=_iso(end),
        act_id=int(act.id),
    )
    return moved, event


def act_recorded(act: LegalAct, act_id: int) -> LegalActRecorded:
    return LegalActRecorded(
        reference=act.reference,
        title=act.title,
        status=act.status.value,
        grants=len(act.grants),
        act_id=act_id,
        grant_texts=tuple(g.describe() for g in act.grants),
    )


def check_order(reference: str, valid_from: datetime, valid_to: datetime | None) -> None:
    """An activation order needs a reference and a period that ends after it starts."""
    if not reference.strip():
        raise Invalid.said(
            "law.activation_order_needs_reference", "an activation order needs a reference"
        )
    if valid_to is not None and valid_to <= valid_from:
        raise Invalid.said("law.valid_after_valid_from", "valid_to must be after valid_from")


def order_issued(
    unit: Unit, order_id: int, reference: str, valid_from: datetime, valid_to: datetime | None
) -> ActivationOrderIssued:
    return ActivationOrderIssued(
        unit_id=unit.id,
        region=unit.region,
        agency_id=unit.agency_id,
        path=unit.path,
        order_id=order_id,
        reference=reference,
        valid_from=valid_from.isoformat(),
        valid_to=_iso(valid_to),
    )
