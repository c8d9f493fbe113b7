"""Field reports: idempotent submission, the verification queue, correlation."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Response, status

from marchwarden.core.incidents.model import AdmiraltyRating
from marchwarden.core.incidents.place import IncidentPlace
from marchwarden.core.incidents.records import ReportStatus
from marchwarden.entrypoints.api.deps import CurrentPrincipal, ServicesDep
from marchwarden.entrypoints.api.schemas.incidents import IncidentOut
from marchwarden.entrypoints.api.schemas.reports import (
    AttachIn,
    OpenIncidentIn,
    RejectIn,
    ReportDecisionOut,
    ReportDetailOut,
    ReportIn,
    ReportOut,
    ReportPage,
    ReportReceiptOut,
    SuggestionsOut,
)
from marchwarden.entrypoints.api.schemas.types import Cursor, Id
from marchwarden.services import reports
from marchwarden.services.incidents import IncidentSpec

router = APIRouter(prefix="/reports", tags=["reports"])

REPLAYED_HEADER = "Idempotent-Replayed"


@router.post("", response_model=ReportReceiptOut, status_code=status.HTTP_201_CREATED)
async def submit_report(
    body: ReportIn,
    principal: CurrentPrincipal,
    services: ServicesDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="unique per report; a retry of the same report sends the same key",
        ),
    ] = None,
) -> Response:
    """Submit a field report, safely retried with the same ``Idempotency-Key``.

    A 201 means the report is committed. The same key with the same body returns the
    original reply (with ``Idempotent-Replayed: true``) and stores nothing; the same key
    with a different body is a 409.

    Runs in the event loop: the report waits for the group writer's commit (see
    ``adapters/db/group_commit.py: GroupCommit``) without holding a worker thread."""
    new = reports.NewReport(
        source_kind=body.source_kind,
        observed_at=body.observed_at,
        position=(body.position.lon, body.position.lat),
        uncertainty_m=body.uncertainty_m,
        incident_type=body.incident_type,
        text=body.text,
        rating=AdmiraltyRating.parse(body.rating),
        reporter=body.reporter,
    )
    result = await reports.submit_report_async(
        services, principal, new, idempotency_key=idempotency_key
    )
    # validated and serialised once, here (a returned model would be validated again)
    return Response(
        ReportReceiptOut.model_validate(result.receipt).model_dump_json(),
        status_code=result.status_code,
        media_type="application/json",
        headers={REPLAYED_HEADER: "true"} if result.replayed else None,
    )


@router.get("", response_model=ReportPage)
def list_reports(
    principal: CurrentPrincipal,
    services: ServicesDep,
    report_status: Annotated[
        ReportStatus | None, Query(alias="status", description="pending: the queue")
    ] = None,
    incident_id: Annotated[Id | None, Query()] = None,
    after_id: Annotated[
        Cursor | None, Query(ge=0, description="id order only: the page after this id")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    order: Annotated[
        Literal["newest", "reliability", "received"] | None,
        Query(
            description="newest: newest observed first; reliability: most reliable source "
            "first (A..F), then most credible (1..6), then newest; received: waiting "
            "longest first. Without it: id order."
        ),
    ] = None,
    cursor: Annotated[
        str | None,
        Query(max_length=400, description="next_cursor of the previous page (same order)"),
    ] = None,
) -> ReportPage:
    items = reports.list_reports(
        services,
        principal,
        status=report_status,
        incident_id=incident_id,
        after_id=after_id,
        limit=limit,
        order=order or "id",
        cursor=cursor,
    )
    now = services.clock.now()
    more = len(items) == limit
    return ReportPage(
        items=[ReportOut.of(r, now) for r in items],
        next_after_id=items[-1].id if more and order is None else None,
        next_cursor=reports.report_cursor(order or "id", items[-1]) if more else None,
    )


@router.get("/{report_id}", response_model=ReportDetailOut)
def get_report(
    report_id: Id, principal: CurrentPrincipal, services: ServicesDep
) -> ReportDetailOut:
    view = reports.get_report(services, principal, report_id)
    base = ReportOut.of(view.report, services.clock.now())
    return ReportDetailOut(
        **base.model_dump(),
        current_suggestions=SuggestionsOut.of_result(view.live) if view.live else None,
    )


@router.post("/{report_id}/claim", response_model=ReportOut)
def claim_report(report_id: Id, principal: CurrentPrincipal, services: ServicesDep) -> ReportOut:
    """Claim a pending report for ``MARCHWARDEN_REPORT_CLAIM_TTL_SECONDS`` (renews one's own
    claim); 409 ``report-claimed`` names the officer holding it and until when."""
    report = reports.claim_report(services, principal, report_id)
    return ReportOut.of(report, services.clock.now())


@router.post("/{report_id}/release", response_model=ReportOut)
def release_claim(report_id: Id, principal: CurrentPrincipal, services: ServicesDep) -> ReportOut:
    report = reports.release_claim(services, principal, report_id)
    return ReportOut.of(report, services.clock.now())


@router.post("/{report_id}/attach", response_model=ReportDecisionOut)
def attach_report(
    report_id: Id, body: AttachIn, principal: CurrentPrincipal, services: ServicesDep
) -> ReportDecisionOut:
    """Verify a report you have claimed as part of an open incident."""
    report, incident = reports.attach_report(
        services, principal, report_id, body.incident_id, note=body.note
    )
    return ReportDecisionOut(
        report=ReportOut.of(report, services.clock.now()), incident=IncidentOut.of(incident)
    )


@router.post(
    "/{report_id}/open-incident",
    response_model=ReportDecisionOut,
    status_code=status.HTTP_201_CREATED,
)
def open_incident(
    report_id: Id, body: OpenIncidentIn, principal: CurrentPrincipal, services: ServicesDep
) -> ReportDecisionOut:
    """Verify a report you have claimed by opening a new incident from it."""
    spec = IncidentSpec(
        name=body.name,
        incident_type=body.incident_type,
        severity=body.severity,
        place=IncidentPlace.from_geojson(body.place.model_dump()) if body.place else None,
        radius_km=body.radius_km,
        description=body.description,
        lead_agency_id=body.lead_agency_id,
        supporting_agency_ids=tuple(body.supporting_agency_ids),
    )
    report, incident = reports.open_incident_from_report(
        services, principal, report_id, spec, note=body.note
    )
    return ReportDecisionOut(
        report=ReportOut.of(report, services.clock.now()), incident=IncidentOut.of(incident)
    )


@router.post("/{report_id}/reject", response_model=ReportOut)
def reject_report(
    report_id: Id, body: RejectIn, principal: CurrentPrincipal, services: ServicesDep
) -> ReportOut:
    report = reports.reject_report(services, principal, report_id, body.reason)
    return ReportOut.of(report, services.clock.now())
