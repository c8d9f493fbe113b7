from __future__ import annotations

from typing import TYPE_CHECKING

from marchwarden import geodata
from marchwarden.core.access.model import Role
from tests.factories import login, make_user

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from marchwarden.services.context import Services


def test_geodata_as_geojson(client: TestClient, services: Services) -> None:
    make_user(services, "reporter", Role.FIELD_REPORTER)
    headers = login(client, "reporter")
    regions = client.get("/api/v1/geo/regions", headers=headers)
    assert regions.status_code == 200
    assert regions.headers["content-type"].startswith("application/geo+json")
    features = regions.json()["features"]
    assert {f["properties"]["code"] for f in features if f["properties"]["border_region"]} == {
        "RU-BEL",
        "RU-KRS",
        "RU-BRY",
    }
    border = client.get("/api/v1/geo/border", headers=headers).json()
    assert border["type"] == "FeatureCollection" and border["features"]
    assert border["features"][0]["geometry"]["type"] in ("LineString", "MultiLineString")
    settlements = client.get("/api/v1/geo/settlements", headers=headers).json()
    # every bundled settlement (1,207 GeoNames records less 7 duplicates: data/NOTICE.md)
    assert len(settlements["features"]) == len(geodata.settlements()) == 1200
    assert client.get("/api/v1/geo/regions").status_code == 401
