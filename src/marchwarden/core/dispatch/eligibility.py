"""May this unit be given this task? Yes, or no with every reason.

A unit is eligible when all of these hold:

- its status means *available* (``forces.status``: available, or returning);
- it holds every required power (per the legal-authority engine);
- it has every required capability;
- its readiness is at least the task's minimum.

Reasons come in that order (status, powers, capabilities, readiness), names sorted
within each kind, so that the same question always gets the same answer. For a missing
power the legal engine's own explanation is passed through.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

    from marchwarden.core.authority.evaluation import Reason
    from marchwarden.core.dispatch.model import TaskRequirements, UnitCandidate

NO_GRANT_KNOWN = "the legal engine reports no grant of it to this unit"


class ReasonCode(StrEnum):
    STATUS_NOT_AVAILABLE = "status_not_available"
    MISSING_POWER = "missing_power"
    MISSING_CAPABILITY = "missing_capability"
    READINESS_TOO_LOW = "readiness_too_low"


@dataclass(frozen=True, slots=True)
class IneligibilityReason:
    code: ReasonCode
    message: str
    subject: str | None = None
    """The power or capability concerned, when there is one."""
    detail: str | None = None
    """For a missing power: the legal engine's explanation, verbatim."""
    params: tuple[tuple[str, str], ...] = ()
    """What ``message`` says, for a reader in another language: the status, the power or
    capability, the readiness and the minimum."""
    law: tuple[Reason, ...] = ()
    """For a missing power: the legal engine's reasons, each with its code and params."""


@dataclass(frozen=True, slots=True)
class Eligibility:
    unit_id: int
    reasons: tuple[IneligibilityReason, ...]
    granted_powers: Mapping[str, str] = field(default_factory=dict)
    """The required powers the unit holds → what grants each (legal engine)."""

    def __hash__(self) -> int:
        return hash((self.unit_id, self.reasons, tuple(sorted(self.granted_powers.items()))))

    @property
    def eligible(self) -> bool:
        return not self.reasons

    def describe(self) -> str:
        if self.eligible:
            return "eligible"
        return "not eligible: " + "; ".join(r.message for r in self.reasons)


def missing_power_reason(
    power: str, refusal: str | None, law: tuple[Reason, ...] = ()
) -> IneligibilityReason:
    detail = refusal.strip() if refusal and refusal.strip() else NO_GRANT_KNOWN
    # The engine's text often starts with the power's name already ("armed_response: …").
    if detail.startswith(f"{power}:"):
        message = f"lacks power {detail}"
    else:
        message = f"lacks power {power}: {detail}"
    return IneligibilityReason(
        ReasonCode.MISSING_POWER, message, power, detail, (("power", power),), law
    )


def assess_eligibility(requirements: TaskRequirements, unit: UnitCandidate) -> Eligibility:
    """Every reason ``unit`` may not be given a task with ``requirements`` (none: eligible)."""
    reasons: list[IneligibilityReason] = []
    if not unit.status.is_available:
        reasons.append(
            IneligibilityReason(
                ReasonCode.STATUS_NOT_AVAILABLE,
                f"status {unit.status.describe()} is not available for tasking",
                unit.status.value,
                params=(("status", unit.status.value),),
            )
        )
    granted: dict[str, str] = {}
    for power in sorted(requirements.required_powers):
        if power in unit.powers:
            granted[power] = unit.powers[power]
        else:
            reasons.append(
                missing_power_reason(
                    power,
                    unit.power_refusals.get(power),
                    unit.power_refusal_reasons.get(power, ()),
                )
            )
    for capability in sorted(requirements.required_capabilities - unit.capabilities):
        reasons.append(
            IneligibilityReason(
                ReasonCode.MISSING_CAPABILITY,
                f"lacks capability {capability}",
                capability,
                params=(("capability", capability),),
            )
        )
    if unit.readiness < requirements.minimum_readiness:
        reasons.append(
            IneligibilityReason(
                ReasonCode.READINESS_TOO_LOW,
                f"readiness {unit.readiness} is below the required "
                f"{requirements.minimum_readiness}",
                params=(
                    ("readiness", str(unit.readiness)),
                    ("minimum", str(requirements.minimum_readiness)),
                ),
            )
        )
    return Eligibility(unit.unit_id, tuple(reasons), MappingProxyType(granted))
