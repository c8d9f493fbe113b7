"""The audit trail, for auditors: paged, filterable; and a verification of the chain."""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime

from marchwarden.core.access.policy import Action
from marchwarden.entrypoints.api.deps import CurrentPrincipal, ServicesDep
from marchwarden.entrypoints.api.schemas.audit import AuditEntryOut, AuditPage, VerifyOut
from marchwarden.entrypoints.api.schemas.types import Cursor
from marchwarden.services import audit
from marchwarden.services.context import authorise

if TYPE_CHECKING:
    from collections.abc import Iterator

router = APIRouter(tags=["audit"])


@router.get("/audit", response_model=AuditPage)
def list_audit(
    principal: CurrentPrincipal,
    services: ServicesDep,
    actor: Annotated[str | None, Query(max_length=64, description="username")] = None,
    command: Annotated[
        str | None,
        Query(max_length=64, description="the action, e.g. task.accepted; task.* for a prefix"),
    ] = None,
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
        command=command,
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
        verified_at=services.clock.now(),
    )


_CSV_COLUMNS = (
    "seq",
    "at",
    "actor_id",
    "actor_name",
    "command",
    "target_type",
    "target_id",
    "changes",
    "prev_hash",
    "hash",
)


@router.get(
    "/audit/export",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The records, one a line (JSON Lines) or one a row (CSV)",
            "content": {
                "application/jsonl": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    },
)
def export_audit(
    principal: CurrentPrincipal,
    services: ServicesDep,
    export_format: Annotated[Literal["jsonl", "csv"], Query(alias="format")] = "jsonl",
    actor: Annotated[str | None, Query(max_length=64)] = None,
    command: Annotated[str | None, Query(max_length=64)] = None,
    target_type: Annotated[str | None, Query(max_length=64)] = None,
    target_id: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[AwareDatetime | None, Query()] = None,
    until: Annotated[AwareDatetime | None, Query()] = None,
) -> StreamingResponse:
    """The records the filters select (all by default), as JSON Lines (one record per
    line, as ``GET /audit`` gives it: with both hashes, so the chain can be checked
    again elsewhere) or CSV (``changes`` as a JSON cell)."""
    authorise(principal, Action.AUDIT_READ)
    entries = audit.export_entries(
        services,
        principal,
        by=actor,
        command=command,
        target_type=target_type,
        target_id=target_id,
        since=since,
        until=until,
    )

    def jsonl() -> Iterator[str]:
        for e in entries:
            yield AuditEntryOut.of(e).model_dump_json() + "\n"

    def csv_lines() -> Iterator[str]:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(_CSV_COLUMNS)
        for e in entries:
            row = AuditEntryOut.of(e).model_dump(mode="json")
            row["changes"] = json.dumps(row["changes"], sort_keys=True, ensure_ascii=False)
            writer.writerow([row[c] for c in _CSV_COLUMNS])
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
        yield buf.getvalue()

    if export_format == "csv":
        body, media, ext = csv_lines(), "text/csv; charset=utf-8", "csv"
    else:
        body, media, ext = jsonl(), "application/jsonl; charset=utf-8", "jsonl"
    return StreamingResponse(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="audit.{ext}"'},
    )
