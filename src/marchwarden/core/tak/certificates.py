"""Rules for the gateway's client certificates: who may get one, who may revoke one, and
the events that record it (each carries its audit record)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from marchwarden.core.access.policy import Action, decide, denied
from marchwarden.core.errors import Conflict, Forbidden
from marchwarden.core.events import AuditFacts, DomainEvent
from marchwarden.core.tak.access import may_connect

if TYPE_CHECKING:
    from datetime import datetime

    from marchwarden.core.access.model import Principal, User


@dataclasses.dataclass(frozen=True, kw_only=True)
class TakCertificateIssued(DomainEvent):
    serial: str
    user_id: int
    username: str
    fingerprint: str
    not_after: str
    how: str
    """``enrolment`` (the device sent a CSR) or ``package`` (made by the CLI)."""

    def audit(self) -> AuditFacts:
        return AuditFacts(
            command="tak.certificate.issue",
            target_type="user",
            target_id=self.user_id,
            changes={
                "serial": self.serial,
                "fingerprint": self.fingerprint,
                "not_after": self.not_after,
                "how": self.how,
            },
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class TakCertificateRevoked(DomainEvent):
    serial: str
    user_id: int
    username: str
    reason: str

    def audit(self) -> AuditFacts:
        return AuditFacts(
            command="tak.certificate.revoke",
            target_type="user",
            target_id=self.user_id,
            changes={"serial": self.serial, "reason": self.reason},
        )


def issue(
    user: User, *, serial: str, fingerprint: str, not_after: datetime, how: str
) -> list[DomainEvent]:
    """A certificate for ``user``: only an active account that may hold a TAK connection."""
    if user.disabled:
        raise Forbidden.said(
            "account.named_disabled",
            "the account {username} is disabled",
            username=repr(user.username),
        )
    if not may_connect(user.principal()):
        raise Forbidden.said(
            "account.role_may_connect_tak",
            "role {role} may not connect a TAK device",
            role=user.role,
        )
    return [
        TakCertificateIssued(
            serial=serial,
            user_id=user.id,
            username=user.username,
            fingerprint=fingerprint,
            not_after=not_after.isoformat(),
            how=how,
        )
    ]


def revoke(
    actor: Principal | None, owner: User, *, serial: str, revoked: bool, reason: str
) -> list[DomainEvent]:
    """Revoke one certificate: its owner, or someone who manages users (None: the CLI)."""
    if actor is not None and actor.user_id != owner.id:
        decision = decide(actor, Action.USER_MANAGE)
        if not decision.allowed:
            raise denied(decision)
    if revoked:
        raise Conflict.said(
            "account.certificate_already_revoked",
            "certificate {serial} is already revoked",
            serial=serial,
        )
    return [
        TakCertificateRevoked(
            serial=serial, user_id=owner.id, username=owner.username, reason=reason
        )
    ]
