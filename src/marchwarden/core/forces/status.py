"""CAD-style live status of a unit, its availability meaning, and the allowed changes.

Every status carries one of three availability meanings (NIMS / CAD practice):

- ``available``   — may be given a new task now;
- ``committed``   — working on a task; not offered for another one;
- ``unavailable`` — cannot be tasked at all (out of service, off duty).

Statuses and what they mean here:

==================  ============  ===================================================
status              availability  meaning
==================  ============  ===================================================
``available``       available     at base or on patrol, ready for a task
``assigned``        committed     given a task, not yet moving
``en_route``        committed     moving to the task
``on_scene``        committed     working at the task's place
``returning``       available     released from a task, on the way back; may be
                                  re-tasked from where it is (its ETA is computed from
                                  its current position)
``out_of_service``  unavailable   vehicle, equipment or people not fit to deploy
``off_duty``        unavailable   stood down (rest, shift change)
==================  ============  ===================================================

Allowed changes (anything else raises :class:`IllegalStatusTransition`; a status never
"changes" to itself — a caller that wants idempotence checks equality first):

- ``available``      → assigned, en_route (dispatched straight to the road),
  out_of_service, off_duty
- ``assigned``       → en_route, on_scene (tasked where it already is), available
  (task cancelled), out_of_service
- ``en_route``       → on_scene, assigned (diverted to another task), available (task
  cancelled), out_of_service (breakdown)
- ``on_scene``       → returning, available (released and stays in the area),
  out_of_service
- ``returning``      → available, assigned (re-tasked on the way back), en_route,
  out_of_service
- ``out_of_service`` → available, off_duty
- ``off_duty``       → available, out_of_service

A unit that is committed cannot go off duty directly: it is released first.
"""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING

from marchwarden.core.errors import Worded

if TYPE_CHECKING:
    from collections.abc import Mapping


class Availability(StrEnum):
    AVAILABLE = "available"
    COMMITTED = "committed"
    UNAVAILABLE = "unavailable"


class UnitStatus(StrEnum):
    AVAILABLE = "available"
    ASSIGNED = "assigned"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    RETURNING = "returning"
    OUT_OF_SERVICE = "out_of_service"
    OFF_DUTY = "off_duty"

    @property
    def availability(self) -> Availability:
        return STATUS_AVAILABILITY[self]

    @property
    def is_available(self) -> bool:
        return STATUS_AVAILABILITY[self] is Availability.AVAILABLE

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")

    def describe(self) -> str:
        """``"on scene (committed)"``."""
        return f"{self.label} ({self.availability.value})"


STATUS_AVAILABILITY: Mapping[UnitStatus, Availability] = MappingProxyType(
    {
        UnitStatus.AVAILABLE: Availability.AVAILABLE,
        UnitStatus.ASSIGNED: Availability.COMMITTED,
        UnitStatus.EN_ROUTE: Availability.COMMITTED,
        UnitStatus.ON_SCENE: Availability.COMMITTED,
        UnitStatus.RETURNING: Availability.AVAILABLE,
        UnitStatus.OUT_OF_SERVICE: Availability.UNAVAILABLE,
        UnitStatus.OFF_DUTY: Availability.UNAVAILABLE,
    }
)

_S = UnitStatus
# Values are tuples in a fixed, readable order so that error messages are stable.
ALLOWED_STATUS_TRANSITIONS: Mapping[UnitStatus, tuple[UnitStatus, ...]] = MappingProxyType(
    {
        _S.AVAILABLE: (_S.ASSIGNED, _S.EN_ROUTE, _S.OUT_OF_SERVICE, _S.OFF_DUTY),
        _S.ASSIGNED: (_S.EN_ROUTE, _S.ON_SCENE, _S.AVAILABLE, _S.OUT_OF_SERVICE),
        _S.EN_ROUTE: (_S.ON_SCENE, _S.ASSIGNED, _S.AVAILABLE, _S.OUT_OF_SERVICE),
        _S.ON_SCENE: (_S.RETURNING, _S.AVAILABLE, _S.OUT_OF_SERVICE),
        _S.RETURNING: (_S.AVAILABLE, _S.ASSIGNED, _S.EN_ROUTE, _S.OUT_OF_SERVICE),
        _S.OUT_OF_SERVICE: (_S.AVAILABLE, _S.OFF_DUTY),
        _S.OFF_DUTY: (_S.AVAILABLE, _S.OUT_OF_SERVICE),
    }
)
del _S


class UnitStatusError(Worded):
    """Base of unit-status errors.

    Lives here rather than in ``core/forces/errors.py`` only because that file belongs to
    another piece of work; it can be re-parented under the forces base error unchanged.
    """

    code = "unit-status-error"


class IllegalStatusTransition(UnitStatusError):
    """A status change the CAD model does not allow; names the allowed next statuses."""

    code = "illegal-status-transition"

    def __init__(
        self, current: UnitStatus, requested: UnitStatus, allowed: tuple[UnitStatus, ...]
    ) -> None:
        names = ", ".join(s.value for s in allowed) if allowed else "none"
        super().__init__(
            f"cannot change unit status from {current.value} to {requested.value}; "
            f"allowed from {current.value}: {names}"
        )
        self.current = current
        self.requested = requested
        self.allowed = allowed


def allowed_next_statuses(current: UnitStatus) -> tuple[UnitStatus, ...]:
    return ALLOWED_STATUS_TRANSITIONS[current]


def can_change_status(current: UnitStatus, requested: UnitStatus) -> bool:
    return requested in ALLOWED_STATUS_TRANSITIONS[current]


def change_status(current: UnitStatus, requested: UnitStatus) -> UnitStatus:
    """Return ``requested`` if the change is allowed, else raise ``IllegalStatusTransition``."""
    allowed = ALLOWED_STATUS_TRANSITIONS[current]
    if requested not in allowed:
        raise IllegalStatusTransition(current, requested, allowed)
    return requested
