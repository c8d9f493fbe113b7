"""The sitrep's map of the incident's area: SVG drawn by the server from the bundled
geodata (no tiles), on its own and inside the printable HTML sitreps."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pytest
from lxml import etree

from tests.integration.command_support import KOZINKA, assert_problem, build_world, open_incident
from tests.integration.test_api_sitreps import raid

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from marchwarden.core.clock import FixedClock
    from marchwarden.services.context import Services
    from tests.integration.command_support import World

SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def world(client: TestClient, services: Services) -> World:
    services.settings.token_ttl_seconds = 7 * 86400
    return build_world(client, services)


def parse(svg: str) -> etree._Element:
    return etree.fromstring(svg.encode())


def by_class(root: etree._Element, tag: str, cls: str) -> list[etree._Element]:
    return [e for e in root.iter(SVG_NS + tag) if cls in (e.get("class") or "").split()]


def test_the_incident_map_is_svg_from_the_bundled_geodata(
    client: TestClient, world: World, clock: FixedClock
) -> None:
    r = raid(client, world, clock)
    hq = world.h("hq")
    reply = client.get(f"/api/v1/sitreps/incidents/{r['id']}/map.svg", headers=hq)
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("image/svg+xml")
    root = parse(reply.text)  # well-formed XML, the names escaped
    assert root.tag == SVG_NS + "svg" and root.get("role") == "img"
    title = root.find(SVG_NS + "title")
    assert title is not None and "Grayvoron <incursion>" in (title.text or "")
    sitrep = client.get(f"/api/v1/sitreps/incidents/{r['id']}", headers=hq).json()
    # the place and its affected radius, to scale: the frame is 1.25 radii round the place
    radius_km = sitrep["affected"]["radius_km"]
    assert len(by_class(root, "g", "incident")) == 1
    (circle,) = by_class(root, "circle", "affected-radius")
    width = float(root.get("width") or 0)
    assert math.isclose(float(circle.get("r") or 0), width / 2.5, rel_tol=0.01)
    assert radius_km == 15
    # every affected settlement marked and named
    affected = [s["name"] for s in sitrep["affected"]["settlements"]]
    assert len(by_class(root, "circle", "affected")) == len(affected)
    named = [e.text or "" for e in by_class(root, "text", "affected-name")]
    assert sorted(named) == sorted(affected)
    # the open tasks numbered, the state border (Grayvoron lies on it) and the regions
    assert len(by_class(root, "g", "task")) == len(sitrep["open_tasks"]) == 2
    assert by_class(root, "path", "state-border") and by_class(root, "path", "region-border")
    assert by_class(root, "path", "region-foreign")  # Ukraine across the border
    # in the printable sitrep, as a figure
    html = client.get(f"/api/v1/sitreps/incidents/{r['id']}?format=html", headers=hq).text
    assert "<figure class=area-map><svg" in html and "affected radius" in html


def test_the_region_sitrep_has_a_map_per_incident(
    client: TestClient, world: World, clock: FixedClock
) -> None:
    raid(client, world, clock)
    open_incident(client, world.h("hq"), name="Kozinka <b>drones</b>", where=KOZINKA)
    html = client.get("/api/v1/sitreps/regions/RU-BEL?format=html", headers=world.h("hq")).text
    assert html.count("<figure class=area-map><svg") == 2
    assert "<b>drones</b>" not in html


def test_the_map_is_for_those_who_may_read_the_sitrep(
    client: TestClient, world: World, clock: FixedClock
) -> None:
    r = raid(client, world, clock)
    path = f"/api/v1/sitreps/incidents/{r['id']}/map.svg"
    assert_problem(client.get(path, headers=world.h("kursk")), 403, "forbidden")
    assert_problem(client.get(path, headers=world.h("reporter")), 403, "forbidden")
    assert_problem(
        client.get("/api/v1/sitreps/incidents/999999/map.svg", headers=world.h("hq")),
        404,
        "not-found",
    )
    assert client.get(path).status_code == 401
