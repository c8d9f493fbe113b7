"""Incidents: lifecycle, unified command, casualties, timeline; and unit activity logs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import AwareDatetime

from marchwarden.core.access.policy import Action
from marchwarden.core.incidents.model import IncidentState
from marchwarden.core.incidents.place import IncidentPlace
from marchwarden.entrypoints.api.deps import CurrentPrincipal, ServicesDep
from marchwarden.entrypoints.api.schemas.incidents import (
    ActivityLogOut,
    CasualtiesIn,
    CasualtiesOut,
    CommandIn,
    IncidentIn,
    IncidentOut,
    IncidentPage,
    IncidentPatch,
    IncidentSummaryOut,
    IncidentTypeOut,
    LogIn,
    TimelineEntryOut,
    TimelinePage,
    TransitionIn,
    incident_types,
)
from marchwarden.entrypoints.api.schemas.types import Cursor, Id
from marchwarden.services import incidents
from marchwarden.services.context import authorise

router = APIRouter(tags=["incidents"])


@router.get("/incident-types", response_model=list[IncidentTypeOut])
def list_incident_types(principal: CurrentPrincipal) -> list[IncidentTypeOut]:
    """The incident taxonomy with each type's ACLED event and sub-event type."""
    authorise(principal, Action.GEO_READ)
    return incident_types()


@router.post("/incidents", response_model=IncidentOut, status_code=status.HTTP_201_CREATED)
def create_incident(
    body: IncidentIn, principal: CurrentPrincipal, services: ServicesDep
) -> IncidentOut:
    """Open an incident (state ``reported``) directly, without a report."""
    spec = incidents.IncidentSpec(
        name=body.name,
        incident_type=body.incident_type,
        severity=body.severity,
        place=IncidentPlace.from_geojson(body.place.model_dump()),
        radius_km=body.radius_km,
        description=body.description,
        lead_agency_id=body.lead_agency_id,
        supporting_agency_ids=tuple(body.supporting_agency_ids),
    )
    return IncidentOut.of(incidents.create_incident(services, principal, spec))


@router.get("/incidents", response_model=IncidentPage)
def list_incidents(
    principal: CurrentPrincipal,
    services: ServicesDep,
    state: Annotated[list[IncidentState] | None, Query()] = None,
    open_only: Annotated[
        bool, Query(alias="open", description="only incidents not closed or rejected")
    ] = False,
    region: Annotated[str | None, Query(max_length=16)] = None,
    after_id: Annotated[Cursor | None, Query(ge=0)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> IncidentPage:
    states: set[IncidentState] | None = set(state) if state else None
    if open_only:
        states = (states or set(IncidentState)) & set(incidents.OPEN_STATES)
    # one more than asked, to tell a last page from a full one (no request for an empty page)
    items = incidents.list_incidents(
        services, principal, states=states, region=region, after_id=after_id, limit=limit + 1
    )
    more = len(items) > limit
    items = items[:limit]
    return IncidentPage(
        items=[IncidentSummaryOut.of(i) for i in items],
        next_after_id=items[-1].id if more else None,
    )


@router.get("/incidents/{incident_id}", response_model=IncidentOut)
def get_incident(
    incident_id: Id, principal: CurrentPrincipal, services: ServicesDep
) -> IncidentOut:
    return IncidentOut.of(incidents.get_incident(services, principal, incident_id))


@router.patch("/incidents/{incident_id}", response_model=IncidentOut)
def update_incident(
    incident_id: Id, body: IncidentPatch, principal: CurrentPrincipal, services: ServicesDep
) -> IncidentOut:
    """Change name, description, type, severity, place or radius (affected settlements
    are computed again)."""
    changes = incidents.IncidentChanges(
        name=body.name,
        description=body.description,
        incident_type=body.incident_type,
        severity=body.severity,
        place=IncidentPlace.from_geojson(body.place.model_dump()) if body.place else None,
        radius_km=body.radius_km,
    )
    return IncidentOut.of(incidents.update_incident(services, principal, incident_id, changes))


@router.post("/incidents/{incident_id}/transition", response_model=IncidentOut)
def transition(
    incident_id: Id, body: TransitionIn, principal: CurrentPrincipal, services: ServicesDep
) -> IncidentOut:
    """One lifecycle step: reported → verified → active → contained → closed, or
    rejected (with a reason). An illegal step is a 409 naming the allowed ones."""
    return IncidentOut.of(
        incidents.change_state(services, principal, incident_id, body.to, body.reason)
    )


@router.put("/incidents/{incident_id}/command", response_model=IncidentOut)
def set_command(
    incident_id: Id, body: CommandIn, principal: CurrentPrincipal, services: ServicesDep
) -> IncidentOut:
    """Name the lead agency and the supporting agencies (the whole unified command)."""
    return IncidentOut.of(
        incidents.set_command(
            services,
            principal,
            incident_id,
            lead_agency_id=body.lead_agency_id,
            supporting_agency_ids=body.supporting_agency_ids,
        )
    )


@router.get("/incidents/{incident_id}/casualties", response_model=CasualtiesOut)
def casualties(
    incident_id: Id, principal: CurrentPrincipal, services: ServicesDep
) -> CasualtiesOut:
    return CasualtiesOut.of(incidents.casualty_history(services, principal, incident_id))


@router.post(
    "/incidents/{incident_id}/casualties",
    response_model=CasualtiesOut,
    status_code=status.HTTP_201_CREATED,
)
def record_casualties(
    incident_id: Id, body: CasualtiesIn, principal: CurrentPrincipal, services: ServicesDep
) -> CasualtiesOut:
    """Record casualty figures: absolute counts as of ``at`` for the categories given;
    the others keep their figures."""
    history = incidents.record_casualties(
        services,
        principal,
        incident_id,
        {c.value: n for c, n in body.counts.items()},
        at=body.at,
        source=body.source,
        note=body.note,
    )
    return CasualtiesOut.of(history)


@router.get("/incidents/{incident_id}/timeline", response_model=TimelinePage)
def timeline(
    incident_id: Id,
    principal: CurrentPrincipal,
    services: ServicesDep,
    unit_id: Annotated[Id | None, Query(description="only entries about this unit")] = None,
    after_id: Annotated[Cursor | None, Query(ge=0)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> TimelinePage:
    entries = incidents.timeline(
        services, principal, incident_id, unit_id=unit_id, after_id=after_id, limit=limit
    )
    return TimelinePage(
        items=[TimelineEntryOut.of(e) for e in entries],
        next_after_id=entries[-1].id if len(entries) == limit else None,
    )


@router.post(
    "/incidents/{incident_id}/log",
    response_model=TimelineEntryOut,
    status_code=status.HTTP_201_CREATED,
)
def add_log_entry(
    incident_id: Id, body: LogIn, principal: CurrentPrincipal, services: ServicesDep
) -> TimelineEntryOut:
    """A free-text activity-log entry, optionally about one unit (ICS 214)."""
    entry = incidents.add_log_entry(
        services, principal, incident_id, body.text, unit_id=body.unit_id
    )
    return TimelineEntryOut.of(entry)


@router.get("/activity-log", response_model=ActivityLogOut)
def activity_log(
    principal: CurrentPrincipal,
    services: ServicesDep,
    unit_id: Annotated[Id, Query()],
    since: Annotated[AwareDatetime | None, Query()] = None,
    until: Annotated[AwareDatetime | None, Query()] = None,
) -> ActivityLogOut:
    """One unit's activity log (ICS 214), derived from the incident timelines."""
    return ActivityLogOut.of(
        incidents.activity_log(services, principal, unit_id, since=since, until=until)
    )
