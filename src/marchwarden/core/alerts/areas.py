"""Alert areas: a polygon, a circle, a list of settlements or a whole region.

``resolve_area`` validates an ``AreaSpec`` and computes what the alert covers: the
settlements and the population inside, the regions it touches (what access is decided
on), and the CAP ``<area>`` content (``lat,lon`` order, the opposite of GeoJSON).

Validation (each failure an ``InvalidAlertArea`` naming the problem):

- a polygon's ring is closed (first vertex equal to the last), has at least three
  distinct vertices and at most ``max_vertices``, and does not cross itself;
- every vertex, a circle's centre and a circle's whole disc lie inside the coverage of
  the bundled geodata (the union of the bundled regions, with ``COVERAGE_TOLERANCE_DEG``
  of slack for rounding along its edge);
- a circle's radius is in (0, ``MAX_CIRCLE_RADIUS_KM``]; settlements and regions exist.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping
from shapely.prepared import prep

from marchwarden.core.alerts.errors import InvalidAlertArea
from marchwarden.core.geo.areas import settlements_in_circle, settlements_in_geometry
from marchwarden.core.geo.distance import EARTH_RADIUS_KM

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from marchwarden.core.geo.model import Region, Settlement

LonLat = tuple[float, float]
#: the default most vertices an alert polygon may have (CAP has no limit; receivers do)
DEFAULT_MAX_VERTICES = 1000
MAX_CIRCLE_RADIUS_KM = 200.0
COVERAGE_TOLERANCE_DEG = 0.01
#: a listed settlement is alerted as a circle of this radius round it (CAP needs a shape)
DEFAULT_SETTLEMENT_RADIUS_KM = 3.0
_KM_PER_DEG = EARTH_RADIUS_KM * math.pi / 180.0
_CIRCLE_STEPS = 48


class AreaKind(StrEnum):
    POLYGON = "polygon"
    CIRCLE = "circle"
    SETTLEMENTS = "settlements"
    REGION = "region"


@dataclass(frozen=True, slots=True)
class AreaSpec:
    """What the issuer drew or chose. ``ring``: (lon, lat) vertices, closed."""

    kind: AreaKind
    ring: tuple[LonLat, ...] = ()
    center: LonLat | None = None
    radius_km: float | None = None
    settlement_ids: tuple[int, ...] = ()
    region: str | None = None
    description: str = ""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind.value, "description": self.description}
        if self.kind is AreaKind.POLYGON:
            data["ring"] = [[x, y] for x, y in self.ring]
        elif self.kind is AreaKind.CIRCLE:
            data["center"] = list(self.center or ())
            data["radius_km"] = self.radius_km
        elif self.kind is AreaKind.SETTLEMENTS:
            data["settlement_ids"] = list(self.settlement_ids)
        else:
            data["region"] = self.region
        return data

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> AreaSpec:
        kind = AreaKind(str(data["kind"]))
        center = data.get("center")
        return AreaSpec(
            kind=kind,
            ring=tuple((float(p[0]), float(p[1])) for p in data.get("ring") or ()),
            center=(float(center[0]), float(center[1])) if center else None,
            radius_km=None if data.get("radius_km") is None else float(data["radius_km"]),
            settlement_ids=tuple(int(i) for i in data.get("settlement_ids") or ()),
            region=data.get("region"),
            description=str(data.get("description") or ""),
        )


@dataclass(frozen=True, slots=True)
class CapCircle:
    lat: float
    lon: float
    radius_km: float


@dataclass(frozen=True, slots=True)
class ResolvedArea:
    """A validated area and what it covers."""

    spec: AreaSpec
    description: str
    settlements: tuple[Settlement, ...]
    population: int
    regions: frozenset[str]
    #: CAP polygons: closed rings of (lat, lon)
    polygons: tuple[tuple[tuple[float, float], ...], ...]
    circles: tuple[CapCircle, ...]
    geocodes: tuple[tuple[str, str], ...]
    geometry: Any = field(compare=False, repr=False)

    def geojson(self) -> dict[str, Any]:
        """The area as a GeoJSON geometry (circles as 48-sided polygons), for the map."""
        return dict(mapping(self.geometry))


class AreaContext:
    """The bundled geodata an area is checked against (built once, read-only)."""

    def __init__(
        self,
        regions: Sequence[Region],
        settlements: Sequence[Settlement],
        *,
        max_vertices: int = DEFAULT_MAX_VERTICES,
        settlement_radius_km: float = DEFAULT_SETTLEMENT_RADIUS_KM,
    ) -> None:
        self.regions = tuple(regions)
        self.settlements = tuple(settlements)
        self.max_vertices = max_vertices
        self.settlement_radius_km = settlement_radius_km
        self.coverage = shapely.unary_union([r.geometry for r in self.regions]).buffer(
            COVERAGE_TOLERANCE_DEG
        )
        self._coverage = prep(self.coverage)
        self._by_id = {s.id: s for s in self.settlements}
        self._by_code = {r.code: r for r in self.regions}
        self._region_shapes: dict[str, Any] = {}
        #: the headquarters' own country: that of the border regions (all, if none is)
        home = {r.country for r in self.regions if r.is_border_region}
        self._home = [r for r in self.regions if not home or r.country in home]

    def region_outline(self, code: str) -> Any:
        """The region simplified until each ring has at most ``max_vertices`` vertices."""
        found = self._region_shapes.get(code)
        if found is None:
            geometry = self._by_code[code].geometry
            tolerance = 0.001
            while _max_ring(geometry) > self.max_vertices:
                geometry = geometry.simplify(tolerance, preserve_topology=True)
                tolerance *= 2
            found = self._region_shapes[code] = geometry
        return found

    def regions_touched(self, geometry: Any) -> frozenset[str]:
        """The home country's regions the area overlaps (the part of a drawn area that
        spills over the state border alerts nobody of this headquarters)."""
        return frozenset(
            r.code
            for r in self._home
            if bool(shapely.intersects(r.geometry, geometry))
            and float(shapely.area(shapely.intersection(r.geometry, geometry))) > 0
        )

    def covers(self, geometry: Any) -> bool:
        return bool(self._coverage.covers(geometry))


def _max_ring(geometry: Any) -> int:
    polys = geometry.geoms if isinstance(geometry, MultiPolygon) else [geometry]
    return max(len(p.exterior.coords) - 1 for p in polys)


def _finite(value: float, what: str) -> float:
    if not math.isfinite(value):
        raise InvalidAlertArea.said(
            "area.finite_number", "{what} must be a finite number", what=what
        )
    return value


def _check_point(lon: float, lat: float, what: str) -> None:
    _finite(lon, f"{what} longitude")
    _finite(lat, f"{what} latitude")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidAlertArea.said(
            "area.position_earth",
            "{what} ({lon}, {lat}) is not a position on Earth",
            what=what,
            lon=lon,
            lat=lat,
        )


def circle_polygon(lon: float, lat: float, radius_km: float) -> Polygon:
    """A 48-sided polygon round (lon, lat) in a local equirectangular approximation."""
    dlat = radius_km / _KM_PER_DEG
    dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
    angles = np.linspace(0.0, 2 * math.pi, _CIRCLE_STEPS, endpoint=False)
    return Polygon(zip(lon + dlon * np.sin(angles), lat + dlat * np.cos(angles), strict=True))


def _latlon_ring(coords: Iterable[Sequence[float]]) -> tuple[tuple[float, float], ...]:
    return tuple((round(float(c[1]), 5), round(float(c[0]), 5)) for c in coords)


def _polygons_of(geometry: Any) -> tuple[tuple[tuple[float, float], ...], ...]:
    polys = geometry.geoms if isinstance(geometry, MultiPolygon) else [geometry]
    return tuple(_latlon_ring(p.exterior.coords) for p in polys)


def _describe(found: Sequence[Settlement], fallback: str) -> str:
    if not found:
        return fallback
    ranked = sorted(found, key=lambda s: -s.population)
    names = ", ".join(s.name for s in ranked[:3])
    more = len(found) - 3
    return names + (f" and {more} more" if more > 0 else "")


def resolve_area(spec: AreaSpec, ctx: AreaContext) -> ResolvedArea:
    """Validate ``spec`` and compute what it covers (``InvalidAlertArea`` if invalid)."""
    if spec.kind is AreaKind.POLYGON:
        return _polygon(spec, ctx)
    if spec.kind is AreaKind.CIRCLE:
        return _circle(spec, ctx)
    if spec.kind is AreaKind.SETTLEMENTS:
        return _settlements(spec, ctx)
    return _region(spec, ctx)


def _polygon(spec: AreaSpec, ctx: AreaContext) -> ResolvedArea:
    ring = spec.ring
    for i, (lon, lat) in enumerate(ring):
        _check_point(lon, lat, f"polygon vertex {i}")
    if len(ring) < 4:
        raise InvalidAlertArea.said(
            "area.polygon_needs_least_vertices",
            "a polygon needs at least 4 vertices (3 distinct and the first repeated at the end), "
            "got {count}",
            count=len(ring),
        )
    if ring[0] != ring[-1]:
        raise InvalidAlertArea.said(
            "area.polygon_ring_closed_first",
            "the polygon ring is not closed: the first vertex {first} differs from the last {last}",
            first=list(ring[0]),
            last=list(ring[-1]),
        )
    if len(ring) - 1 > ctx.max_vertices:
        raise InvalidAlertArea.said(
            "area.polygon_vertices_most_allowed",
            "the polygon has {count} vertices; at most {max_vertices} allowed",
            count=len(ring) - 1,
            max_vertices=ctx.max_vertices,
        )
    if len(set(ring)) < 3:
        raise InvalidAlertArea.said(
            "area.polygon_needs_least_three", "a polygon needs at least three distinct vertices"
        )
    shape = Polygon(ring)
    if not bool(shape.is_valid) or float(shape.area) <= 0:
        reason = str(shapely.is_valid_reason(shape))
        raise InvalidAlertArea.said(
            "area.polygon_crosses_itself_degenerate",
            "the polygon crosses itself or is degenerate: {reason}",
            reason=reason,
        )
    if not ctx.covers(shape):
        raise InvalidAlertArea.said(
            "area.polygon_reaches_outside_coverage",
            "the polygon reaches outside the coverage of the bundled geodata (the regions this "
            "headquarters has maps and settlements for)",
        )
    found = settlements_in_geometry(ctx.settlements, shape)
    return ResolvedArea(
        spec=spec,
        description=spec.description or _describe(found.settlements, "drawn area"),
        settlements=found.settlements,
        population=found.population,
        regions=ctx.regions_touched(shape),
        polygons=(_latlon_ring((lon, lat) for lon, lat in ring),),
        circles=(),
        geocodes=(),
        geometry=shape,
    )


def _circle(spec: AreaSpec, ctx: AreaContext) -> ResolvedArea:
    if spec.center is None or spec.radius_km is None:
        raise InvalidAlertArea.said(
            "area.circle_needs_center_lon", "a circle needs a center [lon, lat] and radius_km"
        )
    lon, lat = spec.center
    _check_point(lon, lat, "circle centre")
    radius = _finite(spec.radius_km, "radius_km")
    if not 0 < radius <= MAX_CIRCLE_RADIUS_KM:
        raise InvalidAlertArea.said(
            "area.radius",
            "radius_km must be > 0 and <= {max_km}",
            max_km=format(MAX_CIRCLE_RADIUS_KM, "g"),
        )
    disc = circle_polygon(lon, lat, radius)
    if not ctx.covers(disc):
        raise InvalidAlertArea.said(
            "area.circle_reaches_outside_coverage",
            "the circle reaches outside the coverage of the bundled geodata (the regions this "
            "headquarters has maps and settlements for)",
        )
    found = settlements_in_circle(ctx.settlements, lon, lat, radius)
    return ResolvedArea(
        spec=spec,
        description=spec.description or _describe(found.settlements, "circular area"),
        settlements=found.settlements,
        population=found.population,
        regions=ctx.regions_touched(disc),
        polygons=(),
        circles=(CapCircle(round(lat, 5), round(lon, 5), round(radius, 3)),),
        geocodes=(),
        geometry=disc,
    )


def _settlements(spec: AreaSpec, ctx: AreaContext) -> ResolvedArea:
    if not spec.settlement_ids:
        raise InvalidAlertArea.said(
            "area.settlements_area_needs_least",
            "a settlements area needs at least one settlement id",
        )
    unknown = [i for i in spec.settlement_ids if i not in ctx._by_id]
    if unknown:
        raise InvalidAlertArea.said(
            "area.unknown_settlement_ids", "unknown settlement ids: {unknown}", unknown=unknown
        )
    chosen = tuple(ctx._by_id[i] for i in dict.fromkeys(spec.settlement_ids))
    radius = ctx.settlement_radius_km
    geometry = shapely.unary_union([circle_polygon(s.lon, s.lat, radius) for s in chosen])
    return ResolvedArea(
        spec=spec,
        description=spec.description or ", ".join(s.name for s in chosen),
        settlements=chosen,
        population=sum(s.population for s in chosen),
        regions=frozenset(s.region for s in chosen),
        polygons=(),
        circles=tuple(CapCircle(round(s.lat, 5), round(s.lon, 5), radius) for s in chosen),
        geocodes=tuple(("GeoNames", str(s.id)) for s in chosen),
        geometry=geometry,
    )


def _region(spec: AreaSpec, ctx: AreaContext) -> ResolvedArea:
    code = spec.region or ""
    region = ctx._by_code.get(code)
    if region is None:
        known = ", ".join(sorted(ctx._by_code))
        raise InvalidAlertArea.said(
            "area.unknown_region_bundled_regions",
            "unknown region '{code}'; the bundled regions are {known}",
            code=code,
            known=known,
        )
    outline = ctx.region_outline(code)
    chosen = tuple(s for s in ctx.settlements if s.region == code)
    return ResolvedArea(
        spec=spec,
        description=spec.description or region.name,
        settlements=chosen,
        population=sum(s.population for s in chosen),
        regions=frozenset({code}),
        polygons=_polygons_of(outline),
        circles=(),
        geocodes=(("ISO3166-2", code),),
        geometry=outline,
    )
