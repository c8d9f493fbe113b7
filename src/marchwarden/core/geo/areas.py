"""Which settlements (and how many people) lie in an area: a circle, a polygon, or the band
along the state border.

Distances are great-circle (haversine, the same formula and Earth radius as
:func:`marchwarden.core.geo.distance.haversine_km`), computed with numpy over all
settlements at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import Polygon

from marchwarden.core.geo.border import StateBorder, line_coordinates
from marchwarden.core.geo.distance import EARTH_RADIUS_KM
from marchwarden.core.geo.model import Settlement, check_lon_lat

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

FloatArray = npt.NDArray[np.float64]

DEFAULT_BORDER_BAND_KM = 30.0
"""How far from the state border a settlement of a border region counts as a border
settlement, unless the caller says otherwise."""

_CHUNK_ELEMENTS = 1 << 20  # about 8 MB per float64 matrix of points x segments


def haversine_km_array(
    lon1: npt.ArrayLike, lat1: npt.ArrayLike, lon2: npt.ArrayLike, lat2: npt.ArrayLike
) -> FloatArray:
    """Vectorised haversine in km; the arguments (degrees) broadcast like numpy arrays."""
    p1 = np.radians(np.asarray(lat1, dtype=np.float64))
    p2 = np.radians(np.asarray(lat2, dtype=np.float64))
    dl = np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
    a = np.sin((p2 - p1) / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2.0) ** 2
    result: FloatArray = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
    return result


def settlement_coordinates(settlements: Sequence[Settlement]) -> tuple[FloatArray, FloatArray]:
    """(lons, lats) of the settlements as float64 arrays."""
    lons = np.fromiter((s.lon for s in settlements), dtype=np.float64, count=len(settlements))
    lats = np.fromiter((s.lat for s in settlements), dtype=np.float64, count=len(settlements))
    return lons, lats


@dataclass(frozen=True, slots=True)
class AreaPopulation:
    """The settlements in an area (in the order they were given) and their population."""

    settlements: tuple[Settlement, ...]
    population: int

    @property
    def count(self) -> int:
        return len(self.settlements)


def _select(settlements: Sequence[Settlement], mask: npt.NDArray[np.bool_]) -> AreaPopulation:
    chosen = tuple(settlements[int(i)] for i in np.flatnonzero(mask))
    return AreaPopulation(settlements=chosen, population=sum(s.population for s in chosen))


def settlements_in_circle(
    settlements: Sequence[Settlement], lon: float, lat: float, radius_km: float
) -> AreaPopulation:
    """Settlements at most ``radius_km`` (great-circle) from (lon, lat)."""
    check_lon_lat(lon, lat, "circle centre")
    if not (math.isfinite(radius_km) and radius_km >= 0):
        raise ValueError("radius_km must be a finite number >= 0")
    lons, lats = settlement_coordinates(settlements)
    return _select(settlements, haversine_km_array(lon, lat, lons, lats) <= radius_km)


def settlements_in_geometry(settlements: Sequence[Settlement], geometry: Any) -> AreaPopulation:
    """Settlements inside a shapely (Multi)Polygon in lon/lat, its boundary included."""
    if bool(geometry.is_empty):
        return AreaPopulation(settlements=(), population=0)
    lons, lats = settlement_coordinates(settlements)
    mask = np.asarray(shapely.intersects_xy(geometry, lons, lats), dtype=bool)
    return _select(settlements, mask)


def settlements_in_polygon(
    settlements: Sequence[Settlement],
    ring: Sequence[tuple[float, float]],
    holes: Sequence[Sequence[tuple[float, float]]] = (),
) -> AreaPopulation:
    """Settlements inside the polygon with exterior ``ring`` of (lon, lat) vertices (closed
    or not) and optional ``holes``; points on the boundary count as inside."""
    distinct = {(float(x), float(y)) for x, y in ring}
    if len(distinct) < 3:
        raise ValueError("a polygon needs at least three distinct vertices")
    for x, y in distinct:
        check_lon_lat(x, y, "polygon vertex")
    polygon = Polygon(ring, holes)
    if not bool(polygon.is_valid):
        raise ValueError(f"invalid polygon: {shapely.is_valid_reason(polygon)}")
    return settlements_in_geometry(settlements, polygon)


# --- distance to the border ---------------------------------------------------------------


def unit_vectors(lons: FloatArray, lats: FloatArray) -> FloatArray:
    """Points (degrees) as unit vectors on the sphere, shape (n, 3)."""
    lon = np.radians(lons)
    lat = np.radians(lats)
    c = np.cos(lat)
    return np.stack((c * np.cos(lon), c * np.sin(lon), np.sin(lat)), axis=-1)


def distance_to_lines_km(
    lons: npt.ArrayLike, lats: npt.ArrayLike, lines: Iterable[Sequence[tuple[float, float]]]
) -> FloatArray:
    """Great-circle distance in km from each point to the nearest point of the polylines
    (each a sequence of (lon, lat) vertices; segments are great-circle arcs).

    ``inf`` for every point when there are no lines.
    """
    x = np.asarray(lons, dtype=np.float64).ravel()
    y = np.asarray(lats, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise ValueError("lons and lats must have equal length")
    starts: list[tuple[float, float]] = []
    ends: list[tuple[float, float]] = []
    vertices: list[tuple[float, float]] = []
    for line in lines:
        pts = [(float(a), float(b)) for a, b in line]
        vertices.extend(pts)
        starts.extend(pts[:-1])
        ends.extend(pts[1:])
    result = np.full(x.shape, np.inf, dtype=np.float64)
    if not vertices or x.size == 0:
        return result

    v = np.asarray(vertices, dtype=np.float64)
    vv = unit_vectors(v[:, 0], v[:, 1])
    s = np.asarray(starts, dtype=np.float64).reshape(-1, 2)
    e = np.asarray(ends, dtype=np.float64).reshape(-1, 2)
    a = unit_vectors(s[:, 0], s[:, 1])
    b = unit_vectors(e[:, 0], e[:, 1])
    normal = np.cross(a, b)
    norm = np.linalg.norm(normal, axis=1)
    proper = norm > 1e-15  # zero-length segments are covered by their vertices
    normal[proper] /= norm[proper, None]
    normal[~proper] = 0.0
    # P lies between A and B along the arc iff P.(n x A) >= 0 and P.(B x n) >= 0.
    after_a = np.cross(normal, a)
    before_b = np.cross(b, normal)
    midpoint = a + b
    p = unit_vectors(x, y)
    width = max(vv.shape[0], len(starts), 1)
    step = max(1, _CHUNK_ELEMENTS // width)
    for lo in range(0, p.shape[0], step):
        chunk = p[lo : lo + step]
        # Vertex distances from the chord length, accurate for small angles.
        chord2 = np.maximum(2.0 - 2.0 * (chunk @ vv.T), 0.0)
        best = 2.0 * np.arcsin(np.minimum(np.sqrt(chord2) / 2.0, 1.0)).min(axis=1)
        if starts:
            inside = (
                (chunk @ after_a.T >= 0.0)
                & (chunk @ before_b.T >= 0.0)
                & (chunk @ midpoint.T > 0.0)
                & proper[None, :]
            )
            cross_track = np.arcsin(np.minimum(np.abs(chunk @ normal.T), 1.0))
            along = np.where(inside, cross_track, np.inf).min(axis=1)
            best = np.minimum(best, along)
        result[lo : lo + step] = best * EARTH_RADIUS_KM
    return result


@dataclass(frozen=True, slots=True)
class BorderSettlement:
    settlement: Settlement
    distance_km: float


@dataclass(frozen=True, slots=True)
class BorderSettlements:
    """Settlements of the border regions within ``within_km`` of the state border,
    nearest first."""

    within_km: float
    countries: tuple[str, str]
    entries: tuple[BorderSettlement, ...]
    population: int

    @property
    def count(self) -> int:
        return len(self.entries)

    @property
    def settlements(self) -> tuple[Settlement, ...]:
        return tuple(e.settlement for e in self.entries)


def border_settlements(
    settlements: Sequence[Settlement],
    border: StateBorder,
    region_codes: Iterable[str],
    within_km: float = DEFAULT_BORDER_BAND_KM,
) -> BorderSettlements:
    """Settlements whose region is one of ``region_codes`` (the border regions) and that
    lie at most ``within_km`` from the border line."""
    if not (math.isfinite(within_km) and within_km >= 0):
        raise ValueError("within_km must be a finite number >= 0")
    codes = frozenset(region_codes)
    candidates = [s for s in settlements if s.region in codes]
    lons, lats = settlement_coordinates(candidates)
    distances = distance_to_lines_km(lons, lats, line_coordinates(border.geometry))
    entries = sorted(
        (
            BorderSettlement(settlement=s, distance_km=float(d))
            for s, d in zip(candidates, distances, strict=True)
            if d <= within_km
        ),
        key=lambda e: (e.distance_km, e.settlement.id),
    )
    return BorderSettlements(
        within_km=within_km,
        countries=border.countries,
        entries=tuple(entries),
        population=sum(e.settlement.population for e in entries),
    )
