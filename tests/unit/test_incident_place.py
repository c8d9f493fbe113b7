"""An incident's place (core/incidents/place.py): points, polygons, affected settlements."""

from __future__ import annotations

import pytest

from marchwarden.core.geo.distance import haversine_km
from marchwarden.core.geo.model import Settlement
from marchwarden.core.incidents.errors import InvalidPosition
from marchwarden.core.incidents.place import IncidentPlace, PlaceKind


def town(n: int, lon: float, lat: float, population: int = 1000) -> Settlement:
    return Settlement(n, f"town {n}", population, "RU-BEL", "RU", lon, lat)


SQUARE = [[35.5, 50.4], [35.7, 50.4], [35.7, 50.5], [35.5, 50.5]]


def test_a_point_affects_the_settlements_within_the_radius() -> None:
    place = IncidentPlace.point(35.6, 50.45)
    near = town(1, 35.6, 50.5, 500)  # 5.6 km north
    far = town(2, 35.6, 50.7, 700)  # 28 km north
    area = place.affected([near, far], 10)
    assert area.settlements == (near,) and area.population == 500
    assert place.affected([near, far], 30).population == 1200
    assert place.to_geojson() == {"type": "Point", "coordinates": [35.6, 50.45]}


def test_a_polygon_affects_what_is_inside_and_within_the_radius_of_its_edge() -> None:
    place = IncidentPlace.polygon(SQUARE)
    assert place.kind is PlaceKind.POLYGON
    assert place.ring[0] == place.ring[-1]  # closed
    inside = town(1, 35.6, 50.45)
    edge_3km = town(2, 35.6, 50.5 + 3 / 111.2)  # 3 km north of the northern edge
    edge_8km = town(3, 35.7 + 8 / (111.2 * 0.64), 50.45)  # about 8 km east
    assert place.affected([inside, edge_3km, edge_8km], 0).settlements == (inside,)
    assert place.affected([inside, edge_3km, edge_8km], 5).settlements == (inside, edge_3km)
    assert place.affected([inside, edge_3km, edge_8km], 10).count == 3
    # the projection's error is small against the great-circle distance
    east = haversine_km(35.7, 50.45, edge_8km.lon, edge_8km.lat)
    assert 7.8 < east < 8.2


def test_the_reference_point_of_a_concave_polygon_lies_inside_it() -> None:
    horseshoe = [[0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3]]
    place = IncidentPlace.polygon(horseshoe)
    lon, lat = place.reference
    assert not (1 < lon < 2 and lat > 1)  # not in the gap, where the centroid falls


def test_geojson_round_trip() -> None:
    place = IncidentPlace.from_geojson({"type": "Polygon", "coordinates": [SQUARE]})
    assert IncidentPlace.from_geojson(place.to_geojson()) == place


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        ({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}, "Point or Polygon"),
        ({"type": "Point", "coordinates": ["35", 50]}, "must be numbers"),
        ({"type": "Point", "coordinates": [True, 50]}, "must be numbers"),
        ({"type": "Polygon", "coordinates": [SQUARE, SQUARE]}, "holes are not supported"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0]]]}, "three distinct"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2]]]}, "invalid polygon"),
        ({"type": "Point", "coordinates": [181, 0]}, "longitude 181.0"),
    ],
)
def test_bad_geometry_is_refused(geometry: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidPosition, match=message):
        IncidentPlace.from_geojson(geometry)


def test_radius_must_be_a_finite_non_negative_number() -> None:
    with pytest.raises(InvalidPosition, match="radius"):
        IncidentPlace.point(0, 0).affected([], -1)


def test_distances_from_a_point_are_great_circle() -> None:
    place = IncidentPlace.point(35.6, 50.45)
    towns = [town(1, 35.6, 50.45), town(2, 35.6, 50.5), town(3, 36.1, 50.9)]
    km = place.distances_km(towns)
    assert km[0] == 0
    for t, d in zip(towns, km, strict=True):
        assert float(d) == pytest.approx(haversine_km(35.6, 50.45, t.lon, t.lat), abs=1e-9)


def test_distances_from_a_polygon_are_zero_inside_and_to_the_edge_outside() -> None:
    place = IncidentPlace.polygon(SQUARE)
    inside = town(1, 35.6, 50.45)
    north = town(2, 35.6, 50.5 + 3 / 111.2)  # 3 km north of the northern edge
    corner = town(3, 35.75, 50.55)  # beyond the north-east corner
    km = place.distances_km([inside, north, corner])
    assert km[0] == 0
    assert float(km[1]) == pytest.approx(3.0, rel=0.01)
    # beyond a corner: the distance to the corner itself
    assert float(km[2]) == pytest.approx(haversine_km(35.7, 50.5, 35.75, 50.55), rel=0.01)
    # a settlement is affected at a radius just above its distance, not just below
    for t, d in zip([north, corner], km[1:], strict=True):
        assert place.affected([t], float(d) * 1.02).count == 1
        assert place.affected([t], float(d) * 0.98).count == 0
