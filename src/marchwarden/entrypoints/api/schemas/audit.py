from __future__ import annotations

from datetime import datetime
from typing import Any

from marchwarden.core.audit.chain import AuditEntry
from marchwarden.entrypoints.api.schemas.base import Schema


class AuditEntryOut(Schema):
    seq: int
    at: datetime
    actor_id: int | None
    actor_name: str
    command: str
    target_type: str
    target_id: str | None
    changes: dict[str, Any]
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, e: AuditEntry) -> AuditEntryOut:
        return cls(
            seq=e.seq,
            at=e.at,
            actor_id=e.actor_id,
            actor_name=e.actor_name,
            command=e.command,
            target_type=e.target_type,
            target_id=e.target_id,
            changes=dict(e.changes),
            prev_hash=e.prev_hash,
            hash=e.hash,
        )


class AuditPage(Schema):
    items: list[AuditEntryOut]
    next_after_seq: int | None


class VerifyOut(Schema):
    ok: bool
    checked: int
    head_seq: int
    first_bad_seq: int | None
    problem: str | None
    anchor: str
    #: when this verification ran (the server's clock)
    verified_at: datetime
