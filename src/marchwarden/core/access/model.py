"""Who is asking (``Principal``), with which ``Role`` and ``Scope``, about what (``Resource``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime


class Role(StrEnum):
    HQ_COMMANDER = "hq_commander"
    REGIONAL_COORDINATOR = "regional_coordinator"
    AGENCY_LIAISON = "agency_liaison"
    UNIT_COMMANDER = "unit_commander"
    PERSONNEL_OFFICER = "personnel_officer"
    FIELD_REPORTER = "field_reporter"
    ANALYST = "analyst"
    AUDITOR = "auditor"
    ADMIN = "admin"


class ScopeKind(StrEnum):
    ALL = "all"
    REGIONS = "regions"
    AGENCY = "agency"
    UNIT = "unit"


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a principal's role applies.

    ``all``: every region. ``regions``: the listed region codes. ``agency``: everything
    one agency is part of. ``unit``: a unit and its sub-units (``unit_path`` is the
    materialised path of the unit, e.g. ``/4/17/``; a sub-unit's path starts with it).
    """

    kind: ScopeKind
    regions: frozenset[str] = frozenset()
    agency_id: int | None = None
    unit_id: int | None = None
    unit_path: str | None = None

    @staticmethod
    def all() -> Scope:
        return Scope(ScopeKind.ALL)

    @staticmethod
    def of_regions(*codes: str) -> Scope:
        return Scope(ScopeKind.REGIONS, regions=frozenset(codes))

    @staticmethod
    def of_agency(agency_id: int) -> Scope:
        return Scope(ScopeKind.AGENCY, agency_id=agency_id)

    @staticmethod
    def of_unit(unit_id: int, unit_path: str) -> Scope:
        return Scope(ScopeKind.UNIT, unit_id=unit_id, unit_path=unit_path)

    def describe(self) -> str:
        if self.kind is ScopeKind.ALL:
            return "all regions"
        if self.kind is ScopeKind.REGIONS:
            return "regions " + ", ".join(sorted(self.regions))
        if self.kind is ScopeKind.AGENCY:
            return f"agency {self.agency_id}"
        return f"unit {self.unit_id} and its sub-units"


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int
    username: str
    role: Role
    scope: Scope


@dataclass(frozen=True, slots=True)
class Resource:
    """The attributes of a thing that access decisions look at.

    ``region``: the region it is in. ``agencies``: the agencies it belongs to or involves
    (a unit's agency; an incident's lead and supporting agencies). ``unit_paths``: the
    materialised paths of the units it belongs to or involves.
    """

    kind: str
    region: str | None = None
    agencies: frozenset[int] = frozenset()
    unit_paths: frozenset[str] = frozenset()
    owner_id: int | None = None
    extra: tuple[tuple[str, str], ...] = field(default=())

    @staticmethod
    def everywhere(kind: str) -> Resource:
        """A resource that belongs to no region, agency or unit (e.g. the audit trail)."""
        return Resource(kind)


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    display_name: str
    role: Role
    scope: Scope
    disabled: bool
    created_at: datetime
    password_hash: str = field(repr=False, default="")
    #: the language the user reads ("en", "ru"), or None: the browser's, else English
    language: str | None = None

    def principal(self) -> Principal:
        return Principal(self.id, self.username, self.role, self.scope)


def scope_to_json(scope: Scope) -> dict[str, object]:
    data: dict[str, object] = {"kind": scope.kind.value}
    if scope.kind is ScopeKind.REGIONS:
        data["regions"] = sorted(scope.regions)
    elif scope.kind is ScopeKind.AGENCY:
        data["agency_id"] = scope.agency_id
    elif scope.kind is ScopeKind.UNIT:
        data["unit_id"] = scope.unit_id
        data["unit_path"] = scope.unit_path
    return data


def scope_from_json(data: dict[str, object]) -> Scope:
    kind = ScopeKind(str(data["kind"]))
    regions = data.get("regions") or []
    agency = data.get("agency_id")
    unit = data.get("unit_id")
    path = data.get("unit_path")
    return Scope(
        kind,
        regions=frozenset(str(r) for r in regions) if isinstance(regions, list) else frozenset(),
        agency_id=int(agency) if isinstance(agency, int) else None,
        unit_id=int(unit) if isinstance(unit, int) else None,
        unit_path=str(path) if isinstance(path, str) else None,
    )
