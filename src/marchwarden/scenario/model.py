"""The demo scenario's forces as plain data, ready for a loader to write through the services.

Everything here is a frozen value; nothing refers to a database id. Agencies, units and
members are tied together by their *codes* (``AgencySpec.code``, ``UnitSpec.code``,
``MemberSpec.external_id``), which are stable across runs of the generator with the same
seed. Calendar dates of records follow the legal model (``core/authority/model.py``): a
date stands for midnight UTC at its start, ``expires_on`` / ``valid_until`` are exclusive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from marchwarden.core.forces.status import UnitStatus

if TYPE_CHECKING:
    from datetime import date, datetime

    from marchwarden.core.access.model import Role, ScopeKind
    from marchwarden.core.authority.model import LegalAct

#: The agency kinds the scenario uses.
SCENARIO_AGENCY_KINDS: tuple[str, ...] = (
    "army",
    "border_service",
    "national_guard",
    "police",
    "emergency_service",
    "volunteer_self_defence",
)

#: The unit categories the scenario uses (a tree: garrison → battalion → company → platoon …).
UNIT_CATEGORIES: tuple[str, ...] = (
    "garrison",
    "reserve",
    "battalion",
    "company",
    "platoon",
    "directorate",
    "detachment",
    "outpost",
    "department",
    "team",
)

#: The capabilities a unit may declare.
CAPABILITIES: tuple[str, ...] = (
    "observation",
    "checkpoint",
    "evacuation",
    "first_aid",
    "medical",
    "transport",
    "engineering",
    "drone",
    "armoured",
    "infantry",
    "search_rescue",
    "firefighting",
    "k9",
)


@dataclass(frozen=True, slots=True)
class AgencySpec:
    """An agency: ``region=None`` for one working in every region (the army)."""

    code: str
    name: str
    kind: str
    region: str | None


@dataclass(frozen=True, slots=True)
class UnitSpec:
    """A unit of an agency's tree.

    ``declared_strength`` is the personnel the unit declares *including its sub-units*
    (None for units whose strength is their registered roster, such as volunteer units).
    ``position`` is a current (lon, lat) away from the home base, or None when the unit
    is at its base.
    """

    code: str
    name: str
    agency_code: str
    parent_code: str | None
    category: str
    region: str
    home_lon: float
    home_lat: float
    capabilities: tuple[str, ...]
    readiness: int
    status: UnitStatus
    declared_strength: int | None = None
    position: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.readiness <= 4:
            raise ValueError(f"{self.code}: readiness must be 1..4, not {self.readiness}")
        if not isinstance(self.status, UnitStatus):
            raise ValueError(f"{self.code}: status must be a UnitStatus")


class TrainingSpec(NamedTuple):
    """A training programme completed on ``completed_on`` (counts from that day on)."""

    programme: str
    completed_on: date
    hours: float


class QualificationSpec(NamedTuple):
    """A qualification valid ``issued_on <= day < expires_on`` (None: does not expire)."""

    kind: str
    issued_on: date
    expires_on: date | None


class FitnessSpec(NamedTuple):
    """A medical examination: ``fit`` or not, the finding valid until ``valid_until``
    (exclusive; None: open-ended)."""

    examined_on: date
    valid_until: date | None
    fit: bool


@dataclass(frozen=True, slots=True)
class MemberSpec:
    """A registered member of a unit, with personal data and records."""

    external_id: str
    unit_code: str
    callsign: str
    given_name: str
    family_name: str
    date_of_birth: date
    phone: str
    trainings: tuple[TrainingSpec, ...] = ()
    qualifications: tuple[QualificationSpec, ...] = ()
    fitness: tuple[FitnessSpec, ...] = ()


@dataclass(frozen=True, slots=True)
class ActivationOrderSpec:
    """An order of the regional headquarters activating a unit and its sub-units,
    valid ``valid_from <= t < valid_to``."""

    unit_code: str
    reference: str
    valid_from: datetime
    valid_to: datetime | None = None


@dataclass(frozen=True, slots=True)
class UserSpec:
    """A demo account tied to the forces. ``scope_code`` names the agency (scope
    ``agency``) or unit (scope ``unit``) by code; ``scope_regions`` is used by scope
    ``regions``."""

    username: str
    display_name: str
    role: Role
    scope_kind: ScopeKind
    scope_code: str | None = None
    scope_regions: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ScenarioData:
    """Everything the generator produces for one seed and moment.

    Agencies come before their units, and every unit after its parent, so a loader can
    write them in order.
    """

    seed: int
    as_of: datetime
    agencies: tuple[AgencySpec, ...]
    units: tuple[UnitSpec, ...]
    members: tuple[MemberSpec, ...]
    activation_orders: tuple[ActivationOrderSpec, ...]
    acts: tuple[LegalAct, ...]
    users: tuple[UserSpec, ...]


Counts = tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class ScenarioSummary:
    """Counts for printing. Each ``Counts`` is ``(key, count)`` sorted by key."""

    agencies: int
    units: int
    members: int
    members_by_region: Counts
    members_by_agency: Counts
    units_by_category: Counts
    units_by_agency: Counts
    units_by_status: Counts
    volunteer_battalions_by_region: Counts
    activated_units: tuple[str, ...]

    def lines(self) -> tuple[str, ...]:
        """A short human-readable report."""

        def fmt(counts: Counts) -> str:
            return ", ".join(f"{k} {v:,}" for k, v in counts) or "none"

        return (
            f"{self.agencies} agencies, {self.units} units, {self.members:,} registered members",
            f"members by region: {fmt(self.members_by_region)}",
            f"members by agency: {fmt(self.members_by_agency)}",
            f"volunteer battalions by region: {fmt(self.volunteer_battalions_by_region)}",
            f"units by category: {fmt(self.units_by_category)}",
            f"units by agency: {fmt(self.units_by_agency)}",
            f"units by status: {fmt(self.units_by_status)}",
            f"activated: {', '.join(self.activated_units) or 'none'}",
        )
