"""The audit trail, for auditors: paged, filterable; and a verification of the chain."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from marchwarden.core.access.policy import Action
from marchwarden.entrypoints.api.deps import CurrentPrincipal, ServicesDep
from marchwarden.entrypoints.api.schemas.audit import AuditEntryOut, AuditPage, VerifyOut
from marchwarden.entrypoints.api.schemas.types import Cursor
from marchwarden.services import audit
from marchwarden.services.context import authorise

router = APIRouter(tags=["audit"])


@router.get("/audit", response_model=AuditPage)
def list_audit(
    principal: CurrentPrincipal,
    services: ServicesDep,
    actor: Annotated[str | None, Query(max_length=64, description="username")] = None,
    target_type: Annotated[str | None, Query(max_length=64)] = None,
    target_id: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[AwareDatetime | None, Query(description="from this time (inclusive)")] = None,
    until: Annotated[AwareDatetime | None, Query(description="until this time (exclusive)")] = None,
    after_seq: Annotated[Cursor | None, Query(ge=0, description="page after this record")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AuditPage:
    entries = audit.list_entries(
        services,
        principal,
        by=actor,
        target_type=target_type,
        target_id=target_id,
        since=since,
        until=until,
        after_seq=after_seq,
        limit=limit,
    )
    return AuditPage(
        items=[AuditEntryOut.of(e) for e in entries],
        next_after_seq=entries[-1].seq if len(entries) == limit else None,
    )


@router.get("/audit/verify", response_model=VerifyOut)
def verify_audit(principal: CurrentPrincipal, services: ServicesDep) -> VerifyOut:
    authorise(principal, Action.AUDIT_READ)
    v = audit.verify(services)
    r = v.result
    return VerifyOut(
        ok=r.ok,
        checked=r.checked,
        head_seq=r.head_seq,
        first_bad_seq=r.first_bad_seq,
        problem=r.problem,
        anchor=v.anchor_note,
    )
