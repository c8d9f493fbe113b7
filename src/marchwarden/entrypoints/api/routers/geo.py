"""The bundled geodata as GeoJSON (RFC 7946): regions, settlements, the state border."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import JSONResponse

from marchwarden import geodata
from marchwarden.core.access.policy import Action
from marchwarden.entrypoints.api.deps import CurrentPrincipal
from marchwarden.services.context import authorise

router = APIRouter(prefix="/geo", tags=["geo"])

GEOJSON = "application/geo+json"
CACHE = {"Cache-Control": "private, max-age=3600"}


class GeoJSONResponse(JSONResponse):
    """JSON with the GeoJSON media type (also what the OpenAPI document declares)."""

    media_type = GEOJSON


def _geojson(data: Any) -> JSONResponse:
    return GeoJSONResponse(data, headers=CACHE)


@router.get("/regions", response_class=GeoJSONResponse)
def regions(principal: CurrentPrincipal) -> JSONResponse:
    """The border regions (``border_region: true``) and their neighbours."""
    authorise(principal, Action.GEO_READ)
    return _geojson(geodata.regions_geojson())


@router.get("/settlements", response_class=GeoJSONResponse)
def settlements(principal: CurrentPrincipal) -> JSONResponse:
    """Places with population >= 500 (GeoNames, CC BY 4.0)."""
    authorise(principal, Action.GEO_READ)
    return _geojson(geodata.settlements_geojson())


@router.get("/border", response_class=GeoJSONResponse)
def border(
    principal: CurrentPrincipal,
    include_all: Annotated[
        bool, Query(description="every state border, not only the demo's")
    ] = False,
) -> JSONResponse:
    """The state border, derived as the shared edge of the two states' regions."""
    authorise(principal, Action.GEO_READ)
    return _geojson(geodata.state_border_geojson(include_all=include_all))


@router.get(
    "/basemap",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}}, 304: {"description": "not modified"}},
)
def basemap(
    principal: CurrentPrincipal,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The bundled offline base map of the border area: rivers (``layer: river``) and
    lakes (``layer: lake``) from GSHHG (LGPL-3.0; data/NOTICE.md). Cached by the browser
    for a day; ``If-None-Match`` with the ``ETag`` answers 304."""
    authorise(principal, Action.GEO_READ)
    etag = geodata.basemap_etag()
    headers = {"Cache-Control": "private, max-age=86400", "ETag": etag}
    if if_none_match is not None and etag in {t.strip() for t in if_none_match.split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(geodata.basemap_bytes(), media_type=GEOJSON, headers=headers)
