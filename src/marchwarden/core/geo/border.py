"""The state border, derived from the regions: the edges shared by regions of two states.

Coordinates in the bundled regions are rounded to 5 decimals (about 1 m), so two
neighbours' boundaries need not coincide exactly. Each pair's boundaries are compared after
snapping one onto the other within ``tolerance_deg`` (default 1e-4 degree, about 7-11 m
here); the shared path is what remains of their intersection as lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString

from marchwarden.core.geo.distance import EARTH_RADIUS_KM
from marchwarden.core.geo.model import GeoJSON, Region, feature_collection, geometry_to_geojson

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

DEFAULT_TOLERANCE_DEG = 1e-4


def _line_parts(geometry: Any) -> list[Any]:
    """Every non-empty LineString in a geometry (collections are flattened)."""
    out: list[Any] = []
    stack = [geometry]
    while stack:
        g = stack.pop()
        if g is None or bool(g.is_empty):
            continue
        if isinstance(g, LineString):
            out.append(g)
        elif hasattr(g, "geoms"):
            stack.extend(g.geoms)
    return out


def _merge_lines(lines: Sequence[Any]) -> Any:
    """Join lines that touch end to end; always a MultiLineString (possibly empty)."""
    if not lines:
        return MultiLineString()
    merged = shapely.line_merge(MultiLineString(list(lines)))
    parts = sorted(_line_parts(merged), key=lambda g: (-float(g.length), tuple(g.coords[0])))
    return MultiLineString(parts)


def line_length_km(geometry: Any) -> float:
    """Great-circle length in km of a (Multi)LineString in lon/lat (sum of vertex hops)."""
    total = 0.0
    for part in _line_parts(geometry):
        xy = np.radians(np.asarray(part.coords, dtype=np.float64)[:, :2])
        lon, lat = xy[:, 0], xy[:, 1]
        a = (
            np.sin(np.diff(lat) / 2.0) ** 2
            + np.cos(lat[:-1]) * np.cos(lat[1:]) * np.sin(np.diff(lon) / 2.0) ** 2
        )
        total += float(np.sum(2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))))
    return total


def line_coordinates(geometry: Any) -> list[list[tuple[float, float]]]:
    """The (lon, lat) vertices of each line of a (Multi)LineString."""
    return [[(float(x), float(y)) for x, y, *_ in part.coords] for part in _line_parts(geometry)]


@dataclass(frozen=True, slots=True)
class BorderSection:
    """The edge shared by two regions of different states.

    ``countries`` is the ordered pair of ISO alpha-2 codes (``("RU", "UA")``), ``regions``
    the two region codes in the same order. ``geometry`` is a shapely MultiLineString.
    """

    countries: tuple[str, str]
    regions: tuple[str, str]
    length_km: float
    geometry: Any = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class StateBorder:
    """A state border (or the part of it along some regions): its sections and the
    merged line."""

    countries: tuple[str, str]
    sections: tuple[BorderSection, ...]
    length_km: float
    geometry: Any = field(compare=False, repr=False)

    @property
    def region_codes(self) -> frozenset[str]:
        return frozenset(code for s in self.sections for code in s.regions)

    @property
    def is_empty(self) -> bool:
        return not self.sections

    def lines(self) -> list[list[tuple[float, float]]]:
        return line_coordinates(self.geometry)


def _shared_path(a: Any, b: Any, tolerance_deg: float) -> Any:
    boundary_b = b.boundary
    snapped = shapely.snap(a.boundary, boundary_b, tolerance_deg)
    shared = [
        g for g in _line_parts(snapped.intersection(boundary_b)) if float(g.length) >= tolerance_deg
    ]
    return _merge_lines(shared)


def _bounds_touch(
    a: tuple[float, float, float, float], b: tuple[float, float, float, float], margin: float
) -> bool:
    return not (
        a[2] + margin < b[0] or b[2] + margin < a[0] or a[3] + margin < b[1] or b[3] + margin < a[1]
    )


def derive_border_sections(
    regions: Sequence[Region], tolerance_deg: float = DEFAULT_TOLERANCE_DEG
) -> tuple[BorderSection, ...]:
    """Every edge shared by two regions of different countries, ordered by country pair
    and region codes."""
    if tolerance_deg < 0:
        raise ValueError("tolerance_deg must not be negative")
    out: list[BorderSection] = []
    for r1, r2 in combinations(regions, 2):
        if r1.country == r2.country:
            continue
        a, b = (r1, r2) if (r1.country, r1.code) < (r2.country, r2.code) else (r2, r1)
        if not _bounds_touch(a.bounds, b.bounds, tolerance_deg):
            continue
        geometry = _shared_path(a.geometry, b.geometry, tolerance_deg)
        if bool(geometry.is_empty):
            continue
        out.append(
            BorderSection(
                countries=(a.country, b.country),
                regions=(a.code, b.code),
                length_km=line_length_km(geometry),
                geometry=geometry,
            )
        )
    out.sort(key=lambda s: (s.countries, s.regions))
    return tuple(out)


def _pair(countries: tuple[str, str]) -> tuple[str, str]:
    a, b = countries
    if a == b:
        raise ValueError("a state border needs two different countries")
    return (a, b) if a < b else (b, a)


def state_border(
    sections: Iterable[BorderSection],
    countries: tuple[str, str],
    regions: Iterable[str] | None = None,
) -> StateBorder:
    """The border between two countries, optionally only where it touches ``regions``
    (region codes: a section counts when either of its regions is listed)."""
    pair = _pair(countries)
    wanted = None if regions is None else frozenset(regions)
    chosen = tuple(
        s
        for s in sections
        if s.countries == pair and (wanted is None or not wanted.isdisjoint(s.regions))
    )
    geometry = _merge_lines([g for s in chosen for g in _line_parts(s.geometry)])
    return StateBorder(
        countries=pair, sections=chosen, length_km=line_length_km(geometry), geometry=geometry
    )


def all_state_borders(sections: Iterable[BorderSection]) -> tuple[StateBorder, ...]:
    """One :class:`StateBorder` per pair of countries that share an edge."""
    listed = tuple(sections)
    pairs = sorted({s.countries for s in listed})
    return tuple(state_border(listed, pair) for pair in pairs)


def neighbour_countries(
    regions: Sequence[Region], sections: Iterable[BorderSection]
) -> list[tuple[str, float]]:
    """The foreign countries the border regions share an edge with, each with the length
    in km of that edge, longest first."""
    border_codes = {r.code for r in regions if r.is_border_region}
    home = {r.country for r in regions if r.is_border_region}
    lengths: dict[str, float] = {}
    for s in sections:
        for i in (0, 1):
            if s.regions[i] in border_codes and s.countries[1 - i] not in home:
                other = s.countries[1 - i]
                lengths[other] = lengths.get(other, 0.0) + s.length_km
    return sorted(lengths.items(), key=lambda kv: (-kv[1], kv[0]))


def principal_state_border(
    regions: Sequence[Region],
    sections: Iterable[BorderSection],
    neighbour: str | None = None,
) -> StateBorder:
    """The principal state border: between the country of the border regions and ``neighbour``
    (by default the foreign country sharing the longest edge with the border regions),
    along the border regions only.

    Raises ``ValueError`` if there are no border regions, they lie in more than one
    country, or they share no edge with any other country.
    """
    listed = tuple(sections)
    border = [r for r in regions if r.is_border_region]
    homes = sorted({r.country for r in border})
    if len(homes) != 1:
        raise ValueError(f"the border regions must lie in exactly one country, not {homes}")
    if neighbour is None:
        ranked = neighbour_countries(regions, listed)
        if not ranked:
            raise ValueError("the border regions share no edge with another country")
        neighbour = ranked[0][0]
    return state_border(listed, (homes[0], neighbour), [r.code for r in border])


# --- GeoJSON out ----------------------------------------------------------------------------


def border_section_feature(section: BorderSection) -> GeoJSON:
    return {
        "type": "Feature",
        "geometry": geometry_to_geojson(section.geometry),
        "properties": {
            "kind": "border_section",
            "countries": list(section.countries),
            "regions": list(section.regions),
            "length_km": round(section.length_km, 3),
        },
    }


def state_border_feature(border: StateBorder, principal: bool = False) -> GeoJSON:
    """A state border as one Feature; ``principal`` marks "the" state border of a map."""
    return {
        "type": "Feature",
        "geometry": geometry_to_geojson(border.geometry),
        "properties": {
            "kind": "state_border",
            "principal": principal,
            "countries": list(border.countries),
            "regions": sorted(border.region_codes),
            "length_km": round(border.length_km, 3),
        },
    }


def border_feature_collection(
    borders: Iterable[StateBorder | BorderSection], principal: StateBorder | None = None
) -> GeoJSON:
    """A FeatureCollection of state borders and/or border sections; the ``principal``
    border (if given) comes first, marked ``"principal": true``."""
    features: list[GeoJSON] = []
    if principal is not None:
        features.append(state_border_feature(principal, principal=True))
    for b in borders:
        if isinstance(b, StateBorder):
            features.append(state_border_feature(b))
        else:
            features.append(border_section_feature(b))
    return feature_collection(features)
