"""Symbology a duty officer knows (issue 13): units as MIL-STD-2525 / APP-6 symbols
(milsymbol) with the plain symbols as the Key's option, units close together grouped with
their count at low zoom, callsigns at high zoom, incidents above the units and larger by
severity with a halo while active, and hover labels wide enough to read."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser.conftest import api_get, api_token, screenshot, set_view, wait_until
from tests.browser.test_boards import (  # noqa: F401 (registry is a fixture)
    colour_at,
    open_units,
    post,
    registry,
)
from tests.browser.test_ui import delta_e

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page

    from tests.browser.conftest import Traffic
    from tests.e2e.conftest import Server

    OpenUI = Callable[..., tuple[Page, Traffic]]

pytestmark = pytest.mark.browser


def regroup(page: Page, on: bool) -> None:
    page.evaluate(
        """(on) => new Promise((done) => {
            localStorage.setItem('marchwarden.groupUnits', on ? 'on' : 'off');
            window.dispatchEvent(new CustomEvent('marchwarden:unit-symbols'));
            requestAnimationFrame(() => requestAnimationFrame(done));
        })""",
        on,
    )


def hex_rgb(h: str) -> list[int]:
    return [int(h[i : i + 2], 16) for i in (1, 3, 5)]


def test_units_are_military_symbols_grouped_when_zoomed_out_with_callsigns_zoomed_in(
    registry: tuple[Server, dict[str, int]],  # noqa: F811
    open_ui: OpenUI,
) -> None:
    srv, ids = registry
    token = api_token(srv)
    # twelve more volunteer platoons round one village: a blot at overview without grouping
    for n in range(12):
        post(
            srv,
            token,
            "/units",
            {
                "code": f"BEL-PLT-{n}",
                "name": f"Platoon {n}",
                "agency_id": ids["bel_vsd"],
                "category": "platoon",
                "region": "RU-BEL",
                "home": {"lon": 36.0 + 0.002 * n, "lat": 50.8 + 0.002 * (n % 3)},
            },
        )
    page, _ = open_ui(srv)
    total = open_units(page, srv)  # grouping off: every unit on its own
    assert total == len(api_get(srv, token, "/units"))
    look = page.evaluate("() => window.marchwarden.units.look()")
    assert look["style"] == "app6"

    # the army garrison, available, alone at zoom 10: its frame is filled with the 2525 green
    # (milsymbol's sprite), not the plain symbol's; the Key's option brings the plain one back
    army = api_get(srv, token, f"/units/{ids['army_bel']}")
    set_view(page, army["home"]["lat"], army["home"]["lon"], 10)
    layers = page.locator(".leaflet-control-layers")
    for name in ("Settlements", "Regions", "State border"):
        layers.get_by_role("checkbox", name=name).uncheck()
    at = wait_until(page, "(id) => window.marchwarden.units.drawnAt(id)", ids["army_bel"])
    png = Path(screenshot(page, "units-app6")).read_bytes()
    assert delta_e(colour_at(page, png, {**at, "r": at["r"] * 0.6}), hex_rgb("#3DAA85")) < 12
    page.get_by_role("tab", name="Key").click()
    page.get_by_label("Plain shapes with a letter").check()
    page.wait_for_timeout(100)
    at = wait_until(page, "(id) => window.marchwarden.units.drawnAt(id)", ids["army_bel"])
    png = Path(screenshot(page, "units-plain")).read_bytes()
    assert delta_e(colour_at(page, png, at), hex_rgb("#009E73")) < 12
    assert page.evaluate("() => localStorage.getItem('marchwarden.unitSymbols')") == "plain"
    page.get_by_label("Military symbols (MIL-STD-2525 / APP-6)").check()

    # at overview with grouping on: the platoons are one group with their count, which says
    # what it holds on hover and zooms in on a click
    regroup(page, True)
    set_view(page, 50.8, 36.0, 7)
    groups: list[dict[str, Any]] = wait_until(page, "() => window.marchwarden.units.groups()")
    big = max(groups, key=lambda g: g["count"])
    assert big["count"] >= 12
    assert page.evaluate("() => window.marchwarden.units.look().clustered")
    page.mouse.move(big["x"], big["y"])
    label = page.locator(".leaflet-tooltip.unit-label")
    label.wait_for()
    assert f"{big['count']} units here" in label.inner_text()
    page.mouse.click(big["x"], big["y"])
    wait_until(page, "() => window.marchwarden.map.getMap().getZoom() > 7")
    screenshot(page, "units-grouped")

    # zoomed in: no groups, every platoon on its own, its callsign written beside it
    set_view(page, 50.802, 36.011, 13)
    wait_until(page, "() => window.marchwarden.units.look().labelled")
    assert page.evaluate("() => window.marchwarden.units.groups().length") == 0
    plt = [u for u in api_get(srv, token, "/units") if u["code"].startswith("BEL-PLT-")]
    for u in plt:
        assert page.evaluate("(id) => window.marchwarden.units.drawnAt(id)", u["id"]), u["code"]
    # the callsign's dark ink is right of the symbol, where nothing else is drawn
    at = page.evaluate("(id) => window.marchwarden.units.drawnAt(id)", plt[-1]["id"])
    png = Path(screenshot(page, "units-callsigns")).read_bytes()
    ink = page.evaluate(
        """([png, x, y, w]) => new Promise((done) => {
            const img = new Image();
            img.onload = () => {
                const c = document.createElement('canvas');
                c.width = img.width; c.height = img.height;
                const g = c.getContext('2d');
                g.drawImage(img, 0, 0);
                const d = g.getImageData(Math.round(x), Math.round(y) - 6, w, 12).data;
                let dark = 0;
                for (let i = 0; i < d.length; i += 4) {
                    if (d[i] + d[i + 1] + d[i + 2] < 200) dark += 1;
                }
                done(dark);
            };
            img.src = 'data:image/png;base64,' + png;
        })""",
        [
            base64.b64encode(png).decode(),
            at["x"] + at["r"] * 1.6 + 3,
            at["y"],
            60,
        ],
    )
    assert ink > 20

    # the hover label is wide: its first line (name and code) is not broken word by word
    page.mouse.move(at["x"], at["y"])
    label.wait_for()
    box = label.bounding_box()
    assert box is not None and box["width"] > 180, box
    lines = label.inner_text().split("\n")
    line_height = 1.35 * 14
    assert box["height"] < (len(lines) + 1.5) * line_height, (box, lines)


def test_incidents_lie_over_units_sized_by_severity_with_a_halo_while_active(
    registry: tuple[Server, dict[str, int]],  # noqa: F811
    open_ui: OpenUI,
) -> None:
    srv, ids = registry
    token = api_token(srv)
    bn = api_get(srv, token, f"/units/{ids['krs_bn']}")["home"]
    made = {}
    for i, severity in enumerate(["minor", "extreme"]):
        made[severity] = post(
            srv,
            token,
            "/incidents",
            {
                "name": f"Symbol check {severity}",
                "incident_type": "mob_violence",
                "severity": severity,
                "place": {"type": "Point", "coordinates": [bn["lon"] + 0.06 * i, bn["lat"]]},
            },
        )["id"]
    inc = made["extreme"]
    for step in ("verified", "active"):
        post(srv, token, f"/incidents/{inc}/transition", {"to": step})
    page, _ = open_ui(srv)
    open_units(page, srv)
    page.get_by_role("tab", name="Incidents").click()
    set_view(page, bn["lat"], bn["lon"] + 0.03, 11)
    minor = wait_until(page, "(id) => window.marchwarden.incidents.drawnAt(id)", made["minor"])
    extreme = wait_until(page, "(id) => window.marchwarden.incidents.drawnAt(id)", inc)
    assert extreme["look"].endswith("active")
    assert extreme["r"] >= 1.5 * minor["r"]
    png = Path(screenshot(page, "incident-halo")).read_bytes()
    # the halo: the severity's colour (translucent) well outside the symbol itself
    halo = colour_at(page, png, {"x": extreme["x"] + extreme["r"] * 1.7, "y": extreme["y"], "r": 2})
    background = [0xE9, 0xED, 0xF1]
    assert delta_e(halo, background) > 8, halo
    plain = colour_at(page, png, {"x": minor["x"] + minor["r"] * 1.7, "y": minor["y"], "r": 2})
    assert delta_e(plain, halo) > 8, (plain, halo)


#: An animated zoom in by one level (map.zoomIn, as the + button and the wheel do): what the
#: layers had done in the task that ends the animation (at `zoomend`, counted in frames of
#: the two canvas layers), what was shown then, and the same once nothing is left to draw.
ZOOM_IN_ANIMATED = """() => new Promise((done) => {
  const m = window.marchwarden;
  const map = m.map.getMap();
  const units = m.units.layer();
  const incidents = m.incidents.layer();
  const names = map.getPane('placeNames');
  const before = { units: units.frames, incidents: incidents.frames };
  const state = () => ({
    unitFrames: units.frames - before.units,
    incidentFrames: incidents.frames - before.incidents,
    unitsVisible: getComputedStyle(units._canvas).visibility,
    incidentsVisible: getComputedStyle(incidents._canvas).visibility,
    namesDisplay: getComputedStyle(names).display,
    names: names.querySelectorAll('.place-name').length,
    settling: Boolean(m.map.settling?.()),
    zoom: map.getZoom(),
  });
  map.once('zoomend', () => {
    const atEnd = state();
    const wait = () => {
      if (m.map.settling?.()) requestAnimationFrame(wait);
      else done({ atEnd, after: state() });
    };
    requestAnimationFrame(wait);
  });
  map.zoomIn(1);
})"""


def test_an_animated_zoom_draws_the_symbols_in_the_frames_after_its_end(
    registry: tuple[Server, dict[str, int]],  # noqa: F811
    open_ui: OpenUI,
) -> None:
    srv, ids = registry
    token = api_token(srv)
    bn = api_get(srv, token, f"/units/{ids['krs_bn']}")["home"]
    incident = post(
        srv,
        token,
        "/incidents",
        {
            "name": "Zoom check",
            "incident_type": "mob_violence",
            "severity": "severe",
            "place": {"type": "Point", "coordinates": [bn["lon"] + 0.05, bn["lat"]]},
        },
    )["id"]
    page, _ = open_ui(srv)
    open_units(page, srv)
    set_view(page, bn["lat"], bn["lon"] + 0.02, 9)
    wait_until(page, "(id) => window.marchwarden.units.drawnAt(id)", ids["krs_bn"])
    wait_until(page, "(id) => window.marchwarden.incidents.drawnAt(id)", incident)

    got = page.evaluate(ZOOM_IN_ANIMATED)
    end, after = got["atEnd"], got["after"]
    # the end of the animation drew nothing and showed no symbols at the old zoom's places:
    # the canvases are hidden, the place names out of the page, the work still waiting
    assert (end["unitFrames"], end["incidentFrames"]) == (0, 0), end
    assert end["settling"], end
    assert (end["unitsVisible"], end["incidentsVisible"], end["namesDisplay"]) == (
        "hidden",
        "hidden",
        "none",
    ), end
    # in the frames after it: one whole frame of each layer, shown, and the names back
    assert after["zoom"] == 10
    assert (after["unitFrames"], after["incidentFrames"]) == (1, 1), after
    assert (after["unitsVisible"], after["incidentsVisible"]) == ("visible", "visible"), after
    assert after["namesDisplay"] != "none" and after["names"] > 0, after
    # each symbol where the new zoom puts it (the map's own projection, in page pixels)
    expected = page.evaluate(
        """([units, incidents]) => {
            const map = window.marchwarden.map.getMap();
            const box = map.getContainer().getBoundingClientRect();
            return [units, incidents].map(([lat, lon]) => {
                const p = map.latLngToContainerPoint([lat, lon]);
                return { x: p.x + box.left, y: p.y + box.top };
            });
        }""",
        [[bn["lat"], bn["lon"]], [bn["lat"], bn["lon"] + 0.05]],
    )
    unit_at = page.evaluate("(id) => window.marchwarden.units.drawnAt(id)", ids["krs_bn"])
    incident_at = page.evaluate("(id) => window.marchwarden.incidents.drawnAt(id)", incident)
    for drawn_at, want in zip((unit_at, incident_at), expected, strict=True):
        assert drawn_at is not None
        assert abs(drawn_at["x"] - want["x"]) < 1.5 and abs(drawn_at["y"] - want["y"]) < 1.5, (
            drawn_at,
            want,
        )
