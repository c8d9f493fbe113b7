"""Typed events of the forces registry and the law. No personal data in any of them."""

from __future__ import annotations

import dataclasses

from marchwarden.core.access.model import Resource
from marchwarden.core.access.policy import Action
from marchwarden.core.events import AuditFacts, DomainEvent, record_only
from marchwarden.core.forces.model import unit_resource


@dataclasses.dataclass(frozen=True, kw_only=True)
class _UnitEvent(DomainEvent):
    read_action = Action.UNIT_READ
    unit_id: int
    region: str
    agency_id: int
    path: str

    def resource(self) -> Resource:
        return unit_resource(self.region, self.agency_id, self.path)


@dataclasses.dataclass(frozen=True, kw_only=True)
class AgencyCreated(DomainEvent):
    read_action = Action.AGENCY_READ
    agency_id: int
    code: str
    name: str
    kind: str
    region: str | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class UnitCreated(_UnitEvent):
    code: str
    name: str
    category: str
    parent_id: int | None
    home: tuple[float, float]
    status: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class UnitUpdated(_UnitEvent):
    changes: dict[str, object]


@dataclasses.dataclass(frozen=True, kw_only=True)
class UnitStatusChanged(_UnitEvent):
    status: str
    previous: str
    availability: str
    note: str
    own_command: bool = record_only(False)
    """True: the command was this change ("unit.status"); False: it came with another
    command (a task's step), whose record covers it."""

    def audit(self) -> AuditFacts | None:
        if not self.own_command:
            return None
        changes = {"status": [self.previous, self.status], "note": self.note}
        return AuditFacts("unit.status", "unit", self.unit_id, changes)


@dataclasses.dataclass(frozen=True, kw_only=True)
class UnitPositionUpdated(_UnitEvent):
    lon: float
    lat: float
    at: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class MemberRegistered(_UnitEvent):
    read_action = Action.MEMBER_READ
    member_id: int
    callsign: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class MemberChanged(_UnitEvent):
    read_action = Action.MEMBER_READ
    member_id: int
    callsign: str
    fields: tuple[str, ...]


@dataclasses.dataclass(frozen=True, kw_only=True)
class RosterImported(DomainEvent):
    read_action = Action.MEMBER_READ
    created: int
    updated: int
    unchanged: int
    regions: tuple[str, ...]
    agencies: tuple[int, ...]
    unit_paths: tuple[str, ...]

    def resource(self) -> Resource:
        return Resource(
            "roster",
            region=self.regions[0] if len(self.regions) == 1 else None,
            agencies=frozenset(self.agencies),
            unit_paths=frozenset(self.unit_paths),
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class LegalActRecorded(DomainEvent):
    read_action = Action.LAW_READ
    reference: str
    title: str
    status: str
    grants: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class LegalActStatusChanged(DomainEvent):
    read_action = Action.LAW_READ
    reference: str
    status: str
    previous: str
    effective_from: str | None
    effective_to: str | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class ActivationOrderIssued(_UnitEvent):
    order_id: int
    reference: str
    valid_from: str
    valid_to: str | None
