"""The incident lifecycle as a pure state machine.

::

    reported ──► verified ──► active ──► contained ──► closed
       │            │                      │  ▲
       ▼            └──────► closed        ▼  │
    rejected                             active (flare-up)

- ``reported``  → verified, rejected (the reports turned out false or not an incident)
- ``verified``  → active (a response is under way), closed (confirmed, but over and
  needing no response, e.g. a strike already past)
- ``active``    → contained
- ``contained`` → closed, active (it flared up again)
- ``closed``, ``rejected``: terminal — nothing follows. New reports about the same place
  open a new incident.

A state never transitions to itself. Rejecting an incident needs a reason, recorded on
the resulting :class:`StateChange` (for the timeline and the audit trail).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from marchwarden.core.clock import ensure_utc
from marchwarden.core.incidents.errors import IllegalIncidentTransition, TransitionReasonRequired
from marchwarden.core.incidents.model import IncidentState

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

_S = IncidentState
ALLOWED_TRANSITIONS: Mapping[IncidentState, tuple[IncidentState, ...]] = MappingProxyType(
    {
        _S.REPORTED: (_S.VERIFIED, _S.REJECTED),
        _S.VERIFIED: (_S.ACTIVE, _S.CLOSED),
        _S.ACTIVE: (_S.CONTAINED,),
        _S.CONTAINED: (_S.CLOSED, _S.ACTIVE),
        _S.CLOSED: (),
        _S.REJECTED: (),
    }
)
REASON_REQUIRED: frozenset[IncidentState] = frozenset({_S.REJECTED})
del _S


def allowed_transitions(current: IncidentState) -> tuple[IncidentState, ...]:
    """The states reachable in one step from ``current``, in lifecycle order."""
    return ALLOWED_TRANSITIONS[current]


def can_transition(current: IncidentState, requested: IncidentState) -> bool:
    return requested in ALLOWED_TRANSITIONS[current]


def check_transition(current: IncidentState, requested: IncidentState) -> None:
    """Raise ``IllegalIncidentTransition`` (naming the allowed steps) unless allowed."""
    allowed = ALLOWED_TRANSITIONS[current]
    if requested not in allowed:
        raise IllegalIncidentTransition(
            current.value, requested.value, tuple(s.value for s in allowed)
        )


@dataclass(frozen=True, slots=True)
class StateChange:
    """One step of an incident's lifecycle, for its timeline."""

    from_state: IncidentState
    to_state: IncidentState
    at: datetime
    reason: str = ""

    def describe(self) -> str:
        text = f"{self.from_state.value} → {self.to_state.value}"
        return f"{text}: {self.reason}" if self.reason else text


def transition(
    current: IncidentState, requested: IncidentState, *, at: datetime, reason: str = ""
) -> StateChange:
    """Validate one lifecycle step and return it as a ``StateChange``.

    Raises ``IllegalIncidentTransition`` for a step the machine does not allow and
    ``TransitionReasonRequired`` when rejecting without a reason. ``at`` must be
    timezone-aware; it is stored in UTC.
    """
    check_transition(current, requested)
    reason = reason.strip()
    if requested in REASON_REQUIRED and not reason:
        raise TransitionReasonRequired.said(
            "incident.going_from_needs_reason",
            "going from {current} to {requested} needs a reason",
            current=current.value,
            requested=requested.value,
        )
    return StateChange(current, requested, ensure_utc(at), reason)
