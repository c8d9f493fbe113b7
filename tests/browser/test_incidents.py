"""The Incidents board, the incidents on the map, the incident page, tasking and the
situation report in a real browser, on the small registry of tests/factories.py (the
demo law: the army may carry weapons, volunteer self-defence units may not by any act in
force). Incidents are made through the API while the page is open; everything shown
arrives over the stream, without a reload."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from marchwarden.bootstrap import build_services
from marchwarden.services import roster
from marchwarden.settings import Settings
from tests.browser.conftest import (
    api_get,
    api_token,
    create_user,
    require_browser,
    require_leaflet,
    screenshot,
    server_env,
    set_view,
    sign_in,
    start_server,
    wait_until,
)
from tests.browser.test_boards import colour_at, load_registry, post
from tests.browser.test_ui import DEFICIENCIES, delta_e
from tests.e2e.conftest import ADMIN_PASSWORD, Server
from tests.factories import ROSTER_HEADER, volunteer_row

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from playwright.sync_api import Page

    from tests.browser.conftest import Traffic

    OpenUI = Callable[..., tuple[Page, Traffic]]

pytestmark = pytest.mark.browser

REFUSAL = (
    "BEL-2BN cannot be given this task: carry and use weapons — not granted to volunteer "
    "self-defence units by any act in force"
)


def arm_the_army(env: dict[str, str]) -> None:
    """Two soldiers in the Belgorod army garrison: the army's powers need one member."""
    url = env["MARCHWARDEN_DATABASE_URL"]
    svc = build_services(
        Settings(
            _env_file=None, database_url=url, audit_anchor_path=env["MARCHWARDEN_AUDIT_ANCHOR_PATH"]
        )
    )
    try:
        rows = "".join(volunteer_row(100 + n, "ARMY-BEL-1") for n in range(2))
        roster.import_roster(svc, None, ROSTER_HEADER + rows)
    finally:
        svc.db.engine.dispose()


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict[str, int]]]:
    require_browser()
    require_leaflet()
    tmp = tmp_path_factory.mktemp("incidents-server")
    env = server_env(tmp)
    ids = load_registry(env)
    arm_the_army(env)
    srv = start_server(tmp)  # the same environment, on the store made above
    yield srv, ids
    srv.stop()


#: the page's own call and wording for a lifecycle step the server refuses (409)
STALE_STEP = """async (id) => {
  const { api } = await import('/ui/api.js');
  const { transitionRefusal } = await import('/ui/incidentpage.js');
  try {
    await api(`/incidents/${id}/transition`, { method: 'POST', body: { to: 'closed' } });
    return 'allowed';
  } catch (err) {
    return transitionRefusal(err, 'closed');
  }
}"""


def point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def square(lon: float, lat: float, half: float = 0.05) -> dict[str, Any]:
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def new_incident(srv: Server, token: str, name: str, **fields: Any) -> dict[str, Any]:
    body = {
        "name": name,
        "incident_type": "shelling_artillery_missile_attack",
        "severity": "severe",
        "place": point(35.5, 50.5),
        **fields,
    }
    return post(srv, token, "/incidents", body)


def open_board(page: Page, srv: Server) -> None:
    sign_in(page, srv)
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("tab", name="Incidents").click()
    page.wait_for_selector("#incidents-count:not(:text('loading…'))")
    wait_until(page, "() => window.marchwarden.incidents.layer()")


def board_row(page: Page, incident_id: int) -> Any:
    return page.locator(f"#incidents-groups button.incident-link[data-incident-id='{incident_id}']")


def in_group(page: Page, incident_id: int) -> str | None:
    group: str | None = page.evaluate(
        "(id) => document.querySelector(`#incidents-groups li[data-incident-id='${id}']`)"
        "?.closest('[data-state-group]')?.dataset.stateGroup ?? null",
        incident_id,
    )
    return group


def drawn(page: Page, incident_id: int) -> dict[str, Any] | None:
    found: dict[str, Any] | None = page.evaluate(
        "(id) => window.marchwarden.incidents.drawnAt(id)", incident_id
    )
    return found


def test_incidents_appear_and_change_live_on_the_map_and_the_board(
    registry: tuple[Server, dict[str, int]], open_ui: OpenUI
) -> None:
    srv, _ = registry
    token = api_token(srv)
    page, _ = open_ui(srv)
    open_board(page, srv)
    set_view(page, 50.5, 35.6, 9)

    shelling = new_incident(srv, token, "Shelling at Zhuravlevka")
    area = new_incident(
        srv,
        token,
        "Incursion near Nekhoteevka",
        incident_type="cross_border_incursion",
        severity="extreme",
        place=square(35.8, 50.55),
    )
    for made in (shelling, area):
        board_row(page, made["id"]).wait_for()
        wait_until(page, "(id) => window.marchwarden.incidents.drawnAt(id)", made["id"])
    assert in_group(page, shelling["id"]) == "reported"
    assert drawn(page, shelling["id"])["look"] == "explosions|severe|reported"  # type: ignore[index]
    # the polygon place is read and drawn as a polygon
    wait_until(page, "(id) => window.marchwarden.incidents.drawnAt(id)?.polygon", area["id"])
    assert drawn(page, area["id"])["look"] == "border|extreme|reported"  # type: ignore[index]
    assert page.evaluate("() => window.marchwarden.map.getMap().hasLayer !== undefined")
    screenshot(page, "incidents-map-board-1366x768")

    # a transition made elsewhere moves it on the board and re-draws it, without reload
    post(srv, token, f"/incidents/{shelling['id']}/transition", {"to": "verified"})
    wait_until(
        page,
        "(id) => window.marchwarden.incidents.drawnAt(id)?.look === 'explosions|severe|verified'",
        shelling["id"],
    )
    wait_until(
        page,
        "(id) => document.querySelector(`[data-state-group='verified'] "
        "li[data-incident-id='${id}']`)",
        shelling["id"],
    )
    # a change of severity is drawn too
    patched = httpx.patch(
        srv.url + f"/api/v1/incidents/{shelling['id']}",
        headers={"Authorization": f"Bearer {token}"},
        json={"severity": "minor"},
        timeout=30,
    )
    assert patched.status_code == 200, patched.text
    wait_until(
        page,
        "(id) => window.marchwarden.incidents.drawnAt(id)?.look === 'explosions|minor|verified'",
        shelling["id"],
    )
    # closed or rejected ones leave the map and the list unless asked for
    post(srv, token, f"/incidents/{area['id']}/transition", {"to": "rejected", "reason": "a drill"})
    wait_until(page, "(id) => !window.marchwarden.incidents.drawnAt(id)", area["id"])
    wait_until(
        page,
        "() => document.querySelector(`[data-state-group='rejected']`)?.dataset.count === '1'",
    )
    assert in_group(page, area["id"]) is None
    page.check("#incidents-show-ended")
    wait_until(
        page,
        "(id) => window.marchwarden.incidents.drawnAt(id)?.look === 'border|extreme|rejected'",
        area["id"],
    )
    assert in_group(page, area["id"]) == "rejected"
    assert page.evaluate("() => window.__sameDocument") is True


def test_incident_page_command_casualties_timeline_tasking_and_sitrep(
    registry: tuple[Server, dict[str, int]], open_ui: OpenUI
) -> None:
    srv, ids = registry
    token = api_token(srv)
    incident = new_incident(srv, token, "Strike on Shebekino")
    page, _ = open_ui(srv)
    open_board(page, srv)
    board_row(page, incident["id"]).click()
    page.wait_for_selector(f"#incident-page[data-incident-id='{incident['id']}']")
    assert "Strike on Shebekino" in page.inner_text("#incident-title")
    facts = page.inner_text("#incident-facts")
    assert "Shelling/artillery/missile attack" in facts and "reported" in facts
    # the map is centred on it
    centre = page.evaluate("() => window.marchwarden.map.getMap().getCenter()")
    assert abs(centre["lat"] - 50.5) < 0.01 and abs(centre["lng"] - 35.5) < 0.01

    # lifecycle: the buttons are the allowed steps
    buttons = page.locator("#incident-transitions button")
    assert sorted(buttons.evaluate_all("l => l.map(b => b.dataset.to)")) == [
        "rejected",
        "verified",
    ]
    page.click("#incident-transitions button[data-to='verified']")
    page.wait_for_selector("#incident-page[data-state='verified']")
    assert page.inner_text("#incident-state-value") == "verified"
    assert "active" in page.locator("#incident-transitions button").evaluate_all(
        "l => l.map(b => b.dataset.to)"
    )
    page.click("#incident-transitions button[data-to='active']")
    page.wait_for_selector("#incident-page[data-state='active']")
    # a step the lifecycle does not allow (one made stale by someone else): the 409 in words
    refusal = page.evaluate(STALE_STEP, incident["id"])
    assert refusal == (
        "The incident cannot be made closed now: it is active, and from active it can only "
        "go to contained. The page shows the current state again."
    ), refusal

    # unified command: the army leads, Belgorod volunteers support
    page.click("#incident-command summary")
    page.wait_for_selector(f"#incident-lead option[value='{ids['army']}']", state="attached")
    page.select_option("#incident-lead", str(ids["army"]))
    page.check(f"#incident-supporting-{ids['bel_vsd']}")
    page.click("#incident-command-save")
    page.wait_for_selector("#incident-command-message:has-text('Saved')")
    command = page.inner_text("#incident-command-now")
    assert "Army (ARMY)" in command and "Belgorod volunteers (BEL-VSD)" in command
    detail = api_get(srv, token, f"/incidents/{incident['id']}")
    assert detail["command"]["lead"]["id"] == ids["army"]

    # casualties
    page.click("#incident-casualties summary")
    page.fill("#cas-civilian_killed", "2")
    page.fill("#cas-civilian_wounded", "7")
    page.fill("#cas-source", "district hospital")
    page.click("#cas-save")
    page.wait_for_selector(
        "#incident-casualty-table td[data-category='civilian_wounded']:text('7')"
    )
    assert page.inner_text("#incident-casualty-table td[data-total='killed']") == "2"
    assert page.inner_text("#incident-casualty-table td[data-category='personnel_killed']") == "—"
    assert "district hospital" in page.inner_text("#incident-casualty-history")

    # the timeline: a log entry appears, and so do steps made elsewhere (live)
    page.fill("#incident-log-text", "Fire brigade requested for the school")
    page.click("#incident-log-add")
    page.wait_for_selector(
        "#incident-timeline-list .timeline-text:has-text('Fire brigade requested for the school')"
    )
    post(srv, token, f"/incidents/{incident['id']}/log", {"text": "Road closed at the bridge"})
    page.wait_for_selector(
        "#incident-timeline-list .timeline-text:has-text('Road closed at the bridge')"
    )
    assert page.locator("#incident-timeline-list time").first.get_attribute("title", timeout=1000)

    # tasking: a task that needs weapons; the army is eligible, the volunteers are not
    page.click("#task-new summary")
    page.wait_for_selector("#task-power-carry_weapons", state="attached")
    page.fill("#task-title", "Secure the school")
    page.check("#task-power-carry_weapons")
    page.select_option("#task-priority", "urgent")
    page.click("#task-create")
    recs = page.locator("#task-recs")
    recs.locator(f"#task-recs-eligible tr[data-unit-id='{ids['army_bel']}']").wait_for()
    volunteers = recs.locator(f"#task-recs-ineligible tr[data-unit-id='{ids['bn2']}']")
    volunteers.wait_for()
    assert "Carry and use weapons" in volunteers.inner_text()
    assert "min" in recs.locator("#task-recs-eligible").inner_text()
    # the candidates on the map: each eligible unit ringed, with a line to the task
    eligible_rows = recs.locator("#task-recs-eligible tbody tr").count()
    drawn_now = wait_until(
        page, "() => window.marchwarden.candidates().rings && window.marchwarden.candidates()"
    )
    assert drawn_now["rings"] == drawn_now["lines"] == eligible_rows, drawn_now
    assert drawn_now["ineligible"] >= 1
    screenshot(page, "incident-recommendations-1366x768")

    # an ineligible unit may be tried: the server refuses, in plain words, right under the
    # row whose button was pressed, with the focus moved to it (issue 13)
    volunteers.locator("button.assign-anyway").click()
    page.wait_for_selector("#task-assign-message.is-error")
    message = page.inner_text("#task-assign-message")
    assert REFUSAL in message, message
    assert page.evaluate(
        "(id) => document.querySelector(`#task-recs-ineligible tr[data-unit-id='${id}']`)"
        ".nextElementSibling.contains(document.querySelector('#task-assign-message'))",
        ids["bn2"],
    )
    assert page.evaluate("() => document.activeElement.id") == "task-assign-message"
    # and the refusal stays on the incident's timeline: who, which unit, why
    refused = page.locator("#incident-timeline-list li[data-kind='task_refused']")
    refused.wait_for()
    assert "BEL-2BN" in refused.inner_text() and "refused" in refused.inner_text()
    screenshot(page, "incident-refusal-1366x768")

    # the eligible one is assigned; the task's status is shown live
    recs.locator(f"#task-recs-eligible tr[data-unit-id='{ids['army_bel']}'] button.assign").click()
    page.wait_for_selector("#incident-tasks-table td.task-status[data-status='assigned']")
    row = page.locator("#incident-tasks-table tbody tr").first
    assert "committed" in row.inner_text() and "ARMY-BEL-1" in row.inner_text()
    unit = api_get(srv, token, f"/units/{ids['army_bel']}")
    assert unit["availability"] == "committed"
    task_id = int(row.get_attribute("data-task-id") or 0)
    # the unit accepts elsewhere: the page follows
    post(srv, token, f"/tasks/{task_id}/accept", {"note": ""})
    page.wait_for_selector("#incident-tasks-table td.task-status[data-status='accepted']")

    # the situation report: a printable view with HQ times, UTC on hover
    page.click("#incident-sitrep")
    page.wait_for_selector("#sitrep-view[data-ready='true']")
    body = page.inner_text("#sitrep-body")
    assert "SITREP — Strike on Shebekino" in body
    assert "ARMY-BEL-1" in body and "Secure the school" in body
    assert "Europe/Moscow" in body
    # the affected settlements, nearest first, each with its distance
    distances = page.locator("table.sitrep-affected tbody td:nth-child(3)").all_inner_texts()
    assert distances and all(d.endswith(" km") for d in distances), distances
    kms = [float(d.removesuffix(" km")) for d in distances]
    assert kms == sorted(kms)
    first_time = page.locator("#sitrep-body time").first
    assert (first_time.get_attribute("title") or "").endswith("UTC")
    assert "MSK" in first_time.inner_text() or "GMT+3" in first_time.inner_text()
    # the map of the area: SVG drawn by the server from its geodata, no tiles
    page.wait_for_selector("#sitrep-view[data-maps='true']")
    area_map = page.locator("#sitrep-body figure.sitrep-map svg.area-map")
    assert area_map.count() == 1
    assert page.locator("#sitrep-body figure.sitrep-map svg g.incident").count() == 1
    assert "Shebekino" in area_map.inner_html()
    page.emulate_media(media="print")
    assert page.locator("header.topbar").is_hidden()
    assert page.locator("#sitrep-body").is_visible()
    assert area_map.is_visible()
    screenshot(page, "incident-sitrep-print")
    page.emulate_media(media="screen")
    page.keyboard.press("Escape")
    assert page.locator("#sitrep-view").is_hidden()
    assert page.evaluate("() => document.activeElement.id") == "incident-sitrep"

    # the region's report, from the board
    page.click("#incident-page .back")
    page.select_option("#incidents-sitrep-region", "RU-BEL")
    page.click("#incidents-sitrep")
    page.wait_for_selector("#sitrep-view[data-ready='true'][data-kind='region']")
    assert "Strike on Shebekino" in page.inner_text("#sitrep-body")
    page.wait_for_selector("#sitrep-view[data-maps='true']")
    figures = page.locator("#sitrep-body figure.sitrep-map")
    assert figures.count() == page.locator("#sitrep-body figure.sitrep-map svg").count() >= 1
    screenshot(page, "region-sitrep-1366x768")
    assert page.locator("#sitrep-body table.sitrep-displacement").count() >= 2  # region + each
    assert "Strike on Shebekino" in page.inner_text("#sitrep-body table.sitrep-by-incident")
    page.click("#sitrep-close")
    # the report over all the border regions, from the same list
    page.select_option("#incidents-sitrep-region", "*border*")
    page.click("#incidents-sitrep")
    page.wait_for_selector("#sitrep-view[data-ready='true'][data-kind='border']")
    body = page.inner_text("#sitrep-body")
    assert "Displacement, all border regions" in body and "Strike on Shebekino" in body
    page.click("#sitrep-close")


def test_another_board_opens_an_incident(
    registry: tuple[Server, dict[str, int]], open_ui: OpenUI
) -> None:
    srv, _ = registry
    token = api_token(srv)
    page, _ = open_ui(srv)
    open_board(page, srv)
    made = new_incident(srv, token, "Drone over Grayvoron", incident_type="air_drone_strike")
    page.get_by_role("tab", name="Key").click()
    page.evaluate(
        "(id) => window.dispatchEvent("
        "new CustomEvent('marchwarden:open-incident', {detail: {id}}))",
        made["id"],
    )
    page.wait_for_selector(f"#incident-page[data-incident-id='{made['id']}']")
    assert page.get_by_role("tab", name="Incidents").get_attribute("aria-selected") == "true"
    assert "Drone over Grayvoron" in page.inner_text("#incident-title")
    # the page takes the focus (its title), so that Escape goes back to the list
    wait_until(page, "() => document.activeElement.id === 'incident-title'")
    page.keyboard.press("Escape")
    assert page.locator("#incident-page").is_hidden()
    assert page.evaluate("() => document.activeElement.dataset.incidentId") == str(made["id"])


def test_severity_colours_stay_apart_for_colour_blind_eyes(
    registry: tuple[Server, dict[str, int]], open_ui: OpenUI
) -> None:
    """One riot (an octagon, a large fill) per severity, side by side, verified (solid
    fill); under each simulated deficiency every two severities must differ clearly (CIE76
    ΔE, as for the regions and units: the scale runs from white through yellow to deep
    wine, so lightness alone tells them apart), and every fill from the map."""
    srv, _ = registry
    token = api_token(srv)
    made = {}
    for i, severity in enumerate(["unknown", "minor", "moderate", "severe", "extreme"]):
        made[severity] = new_incident(
            srv,
            token,
            f"Riot {severity}",
            incident_type="mob_violence",
            severity=severity,
            place=point(33.7 + 0.1 * i, 53.3),
        )["id"]
        post(srv, token, f"/incidents/{made[severity]}/transition", {"to": "verified"})
    page, _ = open_ui(srv)
    open_board(page, srv)
    set_view(page, 53.3, 33.9, 10)
    for name in ("Settlements", "Regions", "State border", "Units"):
        page.get_by_role("checkbox", name=name).uncheck()
    wait_until(
        page,
        "(ids) => ids.every(id => "
        "window.marchwarden.incidents.drawnAt(id)?.look?.endsWith('verified'))",
        list(made.values()),
    )
    points = {s: drawn(page, i) for s, i in made.items()}
    cdp = page.context.new_cdp_session(page)
    background = [0xE9, 0xED, 0xF1]
    order = list(made)
    for deficiency, least in DEFICIENCIES.items():
        cdp.send("Emulation.setEmulatedVisionDeficiency", {"type": deficiency})
        png = Path(screenshot(page, f"incident-colours-{deficiency}")).read_bytes()
        colours = {s: colour_at(page, png, p) for s, p in points.items() if p}
        assert len(colours) == len(order)
        for a, b in itertools.combinations(order, 2):
            assert delta_e(colours[a], colours[b]) >= least, (deficiency, a, b, colours)
        for s in order:
            assert delta_e(colours[s], background) >= 5, (deficiency, s, colours)
    cdp.send("Emulation.setEmulatedVisionDeficiency", {"type": "none"})


def new_task(srv: Server, token: str, incident_id: int, title: str) -> int:
    body = {"title": title, "required_powers": [], "minimum_readiness": 0}
    task_id: int = post(srv, token, f"/incidents/{incident_id}/tasks", body)["id"]
    return task_id


def task_row(page: Page, task_id: int) -> Any:
    return page.locator(f"#incident-tasks-table tr[data-task-id='{task_id}']")


def open_incident_page(page: Page, srv: Server, incident_id: int, user: str, password: str) -> None:
    sign_in(page, srv, user, password)
    page.get_by_role("tab", name="Incidents").click()
    page.wait_for_selector("#incidents-count:not(:text('loading…'))")
    board_row(page, incident_id).click()
    page.wait_for_selector(f"#incident-page[data-incident-id='{incident_id}']")


def test_a_unit_answers_its_tasks_and_tasks_are_declined_and_cancelled_with_a_reason(
    registry: tuple[Server, dict[str, int]], open_ui: OpenUI
) -> None:
    """A liaison of the Belgorod volunteers (task.respond, not task.assign) takes a task
    from accepted to released and declines another, giving a reason; an HQ user cancels
    a task, giving a reason. The unit's status is shown with each task."""
    srv, ids = registry
    token = api_token(srv)
    create_user(
        srv, token, "bel-liaison", "agency_liaison", {"kind": "agency", "agency_id": ids["bel_vsd"]}
    )
    incident = new_incident(srv, token, "Evacuation at Shebekino", place=point(35.46, 50.49))
    answered = new_task(srv, token, incident["id"], "Guide the buses")
    declined = new_task(srv, token, incident["id"], "Hold the crossroads")
    post(srv, token, f"/tasks/{answered}/assign", {"unit_id": ids["co1"]})
    post(srv, token, f"/tasks/{declined}/assign", {"unit_id": ids["co2"]})

    page, _ = open_ui(srv)
    open_incident_page(page, srv, incident["id"], "bel-liaison", "a-long-password")
    row = task_row(page, answered)
    row.locator("td.task-unit[data-unit-status='assigned']").wait_for()
    assert "(assigned)" in row.locator("td.task-unit").inner_text()
    # no cancel for a role without task.assign; decline only on an assigned task
    assert page.locator("#incident-tasks-table button[data-reasoned='cancel']").count() == 0
    steps = [
        ("accept", "accepted", "assigned"),
        ("en_route", "en_route", "en_route"),
        ("on_scene", "on_scene", "on_scene"),
        ("released", "completed", "available"),
    ]
    for what, status, unit_status in steps:
        row.locator(f"button.task-respond[data-respond='{what}']").click()
        row.locator(f"td.task-status[data-status='{status}']").wait_for()
        row.locator(f"td.task-unit[data-unit-status='{unit_status}']").wait_for()
        assert api_get(srv, token, f"/tasks/{answered}")["status"] == status
    # a released task offers nothing more
    assert row.locator("button").count() == 0
    assert api_get(srv, token, f"/units/{ids['co1']}")["status"] == "available"

    # declining asks for a reason, and the server is not called without one
    other = task_row(page, declined)
    other.locator("button[data-reasoned='decline']").click()
    form = page.locator("#task-reason-form")
    form.wait_for()
    assert "Why does the unit decline the task?" in form.inner_text()
    wait_until(page, "() => document.activeElement.id === 'task-reason'")
    page.click("#task-reason-submit")
    page.wait_for_selector("#task-reason-message:has-text('A reason is needed')")
    assert api_get(srv, token, f"/tasks/{declined}")["status"] == "assigned"
    page.fill("#task-reason", "the company is out of fuel")
    page.click("#task-reason-submit")
    other.locator("td.task-status[data-status='open']").wait_for()
    assert form.is_hidden()
    assert "declined" in page.inner_text("#task-message")
    back = api_get(srv, token, f"/tasks/{declined}")
    assert back["status"] == "open" and back["unit"] is None
    page.wait_for_selector(
        "#incident-timeline-list .timeline-text:has-text('the company is out of fuel')"
    )

    # HQ (the admin) cancels the open task, with a reason; Back leaves it alone
    hq, _ = open_ui(srv)
    open_incident_page(hq, srv, incident["id"], "admin", ADMIN_PASSWORD)
    row = task_row(hq, declined)
    row.locator("button[data-reasoned='cancel']").click()
    hq.click("#task-reason-back")
    assert hq.locator("#task-reason-form").is_hidden()
    assert api_get(srv, token, f"/tasks/{declined}")["status"] == "open"
    row.locator("button[data-reasoned='cancel']").click()
    hq.fill("#task-reason", "the crossroads are held by the police")
    hq.click("#task-reason-submit")
    row.locator("td.task-status[data-status='cancelled']").wait_for()
    assert api_get(srv, token, f"/tasks/{declined}")["status"] == "cancelled"
    assert row.locator("button").count() == 0


def test_the_key_shows_the_incident_symbols_and_the_report_marker(
    registry: tuple[Server, dict[str, int]], open_ui: OpenUI
) -> None:
    srv, _ = registry
    page, _ = open_ui(srv)
    sign_in(page, srv)
    page.get_by_role("tab", name="Key").click()
    key = page.locator("#key-incidents")
    key.wait_for()
    categories = key.locator(".incident-key-categories dt")
    assert categories.count() == 7
    assert "Battles" in categories.first.inner_text()
    assert key.locator(".incident-key-severities dt").evaluate_all(
        "l => l.map(d => d.dataset.severity)"
    ) == ["unknown", "minor", "moderate", "severe", "extreme"]
    assert key.locator(".incident-key-states dt").evaluate_all(
        "l => l.map(d => d.dataset.state)"
    ) == ["reported", "verified", "active", "contained", "closed", "rejected"]
    # the pictures are the map's drawing (the same images as the board's key)
    same = page.evaluate(
        """async () => {
          const { incidentImage, CATEGORIES } = await import('/ui/incidentsymbols.js');
          const shown = document.querySelector(
            '#key-incidents .incident-key-states dt[data-state="contained"] img');
          return shown.src === incidentImage(CATEGORIES.Riots, 'severe', 'contained', 22).src;
        }"""
    )
    assert same is True
    reports = page.locator("#key-reports")
    text = reports.inner_text()
    assert "Unverified report" in text and "Claimed report" in text and "Uncertainty" in text
    assert reports.locator("svg.report-symbol").count() == 2
    fills = reports.locator(".report-symbol-bubble").evaluate_all(
        "l => l.map(p => getComputedStyle(p).fill)"
    )
    assert fills == ["rgb(0, 79, 138)", "rgb(255, 255, 255)"]
    screenshot(page, "key-incidents-reports")


def test_an_incident_is_drawn_over_a_unit_and_takes_the_click(
    registry: tuple[Server, dict[str, int]], open_ui: OpenUI
) -> None:
    """The incidents' canvas is drawn over the units' (an incident is what the duty officer
    looks for; issue 13: incidents were hidden under units): where both have a symbol, the
    click belongs to the incident alone; another incident standing alone is picked too."""
    srv, ids = registry
    token = api_token(srv)
    unit = api_get(srv, token, f"/units/{ids['krs_bn']}")
    where = unit["position"] or unit["home"]
    lon, lat = where["lon"], where["lat"]
    covered = new_incident(srv, token, "Under the Kursk battalion", place=point(lon, lat))
    apart = new_incident(srv, token, "Apart from it", place=point(lon + 0.3, lat))
    page, _ = open_ui(srv)
    open_board(page, srv)
    set_view(page, lat, lon + 0.15, 9)
    wait_until(page, "(id) => window.marchwarden.incidents.drawnAt(id)", covered["id"])
    wait_until(page, "(id) => window.marchwarden.units?.drawnAt?.(id)", ids["krs_bn"])
    at = drawn(page, covered["id"])
    assert at is not None
    assert page.evaluate(
        "() => { const z = (p) => Number(getComputedStyle("
        "window.marchwarden.map.getMap().getPane(p)).zIndex); return z('incidents') > z('units'); }"
    )
    page.mouse.click(at["x"], at["y"])
    page.wait_for_selector(f"#incident-page[data-incident-id='{covered['id']}']")
    assert page.evaluate("() => window.marchwarden.incidents.selected()") == covered["id"]
    assert page.evaluate("() => window.marchwarden.units.selected?.() ?? null") is None
    # the incident standing alone is picked
    alone = drawn(page, apart["id"])
    assert alone is not None
    page.mouse.click(alone["x"], alone["y"])
    page.wait_for_selector(f"#incident-page[data-incident-id='{apart['id']}']")
    assert page.evaluate("() => window.marchwarden.incidents.selected()") == apart["id"]


def test_the_keyboard_steps_through_incidents_and_units_in_view(
    registry: tuple[Server, dict[str, int]], open_ui: OpenUI
) -> None:
    """The canvas layers have no element per thing for Tab to reach: with the map focused,
    I and U step through the incidents and units in view, nearest the centre first; the
    label shows and is read out; Enter opens the one shown."""
    srv, ids = registry
    token = api_token(srv)
    unit = api_get(srv, token, f"/units/{ids['krs_bn']}")
    where = unit["position"] or unit["home"]
    lon, lat = where["lon"], where["lat"]
    first = new_incident(srv, token, "Keyboard first", place=point(lon + 0.1, lat + 0.1))
    second = new_incident(srv, token, "Keyboard second", place=point(lon + 0.15, lat + 0.1))
    page, _ = open_ui(srv)
    open_board(page, srv)
    set_view(page, lat + 0.1, lon + 0.1, 11)
    wait_until(page, "(id) => window.marchwarden.incidents.drawnAt(id)", second["id"])
    page.focus("#map")
    said = "() => document.querySelector('#map-announcer').textContent"
    label = page.locator(".leaflet-tooltip.incident-label")

    page.keyboard.press("i")
    wait_until(page, f"() => ({said})().startsWith('Incident 1 of ')")
    assert "Keyboard first" in page.evaluate(said)
    assert page.evaluate(said).endswith("Enter opens it.")
    assert "Keyboard first" in label.inner_text()
    assert "Enter for the incident page" in label.inner_text()
    page.keyboard.press("i")
    wait_until(page, f"() => ({said})().startsWith('Incident 2 of ')")
    assert "Keyboard second" in page.evaluate(said)
    assert "Keyboard second" in label.inner_text()
    page.keyboard.press("Shift+I")
    wait_until(page, f"() => ({said})().startsWith('Incident 1 of ')")
    screenshot(page, "map-keyboard-incident")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#incident-page[data-incident-id='{first['id']}']")

    # units, the same way; Escape lets go without choosing
    page.focus("#map")
    page.keyboard.press("u")
    wait_until(page, f"() => ({said})().startsWith('Unit 1 of ')")
    assert page.locator(".leaflet-tooltip.unit-label").is_visible()
    page.keyboard.press("Escape")
    wait_until(page, "() => !document.querySelector('.leaflet-tooltip.unit-label')")
    assert page.evaluate("() => window.marchwarden.units.selected()") is None
    page.keyboard.press("u")
    wait_until(page, f"() => ({said})().startsWith('Unit 1 of ')")
    page.keyboard.press("Enter")
    wait_until(page, "() => window.marchwarden.units.selected() !== null")

    # a layer switched off says so; nothing in view says so
    page.get_by_role("checkbox", name="Incidents").uncheck()
    page.focus("#map")
    page.keyboard.press("i")
    wait_until(page, f"() => ({said})().startsWith('The incidents layer is off')")
    page.get_by_role("checkbox", name="Incidents").check()
    set_view(page, 56.0, 24.0, 11)
    page.focus("#map")
    page.keyboard.press("i")
    wait_until(page, f"() => ({said})().startsWith('No incidents in view')")
