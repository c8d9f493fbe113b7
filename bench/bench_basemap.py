"""The offline base map and the sitrep map: the bundled file's size, serving it (and a
304), tiles from an MBTiles file, and drawing an incident's area as SVG — in process,
through FastAPI's TestClient (no network), a few seconds in all.

    .venv/bin/python bench/bench_basemap.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient
from tests.basemap_support import write_mbtiles

from bench._machine import describe_machine
from marchwarden import geodata
from marchwarden.adapters.db.engine import create_engine
from marchwarden.adapters.db.migrate import upgrade
from marchwarden.core.access.model import Role, Scope
from marchwarden.core.incidents.place import IncidentPlace
from marchwarden.entrypoints.api.app import create_app
from marchwarden.services import accounts
from marchwarden.services.incidents import affected_settlements
from marchwarden.services.sitreps import incident_area_map
from marchwarden.settings import Settings


def timed(fn: Any, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def summary(ms: list[float]) -> str:
    ms = sorted(ms)
    return f"median {statistics.median(ms):.2f} ms, p99 {ms[int(len(ms) * 0.99) - 1]:.2f} ms"


def main() -> None:
    print(f"machine: {describe_machine()}")
    raw = geodata.basemap_bytes()
    layers = [layer for layer, _ in geodata.basemap_geometries()]
    print(
        f"basemap.geojson: {len(raw):,} bytes, {layers.count('river')} rivers, "
        f"{layers.count('lake')} lakes"
    )
    with tempfile.TemporaryDirectory() as d:
        url = f"sqlite:///{Path(d) / 'b.db'}"
        engine = create_engine(url)
        upgrade(engine)
        engine.dispose()
        t0 = time.perf_counter()
        mb = write_mbtiles(Path(d) / "b.mbtiles", max_zoom=9, bbox=(30.0, 49.0, 41.0, 55.0))
        print(
            f"test MBTiles (zooms 0-9 of the border area): {mb.stat().st_size:,} bytes, "
            f"written in {time.perf_counter() - t0:.1f} s"
        )
        settings = Settings(
            _env_file=None,
            database_url=url,
            audit_anchor_path=str(Path(d) / "a.anchor"),
            basemap=str(mb),
            argon2_time_cost=1,
            argon2_memory_kib=1024,
        )
        with TestClient(create_app(settings)) as client:
            svc = client.app.state.services  # type: ignore[attr-defined]
            accounts.create_user(
                svc,
                None,
                username="bench",
                display_name="bench",
                password="bench-password-1",  # noqa: S106
                role=Role.HQ_COMMANDER,
                scope=Scope.all(),
            )
            token = client.post(
                "/api/v1/auth/login", json={"username": "bench", "password": "bench-password-1"}
            ).json()["access_token"]
            h = {"Authorization": f"Bearer {token}"}
            etag = client.get("/api/v1/geo/basemap", headers=h).headers["etag"]
            full = timed(lambda: client.get("/api/v1/geo/basemap", headers=h), 200)
            again = timed(
                lambda: client.get("/api/v1/geo/basemap", headers={**h, "If-None-Match": etag}),
                200,
            )
            tile = timed(lambda: client.get("/api/v1/basemap/8/150/85", headers=h), 500)
            print(f"GET /geo/basemap (200, {len(raw):,} bytes): {summary(full)}")
            print(f"GET /geo/basemap with If-None-Match (304): {summary(again)}")
            print(f"GET /basemap/8/150/85 (a tile): {summary(tile)}")
    place = IncidentPlace.point(35.66, 50.48)
    incident = SimpleNamespace(
        id=1,
        name="Grayvoron incursion",
        place=place,
        radius_km=15.0,
        affected=affected_settlements(place, 15.0),
    )
    svg = incident_area_map(incident)  # type: ignore[arg-type]
    draw = timed(lambda: incident_area_map(incident), 50)  # type: ignore[arg-type]
    print(f"sitrep map of Grayvoron, 15 km ({len(svg):,} bytes of SVG): {summary(draw)}")


if __name__ == "__main__":
    main()
