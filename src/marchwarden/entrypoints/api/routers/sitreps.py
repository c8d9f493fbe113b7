"""Situation reports (ICS 209-like), per incident, per region and over all the border
regions: JSON, or a printable HTML page (``?format=html``, or ``Accept: text/html``)."""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import AwareDatetime

from marchwarden.core import language
from marchwarden.core.access.model import Principal
from marchwarden.entrypoints.api.deps import CurrentPrincipal, ServicesDep
from marchwarden.entrypoints.api.schemas.sitreps import (
    BorderSitrepOut,
    IncidentSitrepOut,
    RegionSitrepOut,
)
from marchwarden.entrypoints.api.schemas.types import Id
from marchwarden.entrypoints.api.sitrep_html import SitrepHtml
from marchwarden.i18n import catalogue
from marchwarden.services import sitreps
from marchwarden.services.context import Services

router = APIRouter(prefix="/sitreps", tags=["situation reports"])

Format = Annotated[Literal["json", "html"] | None, Query(alias="format")]
Since = Annotated[AwareDatetime | None, Query(description="window start (inclusive)")]
Until = Annotated[AwareDatetime | None, Query(description="window end (exclusive); default now")]
Lang = Annotated[
    Literal["en", "ru"] | None,
    Query(description="the language of the HTML page; default the account's, else the browser's"),
]

SVG = "image/svg+xml"
_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {"text/html": {"schema": {"type": "string"}}}},
}


def _html(
    request: Request, principal: Principal, services: Services, lang: str | None
) -> SitrepHtml:
    """The renderer for this reader: ``?lang``, else the account's language, else the
    browser's (Accept-Language), else English; times in the HQ's zone."""
    if lang is None:
        with services.db.unit_of_work(write=False) as uow:
            user = uow.users.get(principal.user_id)
        accepted = [
            part.split(";")[0] for part in request.headers.get("accept-language", "").split(",")
        ]
        lang = language.choose(user.language if user else None, accepted)
    return SitrepHtml(catalogue(lang), ZoneInfo(services.settings.hq_timezone))


def _wants_html(request: Request, fmt: str | None) -> bool:
    if fmt is not None:
        return fmt == "html"
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept


@router.get("/incidents/{incident_id}", response_model=IncidentSitrepOut, responses=_RESPONSES)
def incident_sitrep(
    incident_id: Id,
    request: Request,
    principal: CurrentPrincipal,
    services: ServicesDep,
    since: Since = None,
    until: Until = None,
    fmt: Format = None,
    lang: Lang = None,
) -> Response:
    """One incident over ``[since, until)`` (default: from its opening until now)."""
    report = sitreps.incident_sitrep(services, principal, incident_id, since=since, until=until)
    out = IncidentSitrepOut.of(report)
    if _wants_html(request, fmt):
        svg = sitreps.incident_area_map(report.incident, report.open_tasks)
        return HTMLResponse(_html(request, principal, services, lang).incident_page(out, svg))
    return JSONResponse(out.model_dump(mode="json"))


@router.get(
    "/incidents/{incident_id}/map.svg",
    response_class=Response,
    responses={200: {"content": {SVG: {"schema": {"type": "string"}}}}},
)
def incident_map(incident_id: Id, principal: CurrentPrincipal, services: ServicesDep) -> Response:
    """The incident's area as SVG, drawn on the server from the bundled geodata (no
    tiles, so the sitrep prints offline): regions, state border, rivers and lakes,
    settlements (the affected ones marked and named), the place, its affected radius and
    the open tasks' places. The same map is in the HTML sitrep."""
    report = sitreps.incident_sitrep(services, principal, incident_id)
    svg = sitreps.incident_area_map(report.incident, report.open_tasks)
    return Response(svg, media_type=SVG, headers={"Cache-Control": "private, no-cache"})


@router.get("/regions/{region}", response_model=RegionSitrepOut, responses=_RESPONSES)
def region_sitrep(
    region: str,
    request: Request,
    principal: CurrentPrincipal,
    services: ServicesDep,
    since: Since = None,
    until: Until = None,
    fmt: Format = None,
    lang: Lang = None,
) -> Response:
    """Every incident of a region open at some time in ``[since, until)`` (default: the
    last 24 hours), and the totals."""
    report = sitreps.region_sitrep(services, principal, region, since=since, until=until)
    out = RegionSitrepOut.of(report)
    if _wants_html(request, fmt):
        maps = {
            r.incident.id: sitreps.incident_area_map(r.incident, r.open_tasks)
            for r in report.incidents
        }
        return HTMLResponse(_html(request, principal, services, lang).region_page(out, maps))
    return JSONResponse(out.model_dump(mode="json"))


@router.get("/border-regions", response_model=BorderSitrepOut, responses=_RESPONSES)
def border_sitrep(
    request: Request,
    principal: CurrentPrincipal,
    services: ServicesDep,
    since: Since = None,
    until: Until = None,
    fmt: Format = None,
    lang: Lang = None,
) -> Response:
    """Every border region the caller may read (a regional coordinator: its own), over
    ``[since, until)`` (default: the last 24 hours): casualties per region and incident
    and their sum, displacement per region and over them all."""
    out = BorderSitrepOut.of(sitreps.border_sitrep(services, principal, since=since, until=until))
    if _wants_html(request, fmt):
        return HTMLResponse(_html(request, principal, services, lang).border_page(out))
    return JSONResponse(out.model_dump(mode="json"))
