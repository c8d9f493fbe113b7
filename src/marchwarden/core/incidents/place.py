"""Where an incident is: a point or a polygon, and the settlements it affects.

A place is a GeoJSON ``Point`` or ``Polygon`` (exterior ring only; lon/lat, WGS 84).
Its **reference point** — what correlation measures distances from, what tasks default
to and what decides the incident's region — is the point itself, or for a polygon a
point guaranteed to lie inside it (shapely's ``representative_point``; the centroid of
a concave polygon may fall outside).

**Affected settlements** are those within ``radius_km`` of the place: for a point, a
great-circle circle (``geo.areas.settlements_in_circle``); for a polygon, every
settlement inside it or at most ``radius_km`` from its edge. The polygon case measures
in a local equirectangular projection centred on the polygon (kilometres east and north
of its centre), which is accurate to well under 1 % over the few tens of kilometres an
incident spans at these latitudes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry import Polygon

from marchwarden.core.geo.areas import (
    AreaPopulation,
    FloatArray,
    haversine_km_array,
    settlement_coordinates,
    settlements_in_circle,
)
from marchwarden.core.geo.distance import EARTH_RADIUS_KM
from marchwarden.core.incidents.errors import InvalidPosition
from marchwarden.core.incidents.model import LonLat, check_position

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from marchwarden.core.geo.model import Settlement

#: kilometres per degree of latitude (and of longitude at the equator)
KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180.0
MAX_POLYGON_VERTICES = 2000


class PlaceKind(StrEnum):
    POINT = "point"
    POLYGON = "polygon"


@dataclass(frozen=True, slots=True)
class IncidentPlace:
    kind: PlaceKind
    reference: LonLat
    """The point itself, or a point inside the polygon."""
    ring: tuple[LonLat, ...] = ()
    """The polygon's exterior ring, closed (first vertex repeated at the end)."""

    @classmethod
    def point(cls, lon: float, lat: float) -> IncidentPlace:
        return cls(PlaceKind.POINT, check_position((lon, lat), "incident place"))

    @classmethod
    def polygon(cls, ring: Sequence[Sequence[float]]) -> IncidentPlace:
        vertices: list[LonLat] = []
        for i, vertex in enumerate(ring):
            if len(vertex) < 2:
                raise InvalidPosition.said(
                    "place.polygon_vertex_needs_longitude",
                    "polygon vertex {i} needs a longitude and a latitude",
                    i=i,
                )
            vertices.append(check_position((vertex[0], vertex[1]), f"polygon vertex {i}"))
        if len(vertices) > MAX_POLYGON_VERTICES:
            raise InvalidPosition.said(
                "place.polygon_may_most_vertices",
                "a polygon may have at most {most} vertices",
                most=MAX_POLYGON_VERTICES,
            )
        if len(set(vertices)) < 3:
            raise InvalidPosition.said(
                "place.polygon_needs_least_three",
                "a polygon needs at least three distinct vertices",
            )
        if vertices[0] != vertices[-1]:
            vertices.append(vertices[0])
        shape = Polygon(vertices)
        if not bool(shape.is_valid):
            raise InvalidPosition.said(
                "place.invalid_polygon",
                "invalid polygon: {reason}",
                reason=shapely.is_valid_reason(shape),
            )
        inside = shape.representative_point()
        return cls(PlaceKind.POLYGON, (float(inside.x), float(inside.y)), tuple(vertices))

    @classmethod
    def from_geojson(cls, geometry: Mapping[str, Any]) -> IncidentPlace:
        """A GeoJSON ``Point`` or ``Polygon`` (holes are not supported)."""
        kind = geometry.get("type")
        coordinates = geometry.get("coordinates")
        if kind == "Point":
            if not isinstance(coordinates, list | tuple) or len(coordinates) < 2:
                raise InvalidPosition.said(
                    "place.point_needs_coordinates_lon", "a Point needs coordinates [lon, lat]"
                )
            return cls.point(_number(coordinates[0]), _number(coordinates[1]))
        if kind == "Polygon":
            if not isinstance(coordinates, list | tuple) or len(coordinates) != 1:
                raise InvalidPosition.said(
                    "place.polygon_needs_exactly_one",
                    "a Polygon needs exactly one ring (holes are not supported): coordinates "
                    "[[[lon, lat], ...]]",
                )
            ring = coordinates[0]
            if not isinstance(ring, list | tuple):
                raise InvalidPosition.said(
                    "place.polygon_ring_list_lon",
                    "a Polygon ring must be a list of [lon, lat] vertices",
                )
            return cls.polygon(
                [[_number(c) for c in v] if isinstance(v, list | tuple) else [] for v in ring]
            )
        raise InvalidPosition.said(
            "place.incident_place_geojson_point",
            "an incident place must be a GeoJSON Point or Polygon, not {kind}",
            kind=repr(kind),
        )

    def to_geojson(self) -> dict[str, Any]:
        if self.kind is PlaceKind.POINT:
            return {"type": "Point", "coordinates": [self.reference[0], self.reference[1]]}
        return {"type": "Polygon", "coordinates": [[[lon, lat] for lon, lat in self.ring]]}

    def describe(self) -> str:
        lon, lat = self.reference
        if self.kind is PlaceKind.POINT:
            return f"point {lat:.4f}N {lon:.4f}E"
        return f"polygon of {len(self.ring) - 1} vertices around {lat:.4f}N {lon:.4f}E"

    def affected(self, settlements: Sequence[Settlement], radius_km: float) -> AreaPopulation:
        """Settlements inside the place or within ``radius_km`` of it."""
        if not (math.isfinite(radius_km) and radius_km >= 0):
            raise InvalidPosition.said(
                "place.radius_finite_number_km",
                "radius must be a finite number >= 0 km, got {radius_km}",
                radius_km=radius_km,
            )
        if self.kind is PlaceKind.POINT:
            lon, lat = self.reference
            return settlements_in_circle(settlements, lon, lat, radius_km)
        lon0, lat0 = self.reference
        kx = KM_PER_DEGREE * math.cos(math.radians(lat0))
        ky = KM_PER_DEGREE
        local = Polygon([((x - lon0) * kx, (y - lat0) * ky) for x, y in self.ring])
        area = local.buffer(radius_km) if radius_km > 0 else local
        lons, lats = settlement_coordinates(settlements)
        mask = np.asarray(
            shapely.intersects_xy(area, (lons - lon0) * kx, (lats - lat0) * ky), dtype=bool
        )
        chosen = tuple(settlements[int(i)] for i in np.flatnonzero(mask))
        return AreaPopulation(chosen, sum(s.population for s in chosen))

    def distances_km(self, settlements: Sequence[Settlement]) -> FloatArray:
        """How far each settlement is from the place, in km (in the order given).

        For a point, the great-circle distance; for a polygon, 0 inside it and otherwise
        the distance to its edge, measured in the same local projection as
        :meth:`affected` (an affected settlement is at most the radius away, up to the
        buffer's polygonal approximation of the rounded corners).
        """
        lons, lats = settlement_coordinates(settlements)
        lon0, lat0 = self.reference
        if self.kind is PlaceKind.POINT:
            return haversine_km_array(lon0, lat0, lons, lats)
        kx = KM_PER_DEGREE * math.cos(math.radians(lat0))
        ky = KM_PER_DEGREE
        local = Polygon([((x - lon0) * kx, (y - lat0) * ky) for x, y in self.ring])
        points = shapely.points((lons - lon0) * kx, (lats - lat0) * ky)
        result: FloatArray = np.asarray(shapely.distance(local, points), dtype=np.float64)
        return result


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidPosition.said(
            "place.coordinates_numbers_got",
            "coordinates must be numbers, got {value}",
            value=repr(value),
        )
    return float(value)
