"""The field page (/field/) in Chromium as a phone (360 x 800, touch): a unit commander's
inbox, task steps and a report made offline, the page reloaded offline (the service
worker keeps it), the server restarted meanwhile, the connection restored → each action
arrives exactly once, in order, and the HQ's page shows them live. Geolocation granted
and denied. Every request goes to the server only."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import httpx
import pytest
from PIL import Image

from tests.browser.conftest import (
    api_get,
    api_token,
    create_user,
    require_browser,
    require_leaflet,
    same_origin,
    screenshot,
    server_env,
    wait_until,
)
from tests.browser.test_boards import load_registry, post
from tests.browser.test_incidents import new_incident, open_incident_page, point, task_row
from tests.browser.test_report_queue import open_reports, wait_for_card
from tests.e2e.conftest import ADMIN_PASSWORD, Server

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from playwright.sync_api import (
        Browser,
        BrowserContext,
        FilePayload,
        Geolocation,
        Page,
        ViewportSize,
    )

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 360, "height": 800}
GRAYVORON: Geolocation = {"longitude": 35.6796, "latitude": 50.4797, "accuracy": 35}
PASSWORD = "a-long-password"


@pytest.fixture
def field_server(tmp_path: Path) -> Iterator[tuple[Server, dict[str, int]]]:
    require_browser()
    require_leaflet()
    env = server_env(tmp_path)
    ids = load_registry(env)
    srv = Server(env=env, log_path=tmp_path / "server.log")
    made = srv.cli(
        "users", "add", "admin", "--role", "admin", "--password-stdin", stdin=ADMIN_PASSWORD + "\n"
    )
    assert made.returncode == 0, made.stdout + made.stderr
    srv.start()
    yield srv, ids
    srv.stop()


def phone(browser: Browser, srv: Server, *, geolocation: bool) -> tuple[BrowserContext, list[str]]:
    """A phone's browser context. No request routing (a service worker's requests would
    bypass it); every request is recorded instead and checked to stay on the server."""
    context = browser.new_context(
        viewport=PHONE,
        has_touch=True,
        is_mobile=True,
        device_scale_factor=2,
        geolocation=GRAYVORON if geolocation else None,
        permissions=["geolocation"] if geolocation else [],
        service_workers="allow",
    )
    context.set_default_timeout(20_000)
    seen: list[str] = []
    context.on("request", lambda r: seen.append(r.url))
    return context, seen


def sign_in_field(page: Page, srv: Server, user: str) -> None:
    page.goto(srv.url + "/field/")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.tap("#signin-form button[type=submit]")
    page.wait_for_selector("#tabbar:not([hidden])")


def gps_jpeg() -> bytes:
    img = Image.new("RGB", (120, 90), (90, 120, 40))
    exif = Image.Exif()
    exif[0x0110] = "Phone 12"
    exif[0x8825] = {1: "N", 2: (50.0, 28.0, 48.0), 3: "E", 4: (35.0, 40.0, 0.0)}
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def commands(srv: Server, token: str, user: str) -> list[str]:
    """What the user did, in order, by the audit trail (sign-ins left out)."""
    items = api_get(srv, token, f"/audit?actor={user}")["items"]
    return [a["command"] for a in items if a["command"] != "session.login"]


def queue_states(page: Page) -> list[str]:
    states: list[str] = page.evaluate(
        "() => [...document.querySelectorAll('#queue li')].map((li) => li.dataset.state)"
    )
    return states


def test_steps_and_a_report_made_offline_arrive_once_in_order_after_a_restart(
    field_server: tuple[Server, dict[str, int]], browser: Browser
) -> None:
    srv, ids = field_server
    token = api_token(srv)
    # the battalion's commander answers for its companies
    create_user(srv, token, "cmdr", "unit_commander", {"kind": "unit", "unit_id": ids["bn2"]})
    incident = new_incident(srv, token, "Incursion at Grayvoron", place=point(35.68, 50.48))
    body = {"title": "Guide the buses", "required_powers": [], "minimum_readiness": 0}
    task_id = post(srv, token, f"/incidents/{incident['id']}/tasks", body)["id"]
    post(srv, token, f"/tasks/{task_id}/assign", {"unit_id": ids["co1"]})

    context, seen = phone(browser, srv, geolocation=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in_field(page, srv, "cmdr")
    card = page.locator(f"#tasks li[data-task='{task_id}']")
    card.wait_for()
    assert "Guide the buses" in card.inner_text() and "Tasked by" in card.inner_text()
    assert page.inner_text("#badge-tasks") == "1" and page.title().startswith("(1)")
    wait_until(page, "() => navigator.serviceWorker.controller !== null")
    # a new task arrives live (the stream; the fallback poll is every 15 s) and is noticed
    body = {
        "title": "Close the bridge",
        "required_powers": [],
        "minimum_readiness": 0,
        "priority": "urgent",
    }
    second = post(srv, token, f"/incidents/{incident['id']}/tasks", body)["id"]
    post(srv, token, f"/tasks/{second}/assign", {"unit_id": ids["co2"]})
    page.locator(f"#tasks li[data-task='{second}']").wait_for(timeout=5_000)
    assert page.inner_text("#badge-tasks") == "2" and page.title().startswith("(2)")
    first_card = page.locator("#tasks li").first
    assert first_card.get_attribute("data-task") == str(second)  # urgent first

    # the HQ watches the incident page and the reports queue
    hq_context = browser.new_context(viewport={"width": 1366, "height": 768})
    hq = hq_context.new_page()
    open_incident_page(hq, srv, incident["id"], "admin", ADMIN_PASSWORD)
    row = task_row(hq, task_id)
    row.locator("td.task-status[data-status='assigned']").wait_for()
    create_user(srv, token, "duty", "hq_commander")
    queue = hq_context.new_page()
    open_reports(queue, srv, "duty")

    # offline: accept, en route, and a report
    context.set_offline(True)
    card.locator("button[data-step='task.accept']").tap()
    card.locator("button[data-step='task.en_route']").tap()
    page.locator(f"#tasks li[data-task='{task_id}'][data-status='en_route']").wait_for()
    page.tap("#tabbar button[data-view='view-report']")
    page.select_option("#r-type", "cross_border_incursion")
    page.fill("#r-text", "Two armoured vehicles at the Grayvoron crossroads, moving north")
    page.tap("#r-here")
    page.wait_for_selector("#r-where:has-text('Your position')")
    photo: FilePayload = {"name": "crossroads.jpg", "mimeType": "image/jpeg", "buffer": gps_jpeg()}
    page.set_input_files("#r-photos", files=[photo])
    page.tap("#report-form button[type=submit]")
    page.wait_for_selector("#report-msg:has-text('Saved on this phone')")
    page.tap("#tabbar button[data-view='view-queue']")
    assert queue_states(page) == ["waiting"] * 4
    assert page.inner_text("#badge-queue") == "4"

    # closed and opened again offline: the page comes from the service worker's cache
    page.reload()
    page.wait_for_selector("#tabbar:not([hidden])")
    page.tap("#tabbar button[data-view='view-queue']")
    wait_until(page, "() => document.querySelectorAll('#queue [data-state=waiting]').length === 4")
    assert queue_states(page) == ["waiting"] * 4
    assert page.get_attribute("#net", "data-state") == "offline"
    screenshot(page, "field-offline-queue")

    # the server restarts meanwhile; then the connection returns
    srv.stop()
    srv.start()
    context.set_offline(False)
    wait_until(
        page,
        "() => [...document.querySelectorAll('#queue li')]"
        ".every((li) => li.dataset.state === 'accepted')",
        timeout_s=40,
    )
    assert queue_states(page) == ["accepted"] * 4

    # exactly once, in order
    task = api_get(srv, token, f"/tasks/{task_id}")
    assert task["status"] == "en_route" and task["unit"]["status"] == "en_route"
    done = ["task.accepted", "task.en_route", "report.submit", "report.photo"]
    assert commands(srv, token, "cmdr") == done
    # the HQ page shows them live
    row.locator("td.task-status[data-status='en_route']").wait_for()
    audit = api_get(srv, token, "/audit?actor=cmdr&target_type=report")["items"]
    report_id = int(audit[0]["target_id"])
    wait_for_card(queue, report_id)
    # the photo went with it, its GPS position stripped (the reporter did not keep it)
    photos = api_get(srv, token, f"/reports/{report_id}/photos")
    assert [(p["lon"], p["lat"]) for p in photos] == [(None, None)]

    # nothing sent twice when the page flushes again
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.wait_for_timeout(1000)
    assert commands(srv, token, "cmdr") == done
    assert errors == []
    assert [u for u in seen if not same_origin(u, srv.url)] == []
    context.close()
    hq_context.close()


def test_without_geolocation_the_place_is_picked_on_the_map(
    field_server: tuple[Server, dict[str, int]], browser: Browser
) -> None:
    srv, _ = field_server
    token = api_token(srv)
    create_user(srv, token, "walker", "field_reporter", {"kind": "regions", "regions": ["RU-BEL"]})
    context, seen = phone(browser, srv, geolocation=False)
    page = context.new_page()
    # the person said no to location for this site (Chromium's own permission setting)
    cdp = context.new_cdp_session(page)
    cdp.send(
        "Browser.setPermission",
        {"permission": {"name": "geolocation"}, "setting": "denied", "origin": srv.url},
    )
    sign_in_field(page, srv, "walker")
    # a reporter has no inbox and no unit: the report form opens
    assert page.is_hidden("#tabbar button[data-view='view-tasks']")
    page.wait_for_selector("#view-report:not([hidden])")
    page.tap("#r-here")
    page.wait_for_selector("#r-where:has-text('Position not allowed')")
    page.wait_for_selector("#r-map .leaflet-overlay-pane svg", state="attached")
    page.locator("#r-map").tap(position={"x": 180, "y": 60})
    page.wait_for_selector("#r-where:has-text('Picked on the map')")
    page.select_option("#r-type", "drone_attack")
    page.fill("#r-text", "A drone over the school")
    page.tap("#report-form button[type=submit]")
    page.tap("#tabbar button[data-view='view-queue']")
    wait_until(page, "() => document.querySelector('#queue li')?.dataset.state === 'accepted'")
    assert commands(srv, token, "walker") == ["report.submit"]
    for target in ("button", "#tabbar button"):
        heights = page.evaluate(
            "(sel) => [...document.querySelectorAll(sel)].filter((b) => b.offsetParent)"
            ".map((b) => b.getBoundingClientRect().height)",
            target,
        )
        assert min(heights) >= 44, heights  # large targets for a thumb
    assert [u for u in seen if not same_origin(u, srv.url)] == []
    manifest = httpx.get(srv.url + "/field/manifest.webmanifest", timeout=10)
    assert manifest.status_code == 200 and manifest.json()["start_url"] == "/field/"
    context.close()
