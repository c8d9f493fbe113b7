"""GeoChat from the headquarters to a unit's TAK devices: who may send it, and the event
that carries it to every gateway (through the store, so any API process can send it)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from marchwarden.core.access.policy import Action, decide, denied
from marchwarden.core.errors import Invalid
from marchwarden.core.events import AuditFacts, DomainEvent
from marchwarden.core.forces.model import unit_resource

if TYPE_CHECKING:
    from marchwarden.core.access.model import Principal, Resource

MAX_CHAT_CHARS = 2000


@dataclasses.dataclass(frozen=True, kw_only=True)
class TakChatSent(DomainEvent):
    read_action = Action.UNIT_READ
    unit_id: int
    region: str
    agency_id: int
    path: str
    text: str
    sender: str

    def resource(self) -> Resource:
        return unit_resource(self.region, self.agency_id, self.path)

    def audit(self) -> AuditFacts:
        return AuditFacts(
            command="tak.chat",
            target_type="unit",
            target_id=self.unit_id,
            changes={"text": self.text},
        )


def send_to_unit(
    actor: Principal, *, unit_id: int, region: str, agency_id: int, path: str, text: str
) -> list[DomainEvent]:
    """Who may give the unit a task may message its devices."""
    decision = decide(actor, Action.TASK_ASSIGN, unit_resource(region, agency_id, path))
    if not decision.allowed:
        raise denied(decision)
    text = text.strip()
    if not text or len(text) > MAX_CHAT_CHARS:
        raise Invalid.said(
            "account.chat_message_characters",
            "a chat message must be 1-{most} characters",
            most=MAX_CHAT_CHARS,
        )
    return [
        TakChatSent(
            unit_id=unit_id,
            region=region,
            agency_id=agency_id,
            path=path,
            text=text,
            sender=actor.username,
        )
    ]
