"""The bundled geodata: regions, settlements and the state border derived from them.

This module does the I/O (reading the package's GeoJSON through ``importlib.resources``)
and caches the pure core objects it builds; everything else lives in
``marchwarden.core.geo``. Sources and licences: ``marchwarden/data/NOTICE.md``.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from typing import Any

import orjson

from marchwarden.core.geo.areas import (
    DEFAULT_BORDER_BAND_KM,
    BorderSettlements,
)
from marchwarden.core.geo.areas import (
    border_settlements as _border_settlements,
)
from marchwarden.core.geo.border import (
    BorderSection,
    StateBorder,
    all_state_borders,
    border_feature_collection,
    derive_border_sections,
    principal_state_border,
)
from marchwarden.core.geo.model import (
    GeoJSON,
    Region,
    Settlement,
    region_at,
    regions_feature_collection,
    regions_from_geojson,
    settlements_feature_collection,
    settlements_from_geojson,
)

DATA_PACKAGE = "marchwarden.data"
REGIONS_FILE = "regions.geojson"
SETTLEMENTS_FILE = "settlements.geojson"
BASEMAP_FILE = "basemap.geojson"


def _load_json(name: str) -> Any:
    return orjson.loads(resources.files(DATA_PACKAGE).joinpath(name).read_bytes())


@cache
def regions() -> tuple[Region, ...]:
    """All bundled regions, in file order."""
    return regions_from_geojson(_load_json(REGIONS_FILE))


@cache
def settlements() -> tuple[Settlement, ...]:
    """All bundled settlements, in file order."""
    return settlements_from_geojson(_load_json(SETTLEMENTS_FILE))


def region(code: str) -> Region:
    """The region with ISO 3166-2 ``code``; ``KeyError`` if there is none."""
    for r in regions():
        if r.code == code:
            return r
    raise KeyError(code)


def border_regions() -> tuple[Region, ...]:
    return tuple(r for r in regions() if r.is_border_region)


def border_region_codes() -> frozenset[str]:
    return frozenset(r.code for r in border_regions())


@cache
def _region_bounds() -> tuple[tuple[Region, float, float, float, float], ...]:
    return tuple((r, *r.bounds) for r in regions())


def region_code_at(lon: float, lat: float) -> str | None:
    """The code of the bundled region containing (lon, lat), or ``None``.

    Only the regions whose bounding box holds the point are tested (in file order, so
    the answer is ``region_at``'s): on the report path this is one or two GEOS calls
    instead of one per region, each of which gives up the GIL and waits to get it back."""
    near = [r for r, x0, y0, x1, y1 in _region_bounds() if x0 <= lon <= x1 and y0 <= lat <= y1]
    found = region_at(near, lon, lat) if near else None
    return None if found is None else found.code


@cache
def border_sections() -> tuple[BorderSection, ...]:
    """Every edge shared by two bundled regions of different countries."""
    return derive_border_sections(regions())


@cache
def state_borders() -> tuple[StateBorder, ...]:
    """Every state border among the bundled regions (one per pair of countries)."""
    return all_state_borders(border_sections())


@cache
def state_border() -> StateBorder:
    """The demo's state border: the border regions' edge with the neighbouring state
    (the foreign country they share the longest edge with — RU–UA in the bundled data)."""
    return principal_state_border(regions(), border_sections())


@cache
def border_settlements(within_km: float = DEFAULT_BORDER_BAND_KM) -> BorderSettlements:
    """Settlements of the border regions within ``within_km`` of :func:`state_border`."""
    return _border_settlements(settlements(), state_border(), border_region_codes(), within_km)


@cache
def basemap_bytes() -> bytes:
    """The bundled offline base map (rivers and lakes of the border area, each feature's
    ``layer`` says which), as stored: GeoJSON bytes served as they are."""
    return resources.files(DATA_PACKAGE).joinpath(BASEMAP_FILE).read_bytes()


@cache
def basemap_geometries() -> tuple[tuple[str, Any], ...]:
    """The base map's features as (layer, shapely geometry): ``river`` or ``lake``."""
    from shapely.geometry import shape

    doc = orjson.loads(basemap_bytes())
    return tuple((f["properties"]["layer"], shape(f["geometry"])) for f in doc["features"])


@cache
def basemap_etag() -> str:
    return '"' + hashlib.sha256(basemap_bytes()).hexdigest()[:32] + '"'


def regions_geojson() -> GeoJSON:
    return regions_feature_collection(regions())


def settlements_geojson() -> GeoJSON:
    return settlements_feature_collection(settlements())


def state_border_geojson(include_all: bool = False) -> GeoJSON:
    """The demo's state border (``"principal": true``) as a FeatureCollection; with
    ``include_all`` every whole state border among the bundled regions follows it."""
    return border_feature_collection(
        state_borders() if include_all else (), principal=state_border()
    )


def border_sections_geojson() -> GeoJSON:
    """Every edge shared by two bundled regions of different countries, one Feature each."""
    return border_feature_collection(border_sections())


def warm() -> None:
    """Load and derive everything above now (the server calls it at start-up, before it
    freezes its heap: see ``entrypoints/api/heap.py``)."""
    region_code_at(0.0, 0.0)
    settlements()
    basemap_etag()
    border_settlements()
    state_borders()
