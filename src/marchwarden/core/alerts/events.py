"""Events of alerts: drafted, revised, approved, published, cancelled, imported.

Who may see them: ``alert.read`` for the alert's regions (``alert_resource``). Each event
knows its audit record and, for an alert composed from an incident, the incident's
timeline entry.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from marchwarden.core.access.policy import Action
from marchwarden.core.alerts.model import alert_resource
from marchwarden.core.events import AuditFacts, DomainEvent, TimelineFacts

if TYPE_CHECKING:
    from datetime import datetime

    from marchwarden.core.access.model import Resource

TIMELINE_KIND = "alert"


@dataclasses.dataclass(frozen=True, kw_only=True)
class _AlertEvent(DomainEvent):
    read_action = Action.ALERT_READ
    alert_id: int
    regions: tuple[str, ...]
    incident_id: int | None
    event: str
    severity: str
    scope: str

    def resource(self) -> Resource:
        return alert_resource(frozenset(self.regions))

    def _audit(self, command: str, **changes: object) -> AuditFacts:
        return AuditFacts(command, "alert", self.alert_id, changes)

    def _note(self, text: str, step: str, **facts: object) -> TimelineFacts | None:
        """The incident's timeline entry: the English line, and what it says (``step``:
        drafted, revised, approved, published, updated, cancelled; the alert's facts) for
        a reader in another language."""
        if self.incident_id is None:
            return None
        data = {"alert_id": self.alert_id, "step": step, "event": self.event} | facts
        return TimelineFacts(self.incident_id, TIMELINE_KIND, text, data=data)


@dataclasses.dataclass(frozen=True, kw_only=True)
class AlertDrafted(_AlertEvent):
    instruction: str
    area: str
    population: int
    settlements: int
    revision: bool

    def audit(self) -> AuditFacts:
        return self._audit(
            "alert.revise" if self.revision else "alert.draft",
            event=self.event,
            severity=self.severity,
            scope=self.scope,
            instruction=self.instruction,
            area=self.area,
            population=self.population,
            regions=list(self.regions),
        )

    def timeline(self) -> TimelineFacts | None:
        what = "revised" if self.revision else "drafted"
        return self._note(
            f"Alert #{self.alert_id} {what}: {self.event} ({self.severity}, "
            f"{self.instruction.replace('_', ' ')}) for {self.area} — "
            f"{self.settlements} settlements, {self.population:,} people",
            what,
            severity=self.severity,
            instruction=self.instruction,
            area=self.area,
            settlements=self.settlements,
            population=self.population,
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class AlertApproved(_AlertEvent):
    by: str
    drafted_by: str

    def audit(self) -> AuditFacts:
        return self._audit("alert.approve", drafted_by=self.drafted_by)

    def timeline(self) -> TimelineFacts | None:
        return self._note(f"Alert #{self.alert_id} approved by {self.by}", "approved", by=self.by)


@dataclasses.dataclass(frozen=True, kw_only=True)
class AlertPublished(_AlertEvent):
    identifier: str
    msg_type: str
    references: tuple[str, ...]
    expires: datetime

    def audit(self) -> AuditFacts:
        return self._audit(
            "alert.publish",
            identifier=self.identifier,
            msg_type=self.msg_type,
            references=list(self.references),
            expires=self.expires.isoformat(),
        )

    def timeline(self) -> TimelineFacts | None:
        kind = "published" if self.msg_type == "Alert" else "updated"
        return self._note(
            f"Alert #{self.alert_id} {kind} as CAP {self.identifier}",
            kind,
            identifier=self.identifier,
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class AlertCancelled(_AlertEvent):
    identifier: str
    references: tuple[str, ...]

    def audit(self) -> AuditFacts:
        return self._audit(
            "alert.cancel", identifier=self.identifier, references=list(self.references)
        )

    def timeline(self) -> TimelineFacts | None:
        return self._note(
            f"Alert #{self.alert_id} cancelled (CAP {self.identifier})",
            "cancelled",
            identifier=self.identifier,
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class AlertImported(_AlertEvent):
    sender: str
    identifier: str
    msg_type: str

    def audit(self) -> AuditFacts:
        return self._audit(
            "alert.import", sender=self.sender, identifier=self.identifier, msg_type=self.msg_type
        )
