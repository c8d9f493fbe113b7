"""``/api/v1/basemap``: the deployment's own offline base map, an MBTiles file named by
``MARCHWARDEN_BASEMAP`` (``adapters/mbtiles.py``), as XYZ tiles. Without one the
description says ``available: false`` and every tile is 404."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Header, Path, Response
from pydantic import Field

from marchwarden.adapters.mbtiles import MAX_ZOOM
from marchwarden.core.access.policy import Action
from marchwarden.core.errors import Invalid, NotFound
from marchwarden.entrypoints.api.deps import CurrentPrincipal, ServicesDep
from marchwarden.entrypoints.api.schemas.base import Schema
from marchwarden.services.context import authorise

router = APIRouter(prefix="/basemap", tags=["geo"])

TILE_CACHE = "private, max-age=86400"
GZIP_MAGIC = b"\x1f\x8b"


class BasemapOut(Schema):
    available: bool
    #: png, jpg, webp (raster: the page shows them) or pbf (vector tiles, served as stored)
    format: str | None = None
    name: str | None = None
    attribution: str | None = None
    minzoom: int | None = None
    maxzoom: int | None = None
    #: west, south, east, north
    bounds: list[float] | None = None
    #: the tile URL template
    tiles: list[str] = Field(default_factory=list)


def _int(value: str | None) -> int | None:
    try:
        return None if value is None else int(value)
    except ValueError:
        return None


@router.get("", response_model=BasemapOut)
def describe(principal: CurrentPrincipal, services: ServicesDep) -> BasemapOut:
    """Whether the server has a base map of its own, and what it is (TileJSON-like)."""
    authorise(principal, Action.GEO_READ)
    mb = services.basemap
    if mb is None:
        return BasemapOut(available=False)
    meta = mb.metadata
    bounds = None
    try:
        parts = [float(v) for v in meta.get("bounds", "").split(",")]
        bounds = parts if len(parts) == 4 else None
    except ValueError:
        bounds = None
    return BasemapOut(
        available=True,
        format=mb.format,
        name=meta.get("name"),
        attribution=meta.get("attribution"),
        minzoom=_int(meta.get("minzoom")),
        maxzoom=_int(meta.get("maxzoom")),
        bounds=bounds,
        tiles=["/api/v1/basemap/{z}/{x}/{y}"],
    )


@router.get(
    "/{z}/{x}/{y}",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}, 304: {"description": "not modified"}},
)
def tile(
    principal: CurrentPrincipal,
    services: ServicesDep,
    z: Annotated[int, Path(ge=0, le=MAX_ZOOM)],
    x: Annotated[int, Path(ge=0, le=2**MAX_ZOOM - 1)],
    y: Annotated[int, Path(ge=0, le=2**MAX_ZOOM - 1)],
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """One tile (XYZ numbering, as Leaflet asks), cached by the browser for a day."""
    authorise(principal, Action.GEO_READ)
    mb = services.basemap
    if mb is None:
        raise NotFound.said(
            "basemap.server_no_base_map",
            "this server has no base map of its own (MARCHWARDEN_BASEMAP)",
        )
    if x >= 1 << z or y >= 1 << z:
        raise Invalid.said(
            "basemap.tile_outside_zoom",
            "tile {z}/{x}/{y} is outside zoom {z}'s 0..{last}",
            z=z,
            x=x,
            y=y,
            last=(1 << z) - 1,
        )
    data = mb.tile(z, x, y)
    if data is None:
        raise NotFound.said(
            "basemap.base_map_no_tile", "the base map has no tile {z}/{x}/{y}", z=z, x=x, y=y
        )
    etag = '"' + hashlib.blake2b(data, digest_size=16).hexdigest() + '"'
    headers = {"Cache-Control": TILE_CACHE, "ETag": etag}
    if if_none_match is not None and etag in {t.strip() for t in if_none_match.split(",")}:
        return Response(status_code=304, headers=headers)
    if mb.format == "pbf" and data[:2] == GZIP_MAGIC:
        headers["Content-Encoding"] = "gzip"
    return Response(data, media_type=mb.media_type, headers=headers)
