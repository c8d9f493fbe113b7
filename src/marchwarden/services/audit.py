"""Reading and verifying the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from marchwarden.core.access.policy import Action
from marchwarden.core.audit.chain import AuditEntry, VerifyResult, verify_chain
from marchwarden.services.context import Services, authorise

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime

    from marchwarden.core.access.model import Principal


@dataclass(frozen=True, slots=True)
class Verification:
    result: VerifyResult
    anchor_note: str


def verify(svc: Services) -> Verification:
    """Check the whole chain against the anchor kept outside the database."""
    svc.db.flush_anchor()
    stored = svc.db.anchor.read()
    instance = svc.db.instance_id()
    anchor = None
    if stored is None:
        note = (
            f"no anchor at {svc.db.anchor.path}: removal of the newest records cannot be detected"
        )
    elif stored[0] != instance:
        note = (
            f"the anchor at {svc.db.anchor.path} belongs to another database "
            f"({stored[0]}, this one is {instance}); not compared"
        )
    else:
        anchor = stored[1]
        note = f"anchored head: record {anchor.seq} ({svc.db.anchor.path})"
    with svc.db.unit_of_work(write=False) as uow:
        result = verify_chain(uow.audit.iterate(), anchor)
    return Verification(result, note)


EXPORT_PAGE = 1000


def export_entries(svc: Services, actor: Principal, **filters: Any) -> Iterator[AuditEntry]:
    """Every record the filters select, in seq order, read a page at a time (each page in
    its own read transaction, so a long export holds no lock)."""
    authorise(actor, Action.AUDIT_READ)
    after: int | None = None
    while True:
        page = list_entries(svc, actor, after_seq=after, limit=EXPORT_PAGE, **filters)
        yield from page
        if len(page) < EXPORT_PAGE:
            return
        after = page[-1].seq


def list_entries(
    svc: Services,
    actor: Principal,
    *,
    by: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after_seq: int | None = None,
    limit: int = 100,
    command: str | None = None,
) -> list[AuditEntry]:
    authorise(actor, Action.AUDIT_READ)
    with svc.db.unit_of_work(write=False) as uow:
        return uow.audit.page(
            command=command,
            actor=by,
            target_type=target_type,
            target_id=target_id,
            since=since,
            until=until,
            after_seq=after_seq,
            limit=limit,
        )
