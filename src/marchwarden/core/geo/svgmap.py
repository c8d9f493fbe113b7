"""A small map as SVG, drawn from geodata without tiles (the situation report's map of an
incident's area: it prints, and needs nothing but the server).

Pure: shapely geometries and numbers in, an SVG document (a string) out. The projection is
equirectangular about the frame's middle latitude (kilometres east and north are to scale
at that latitude — good to a fraction of a percent over the few tens of km a sitrep map
spans), north up, with a scale bar.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

from marchwarden.core.geo.distance import EARTH_RADIUS_KM

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

KM_PER_DEG = math.pi * EARTH_RADIUS_KM / 180.0

#: the look of each layer (muted geography; the incident stands out)
STYLE = {
    "region": 'fill="#f4efe2" stroke="#8a7a55" stroke-width="1"',
    "region_border": 'fill="#f2e3bf" stroke="#7a5200" stroke-width="1.6"',
    "foreign": 'fill="#f7f7f7" stroke="#6b6b6b" stroke-width="1" stroke-dasharray="4 3"',
    "state_border_halo": 'fill="none" stroke="#ffffff" stroke-width="6"',
    "state_border": 'fill="none" stroke="#000000" stroke-width="2.4" stroke-dasharray="9 5"',
    "river": 'fill="none" stroke="#5b8fc7" stroke-width="1.4"',
    "lake": 'fill="#b5d0ea" stroke="#7fa6cf" stroke-width="0.8"',
    "radius": 'fill="#d55e00" fill-opacity="0.08" stroke="#d55e00" stroke-width="1.5" '
    'stroke-dasharray="6 4"',
    "area": 'fill="#d55e00" fill-opacity="0.25" stroke="#d55e00" stroke-width="2.5"',
}


@dataclass(frozen=True, slots=True)
class MapPlace:
    """A settlement to draw; ``affected`` ones are marked and always named."""

    lon: float
    lat: float
    name: str
    population: int
    affected: bool = False


@dataclass(frozen=True, slots=True)
class MapTask:
    lon: float
    lat: float
    label: str


@dataclass(frozen=True, slots=True)
class AreaMap:
    """What the map shows. ``frame`` is (west, south, east, north) in degrees."""

    frame: tuple[float, float, float, float]
    title: str
    regions: Sequence[tuple[Any, str]] = ()
    """(polygon geometry, kind: "border" | "home" | "foreign")."""
    state_border: Sequence[Any] = ()
    rivers: Sequence[Any] = ()
    lakes: Sequence[Any] = ()
    places: Sequence[MapPlace] = ()
    place: Any = None
    """The incident's place: a shapely Point or Polygon."""
    radius_km: float = 0.0
    tasks: Sequence[MapTask] = field(default_factory=tuple)


def frame_around(geometry: Any, margin_km: float) -> tuple[float, float, float, float]:
    """The (west, south, east, north) box ``margin_km`` round ``geometry``'s bounds."""
    x0, y0, x1, y1 = geometry.bounds
    lat = (y0 + y1) / 2
    dy = margin_km / KM_PER_DEG
    dx = margin_km / (KM_PER_DEG * math.cos(math.radians(lat)))
    return (x0 - dx, y0 - dy, x1 + dx, y1 + dy)


class _Projection:
    def __init__(self, frame: tuple[float, float, float, float], width: int) -> None:
        self.west, self.south, self.east, self.north = frame
        self.kx = math.cos(math.radians((self.south + self.north) / 2))
        self.width_km = (self.east - self.west) * self.kx * KM_PER_DEG
        self.height_km = (self.north - self.south) * KM_PER_DEG
        self.scale = width / self.width_km  # px per km
        self.width = width
        self.height = round(self.height_km * self.scale)

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        x = (lon - self.west) * self.kx * KM_PER_DEG * self.scale
        y = (self.north - lat) * KM_PER_DEG * self.scale
        return (round(x, 1), round(y, 1))

    def path(self, coords: Iterable[Sequence[float]], close: bool = False) -> str:
        points = [self.xy(c[0], c[1]) for c in coords]
        if len(points) < 2:
            return ""
        head, *rest = points
        d = f"M{head[0]:g} {head[1]:g}" + "".join(f"L{x:g} {y:g}" for x, y in rest)
        return d + ("Z" if close else "")


def _polygons(geom: Any) -> list[Polygon]:
    if geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom]
    if isinstance(geom, MultiPolygon):
        return list(geom.geoms)
    return [p for g in getattr(geom, "geoms", ()) for p in _polygons(g)]


def _lines(geom: Any) -> list[LineString]:
    if geom.is_empty:
        return []
    if isinstance(geom, LineString):
        return [geom]
    if isinstance(geom, Polygon):
        return [LineString(geom.exterior.coords)]
    return [p for g in getattr(geom, "geoms", ()) for p in _lines(g)]


def _area_path(proj: _Projection, geom: Any, clip: Any) -> str:
    parts = []
    for poly in _polygons(geom.intersection(clip)):
        parts.append(proj.path(poly.exterior.coords, close=True))
        parts.extend(proj.path(ring.coords, close=True) for ring in poly.interiors)
    return "".join(parts)


def _line_path(proj: _Projection, geom: Any, clip: Any) -> str:
    return "".join(proj.path(line.coords) for line in _lines(geom.intersection(clip)))


def _scale_bar(proj: _Projection) -> str:
    target = proj.width_km / 5
    step = max(
        (s for s in (0.5, 1, 2, 5, 10, 20, 50, 100, 200) if s <= target),
        default=0.5,
    )
    length = step * proj.scale
    x, y = 12.0, proj.height - 14.0
    return (
        f'<g class="scale" font-size="11"><rect x="{x - 4:g}" y="{y - 16:g}" '
        f'width="{length + 40:.1f}" height="24" fill="#ffffff" fill-opacity="0.8"/>'
        f'<path d="M{x:g} {y - 5:g}V{y:g}H{x + length:.1f}V{y - 5:g}" fill="none" '
        f'stroke="#1b1f24" stroke-width="1.5"/>'
        f'<text x="{x + length + 5:.1f}" y="{y + 1:g}">{step:g} km</text></g>'
    )


def _north(proj: _Projection) -> str:
    x = proj.width - 20
    return (
        f'<g class="north" font-size="11" font-weight="700"><path d="M{x} 10L{x + 6} 26'
        f'L{x} 22L{x - 6} 26Z" fill="#1b1f24"/><text x="{x}" y="38" '
        'text-anchor="middle">N</text></g>'
    )


def render(spec: AreaMap, width: int = 640) -> str:
    """The map as a standalone SVG document (``role="img"``, titled)."""
    proj = _Projection(spec.frame, width)
    clip = box(*spec.frame)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="area-map" role="img" '
        f'width="{proj.width}" height="{proj.height}" '
        f'viewBox="0 0 {proj.width} {proj.height}" '
        'font-family="system-ui, sans-serif" aria-labelledby="area-map-title">'
        f'<title id="area-map-title">{escape(spec.title)}</title>'
        f'<rect width="{proj.width}" height="{proj.height}" fill="#e9edf1"/>'
    ]
    for geom, kind in spec.regions:
        style = {"border": "region_border", "home": "region"}.get(kind, "foreign")
        d = _area_path(proj, geom, clip)
        if d:
            out.append(f'<path class="region region-{kind}" d="{d}" {STYLE[style]}/>')
    for lake in spec.lakes:
        d = _area_path(proj, lake, clip)
        if d:
            out.append(f'<path class="lake" d="{d}" {STYLE["lake"]}/>')
    for river in spec.rivers:
        d = _line_path(proj, river, clip)
        if d:
            out.append(f'<path class="river" d="{d}" {STYLE["river"]}/>')
    for line in spec.state_border:
        d = _line_path(proj, line, clip)
        if d:
            out.append(f'<path class="state-border-halo" d="{d}" {STYLE["state_border_halo"]}/>')
            out.append(f'<path class="state-border" d="{d}" {STYLE["state_border"]}/>')
    out.extend(_incident(proj, spec, clip))
    out.extend(_places(proj, spec.places, clip))
    for i, task in enumerate(spec.tasks, start=1):
        if clip.contains(Point(task.lon, task.lat)):
            x, y = proj.xy(task.lon, task.lat)
            out.append(
                f'<g class="task"><rect x="{x - 7:g}" y="{y - 7:g}" width="14" height="14" '
                'fill="#0072b2" stroke="#ffffff" stroke-width="1.5"/>'
                f'<text x="{x:g}" y="{y + 4:g}" font-size="10" font-weight="700" '
                f'fill="#ffffff" text-anchor="middle">{i}</text>'
                f"<title>{escape(task.label)}</title></g>"
            )
    out.append(_scale_bar(proj))
    out.append(_north(proj))
    out.append("</svg>")
    return "".join(out)


def _incident(proj: _Projection, spec: AreaMap, clip: Any) -> list[str]:
    if spec.place is None:
        return []
    out = []
    if spec.radius_km > 0:
        lon, lat = spec.place.centroid.x, spec.place.centroid.y
        if isinstance(spec.place, Point):
            x, y = proj.xy(lon, lat)
            out.append(
                f'<circle class="affected-radius" cx="{x:g}" cy="{y:g}" '
                f'r="{spec.radius_km * proj.scale:.1f}" {STYLE["radius"]}/>'
            )
        else:
            kx = KM_PER_DEG * math.cos(math.radians(lat))
            local = Polygon(
                [
                    ((px - lon) * kx, (py - lat) * KM_PER_DEG)
                    for px, py in spec.place.exterior.coords
                ]
            ).buffer(spec.radius_km)
            ring = [(lon + px / kx, lat + py / KM_PER_DEG) for px, py in local.exterior.coords]
            out.append(
                f'<path class="affected-radius" d="{proj.path(ring, close=True)}" '
                f"{STYLE['radius']}/>"
            )
    if isinstance(spec.place, Point):
        x, y = proj.xy(spec.place.x, spec.place.y)
        out.append(
            f'<g class="incident"><circle cx="{x:g}" cy="{y:g}" r="9" fill="#d55e00" '
            f'stroke="#ffffff" stroke-width="2.5"/><circle cx="{x:g}" cy="{y:g}" r="3" '
            'fill="#ffffff"/></g>'
        )
    else:
        d = _area_path(proj, spec.place, clip)
        out.append(f'<path class="incident incident-area" d="{d}" {STYLE["area"]}/>')
    return out


def _places(proj: _Projection, places: Sequence[MapPlace], clip: Any) -> list[str]:
    inside = [p for p in places if clip.contains(Point(p.lon, p.lat))]
    inside.sort(key=lambda p: (not p.affected, -p.population))
    dots, labels = [], []
    taken: list[tuple[float, float, float, float]] = []
    for p in inside:
        x, y = proj.xy(p.lon, p.lat)
        r = min(7.0, 2.0 + math.sqrt(max(p.population, 0)) / 90)
        cls = "place affected" if p.affected else "place"
        fill = "#1b1f24" if p.affected else "#6b7280"
        dots.append(
            f'<circle class="{cls}" cx="{x:g}" cy="{y:g}" r="{r:.1f}" fill="{fill}" '
            'stroke="#ffffff" stroke-width="1"/>'
        )
        size = 12 if p.population >= 25000 else 10.5
        w, h = len(p.name) * size * 0.55, size
        spot = (x + r + 3, y - h / 2, x + r + 3 + w, y + h / 2)
        if not p.affected and any(_overlap(spot, t) for t in taken):
            continue  # a name that would overprint another is left out (affected: never)
        taken.append(spot)
        weight = "700" if p.affected else "400"
        labels.append(
            f'<text class="{cls}-name" x="{spot[0]:.1f}" y="{y + size * 0.35:.1f}" '
            f'font-size="{size:g}" font-weight="{weight}" fill="#1b1f24" stroke="#ffffff" '
            f'stroke-width="3" paint-order="stroke">{escape(p.name)}</text>'
        )
    return dots + labels


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
