"""Typed events of the forces registry and the law. No personal data in any of them."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from marchwarden.core.access.model import Resource
from marchwarden.core.access.policy import Action
from marchwarden.core.events import AuditFacts, DomainEvent, record_only
from marchwarden.core.forces.model import unit_resource

if TYPE_CHECKING:
    from collections.abc import Mapping


@dataclasses.dataclass(frozen=True, kw_only=True)
class _UnitEvent(DomainEvent):
    read_action = Action.UNIT_READ
    unit_id: int
    region: str
    agency_id: int
    path: str

    def resource(self) -> Resource:
        return unit_resource(self.region, self.agency_id, self.path)

    def _audit(self, command: str, changes: dict[str, Any]) -> AuditFacts:
        return AuditFacts(command, "unit", self.unit_id, changes)


@dataclasses.dataclass(frozen=True, kw_only=True)
class AgencyCreated(DomainEvent):
    read_action = Action.AGENCY_READ
    agency_id: int
    code: str
    name: str
    kind: str
    region: str | None

    def audit(self) -> AuditFacts:
        changes = {"code": self.code, "name": self.name, "kind": self.kind, "region": self.region}
        return AuditFacts("agency.create", "agency", self.agency_id, changes)


@dataclasses.dataclass(frozen=True, kw_only=True)
class UnitCreated(_UnitEvent):
    code: str
    name: str
    category: str
    parent_id: int | None
    home: tuple[float, float]
    status: str

    def audit(self) -> AuditFacts:
        return self._audit(
            "unit.create",
            {
                "code": self.code,
                "name": self.name,
                "agency_id": self.agency_id,
                "parent_id": self.parent_id,
                "region": self.region,
            },
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class UnitUpdated(_UnitEvent):
    changes: dict[str, object]
    """Each changed field's new value."""
    diff: Mapping[str, list[Any]] = record_only(factory=dict)
    """Each changed field as [before, after] (the audit record)."""

    def audit(self) -> AuditFacts:
        return self._audit("unit.update", dict(self.diff))


@dataclasses.dataclass(frozen=True, kw_only=True)
class UnitStatusChanged(_UnitEvent):
    status: str
    previous: str
    availability: str
    note: str
    own_command: bool = record_only(False)
    """True: the command was this change ("unit.status"); False: it came with another
    command (a task's step), whose record covers it."""
    task_id: int | None = record_only(None)
    task_steps: tuple[str, ...] = record_only(())
    """The steps the unit's task took with this change (``coupling.py``), if any."""

    def audit(self) -> AuditFacts | None:
        if not self.own_command:
            return None
        changes: dict[str, Any] = {"status": [self.previous, self.status], "note": self.note}
        if self.task_steps:
            changes |= {"task_id": self.task_id, "task_steps": list(self.task_steps)}
        return AuditFacts("unit.status", "unit", self.unit_id, changes)


@dataclasses.dataclass(frozen=True, kw_only=True)
class UnitPositionUpdated(_UnitEvent):
    lon: float
    lat: float
    at: str
    source: str = record_only("")
    latest: bool = record_only(True)
    """False: an older position than the newest known (audited, not published)."""
    accuracy_m: float | None = record_only(None)
    """The device's stated accuracy (metres), when it gave one (the field page)."""

    def audit(self) -> AuditFacts:
        changes: dict[str, object] = {
            "lon": self.lon,
            "lat": self.lat,
            "at": self.at,
            "source": self.source,
        }
        if self.accuracy_m is not None:
            changes["accuracy_m"] = self.accuracy_m
        return self._audit("unit.position", changes)

    def published(self) -> bool:
        return self.latest


@dataclasses.dataclass(frozen=True, kw_only=True)
class MemberRegistered(_UnitEvent):
    read_action = Action.MEMBER_READ
    member_id: int
    callsign: str
    external_id: str = record_only("")
    unit_code: str = record_only("")

    def audit(self) -> AuditFacts:
        changes = {
            "external_id": self.external_id,
            "unit": self.unit_code,
            "callsign": self.callsign,
        }
        return AuditFacts("member.register", "member", self.member_id, changes)


@dataclasses.dataclass(frozen=True, kw_only=True)
class MemberChanged(_UnitEvent):
    read_action = Action.MEMBER_READ
    member_id: int
    callsign: str
    fields: tuple[str, ...]
    added: Mapping[str, Any] = record_only(factory=dict)
    """The records added, by kind (the audit record)."""

    def audit(self) -> AuditFacts:
        return AuditFacts("member.records", "member", self.member_id, {"added": dict(self.added)})


@dataclasses.dataclass(frozen=True, kw_only=True)
class RosterImported(DomainEvent):
    read_action = Action.MEMBER_READ
    created: int
    updated: int
    unchanged: int
    regions: tuple[str, ...]
    agencies: tuple[int, ...]
    unit_paths: tuple[str, ...]
    created_ids: tuple[str, ...] = record_only(())
    updated_ids: tuple[str, ...] = record_only(())

    def audit(self) -> AuditFacts:
        changes = {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "created_ids": list(self.created_ids[:1000]),
            "updated_ids": list(self.updated_ids[:1000]),
        }
        return AuditFacts("roster.import", "roster", None, changes)

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
    act_id: int = record_only(0)
    grant_texts: tuple[str, ...] = record_only(())

    def audit(self) -> AuditFacts:
        changes = {
            "reference": self.reference,
            "title": self.title,
            "status": self.status,
            "grants": list(self.grant_texts),
        }
        return AuditFacts("law.record", "legal_act", self.act_id, changes)


@dataclasses.dataclass(frozen=True, kw_only=True)
class LegalActStatusChanged(DomainEvent):
    read_action = Action.LAW_READ
    reference: str
    status: str
    previous: str
    effective_from: str | None
    effective_to: str | None
    act_id: int = record_only(0)

    def audit(self) -> AuditFacts:
        changes = {
            "status": [self.previous, self.status],
            "effective_from": self.effective_from,
            "effective_to": self.effective_to,
        }
        return AuditFacts("law.status", "legal_act", self.act_id, changes)


@dataclasses.dataclass(frozen=True, kw_only=True)
class ActivationOrderIssued(_UnitEvent):
    order_id: int
    reference: str
    valid_from: str
    valid_to: str | None

    def audit(self) -> AuditFacts:
        changes = {
            "order_id": self.order_id,
            "reference": self.reference,
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
        }
        return self._audit("activation.issue", changes)
