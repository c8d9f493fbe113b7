"""Regions and settlements: the geographic objects every other part of Marchwarden uses.

Pure: the functions here take already-parsed GeoJSON (plain mappings) and build frozen
objects; reading files is the job of :mod:`marchwarden.geodata`. Coordinates are
(lon, lat) WGS 84, as in GeoJSON (RFC 7946).

Shapely has no type stubs, so every shapely result is converted to a typed value
(``bool``, ``float``, ``str``) before it leaves this module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.polygon import orient

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

GeoJSON = dict[str, Any]
"""A GeoJSON object (RFC 7946) as plain JSON-ready Python data."""

COORD_DECIMALS = 6
"""Decimals written in GeoJSON output: 6 decimals of a degree are about 0.1 m."""


@dataclass(frozen=True, slots=True)
class Region:
    """A first-level administrative region (Natural Earth admin-1).

    ``code`` is the ISO 3166-2 code (``RU-BEL``), ``country`` the ISO 3166-1 alpha-2 code
    of its state (``RU``), ``country_a3`` Natural Earth's ``adm0_a3`` (``RUS``).
    ``geometry`` is a shapely ``Polygon`` or ``MultiPolygon`` in lon/lat.
    """

    code: str
    name: str
    country: str
    country_a3: str
    is_border_region: bool
    geometry: Any = field(compare=False, repr=False)

    def contains(self, lon: float, lat: float) -> bool:
        """Whether the point lies in the region or on its boundary."""
        return bool(shapely.intersects_xy(self.geometry, lon, lat))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(min lon, min lat, max lon, max lat)."""
        b = self.geometry.bounds
        return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))


@dataclass(frozen=True, slots=True)
class Settlement:
    """A populated place (GeoNames). ``id`` is the GeoNames id; ``region`` an ISO 3166-2
    region code; ``country`` the GeoNames country (ISO 3166-1 alpha-2); ``name_ru`` its
    Russian name where one is known (``databuild/settlement_names.py``)."""

    id: int
    name: str
    population: int
    region: str
    country: str
    lon: float
    lat: float
    name_ru: str | None = None


def _optional_text(props: Mapping[str, Any], key: str, where: str) -> str | None:
    value = props.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{where}: {key} must be text")
    return value


def _require(props: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in props:
        raise ValueError(f"{where}: property {key!r} is missing")
    value = props[key]
    if kind is int and isinstance(value, bool):
        raise ValueError(f"{where}: property {key!r} must be an integer, not {value!r}")
    if not isinstance(value, kind):
        raise ValueError(f"{where}: property {key!r} must be {kind.__name__}, not {value!r}")
    return value


def _features(doc: Mapping[str, Any], what: str) -> list[Mapping[str, Any]]:
    if doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise ValueError(f"{what}: expected a GeoJSON FeatureCollection")
    return list(doc["features"])


def regions_from_geojson(doc: Mapping[str, Any]) -> tuple[Region, ...]:
    """Regions from a FeatureCollection of (Multi)Polygons with Natural Earth properties
    ``iso_3166_2``, ``name``, ``iso_a2``, ``adm0_a3`` and ``border_region``."""
    out: list[Region] = []
    seen: set[str] = set()
    for i, feature in enumerate(_features(doc, "regions")):
        where = f"regions feature {i}"
        props = feature.get("properties") or {}
        code = _require(props, "iso_3166_2", str, where)
        if code in seen:
            raise ValueError(f"{where}: duplicate region code {code!r}")
        seen.add(code)
        geometry = shape(feature.get("geometry") or {})
        if not isinstance(geometry, Polygon | MultiPolygon) or bool(geometry.is_empty):
            raise ValueError(f"{where} ({code}): geometry must be a non-empty (Multi)Polygon")
        if not bool(geometry.is_valid):
            geometry = _polygonal(shapely.make_valid(geometry), f"{where} ({code})")
        out.append(
            Region(
                code=code,
                name=_require(props, "name", str, where),
                country=_require(props, "iso_a2", str, where),
                country_a3=_require(props, "adm0_a3", str, where),
                is_border_region=bool(props.get("border_region", False)),
                geometry=geometry,
            )
        )
    return tuple(out)


def _polygonal(geometry: Any, where: str) -> Any:
    """The polygonal part of a repaired geometry, as a Polygon or MultiPolygon."""
    polygons = [p for p in shapely.get_parts(geometry) if isinstance(p, Polygon) and not p.is_empty]
    for part in shapely.get_parts(geometry):
        if isinstance(part, MultiPolygon):
            polygons.extend(part.geoms)
    if not polygons:
        raise ValueError(f"{where}: geometry has no area")
    return polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)


def settlements_from_geojson(doc: Mapping[str, Any]) -> tuple[Settlement, ...]:
    """Settlements from a FeatureCollection of Points with GeoNames properties
    ``geonameid``, ``name``, ``population``, ``region`` and ``country``."""
    out: list[Settlement] = []
    seen: set[int] = set()
    for i, feature in enumerate(_features(doc, "settlements")):
        where = f"settlements feature {i}"
        props = feature.get("properties") or {}
        geometry = feature.get("geometry") or {}
        coords = geometry.get("coordinates")
        if geometry.get("type") != "Point" or not isinstance(coords, list) or len(coords) < 2:
            raise ValueError(f"{where}: geometry must be a Point")
        lon, lat = float(coords[0]), float(coords[1])
        _check_lon_lat(lon, lat, where)
        sid = _require(props, "geonameid", int, where)
        if sid in seen:
            raise ValueError(f"{where}: duplicate geonameid {sid}")
        seen.add(sid)
        population = _require(props, "population", int, where)
        if population < 0:
            raise ValueError(f"{where}: population must not be negative")
        out.append(
            Settlement(
                id=sid,
                name=_require(props, "name", str, where),
                population=population,
                region=_require(props, "region", str, where),
                country=_require(props, "country", str, where),
                lon=lon,
                lat=lat,
                name_ru=_optional_text(props, "name_ru", where),
            )
        )
    return tuple(out)


def _check_lon_lat(lon: float, lat: float, where: str) -> None:
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise ValueError(f"{where}: coordinates must be finite numbers")
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise ValueError(f"{where}: ({lon}, {lat}) is not a WGS 84 lon/lat")


def check_lon_lat(lon: float, lat: float, what: str = "point") -> None:
    """Raise ``ValueError`` unless (lon, lat) is a finite WGS 84 position."""
    _check_lon_lat(lon, lat, what)


# --- point in region --------------------------------------------------------------------


def region_at(regions: Sequence[Region], lon: float, lat: float) -> Region | None:
    """The region the point lies in, or ``None`` outside all of them.

    A point strictly inside a region wins; a point exactly on a shared boundary goes to
    the first region (in the given order) whose boundary it lies on.
    """
    for region in regions:
        if bool(shapely.contains_xy(region.geometry, lon, lat)):
            return region
    for region in regions:
        if region.contains(lon, lat):
            return region
    return None


def region_codes_at(
    regions: Sequence[Region], lons: Sequence[float], lats: Sequence[float]
) -> list[str | None]:
    """Vectorised :func:`region_at`: the region code of each point (``None`` outside)."""
    x = np.asarray(lons, dtype=np.float64)
    y = np.asarray(lats, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError("lons and lats must be one-dimensional and of equal length")
    result: list[str | None] = [None] * int(x.shape[0])
    unresolved = np.ones(x.shape, dtype=bool)
    for test in (shapely.contains_xy, shapely.intersects_xy):
        for region in regions:
            if not unresolved.any():
                return result
            hit = np.asarray(test(region.geometry, x, y), dtype=bool) & unresolved
            for i in np.flatnonzero(hit):
                result[int(i)] = region.code
            unresolved &= ~hit
    return result


# --- GeoJSON out --------------------------------------------------------------------------


def _round_coords(value: Any) -> Any:
    if isinstance(value, list | tuple):
        if value and isinstance(value[0], int | float):
            return [round(float(c), COORD_DECIMALS) for c in value]
        return [_round_coords(v) for v in value]
    return value


def geometry_to_geojson(geometry: Any) -> GeoJSON:
    """A shapely geometry as an RFC 7946 geometry object: lon/lat, lists (not tuples),
    at most :data:`COORD_DECIMALS` decimals, polygon exterior rings counter-clockwise."""
    if isinstance(geometry, Polygon):
        geometry = orient(geometry, 1.0)
    elif isinstance(geometry, MultiPolygon):
        geometry = MultiPolygon([orient(p, 1.0) for p in geometry.geoms])
    raw = mapping(geometry)
    return {"type": str(raw["type"]), "coordinates": _round_coords(raw["coordinates"])}


def feature_collection(features: Iterable[GeoJSON]) -> GeoJSON:
    return {"type": "FeatureCollection", "features": list(features)}


def region_feature(region: Region) -> GeoJSON:
    return {
        "type": "Feature",
        "id": region.code,
        "geometry": geometry_to_geojson(region.geometry),
        "properties": {
            "code": region.code,
            "name": region.name,
            "country": region.country,
            "country_a3": region.country_a3,
            "border_region": region.is_border_region,
        },
    }


def regions_feature_collection(regions: Iterable[Region]) -> GeoJSON:
    return feature_collection(region_feature(r) for r in regions)


def settlement_feature(settlement: Settlement) -> GeoJSON:
    return {
        "type": "Feature",
        "id": settlement.id,
        "geometry": {
            "type": "Point",
            "coordinates": [
                round(settlement.lon, COORD_DECIMALS),
                round(settlement.lat, COORD_DECIMALS),
            ],
        },
        "properties": {
            "geonameid": settlement.id,
            "name": settlement.name,
            "population": settlement.population,
            "region": settlement.region,
            "country": settlement.country,
            **({"name_ru": settlement.name_ru} if settlement.name_ru else {}),
        },
    }


def settlements_feature_collection(settlements: Iterable[Settlement]) -> GeoJSON:
    return feature_collection(settlement_feature(s) for s in settlements)
