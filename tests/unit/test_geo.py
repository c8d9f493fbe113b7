"""Geodata and geography: border derivation, point in region, areas, coverage.

Results are checked against brute-force computations (plain loops over
``haversine_km`` and a hand-written point-in-polygon), not against stored numbers.
"""

from __future__ import annotations

import itertools
import json
import math
import random
from importlib import resources
from typing import TYPE_CHECKING, Any

import pytest
import shapely
from shapely.geometry import LinearRing, Point, Polygon

from marchwarden import geodata
from marchwarden.core.geo.areas import (
    border_settlements,
    distance_to_lines_km,
    haversine_km_array,
    settlements_in_circle,
    settlements_in_geometry,
    settlements_in_polygon,
)
from marchwarden.core.geo.border import (
    DEFAULT_TOLERANCE_DEG,
    all_state_borders,
    border_feature_collection,
    derive_border_sections,
    line_length_km,
    neighbour_countries,
    principal_state_border,
    state_border,
)
from marchwarden.core.geo.coverage import (
    ResponderPoint,
    compare_coverage,
    coverage,
    nearest_responders,
)
from marchwarden.core.geo.distance import TravelModel, haversine_km
from marchwarden.core.geo.model import (
    Region,
    Settlement,
    region_at,
    region_codes_at,
    regions_feature_collection,
    regions_from_geojson,
    settlements_feature_collection,
    settlements_from_geojson,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

DEMO_BORDER_REGIONS = {"RU-BEL", "RU-KRS", "RU-BRY"}


def _raw(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        resources.files("marchwarden.data").joinpath(name).read_text(encoding="utf-8")
    )
    return data


def _in_ring(x: float, y: float, ring: Sequence[tuple[float, float]]) -> bool:
    """Even-odd ray casting, independent of shapely."""
    inside = False
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i]
        x2, y2 = ring[(i + 1) % n]
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _densify(line: Sequence[tuple[float, float]], step_km: float) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for (x1, y1), (x2, y2) in itertools.pairwise(line):
        k = max(1, int(haversine_km(x1, y1, x2, y2) / step_km) + 1)
        out.extend((x1 + (x2 - x1) * i / k, y1 + (y2 - y1) * i / k) for i in range(k))
    out.append(line[-1])
    return out


def _square(x0: float, y0: float, size: float) -> list[tuple[float, float]]:
    return [(x0, y0), (x0 + size, y0), (x0 + size, y0 + size), (x0, y0 + size)]


def _region(code: str, country: str, ring: list[tuple[float, float]], border: bool) -> Region:
    return Region(
        code=code,
        name=code,
        country=country,
        country_a3=country + "X",
        is_border_region=border,
        geometry=Polygon(ring),
    )


def _random_responders(rng: random.Random, n: int) -> list[ResponderPoint]:
    return [
        ResponderPoint(f"u{i}", rng.uniform(27.0, 43.0), rng.uniform(46.5, 54.5)) for i in range(n)
    ]


# --- loading ----------------------------------------------------------------------------------


def test_regions_load_as_in_the_file() -> None:
    raw = _raw("regions.geojson")["features"]
    loaded = geodata.regions()
    assert [r.code for r in loaded] == [f["properties"]["iso_3166_2"] for f in raw]
    for r, f in zip(loaded, raw, strict=True):
        assert r.name == f["properties"]["name"]
        assert r.country == f["properties"]["iso_a2"]
        assert r.country_a3 == f["properties"]["adm0_a3"]
        assert r.is_border_region == f["properties"]["border_region"]
        assert r.code.startswith(r.country + "-")
        assert bool(r.geometry.is_valid)
    assert {r.code for r in geodata.border_regions()} == DEMO_BORDER_REGIONS
    assert geodata.border_region_codes() == DEMO_BORDER_REGIONS
    assert geodata.regions() is loaded  # cached


def test_settlements_load_as_in_the_file() -> None:
    raw = _raw("settlements.geojson")["features"]
    loaded = geodata.settlements()
    assert len(loaded) == len(raw)
    for s, f in zip(loaded, raw, strict=True):
        p = f["properties"]
        assert (s.id, s.name, s.population, s.region, s.country) == (
            p["geonameid"],
            p["name"],
            p["population"],
            p["region"],
            p["country"],
        )
        assert [s.lon, s.lat] == f["geometry"]["coordinates"]
    assert len({s.id for s in loaded}) == len(loaded)
    assert geodata.region("RU-BEL").name == "Belgorod"
    with pytest.raises(KeyError):
        geodata.region("XX-NOPE")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda f: f["properties"].pop("geonameid"), "geonameid"),
        (lambda f: f["properties"].update(population=-1), "population"),
        (lambda f: f["properties"].update(population="12"), "population"),
        (lambda f: f["geometry"].update(coordinates=[200.0, 10.0]), "lon/lat"),
        (lambda f: f.update(geometry={"type": "LineString", "coordinates": []}), "Point"),
    ],
)
def test_bad_settlement_features_are_rejected(mutate: Any, message: str) -> None:
    feature: dict[str, Any] = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [36.0, 50.0]},
        "properties": {
            "geonameid": 1,
            "name": "A",
            "population": 10,
            "region": "RU-BEL",
            "country": "RU",
        },
    }
    mutate(feature)
    with pytest.raises(ValueError, match=message):
        settlements_from_geojson({"type": "FeatureCollection", "features": [feature]})


def test_bad_region_features_are_rejected() -> None:
    point = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [36.0, 50.0]},
        "properties": {"iso_3166_2": "XX-A", "name": "A", "iso_a2": "XX", "adm0_a3": "XXX"},
    }
    with pytest.raises(ValueError, match="Polygon"):
        regions_from_geojson({"type": "FeatureCollection", "features": [point]})
    with pytest.raises(ValueError, match="FeatureCollection"):
        regions_from_geojson({"type": "Feature"})


# --- the state border -------------------------------------------------------------------------


def test_border_sections_join_regions_of_different_countries_only() -> None:
    sections = geodata.border_sections()
    assert sections
    by_code = {r.code: r for r in geodata.regions()}
    for s in sections:
        a, b = (by_code[c] for c in s.regions)
        assert (a.country, b.country) == s.countries
        assert a.country != b.country
        assert s.length_km > 0


def test_sections_match_a_buffer_based_shared_boundary() -> None:
    # Independent derivation: the part of A's boundary within the tolerance of B's.
    by_code = {r.code: r for r in geodata.regions()}
    for s in geodata.border_sections():
        a, b = (by_code[c] for c in s.regions)
        near = a.geometry.boundary.intersection(b.geometry.boundary.buffer(DEFAULT_TOLERANCE_DEG))
        # The buffer version overshoots each end by at most the tolerance (~11 m).
        assert line_length_km(near) == pytest.approx(s.length_km, abs=0.05)
    # And no pair of different countries with a shared boundary is missed.
    found = {frozenset(s.regions) for s in geodata.border_sections()}
    regions = geodata.regions()
    for i, a in enumerate(regions):
        for b in regions[i + 1 :]:
            if a.country == b.country:
                continue
            near = a.geometry.boundary.intersection(
                b.geometry.boundary.buffer(DEFAULT_TOLERANCE_DEG)
            )
            if line_length_km(near) > 1.0:
                assert frozenset((a.code, b.code)) in found


def test_the_state_border_is_ru_ua_along_the_border_regions() -> None:
    border = geodata.state_border()
    assert border.countries == ("RU", "UA")
    assert not border.is_empty
    assert not bool(border.geometry.is_empty)
    assert border.length_km > 0
    assert border.region_codes >= DEMO_BORDER_REGIONS
    assert all(set(s.regions) & DEMO_BORDER_REGIONS for s in border.sections)
    assert border.length_km == pytest.approx(sum(s.length_km for s in border.sections))
    by_code = {r.code: r for r in geodata.regions()}
    ru = shapely.union_all([by_code[c].geometry.boundary for c in DEMO_BORDER_REGIONS])
    ua = shapely.union_all([r.geometry.boundary for r in geodata.regions() if r.country == "UA"])
    # Every vertex lies on a border region's boundary and on a Ukrainian region's boundary.
    vertices = [Point(xy) for line in border.lines() for xy in line]
    assert vertices
    assert max(float(ru.distance(v)) for v in vertices) <= DEFAULT_TOLERANCE_DEG
    assert max(float(ua.distance(v)) for v in vertices) <= DEFAULT_TOLERANCE_DEG


def test_border_length_is_the_sum_of_vertex_hops() -> None:
    border = geodata.state_border()
    brute = sum(
        haversine_km(x1, y1, x2, y2)
        for line in border.lines()
        for (x1, y1), (x2, y2) in itertools.pairwise(line)
    )
    assert border.length_km == pytest.approx(brute, rel=1e-9)


def test_all_state_borders_and_neighbours() -> None:
    borders = {b.countries: b for b in geodata.state_borders()}
    assert set(borders) == {s.countries for s in geodata.border_sections()}
    principal = geodata.state_border()
    whole = borders[principal.countries]
    # The whole RU-UA border also runs along regions that are not border regions.
    assert whole.length_km >= principal.length_km
    assert set(principal.sections) <= set(whole.sections)
    ranked = neighbour_countries(geodata.regions(), geodata.border_sections())
    assert ranked[0][0] == "UA"
    assert [n for n, _ in ranked] == sorted((n for n, _ in ranked), key=lambda n: -dict(ranked)[n])
    other = principal_state_border(geodata.regions(), geodata.border_sections(), neighbour="BY")
    assert other.countries == ("BY", "RU")
    assert other.region_codes == {"RU-BRY", "BY-HO"}


def test_synthetic_regions_with_rounding_noise() -> None:
    # A (country X) and B (country Y) share the edge x=1, 0<=y<=1; B's copy of the edge
    # is off by 5e-6 degree and has an extra vertex. C (country X) touches B only there too.
    a = _region("X-A", "X", _square(0.0, 0.0, 1.0), border=True)
    b_ring = [(1.000005, 0.0), (2.0, 0.0), (2.0, 1.0), (1.000005, 1.0), (0.999996, 0.5)]
    b = _region("Y-B", "Y", b_ring, border=False)
    c = _region("X-C", "X", _square(0.0, 1.0, 1.0), border=True)  # touches B at a corner only
    far = _region("Y-F", "Y", _square(10.0, 10.0, 1.0), border=False)
    sections = derive_border_sections([a, b, c, far])
    assert [s.regions for s in sections] == [("X-A", "Y-B")]
    assert sections[0].length_km == pytest.approx(haversine_km(1.0, 0.0, 1.0, 1.0), abs=0.01)
    border = principal_state_border([a, b, c, far], sections)
    assert border.countries == ("X", "Y")
    assert state_border(sections, ("Y", "X")).countries == ("X", "Y")
    assert state_border(sections, ("X", "Y"), regions=["X-C"]).is_empty
    with pytest.raises(ValueError, match="two different"):
        state_border(sections, ("X", "X"))
    same_country = derive_border_sections([a, _region("X-B", "X", b_ring, border=False)])
    assert same_country == ()
    d = _region("Z-D", "Z", _square(-1.0, 0.0, 1.0), border=True)
    with pytest.raises(ValueError, match="exactly one country"):
        principal_state_border([a, b, d], derive_border_sections([a, b, d]))
    with pytest.raises(ValueError, match="no edge"):
        principal_state_border([a, far], derive_border_sections([a, far]))
    assert all_state_borders(()) == ()


# --- GeoJSON ----------------------------------------------------------------------------------


def test_geojson_builders_are_rfc7946() -> None:
    regions_fc = geodata.regions_geojson()
    json.dumps(regions_fc)  # plain JSON data
    assert regions_fc["type"] == "FeatureCollection"
    assert len(regions_fc["features"]) == len(geodata.regions())
    for feature, region in zip(regions_fc["features"], geodata.regions(), strict=True):
        assert feature["properties"]["code"] == region.code
        assert feature["properties"]["border_region"] == region.is_border_region
        geom = feature["geometry"]
        polygons = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
        for rings in polygons:
            assert LinearRing(rings[0]).is_ccw  # right-hand rule: exterior counter-clockwise
            for hole in rings[1:]:
                assert not LinearRing(hole).is_ccw
        rebuilt = shapely.geometry.shape(geom)
        assert float(rebuilt.symmetric_difference(region.geometry).area) < 1e-9

    settlements_fc = geodata.settlements_geojson()
    json.dumps(settlements_fc)
    raw = _raw("settlements.geojson")["features"]
    for feature, original in zip(settlements_fc["features"], raw, strict=True):
        assert feature["geometry"] == original["geometry"]  # lon, lat order kept
        assert feature["properties"]["geonameid"] == original["properties"]["geonameid"]

    border_fc = geodata.state_border_geojson(include_all=True)
    json.dumps(border_fc)
    first, *rest = border_fc["features"]
    assert first["properties"]["principal"] is True
    assert first["properties"]["countries"] == ["RU", "UA"]
    assert first["geometry"]["type"] == "MultiLineString"
    assert len(rest) == len(geodata.state_borders())
    assert not any(f["properties"]["principal"] for f in rest)
    lon_lat = [xy for line in first["geometry"]["coordinates"] for xy in line]
    assert all(30.0 < x < 41.0 and 49.0 < y < 53.0 for x, y in lon_lat)
    sections_fc = border_feature_collection(geodata.border_sections())
    assert [f["properties"]["kind"] for f in sections_fc["features"]] == ["border_section"] * len(
        geodata.border_sections()
    )
    assert regions_feature_collection([]) == settlements_feature_collection([])


# --- point in region --------------------------------------------------------------------------


def test_every_settlement_is_found_in_its_region() -> None:
    for s in geodata.settlements():
        assert geodata.region_code_at(s.lon, s.lat) == s.region
    settlements = geodata.settlements()
    codes = region_codes_at(
        geodata.regions(), [s.lon for s in settlements], [s.lat for s in settlements]
    )
    assert codes == [s.region for s in settlements]


def test_point_in_region_against_ray_casting() -> None:
    rng = random.Random(7)
    regions = geodata.regions()
    rings = {
        r.code: [(float(x), float(y)) for x, y in r.geometry.exterior.coords[:-1]] for r in regions
    }
    assert all(len(r.geometry.interiors) == 0 for r in regions)
    points = [(rng.uniform(26.0, 44.0), rng.uniform(46.0, 55.0)) for _ in range(400)]
    vector = region_codes_at(regions, [p[0] for p in points], [p[1] for p in points])
    outside = 0
    for (x, y), code in zip(points, vector, strict=True):
        brute = [c for c, ring in rings.items() if _in_ring(x, y, ring)]
        assert len(brute) <= 1
        expected = brute[0] if brute else None
        outside += expected is None
        assert code == expected
        assert geodata.region_code_at(x, y) == expected
    assert 0 < outside < len(points)


def test_region_vertices_get_the_answer_of_testing_every_region() -> None:
    """``region_code_at`` tests only the regions whose bounding box holds the point; on
    the boundaries themselves (every vertex of every region) it still answers as testing
    every region in file order does."""
    regions = geodata.regions()
    for r in regions:
        for x, y in r.geometry.exterior.coords:
            every = region_at(regions, x, y)
            assert geodata.region_code_at(x, y) == (every.code if every else None), (x, y)


def test_point_on_a_shared_boundary_goes_to_the_first_region() -> None:
    a = _region("X-A", "X", _square(0.0, 0.0, 1.0), border=False)
    b = _region("Y-B", "Y", _square(1.0, 0.0, 1.0), border=False)
    assert a.contains(1.0, 0.5)
    assert b.contains(1.0, 0.5)
    assert region_at([a, b], 1.0, 0.5) is a
    assert region_at([b, a], 1.0, 0.5) is b
    assert region_codes_at([b, a], [1.0, 0.5, 1.5, 3.0], [0.5] * 4) == ["Y-B", "X-A", "Y-B", None]
    # Overlapping regions (slivers in real data): a point inside one region and on the
    # boundary of another goes to the one it is inside, whatever the order.
    c = _region("Z-C", "Z", _square(0.5, 0.0, 1.0), border=False)
    for order in ([a, c], [c, a]):
        assert region_at(order, 1.0, 0.5) is c
        assert region_at(order, 0.5, 0.5) is a
        assert region_codes_at(order, [1.0, 0.5], [0.5, 0.5]) == ["Z-C", "X-A"]
    assert region_at(geodata.regions(), 0.0, 0.0) is None
    assert region_codes_at(geodata.regions(), [], []) == []


# --- areas ------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_circle_matches_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    settlements = geodata.settlements()
    centre = rng.choice(settlements)
    lon, lat = centre.lon + rng.uniform(-0.2, 0.2), centre.lat + rng.uniform(-0.2, 0.2)
    radius = rng.uniform(5.0, 150.0)
    area = settlements_in_circle(settlements, lon, lat, radius)
    brute = [s for s in settlements if haversine_km(lon, lat, s.lon, s.lat) <= radius]
    assert area.settlements == tuple(brute)
    assert area.count == len(brute)
    assert area.population == sum(s.population for s in brute)
    assert area.count > 0


def test_circle_edge_cases() -> None:
    settlements = geodata.settlements()
    s = settlements[100]
    at_point = settlements_in_circle(settlements, s.lon, s.lat, 0.0)
    assert s in at_point.settlements
    assert all((t.lon, t.lat) == (s.lon, s.lat) for t in at_point.settlements)
    assert settlements_in_circle([], s.lon, s.lat, 10.0).population == 0
    with pytest.raises(ValueError, match="radius"):
        settlements_in_circle(settlements, s.lon, s.lat, -1.0)
    with pytest.raises(ValueError, match="lon/lat"):
        settlements_in_circle(settlements, 200.0, s.lat, 1.0)


@pytest.mark.parametrize("seed", [11, 12, 13, 14])
def test_polygon_matches_ray_casting(seed: int) -> None:
    rng = random.Random(seed)
    settlements = geodata.settlements()
    cx, cy = rng.uniform(31.0, 39.0), rng.uniform(48.0, 53.0)
    # A star-shaped (hence simple) polygon around the centre.
    k = rng.randint(3, 12)
    angles = sorted(rng.uniform(0, 2 * math.pi) for _ in range(k))
    ring = [
        (cx + r * math.cos(t), cy + 0.6 * r * math.sin(t))
        for t in angles
        for r in [rng.uniform(0.3, 2.0)]
    ]
    area = settlements_in_polygon(settlements, ring)
    brute = [s for s in settlements if _in_ring(s.lon, s.lat, ring)]
    assert area.settlements == tuple(brute)
    assert area.population == sum(s.population for s in brute)


def test_polygon_of_a_region_holds_its_settlements_and_holes_exclude() -> None:
    settlements = geodata.settlements()
    bel = geodata.region("RU-BEL")
    ring = [(float(x), float(y)) for x, y in bel.geometry.exterior.coords]
    area = settlements_in_polygon(settlements, ring)
    expected = [s for s in settlements if s.region == "RU-BEL"]
    assert area.settlements == tuple(expected)
    assert area.population == sum(s.population for s in expected)
    assert settlements_in_geometry(settlements, bel.geometry) == area

    outer = _square(35.0, 50.0, 2.0)
    hole = _square(35.5, 50.5, 1.0)
    holed = settlements_in_polygon(settlements, outer, holes=[hole])
    brute = [
        s for s in settlements if _in_ring(s.lon, s.lat, outer) and not _in_ring(s.lon, s.lat, hole)
    ]
    assert holed.settlements == tuple(brute)
    assert holed.population == sum(s.population for s in brute)
    assert settlements_in_geometry(settlements, Polygon()).count == 0


def test_bad_polygons_are_rejected() -> None:
    with pytest.raises(ValueError, match="three distinct"):
        settlements_in_polygon([], [(30.0, 50.0), (31.0, 50.0), (30.0, 50.0)])
    with pytest.raises(ValueError, match="invalid polygon"):
        settlements_in_polygon([], [(30.0, 50.0), (31.0, 51.0), (31.0, 50.0), (30.0, 51.0)])


def test_distance_to_lines_on_a_meridian() -> None:
    line = [(30.0, 50.0), (30.0, 52.0)]
    lons = [31.0, 30.0, 30.0, 29.5]
    lats = [51.0, 53.0, 49.0, 51.5]
    got = distance_to_lines_km(lons, lats, [line])
    dense = _densify(line, 0.05)
    for (x, y), d in zip(zip(lons, lats, strict=True), got, strict=True):
        brute = min(haversine_km(x, y, px, py) for px, py in dense)
        assert d == pytest.approx(brute, abs=0.03)
    assert got[1] == pytest.approx(haversine_km(30.0, 53.0, 30.0, 52.0))  # beyond an end
    assert math.isinf(distance_to_lines_km([30.0], [50.0], [])[0])
    assert distance_to_lines_km([30.0], [50.0], [[(30.0, 50.0)]])[0] == pytest.approx(0.0)


def test_border_settlements_match_brute_force() -> None:
    border = geodata.state_border()
    codes = geodata.border_region_codes()
    dense = [p for line in border.lines() for p in _densify(line, 0.1)]
    candidates = [s for s in geodata.settlements() if s.region in codes]
    brute = {s.id: min(haversine_km(s.lon, s.lat, x, y) for x, y in dense) for s in candidates}
    within = 30.0
    result = geodata.border_settlements()
    assert result.within_km == within
    assert result.countries == ("RU", "UA")
    got = {e.settlement.id: e.distance_km for e in result.entries}
    for sid, d in got.items():
        assert d == pytest.approx(brute[sid], abs=0.06)
    clear = {sid for sid, d in brute.items() if abs(d - within) > 0.1}
    assert {sid for sid in got if sid in clear} == {sid for sid in clear if brute[sid] <= within}
    assert result.population == sum(e.settlement.population for e in result.entries)
    assert all(e.settlement.region in codes for e in result.entries)
    assert [e.distance_km for e in result.entries] == sorted(e.distance_km for e in result.entries)
    assert result.count > 0

    wider = border_settlements(geodata.settlements(), border, codes, within_km=60.0)
    assert set(result.settlements) < set(wider.settlements)
    everything = border_settlements(geodata.settlements(), border, codes, within_km=10_000.0)
    assert everything.count == len(candidates)
    with pytest.raises(ValueError, match="within_km"):
        border_settlements(geodata.settlements(), border, codes, within_km=-1.0)


def test_haversine_array_matches_scalar() -> None:
    rng = random.Random(3)
    pts = [[rng.uniform(-180, 180), rng.uniform(-90, 90)] for _ in range(200)]
    got = haversine_km_array(
        [p[0] for p in pts[:100]], [p[1] for p in pts[:100]],
        [p[0] for p in pts[100:]], [p[1] for p in pts[100:]],
    )  # fmt: skip
    for i in range(100):
        expected = haversine_km(pts[i][0], pts[i][1], pts[100 + i][0], pts[100 + i][1])
        assert got[i] == pytest.approx(expected, rel=1e-9, abs=1e-9)


# --- coverage ---------------------------------------------------------------------------------


def _brute_nearest(s: Settlement, units: Sequence[ResponderPoint]) -> tuple[int, float]:
    best_i, best_d = -1, math.inf
    for i, u in enumerate(units):
        d = haversine_km(u.lon, u.lat, s.lon, s.lat)
        if d < best_d:
            best_i, best_d = i, d
    return best_i, best_d


@pytest.mark.parametrize(
    ("seed", "n_units", "budget"), [(21, 1, 90.0), (22, 40, 30.0), (23, 300, 20.0)]
)
def test_coverage_matches_brute_force(seed: int, n_units: int, budget: float) -> None:
    rng = random.Random(seed)
    settlements = geodata.settlements()
    units = _random_responders(rng, n_units)
    travel = TravelModel(speed_kmh=rng.uniform(30, 90), detour_factor=rng.uniform(1.0, 1.6))
    result = coverage(settlements, units, travel, budget)
    small_chunks = coverage(settlements, units, travel, budget, chunk_elements=997)
    assert small_chunks == result
    assert result.travel_model == travel.describe()
    assert result.budget_minutes == budget
    assert result.reach_km == pytest.approx(travel.reach_km(budget))
    assert result.responder_count == n_units
    reach = {r.settlement.id: r for r in (*result.covered, *result.uncovered)}
    assert len(reach) == len(settlements)
    expected_covered: list[Settlement] = []
    for s in settlements:
        i, d = _brute_nearest(s, units)
        r = reach[s.id]
        assert r.distance_km == pytest.approx(d, abs=1e-6)
        assert r.minutes == pytest.approx(travel.minutes(d), abs=1e-6)
        if r.nearest_unit_id != units[i].unit_id:  # only a tie may pick another unit
            other = next(u for u in units if u.unit_id == r.nearest_unit_id)
            assert haversine_km(other.lon, other.lat, s.lon, s.lat) == pytest.approx(d, abs=1e-6)
        if travel.minutes(d) <= budget:
            expected_covered.append(s)
        assert r.covered == (r.minutes is not None and r.minutes <= budget)
    assert [r.settlement for r in result.covered] == expected_covered
    assert result.covered_count == len(expected_covered)
    assert result.covered_population == sum(s.population for s in expected_covered)
    assert result.population == sum(s.population for s in settlements)
    assert result.covered_population + result.uncovered_population == result.population
    assert result.settlement_count == len(settlements)


def test_coverage_without_responders_or_settlements() -> None:
    settlements = geodata.settlements()
    travel = TravelModel()
    none = coverage(settlements, [], travel, 60.0)
    assert none.covered == ()
    assert none.covered_population == 0
    assert none.uncovered_population == sum(s.population for s in settlements)
    assert all(r.nearest_unit_id is None and r.minutes is None for r in none.uncovered)
    empty = coverage([], _random_responders(random.Random(1), 5), travel, 60.0)
    assert empty.settlement_count == 0
    assert empty.population == 0
    with pytest.raises(ValueError, match="at least one responder"):
        nearest_responders(settlements, [])


def test_coverage_boundaries_and_ties() -> None:
    s = geodata.settlements()[0]
    travel = TravelModel(speed_kmh=60.0, detour_factor=1.0)
    here = coverage([s], [ResponderPoint("a", s.lon, s.lat)], travel, 0.0)
    assert here.covered_count == 1
    assert here.covered[0].distance_km == pytest.approx(0.0, abs=1e-9)
    twins = [
        ResponderPoint("first", s.lon + 0.1, s.lat),
        ResponderPoint("second", s.lon + 0.1, s.lat),
    ]
    tie = coverage([s], twins, travel, 60.0)
    assert tie.covered[0].nearest_unit_id == "first"
    minutes = travel.minutes(haversine_km(s.lon + 0.1, s.lat, s.lon, s.lat))
    assert coverage([s], twins, travel, minutes).covered_count == 1  # exactly the budget
    assert coverage([s], twins, travel, minutes * 0.999).covered_count == 0
    with pytest.raises(ValueError, match="budget"):
        coverage([s], twins, travel, -1.0)
    with pytest.raises(ValueError, match="budget"):
        coverage([s], twins, travel, math.nan)
    with pytest.raises(ValueError, match="lon/lat"):
        ResponderPoint("bad", 10.0, 95.0)
    with pytest.raises(ValueError, match="finite"):
        ResponderPoint("bad", math.nan, 50.0)


def _brute_covered(
    settlements: Sequence[Settlement],
    units: Sequence[ResponderPoint],
    travel: TravelModel,
    budget: float,
) -> set[int]:
    if not units:
        return set()
    return {s.id for s in settlements if travel.minutes(_brute_nearest(s, units)[1]) <= budget}


def test_compare_coverage_matches_brute_force() -> None:
    rng = random.Random(99)
    settlements = geodata.border_settlements().settlements
    travel = TravelModel(speed_kmh=50.0, detour_factor=1.4)
    budget = 25.0
    on_site = [ResponderPoint(f"b{i}", s.lon, s.lat) for i, s in enumerate(settlements[::5])]
    before = [*on_site, *_random_responders(rng, 4)]
    # After: every third on-site unit has left, some new units (say, newly empowered
    # volunteers) stand elsewhere.
    after = [u for i, u in enumerate(on_site) if i % 3] + [
        ResponderPoint(f"v{i}", s.lon, s.lat) for i, s in enumerate(settlements[2::7])
    ]
    result = compare_coverage(before, after, settlements, travel, budget)
    was = _brute_covered(settlements, before, travel, budget)
    now = _brute_covered(settlements, after, travel, budget)
    assert {s.id for s in result.gained} == now - was
    assert {s.id for s in result.lost} == was - now
    pop = {s.id: s.population for s in settlements}
    assert result.gained_population == sum(pop[i] for i in now - was)
    assert result.lost_population == sum(pop[i] for i in was - now)
    assert result.population_delta == sum(pop[i] for i in now) - sum(pop[i] for i in was)
    assert result.population_delta == result.gained_population - result.lost_population
    assert result.count_delta == len(now) - len(was)
    assert result.travel_model == travel.describe()
    assert result.before.travel_model == result.after.travel_model == travel.describe()
    assert now - was
    assert was - now
    assert was & now

    unchanged = compare_coverage(before, before, settlements, travel, budget)
    assert unchanged.gained == unchanged.lost == ()
    assert unchanged.population_delta == 0
    from_nothing = compare_coverage([], after, settlements, travel, budget)
    assert {s.id for s in from_nothing.gained} == now
    to_nothing = compare_coverage(after, [], settlements, travel, budget)
    assert {s.id for s in to_nothing.lost} == now
    assert to_nothing.population_delta == -sum(pop[i] for i in now)
