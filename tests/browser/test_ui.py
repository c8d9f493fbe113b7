"""The common operating picture in a real browser: sign-in, the map, the live stream with
resume, the role's view, keyboard use, and a page that asks nothing of other hosts."""

from __future__ import annotations

import base64
import re
import signal
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import (
    HD,
    api_get,
    api_token,
    create_user,
    screenshot,
    sign_in,
    wait_until,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page

    from tests.browser.conftest import Traffic
    from tests.e2e.conftest import Server

    OpenUI = Callable[..., tuple[Page, Traffic]]

pytestmark = pytest.mark.browser

HQ_ZONE = ZoneInfo("Europe/Moscow")
LAYERS = [
    "Regions",
    "State border",
    "Settlements",
    "Rivers and lakes",
    "Place names",
    "Incidents",
    "Units",
    "Alert areas",
    "Reports",
]

#: records each state the connection indicator shows, from now on
WATCH_CONNECTION = """() => {
  const box = document.querySelector('#connection');
  window.__states = [box.dataset.state];
  new MutationObserver(() => window.__states.push(box.dataset.state))
    .observe(box, { attributes: true, attributeFilter: ['data-state'] });
  window.__sameDocument = true;
}"""


#: put the keyboard's starting point at the top of the page, as a fresh load does
FROM_THE_TOP = """() => { document.activeElement.blur(); document.body.tabIndex = -1;
  document.body.focus(); document.body.removeAttribute('tabindex'); }"""


def count(page: Page, selector: str) -> int:
    result: int = page.evaluate("(s) => document.querySelectorAll(s).length", selector)
    return result


#: the settlements on the map (circles on the settlements' canvas, while their layer is on)
SETTLEMENTS_DRAWN = """() => {
  const m = window.marchwarden.map;
  const group = m.getLayer('Settlements');
  return m.getMap().hasLayer(group) ? group.getLayers().filter((c) => c._map).length : 0;
}"""


#: the page point of the first vertex of the state border (in view) where what the browser
#: finds under the pointer is the border's dashed line: nothing above it takes the pointer
DASH_UNDER_POINTER = """(geometries) => {
  const map = window.marchwarden.map.getMap();
  const box = map.getContainer().getBoundingClientRect();
  for (const g of geometries) {
    const lines = g.type === 'MultiLineString' ? g.coordinates : [g.coordinates];
    for (const line of lines) {
      for (const [lon, lat] of line) {
        const p = map.latLngToContainerPoint([lat, lon]);
        const x = box.left + p.x;
        const y = box.top + p.y;
        if (document.elementFromPoint(x, y)?.classList.contains('state-border-line')) return [x, y];
      }
    }
  }
  return null;
}"""


def pointer_at(page: Page, lon: float, lat: float) -> None:
    """Move the mouse to a place on the map (its pixel in the view, as a person would)."""
    at = page.evaluate(
        """([lat, lon]) => {
          const map = window.marchwarden.map.getMap();
          const p = map.latLngToContainerPoint([lat, lon]);
          const box = map.getContainer().getBoundingClientRect();
          return [box.left + p.x, box.top + p.y];
        }""",
        [lat, lon],
    )
    page.mouse.move(at[0], at[1])


def largest_alone(page: Page, settlements: list[dict[str, Any]]) -> dict[str, Any]:
    """The most populous settlement well inside the view (clear of the layer control) with
    no other within 30 px (whose circle could lie over it)."""
    points = page.evaluate(
        """(coords) => {
          const map = window.marchwarden.map.getMap();
          const size = map.getSize();
          return coords.map(([lon, lat]) => {
            const p = map.latLngToContainerPoint([lat, lon]);
            return [p.x, p.y, p.x > 40 && p.x < size.x - 280 && p.y > 40 && p.y < size.y - 60];
          });
        }""",
        [f["geometry"]["coordinates"] for f in settlements],
    )
    alone = [
        (f, p)
        for f, p in zip(settlements, points, strict=True)
        if p[2] and all((p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2 > 900 for q in points if q is not p)
    ]
    assert alone
    return max(alone, key=lambda fp: fp[0]["properties"]["population"])[0]


def event_row(page: Page, username: str) -> Any:
    return page.locator("#event-log li[data-type='UserCreated']", has_text=username)


def wait_for_state(page: Page, *states: str, timeout_s: float = 30) -> None:
    wait_until(
        page,
        "(states) => states.includes(document.querySelector('#connection').dataset.state)",
        list(states),
        timeout_s,
    )


def wait_for_sequence(page: Page, *states: str, timeout_s: float = 30) -> None:
    """Wait until the indicator has shown ``states`` in this order (others may come between)."""
    wait_until(
        page,
        """(wanted) => { let i = 0;
             for (const s of window.__states) if (s === wanted[i]) i += 1;
             return i === wanted.length; }""",
        list(states),
        timeout_s,
    )


def test_sign_in_and_the_map(server: Server, open_ui: OpenUI) -> None:
    page, traffic = open_ui(server)
    page.goto(server.url + "/")
    page.wait_for_selector("#signin-form")
    assert page.locator("#workspace").is_hidden()
    screenshot(page, "signin-1366x768")

    # a wrong password is refused in plain words, and nothing is shown
    page.fill("#signin-username", "admin")
    page.fill("#signin-password", "not-the-password")
    page.click("#signin-submit")
    error = page.locator("#signin-error")
    error.wait_for(state="visible")
    wait_until(page, "() => document.querySelector('#signin-error').textContent.length > 0")
    assert "wrong username or password" in error.inner_text().lower()
    assert page.locator("#workspace").is_hidden()

    sign_in(page, server)
    assert page.inner_text("#who-name") == "admin"
    assert page.inner_text("#who-role") == "Administrator"
    assert page.inner_text("#who-scope") == "all regions"
    page.wait_for_selector("#map[data-loaded='true']")

    token = api_token(server)
    regions = api_get(server, token, "/geo/regions")["features"]
    border = api_get(server, token, "/geo/border")["features"]
    settlements = api_get(server, token, "/geo/settlements")["features"]
    assert count(page, ".leaflet-regions-pane path") == len(regions)
    # each border line is drawn twice: a white halo, then the black dashes
    assert count(page, ".leaflet-stateBorder-pane path") == 2 * len(border)
    assert count(page, ".leaflet-stateBorder-pane path.state-border-line") == len(border)
    # the settlements are circles on one canvas, not an SVG element each
    assert count(page, ".leaflet-settlements-pane canvas") == 1
    assert count(page, ".leaflet-settlements-pane path") == 0
    assert page.evaluate(SETTLEMENTS_DRAWN) == len(settlements)
    labels = page.locator(".leaflet-tooltip.region-label-border").all_text_contents()
    assert sorted(labels) == sorted(
        f["properties"]["name"] for f in regions if f["properties"]["border_region"]
    )

    # the pointer over the largest settlement names it with its population (the canvas
    # lets the pointer through: the state border under it keeps its own hover)
    largest = largest_alone(page, settlements)
    named = f"{largest['properties']['name']} — {largest['properties']['population']:,} people"
    place = page.locator(".leaflet-tooltip.hover-label", has_text=" people")
    pointer_at(page, *largest["geometry"]["coordinates"])
    assert place.inner_text() == named
    page.mouse.move(5, 5)  # off the map: the label goes
    place.wait_for(state="detached")
    # a point of the border where a dash is drawn (the gaps let the pointer through)
    on_border = page.evaluate(DASH_UNDER_POINTER, [f["geometry"] for f in border])
    assert on_border, "no dash of the state border under any of its vertices in view"
    page.mouse.move(*on_border)
    state_border = page.locator(".leaflet-tooltip.hover-label", has_text="State border")
    assert re.fullmatch(r"State border \S+, [\d,]+ km", state_border.inner_text())

    # layers switch on and off
    labels = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert [t.strip() for t in labels] == LAYERS
    settlements_box = page.get_by_role("checkbox", name="Settlements")
    settlements_box.uncheck()
    assert page.evaluate(SETTLEMENTS_DRAWN) == 0
    pointer_at(page, *largest["geometry"]["coordinates"])
    page.wait_for_timeout(100)
    assert place.count() == 0
    settlements_box.check()
    assert page.evaluate(SETTLEMENTS_DRAWN) == len(settlements)
    page.mouse.move(5, 5)
    pointer_at(page, *largest["geometry"]["coordinates"])
    assert place.inner_text() == named

    # the later layers are there for the boards to fill: Incidents and Units hold their
    # boards' canvas layers (nothing registered here), Alert areas and Reports are empty
    assert page.evaluate("window.marchwarden.map.layerNames()") == LAYERS
    sizes = "(names) => names.map(n => window.marchwarden.map.getLayer(n).getLayers().length)"
    assert page.evaluate(sizes, LAYERS[5:]) == [1, 1, 0, 0]
    assert page.evaluate("window.marchwarden.units.units.size") == 0

    # 1366×768 fits: no scrolling, the header on one line
    assert page.evaluate("document.documentElement.scrollWidth") <= HD["width"]
    assert page.evaluate("document.documentElement.scrollHeight") <= HD["height"]
    assert page.evaluate("document.querySelector('.topbar').getBoundingClientRect().height") < 70
    screenshot(page, "map-1366x768")

    # and a large HQ screen
    page.set_viewport_size({"width": 2560, "height": 1440})
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.scrollWidth") <= 2560
    assert page.evaluate("document.querySelector('#map').getBoundingClientRect().width") > 1800
    screenshot(page, "map-2560x1440")

    # every request went to the server, Leaflet included
    assert server.url + "/vendor/leaflet/leaflet-src.esm.js" in traffic.requests
    assert server.url + "/api/v1/geo/settlements" in traffic.requests
    assert traffic.websockets == [server.ws_url + "/api/v1/stream"]
    # the batched, compact stream: a message per wake-up, positions as rows (docs/api.md)
    assert [(q["batch"], q["compact"]) for q in traffic.websocket_queries] == [("1", "1")]
    assert traffic.foreign() == []


def test_events_arrive_live_with_hq_time(server: Server, open_ui: OpenUI) -> None:
    page, _ = open_ui(server)
    sign_in(page, server)
    page.evaluate(WATCH_CONNECTION)
    wait_for_state(page, "live")
    token = api_token(server)

    made = create_user(server, token, "live-one")
    row = event_row(page, "live-one")
    row.wait_for()
    assert page.evaluate("window.__sameDocument") is True  # no reload
    assert row.locator(".event-type").inner_text() == "User created"

    stamp = row.locator("time")
    instant = datetime.fromisoformat(stamp.get_attribute("datetime") or "")
    assert abs((instant - datetime.fromisoformat(made["created_at"])).total_seconds()) < 5
    hq = instant.astimezone(HQ_ZONE)
    assert hq.strftime("%H:%M:%S") in stamp.inner_text()
    assert stamp.get_attribute("title") == instant.strftime("%Y-%m-%d %H:%M:%S UTC")
    assert page.inner_text("#hq-clock").startswith("HQ ")

    # while another board is shown, the Events tab counts what arrived
    page.get_by_role("tab", name="Key").click()
    create_user(server, token, "live-two")
    wait_until(page, "() => document.querySelector('#tab-events .tab-badge').textContent === '1'")
    page.get_by_role("tab", name=re.compile("Events")).click()
    event_row(page, "live-two").wait_for()
    assert page.locator("#tab-events .tab-badge").is_hidden()
    screenshot(page, "events-live")


def test_reconnects_after_the_socket_drops(server: Server, open_ui: OpenUI) -> None:
    page, traffic = open_ui(server)
    sign_in(page, server)
    page.evaluate(WATCH_CONNECTION)
    wait_for_state(page, "live")
    token = api_token(server)
    create_user(server, token, "before-drop")
    event_row(page, "before-drop").wait_for()

    page.evaluate("window.marchwarden.stream.socket.close()")
    wait_for_sequence(page, "reconnecting", "catching-up", "caught-up")
    resumed_from = page.evaluate("window.marchwarden.stream.lastEventId")

    create_user(server, token, "after-drop")
    event_row(page, "after-drop").wait_for()
    assert page.evaluate("window.__sameDocument") is True
    assert page.evaluate("window.marchwarden.stream.lastEventId") > resumed_from
    assert len(traffic.websockets) == 2
    # each event once
    for name in ("before-drop", "after-drop"):
        assert event_row(page, name).count() == 1


def test_catches_up_with_events_made_while_the_server_was_down(
    own_server: Server, open_ui: OpenUI
) -> None:
    page, _ = open_ui(own_server)
    sign_in(page, own_server)
    page.evaluate(WATCH_CONNECTION)
    wait_for_state(page, "live")
    token = api_token(own_server)
    create_user(own_server, token, "before-restart")
    event_row(page, "before-restart").wait_for()

    # uvicorn shuts down gracefully, then re-raises SIGTERM for the exit status
    assert own_server.stop(signal.SIGTERM) in (0, -signal.SIGTERM)
    wait_for_state(page, "reconnecting")
    screenshot(page, "reconnecting")
    # made while no server runs: only a resume from the last event id can bring it
    for name in ("made-offline-1", "made-offline-2"):
        made = own_server.cli(
            "users", "add", name, "--role", "analyst", "--password-stdin", stdin="a-long-password\n"
        )
        assert made.returncode == 0, made.stdout + made.stderr
    started = time.monotonic()
    own_server.start()

    wait_for_sequence(page, "reconnecting", "catching-up", "caught-up", timeout_s=45)
    assert page.inner_text("#connection") == "Caught up · 2 missed events"
    for name in ("made-offline-1", "made-offline-2"):
        event_row(page, name).wait_for()
    screenshot(page, "caught-up")
    assert time.monotonic() - started < 45
    assert page.evaluate("window.__sameDocument") is True

    create_user(own_server, token, "after-restart")
    event_row(page, "after-restart").wait_for()
    ids = [
        int(x) for x in page.locator("#event-log li").evaluate_all("l => l.map(e => e.dataset.id)")
    ]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)
    mine = [
        int(event_row(page, name).get_attribute("data-id") or 0)
        for name in ("before-restart", "made-offline-1", "made-offline-2", "after-restart")
    ]
    assert mine == sorted(mine) and len(set(mine)) == 4


def test_the_role_decides_what_is_shown(server: Server, open_ui: OpenUI) -> None:
    made = server.cli(
        "users", "add", "auditor-ui", "--role", "auditor", "--password-stdin",
        stdin="a-long-password\n",
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    token = api_token(server, "auditor-ui", "a-long-password")
    actions = api_get(server, token, "/auth/me")["actions"]
    assert "stream.subscribe" not in actions and "geo.read" in actions

    page, traffic = open_ui(server)
    sign_in(page, server, "auditor-ui", "a-long-password")
    assert page.inner_text("#who-role") == "Auditor"
    page.wait_for_selector("#map[data-loaded='true']")
    assert page.locator("#tab-events").count() == 0
    assert page.locator("#tab-key").is_visible()
    assert page.inner_text("#connection") == "No live stream for this role"
    assert traffic.websockets == []

    # sign-out forgets the token and shows the sign-in form again
    page.click("#sign-out")
    page.wait_for_selector("#signin-form", state="visible")
    assert page.evaluate("sessionStorage.getItem('marchwarden.token')") is None


def test_keyboard_reaches_sign_in_tabs_and_layers(server: Server, open_ui: OpenUI) -> None:
    page, _ = open_ui(server, HD)
    page.goto(server.url + "/")
    page.wait_for_selector("#signin-form")
    wait_until(page, "() => document.activeElement.id === 'signin-username'")

    def focused() -> dict[str, Any]:
        described: dict[str, Any] = page.evaluate(
            """() => { const e = document.activeElement; return {
                 id: e.id, tag: e.tagName, role: e.getAttribute('role'), type: e.type || null,
                 text: (e.closest('label') || e).textContent.trim().slice(0, 40),
                 outline: getComputedStyle(e).outlineStyle }; }"""
        )
        return described

    page.keyboard.type("admin")
    page.keyboard.press("Tab")
    assert focused()["id"] == "signin-password"
    page.keyboard.type("e2e-admin-password")
    page.keyboard.press("Tab")
    assert focused()["id"] == "signin-submit"
    assert focused()["outline"] != "none"  # the focus is visible
    page.keyboard.press("Enter")
    page.wait_for_selector("body[data-ready='true']")
    page.wait_for_selector("#map[data-loaded='true']")

    # Tab from the top of the page through everything, once round
    page.evaluate(FROM_THE_TOP)
    stops = []
    for _ in range(40):
        page.keyboard.press("Tab")
        stop = focused()
        stops.append(stop)
        if stop["id"] == "tab-events":
            break
    ids = [s["id"] for s in stops]
    assert ids[0] == "skip-to-map"
    assert "sign-out" in ids and "map" in ids
    layer_boxes = [s["text"] for s in stops if s["type"] == "checkbox"]
    assert layer_boxes == LAYERS, stops
    assert ids[-1] == "tab-events", ids
    assert [s for s in stops if s["outline"] == "none"] == []

    # arrow keys switch boards: to the next tab the role has after Events
    following = page.evaluate(
        """() => {
          const tabs = [...document.querySelectorAll('[role=tab]')]
            .filter((t) => !t.hidden && t.offsetParent !== null);
          const i = tabs.findIndex((t) => t.id === 'tab-events');
          return tabs[(i + 1) % tabs.length].id;
        }"""
    )
    assert following != "tab-events"
    page.keyboard.press("ArrowRight")
    assert focused()["id"] == following
    assert page.locator(f"#{following}").get_attribute("aria-selected") == "true"
    assert page.locator(f"#panel-{following.removeprefix('tab-')}").is_visible()
    screenshot(page, "keyboard-1366x768")

    # a layer is switched off and on from the keyboard
    page.get_by_role("checkbox", name="Settlements").focus()
    page.keyboard.press("Space")
    assert page.evaluate(SETTLEMENTS_DRAWN) == 0
    page.keyboard.press("Space")
    assert page.evaluate(SETTLEMENTS_DRAWN) > 0

    # the skip link goes to the map, which pans with the arrow keys
    page.evaluate(FROM_THE_TOP)
    page.keyboard.press("Tab")
    assert focused()["id"] == "skip-to-map"
    page.keyboard.press("Enter")
    assert focused()["id"] == "map"
    center = "() => JSON.stringify(window.marchwarden.map.getMap().getCenter())"
    before = page.evaluate(center)
    page.keyboard.press("ArrowRight")
    wait_until(page, f"(before) => ({center})() !== before", before)


#: reads pixels of a screenshot (PNG, base64) back through a canvas in the page
SAMPLE_PIXELS = """async ([png, points]) => {
  const img = new Image();
  img.src = 'data:image/png;base64,' + png;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.width;
  canvas.height = img.height;
  const g = canvas.getContext('2d');
  g.drawImage(img, 0, 0);
  return points.map(([x, y]) => Array.from(g.getImageData(x, y, 1, 1).data.slice(0, 3)));
}"""

#: a point inside one region of each kind (below its label), in page pixels
REGION_POINTS = """() => {
  const map = window.marchwarden.map.getMap();
  const box = map.getContainer().getBoundingClientRect();
  const found = {};
  window.marchwarden.map.getLayer('Regions').eachLayer((layer) => {
    const kind = layer.feature.properties.kind;
    if (found[kind]) return;
    const p = map.latLngToContainerPoint(layer.getCenter());
    found[kind] = [Math.round(p.x + box.left), Math.round(p.y + box.top + 25)];
  });
  return found;
}"""


def lab(rgb: list[int]) -> tuple[float, float, float]:
    """sRGB (0–255) to CIE L*a*b* (D65)."""

    def linear(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else float(((c + 0.055) / 1.055) ** 2.4)

    r, g, b = (linear(c) for c in rgb)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return float(t ** (1 / 3)) if t > 0.008856 else 7.787 * t + 16 / 116

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def delta_e(a: list[int], b: list[int]) -> float:
    la, lb = lab(a), lab(b)
    return float(sum((p - q) ** 2 for p, q in zip(la, lb, strict=True)) ** 0.5)


#: each simulated deficiency, and the least colour difference the region kinds must keep
DEFICIENCIES = {"protanopia": 10, "deuteranopia": 10, "tritanopia": 10, "achromatopsia": 5}


def test_region_colours_stay_apart_for_colour_blind_eyes(server: Server, open_ui: OpenUI) -> None:
    """Chromium simulates each deficiency; the three kinds of region must still differ
    clearly in colour (CIE76 ΔE; 2.3 is just noticeable). The state border and the other
    state's outline differ by dashes as well, which no colour check needs."""
    page, _ = open_ui(server)
    sign_in(page, server)
    page.wait_for_selector("#map[data-loaded='true']")
    page.get_by_role("checkbox", name="Settlements").uncheck()
    page.evaluate("document.querySelector('.leaflet-tooltip-pane').style.display = 'none'")
    points = page.evaluate(REGION_POINTS)
    kinds = sorted(points)
    assert kinds == ["border", "neighbour", "other"]
    cdp = page.context.new_cdp_session(page)
    background = [0xE9, 0xED, 0xF1]
    for deficiency, least in DEFICIENCIES.items():
        cdp.send("Emulation.setEmulatedVisionDeficiency", {"type": deficiency})
        png = base64.b64encode(screenshot(page, f"colours-{deficiency}").read_bytes()).decode()
        sampled = page.evaluate(SAMPLE_PIXELS, [png, [points[k] for k in kinds]])
        colours = dict(zip(kinds, sampled, strict=True))
        for a, b in [("border", "neighbour"), ("border", "other"), ("neighbour", "other")]:
            assert delta_e(colours[a], colours[b]) >= least, (deficiency, a, b, colours)
        assert all(delta_e(colours[k], background) >= 3 for k in kinds), (deficiency, colours)
    cdp.send("Emulation.setEmulatedVisionDeficiency", {"type": "none"})
