"""What dispatch works on: a task's requirements and units as dispatch sees them.

Everything here is plain data computed elsewhere and passed in: the powers a unit holds
come from the legal-authority engine (power → what grants it, e.g. ``"SEC-1996 c.13"``),
and so do the reasons it does not hold others (power → the engine's explanation, e.g.
``"armed_response: not granted to volunteer_self_defence by any act in force"``), which
dispatch passes through unchanged.

Readiness is an integer where **higher means more ready**; the forces registry decides
the scale (an ``IntEnum`` works as is). A task's ``minimum_readiness`` is on the same
scale; 0 means "any".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING

from marchwarden.core.dispatch.errors import InvalidTaskRequirements, InvalidUnitPosition

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from marchwarden.core.authority.evaluation import Reason
    from marchwarden.core.forces.status import UnitStatus

LonLat = tuple[float, float]
"""A WGS 84 point as (lon, lat), GeoJSON order."""


def valid_lon_lat(position: LonLat) -> bool:
    lon, lat = position
    return (
        math.isfinite(lon)
        and math.isfinite(lat)
        and -180.0 <= lon <= 180.0
        and -90.0 <= lat <= 90.0
    )


def _frozen_names(values: Iterable[str], what: str) -> frozenset[str]:
    if isinstance(values, str):
        raise InvalidTaskRequirements.said(
            "task.collection_names_one_string",
            "{what} must be a collection of names, not one string",
            what=what,
        )
    names = frozenset(values)
    if any(not name.strip() for name in names):
        raise InvalidTaskRequirements.said(
            "task.contain_empty_names", "{what} must not contain empty names", what=what
        )
    return names


@dataclass(frozen=True, slots=True)
class TaskRequirements:
    """What a unit must have to be given a task."""

    required_powers: frozenset[str] = frozenset()
    required_capabilities: frozenset[str] = frozenset()
    minimum_readiness: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "required_powers", _frozen_names(self.required_powers, "required powers")
        )
        object.__setattr__(
            self,
            "required_capabilities",
            _frozen_names(self.required_capabilities, "required capabilities"),
        )
        if self.minimum_readiness < 0:
            raise InvalidTaskRequirements.said(
                "task.minimum_readiness_negative_got",
                "minimum readiness must not be negative, got {minimum_readiness}",
                minimum_readiness=self.minimum_readiness,
            )


class PositionSource(StrEnum):
    """Where a unit's ETA is measured from."""

    CURRENT = "current position"
    HOME_BASE = "home base"


@dataclass(frozen=True, slots=True)
class UnitCandidate:
    """A unit as dispatch sees it.

    ``powers``: power → what grants it (legal engine). ``power_refusals``: power → why the
    unit does not hold it (legal engine), used as the reason when a task needs it.
    ``position`` is the last known position, ``home_base`` the unit's base; the ETA is
    measured from the first of the two that is known.
    """

    unit_id: int
    name: str
    status: UnitStatus
    readiness: int
    capabilities: frozenset[str] = frozenset()
    powers: Mapping[str, str] = field(default_factory=dict)
    power_refusals: Mapping[str, str] = field(default_factory=dict)
    position: LonLat | None = None
    home_base: LonLat | None = None
    power_refusal_reasons: Mapping[str, tuple[Reason, ...]] = field(default_factory=dict)
    """The same refusals as the legal engine's reasons, each with its code and params."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "capabilities", frozenset(self.capabilities))
        object.__setattr__(self, "powers", MappingProxyType(dict(self.powers)))
        object.__setattr__(self, "power_refusals", MappingProxyType(dict(self.power_refusals)))
        reasons = MappingProxyType(dict(self.power_refusal_reasons))
        object.__setattr__(self, "power_refusal_reasons", reasons)
        for what in ("position", "home_base"):
            value: LonLat | None = getattr(self, what)
            if value is None:
                continue
            point = (float(value[0]), float(value[1]))
            if not valid_lon_lat(point):
                raise InvalidUnitPosition.said(
                    "task.unit_valid_lon_lat",
                    "unit {unit_id} ({name}): {what} {value} is not a valid (lon, lat)",
                    unit_id=self.unit_id,
                    name=self.name,
                    what=what.replace("_", " "),
                    value=value,
                )
            object.__setattr__(self, what, point)

    def __hash__(self) -> int:
        return hash(self.unit_id)

    @property
    def origin(self) -> tuple[LonLat, PositionSource] | None:
        """Where travel to a task starts: current position, else home base, else None."""
        if self.position is not None:
            return self.position, PositionSource.CURRENT
        if self.home_base is not None:
            return self.home_base, PositionSource.HOME_BASE
        return None
