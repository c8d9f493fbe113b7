"""The offline base map in a real browser: the bundled rivers and lakes drawn under the
picture, place names that appear by size as the zoom grows, and a deployment's own MBTiles
file (one the test writes) drawn as the base layer — with no request leaving the server."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.basemap_support import write_mbtiles
from tests.browser.conftest import (
    api_get,
    api_token,
    require_browser,
    require_leaflet,
    screenshot,
    server_env,
    set_view,
    sign_in,
    wait_until,
)
from tests.e2e.conftest import ADMIN_PASSWORD, Server

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from playwright.sync_api import Page

    from tests.browser.conftest import Traffic

    OpenUI = Callable[..., tuple[Page, Traffic]]

pytestmark = pytest.mark.browser

#: the names the page shows: (name, population) of each label
NAMES = """() => [...document.querySelectorAll('.leaflet-placeNames-pane .place-name')]
  .map((e) => e.textContent)"""
#: pairs of shown names whose boxes on the screen overlap (each pair once)
OVERLAPS = """() => {
  const boxes = [...document.querySelectorAll('.leaflet-placeNames-pane .place-name span')]
    .map((e) => [e.textContent, e.getBoundingClientRect()]);
  const out = [];
  for (let i = 0; i < boxes.length; i += 1) {
    for (let j = i + 1; j < boxes.length; j += 1) {
      const [a, r] = boxes[i]; const [b, q] = boxes[j];
      const apart = r.right <= q.left || q.right <= r.left
        || r.bottom <= q.top || q.bottom <= r.top;
      if (!apart) out.push([a, b]);
    }
  }
  return out;
}"""
#: tiles drawn: each tile canvas of the base map pane that a fetched tile was drawn on
TILES = """() => document.querySelectorAll(
  '.leaflet-basemapTiles-pane canvas.leaflet-tile[data-drawn="true"]').length"""


@pytest.fixture(scope="module")
def tiled_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose MARCHWARDEN_BASEMAP names a small MBTiles file of the border area."""
    require_browser()
    require_leaflet()
    tmp: Path = tmp_path_factory.mktemp("basemap-server")
    mbtiles = write_mbtiles(tmp / "border.mbtiles", max_zoom=8, bbox=(30.0, 49.0, 41.0, 55.0))
    env = server_env(tmp)
    env["MARCHWARDEN_BASEMAP"] = str(mbtiles)
    srv = Server(env=env, log_path=tmp / "server.log")
    made = srv.cli(
        "users", "add", "admin", "--role", "admin", "--password-stdin", stdin=ADMIN_PASSWORD + "\n"
    )
    assert made.returncode == 0, made.stdout + made.stderr
    srv.start()
    yield srv
    srv.stop()


def count(page: Page, selector: str) -> int:
    result: int = page.evaluate("(s) => document.querySelectorAll(s).length", selector)
    return result


def in_view(page: Page, settlements: list[dict[str, Any]], least: int) -> set[str]:
    """The names of the settlements inside the map's view (and a fifth of it round about,
    as the page names them) with at least ``least`` people."""
    bounds = page.evaluate(
        "() => { const b = window.marchwarden.map.getMap().getBounds().pad(0.2);"
        " return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }"
    )
    w, s, e, n = bounds
    return {
        f["properties"]["name"]
        for f in settlements
        if f["properties"]["population"] >= least
        and w <= f["geometry"]["coordinates"][0] <= e
        and s <= f["geometry"]["coordinates"][1] <= n
    }


def zoom_to(page: Page, lat: float, lon: float, zoom: float) -> None:
    set_view(page, lat, lon, zoom)
    page.wait_for_timeout(300)


def test_the_bundled_base_map_and_names_by_size(tiled_server: Server, open_ui: OpenUI) -> None:
    page, traffic = open_ui(tiled_server, {"width": 1600, "height": 1000})
    sign_in(page, tiled_server)
    page.wait_for_selector("#map[data-loaded='true']")
    token = api_token(tiled_server)
    basemap = api_get(tiled_server, token, "/geo/basemap")["features"]
    settlements = api_get(tiled_server, token, "/geo/settlements")["features"]
    rivers = [f for f in basemap if f["properties"]["layer"] == "river"]
    lakes = [f for f in basemap if f["properties"]["layer"] == "lake"]
    assert rivers and lakes
    assert count(page, ".leaflet-water-pane path.basemap-river") == len(rivers)
    assert count(page, ".leaflet-water-pane path.basemap-lake") == len(lakes)
    # water lies above the regions' fills and below the state border
    z = "(p) => Number(getComputedStyle(document.querySelector(p)).zIndex)"
    panes = [".leaflet-regions-pane", ".leaflet-water-pane", ".leaflet-stateBorder-pane"]
    assert [page.evaluate(z, p) for p in panes] == sorted(page.evaluate(z, p) for p in panes)

    # at the overview only the large places are named; zoomed in, the small ones too
    overview = set(page.evaluate(NAMES))
    least = page.evaluate(
        "async () => (await import('/ui/basemap.js'))"
        ".namesFrom(window.marchwarden.map.getMap().getZoom())"
    )
    assert overview and overview <= in_view(page, settlements, least)
    assert "Grayvoron" not in overview
    # no name is written over another; a larger place's name wins
    assert page.evaluate(OVERLAPS) == []
    assert {"Belgorod", "Kursk", "Kharkiv"} <= overview
    screenshot(page, "basemap-overview-1600x1000")
    zoom_to(page, 50.48, 35.66, 10)
    wait_until(page, f"() => ({NAMES})().includes('Grayvoron')")
    close = set(page.evaluate(NAMES))
    assert "Grayvoron" in close
    assert close <= in_view(page, settlements, 3000) and len(close) <= 350
    assert page.evaluate(OVERLAPS) == []
    screenshot(page, "basemap-grayvoron-zoom10-1600x1000")

    # the deployment's own tiles are drawn as the base layer, fetched from the server
    overlays = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    labels = [t.strip() for t in overlays]
    assert "Base map" in labels and "Rivers and lakes" in labels and "Place names" in labels
    zoom_to(page, 50.9, 36.0, 7)
    wait_until(page, f"() => ({TILES})() > 0")
    assert any("/api/v1/basemap/7/" in u for u in traffic.requests)
    # the file's attribution is shown as text, never as markup
    attribution = page.locator(".leaflet-control-attribution")
    assert "made by the tests <b>here</b>" in attribution.inner_text()
    assert attribution.locator("b").count() == 0
    page.get_by_role("checkbox", name="Base map").uncheck()
    assert count(page, ".leaflet-basemapTiles-pane canvas") == 0
    page.get_by_role("checkbox", name="Place names").uncheck()
    assert count(page, ".leaflet-placeNames-pane .place-name") == 0
    page.get_by_role("checkbox", name="Place names").check()
    assert count(page, ".leaflet-placeNames-pane .place-name") > 0
    assert traffic.foreign() == []


#: the settlement dots as drawn: how many, the largest radius and the largest fill opacity
SETTLEMENT_DOTS = """() => {
  const found = { count: 0, radius: 0, opacity: 0 };
  window.marchwarden.map.getLayer('Settlements').eachLayer((dot) => {
    found.count += 1;
    found.radius = Math.max(found.radius, dot.options.radius);
    found.opacity = Math.max(found.opacity, dot.options.fillOpacity);
  });
  return found;
}"""

#: each region's fill colour, fill opacity and outline width as drawn
REGION_PATHS = """() => [...document.querySelectorAll('.leaflet-regions-pane path')]
  .map((p) => [p.getAttribute('fill'), Number(p.getAttribute('fill-opacity')),
               Number(p.getAttribute('stroke-width'))])"""


def test_region_fills_are_muted_and_the_border_regions_outlined(
    tiled_server: Server, open_ui: OpenUI
) -> None:
    """The border regions' fill, laid over white, stays a light tint (every channel at
    least 190 of 255; the saturated mustard of before was 148 in blue), and their heavy
    outline is what marks them out."""
    page, _ = open_ui(tiled_server, {"width": 1280, "height": 800})
    sign_in(page, tiled_server)
    page.wait_for_selector("#map[data-loaded='true']")
    palette = page.evaluate("async () => (await import('/ui/palette.js')).PALETTE")
    paths = page.evaluate(REGION_PATHS)
    border = palette["borderRegion"]["fill"].lower()
    drawn = [p for p in paths if (p[0] or "").lower() == border]
    assert drawn, paths
    for fill, opacity, width in drawn:
        rgb = [int(fill[i : i + 2], 16) for i in (1, 3, 5)]
        over_white = [opacity * c + (1 - opacity) * 255 for c in rgb]
        assert min(over_white) >= 190, (fill, opacity, over_white)
        assert width >= 2.5
    others = [p for p in paths if (p[0] or "").lower() != border]
    assert others and all(width < 2.5 for _f, _o, width in others)
    # and the settlements are light grey dots, none larger than 9 px (they were 14 px
    # and nearly black, and buried eastern Ukraine at the overview)
    dots = page.evaluate(SETTLEMENT_DOTS)
    assert dots["count"] > 1000 and dots["radius"] <= 9 and dots["opacity"] <= 0.6, dots
