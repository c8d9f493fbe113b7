"""The offline base map over the API: the bundled rivers and lakes (GeoJSON, cached), and
a deployment's MBTiles file served as XYZ tiles (a small file the test writes)."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import box, shape
from typer.testing import CliRunner

from marchwarden import geodata
from marchwarden.adapters.mbtiles import BasemapError, MBTiles
from marchwarden.core.access.model import Role
from marchwarden.entrypoints.api.app import create_app
from marchwarden.entrypoints.cli import app as cli_app
from tests.basemap_support import png, tile_colour, write_mbtiles
from tests.conftest import make_settings
from tests.factories import login, make_user
from tests.integration.command_support import assert_problem

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from marchwarden.core.clock import FixedClock
    from marchwarden.services.context import Services


def test_the_bundled_rivers_and_lakes(client: TestClient, services: Services) -> None:
    make_user(services, "reporter", Role.FIELD_REPORTER)
    h = login(client, "reporter")
    reply = client.get("/api/v1/geo/basemap", headers=h)
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/geo+json")
    assert "max-age=86400" in reply.headers["cache-control"]
    doc = reply.json()
    layers = {f["properties"]["layer"] for f in doc["features"]}
    assert layers == {"river", "lake"}
    kinds = {(f["properties"]["layer"], f["geometry"]["type"]) for f in doc["features"]}
    assert kinds <= {("river", "LineString"), ("lake", "Polygon")}
    # clipped to the border regions' area, and covering it
    frame = box(*doc["bbox"])
    border = shapely.union_all([r.geometry for r in geodata.border_regions()])
    assert frame.contains(border)
    rivers = [shape(f["geometry"]) for f in doc["features"]]
    assert all(frame.buffer(1e-6).contains(g) for g in rivers)
    for region in geodata.border_regions():
        assert any(g.intersects(region.geometry) for g in rivers), region.code
    # a few MB at most, as the package ships it
    assert len(reply.content) < 2_000_000
    # the browser asks again with the ETag: 304, no body
    again = client.get("/api/v1/geo/basemap", headers={**h, "If-None-Match": reply.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    changed = client.get("/api/v1/geo/basemap", headers={**h, "If-None-Match": '"other"'})
    assert changed.status_code == 200
    assert client.get("/api/v1/geo/basemap").status_code == 401


@pytest.fixture
def tiles_client(
    database_url: str, tmp_path: Path, clock: FixedClock
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    settings = make_settings(
        database_url, tmp_path, basemap=str(write_mbtiles(tmp_path / "base.mbtiles"))
    )
    with TestClient(create_app(settings, clock=clock)) as client:
        make_user(client.app.state.services, "hq", Role.HQ_COMMANDER)  # type: ignore[attr-defined]
        yield client, login(client, "hq")


def test_an_mbtiles_file_is_served_as_xyz_tiles(
    tiles_client: tuple[TestClient, dict[str, str]],
) -> None:
    client, h = tiles_client
    about = client.get("/api/v1/basemap", headers=h).json()
    assert about == {
        "available": True,
        "format": "png",
        "name": "test base map",
        "attribution": "made by the tests <b>here</b>",
        "minzoom": 0,
        "maxzoom": 3,
        "bounds": [-180.0, -85.0, 180.0, 85.0],
        "tiles": ["/api/v1/basemap/{z}/{x}/{y}"],
    }
    for z, x, y in ((0, 0, 0), (2, 1, 0), (2, 1, 3), (3, 5, 2)):
        reply = client.get(f"/api/v1/basemap/{z}/{x}/{y}", headers=h)
        assert reply.status_code == 200, (z, x, y)
        assert reply.headers["content-type"] == "image/png"
        assert "max-age" in reply.headers["cache-control"]
        assert reply.content == png(tile_colour(z, x, y), 64)  # the row is flipped right
        cached = client.get(
            f"/api/v1/basemap/{z}/{x}/{y}", headers={**h, "If-None-Match": reply.headers["etag"]}
        )
        assert cached.status_code == 304
    assert_problem(client.get("/api/v1/basemap/4/0/0", headers=h), 404, "not-found", "no tile")
    assert_problem(client.get("/api/v1/basemap/2/4/0", headers=h), 422, "invalid", "outside")
    assert client.get("/api/v1/basemap/99/0/0", headers=h).status_code == 422
    assert client.get("/api/v1/basemap/0/0/0").status_code == 401


def test_without_a_base_map_file(client: TestClient, services: Services) -> None:
    make_user(services, "hq", Role.HQ_COMMANDER)
    h = login(client, "hq")
    assert client.get("/api/v1/basemap", headers=h).json()["available"] is False
    assert_problem(client.get("/api/v1/basemap/0/0/0", headers=h), 404, "not-found", "BASEMAP")


def test_a_wrong_file_is_refused_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(BasemapError, match="no such file"):
        MBTiles(tmp_path / "missing.mbtiles")
    (tmp_path / "text.mbtiles").write_text("not a database")
    with pytest.raises(BasemapError, match="not an MBTiles file"):
        MBTiles(tmp_path / "text.mbtiles")
    sqlite3.connect(tmp_path / "empty.mbtiles").close()
    with pytest.raises(BasemapError, match="not an MBTiles file"):
        MBTiles(tmp_path / "empty.mbtiles")
    with pytest.raises(BasemapError, match="tile format 'tiff'"):
        MBTiles(write_mbtiles(tmp_path / "tiff.mbtiles", max_zoom=0, fmt="tiff"))
    # the server does not start on it: the CLI says why (exit status 2)
    result = CliRunner().invoke(
        cli_app,
        ["serve", "--port", "0"],
        env={"MARCHWARDEN_BASEMAP": str(tmp_path / "text.mbtiles")},
    )
    assert result.exit_code == 2
    assert "not an MBTiles file" in " ".join(result.output.split())
