"""The console's layout (issue 13): a side panel whose width the officer sets by dragging
(or with the arrow keys) and finds again after signing in, and an incident page whose
parts fit the panel: task buttons not clipped, task titles not wrapped word by word, the
New-task powers box with its first option in view, timeline numbers of two and three
digits whole."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser.conftest import api_token, screenshot, set_view, sign_in, wait_until
from tests.browser.test_boards import post
from tests.browser.test_incidents import (  # noqa: F401 (registry is a fixture)
    board_row,
    new_incident,
    new_task,
    open_incident_page,
    registry,
)
from tests.e2e.conftest import ADMIN_PASSWORD

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Browser, Page

    from tests.browser.conftest import Traffic
    from tests.e2e.conftest import Server

    OpenUI = Callable[..., tuple[Page, Traffic]]

pytestmark = pytest.mark.browser


def panel_width(page: Page) -> float:
    width: float = page.evaluate(
        "() => document.querySelector('.panel').getBoundingClientRect().width"
    )
    return width


def test_the_side_panel_is_resized_by_drag_and_keys_and_remembered_per_user(
    registry: tuple[Server, dict[str, int]],  # noqa: F811
    open_ui: OpenUI,
) -> None:
    srv, _ = registry
    page, _ = open_ui(srv)
    sign_in(page, srv)
    handle = page.locator("#panel-resizer")
    handle.wait_for()
    assert handle.get_attribute("role") == "separator"
    before = panel_width(page)
    box = handle.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + 200
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 150, y, steps=5)
    page.mouse.up()
    wider = panel_width(page)
    assert wider == pytest.approx(before + 150, abs=6), (before, wider)
    # the map takes the rest: its right edge meets the handle
    map_right = page.evaluate("() => document.querySelector('#map').getBoundingClientRect().right")
    assert map_right <= page.locator("#panel-resizer").bounding_box()["x"] + 1  # type: ignore[index]
    handle.focus()
    page.keyboard.press("ArrowRight")
    assert panel_width(page) == pytest.approx(wider - 32, abs=2)
    page.keyboard.press("Home")
    assert panel_width(page) == pytest.approx(320, abs=2)
    page.keyboard.press("ArrowLeft")
    remembered = panel_width(page)
    # a fresh page (the session carries on): the same width for this user
    page.reload()
    page.locator("#panel-resizer").wait_for()
    wait_until(
        page,
        "(w) => Math.abs(document.querySelector('.panel').getBoundingClientRect().width - w) < 2",
        remembered,
    )
    # another user has their own width (none saved: the default)
    assert (
        page.evaluate("() => localStorage.getItem('marchwarden.panelWidth.someone-else')") is None
    )


def test_the_incident_page_fits_the_side_panel(
    registry: tuple[Server, dict[str, int]],  # noqa: F811
    open_ui: OpenUI,
) -> None:
    srv, _ = registry
    token = api_token(srv)
    incident = new_incident(srv, token, "Drone strike on the Grayvoron water works")
    iid = incident["id"]
    task_id = new_task(
        srv, token, iid, "Secure the pumping station and keep the road to Kozinka open"
    )
    for n in range(12):
        post(srv, token, f"/incidents/{iid}/log", {"text": f"Log entry {n + 1}"})
    page, _ = open_ui(srv)
    open_incident_page(page, srv, iid, "admin", ADMIN_PASSWORD)
    row = page.locator(f"#incident-tasks-table tr[data-task-id='{task_id}']")
    row.wait_for()
    panel = page.locator(".panel").bounding_box()
    assert panel is not None
    right = panel["x"] + panel["width"]
    # every button in the task's row is whole and inside the panel
    buttons = row.locator("button")
    assert buttons.count() >= 1
    for i in range(buttons.count()):
        b = buttons.nth(i)
        bb = b.bounding_box()
        assert bb is not None and bb["x"] + bb["width"] <= right + 0.5, (b.inner_text(), bb, right)
        clipped = b.evaluate("(e) => e.scrollWidth > e.clientWidth + 1")
        assert not clipped, b.inner_text()
    # the table itself does not need a sideways scroll
    assert not page.evaluate(
        "() => { const s = document.querySelector('#incident-tasks-table')"
        ".closest('.table-scroll'); return s.scrollWidth > s.clientWidth + 1; }"
    )
    # the title wraps to at most three lines
    title = row.locator("td").first
    lines: float = title.evaluate(
        "(td) => { const s = getComputedStyle(td); const lh = parseFloat(s.lineHeight)"
        " || 1.25 * parseFloat(s.fontSize); return (td.getBoundingClientRect().height"
        " - parseFloat(s.paddingTop) - parseFloat(s.paddingBottom)) / lh; }"
    )
    assert lines <= 4.2, lines
    # timeline numbers: room for "100." to the left of the entries
    room = page.evaluate(
        """() => {
            const ol = document.querySelector('#incident-timeline-list');
            const g = document.createElement('canvas').getContext('2d');
            g.font = getComputedStyle(ol).font;
            return [parseFloat(getComputedStyle(ol).paddingLeft), g.measureText('100.').width];
        }"""
    )
    assert room[0] >= room[1] + 4, room
    # the New-task form: the powers box in the panel, its first option in view
    page.click("#task-new summary")
    first = page.locator("#task-powers input[type='checkbox']").first
    first.wait_for(state="attached")
    powers = page.locator("#task-powers").bounding_box()
    assert powers is not None
    assert powers["x"] >= panel["x"] and powers["x"] + powers["width"] <= right + 0.5, (
        powers,
        panel,
    )
    fb: Any = first.bounding_box()
    assert fb is not None and fb["x"] >= powers["x"] and fb["y"] >= powers["y"], (fb, powers)
    screenshot(page, "incident-page-fits-1366x768")


def test_a_units_detail_shows_its_current_task_and_member_counts_in_words(
    registry: tuple[Server, dict[str, int]],  # noqa: F811
    open_ui: OpenUI,
) -> None:
    srv, ids = registry
    token = api_token(srv)
    iid = new_incident(srv, token, "Checkpoint shelled near Sudzha")["id"]
    task_id = new_task(srv, token, iid, "Hold the Sudzha checkpoint")
    post(srv, token, f"/tasks/{task_id}/assign", {"unit_id": ids["krs_bn"]})
    # a unit whose name is not its callsign, as every unit of the demo (the board gave it
    # two lines: the name, then the callsign under it)
    named = post(
        srv,
        token,
        "/units",
        {
            "code": "ARMY-BEL-9",
            "name": "9th Motor Rifle Battalion of the Belgorod garrison",
            "agency_id": ids["army"],
            "category": "garrison",
            "region": "RU-BEL",
            "home": {"lon": 36.6, "lat": 50.6},
            "readiness": 3,
        },
    )
    page, _ = open_ui(srv)
    sign_in(page, srv)
    page.get_by_role("tab", name="Units").click()
    long_row = page.locator(f"#units-table tbody tr[data-unit-id='{named['id']}']")
    long_row.wait_for()
    assert long_row.locator(".unit-link > span").inner_text() == "ARMY-BEL-9"
    assert long_row.locator(".unit-fullname").inner_text().startswith("9th Motor Rifle")
    row = page.locator(f"#units-table tbody tr[data-unit-id='{ids['krs_bn']}']")
    # the status board: one line per unit, with its current task and time in status
    row.locator("td.unit-task-cell", has_text="Hold the Sudzha checkpoint").wait_for()
    assert row.locator("td.unit-status").inner_text() == "assigned"
    assert re.fullmatch(r"\d+[mhd]", row.locator("td.unit-since").inner_text())
    heights = page.locator("#units-table tbody tr").evaluate_all(
        "rows => rows.map(r => r.getBoundingClientRect().height)"
    )
    line = page.evaluate(
        "() => parseFloat(getComputedStyle(document.querySelector('#units-table td')).fontSize)"
    )
    assert max(heights) < 2.4 * line, (heights, line)
    # and every column is in the panel: no sideways scroll
    fit = page.evaluate(
        "() => [document.querySelector('#units-table').getBoundingClientRect().right,"
        " document.querySelector('.panel').getBoundingClientRect().right,"
        " [...document.querySelectorAll('#units-table thead th')].map(th => th.offsetWidth)]"
    )
    assert fit[0] <= fit[1] + 1, fit
    row.click()
    current = page.locator("#unit-current-task")
    current.locator(f"[data-task-id='{task_id}']").wait_for()
    text = current.inner_text()
    assert "Hold the Sudzha checkpoint" in text and "assigned" in text, text
    assert "Checkpoint shelled near Sudzha" in text
    page.locator("#unit-detail .power-list").wait_for()
    powers = page.inner_text("#unit-detail .power-list")
    assert "required members hold" not in powers, powers
    # the incident opens from the unit's task
    current.get_by_role("button", name="Checkpoint shelled near Sudzha").click()
    page.wait_for_selector(f"#incident-page[data-incident-id='{iid}']")


def test_the_event_log_loads_history_names_subjects_and_filters_and_roles_land_on_their_work(
    registry: tuple[Server, dict[str, int]],  # noqa: F811
    open_ui: OpenUI,
) -> None:
    srv, ids = registry
    token = api_token(srv)
    iid = new_incident(srv, token, "Ambush on the Glotovo road")["id"]
    task_id = new_task(srv, token, iid, "Cordon the road")
    post(srv, token, f"/tasks/{task_id}/assign", {"unit_id": ids["co2"]})
    # all of that happened before sign-in: the log shows it from the recent history
    page, _ = open_ui(srv)
    sign_in(page, srv)
    assert page.get_by_role("tab", name="Events").get_attribute("aria-selected") == "true"
    log = page.locator("#event-log")
    opened = log.locator("li[data-type='IncidentOpened']", has_text="Ambush on the Glotovo road")
    opened.wait_for()
    status = log.locator("li[data-type='UnitStatusChanged']", has_text="BEL-2BN-2").first
    status.wait_for()
    assert "Unit BEL-2BN-2" in status.inner_text() and "assigned" in status.inner_text()
    assert "#" not in status.locator(".event-summary").inner_text()
    # the lines are written again from the units' records once the units are loaded (the
    # history comes first, and named a unit not yet known "#127" in the demo)
    renamed = page.evaluate(RENAMED, ids["co2"])
    assert [line.split(":")[0] for line in renamed] == [
        "Unit BEL-2BN-2",
        "Unit RENAMED-1",
        "Unit BEL-2BN-2",
    ], renamed
    # filters: units only, then a search
    page.select_option("#event-filter-kind", "units")
    assert opened.is_hidden() and status.is_visible()
    page.select_option("#event-filter-kind", "all")
    page.fill("#event-filter-text", "Glotovo")
    assert opened.is_visible() and status.is_hidden()
    # events without a sentence of their own still read as words: times in the HQ's
    # zone, codes as words, numbers grouped (the demo's clock lines printed ISO times)
    lines = page.evaluate(EVENT_WORDS)
    for line in lines:
        assert not re.search(r"\d{4}-\d\d-\d\dT", line) and "scenario.clock" not in line, line
    assert lines[0].startswith("Scenario clock moved from 04 Dec, ") and " to 04 Dec, " in lines[0]
    assert lines[1].startswith("Scenario clock handed back to the wall clock at 05 Dec, ")
    assert "cross border incursion" in lines[2] and "95,596" in lines[2], lines[2]
    assert lines[3] == "TAK certificate issued"

    # an HQ commander lands on the incidents
    made = srv.cli(
        "users",
        "add",
        "duty-hq",
        "--role",
        "hq_commander",
        "--password-stdin",
        stdin="a-long-password\n",
    )
    assert made.returncode == 0, made.stdout + made.stderr
    other, _ = open_ui(srv)
    sign_in(other, srv, "duty-hq", "a-long-password")
    wait_until(
        other,
        "() => document.querySelector('#tab-incidents')?.getAttribute('aria-selected') === 'true'",
    )


SHOTS = Path(__file__).resolve().parents[2] / "docs" / "ui-shots"

#: unit ``id``'s UnitStatusChanged line before and after the boards announce the units
#: loaded, the unit's record in between given another callsign (then put back)
RENAMED = """async (id) => {
  const { units } = await import('/ui/unitrecords.js');
  const line = () => [...document.querySelectorAll('#event-log li[data-type="UnitStatusChanged"]')]
    .find((row) => row.eventData.data.unit_id === id).querySelector('.event-summary').textContent;
  const before = line();
  const unit = units.get(id);
  units.set(id, { ...unit, code: 'RENAMED-1', name: 'RENAMED-1' });
  window.dispatchEvent(new CustomEvent('marchwarden:units-loaded'));
  const after = line();
  units.set(id, unit);
  window.dispatchEvent(new CustomEvent('marchwarden:units-loaded'));
  return [before, after, line()];
}"""

#: the event log's words for a scenario clock set and released, a made-up event's data,
#: and an event type's name
EVENT_WORDS = """async () => {
  const log = await import('/ui/eventlog.js');
  const clock = (before, at, released) => log.describeEvent({ type: 'ScenarioClockMoved',
    data: { command: released ? 'scenario.clock.release' : 'scenario.clock.set', before, at,
            released } });
  return [
    clock('2026-12-04T13:20:00+00:00', '2026-12-04T13:30:00+00:00', false),
    clock('2026-12-04T13:30:00+00:00', '2026-12-05T12:40:25.281481+00:00', true),
    log.summarise({ kind: 'cross_border_incursion', at: '2026-12-04T13:20:00+00:00',
                    people: 95596 }),
    log.humanType('TakCertificateIssued'),
  ];
}"""

#: the unit board's headings and power marks whose right edge is past the inner edge of a
#: box around them that clips (overflow other than visible), as "row:text"
CLIPPED_MARKS = """() => [...document.querySelectorAll('#units-table th, #units-table .power-chip')]
.filter((c) => {
  const right = c.getBoundingClientRect().right;
  for (let box = c.parentElement; box; box = box.parentElement) {
    if (getComputedStyle(box).overflowX === 'visible') continue;
    const inner = box.getBoundingClientRect().left + box.clientLeft + box.clientWidth;
    if (right > inner + 0.5) return true;
  }
  return false;
}).map((c) => (c.closest('tr').dataset.unitId ?? 'head') + ':' + c.textContent)"""


def test_screenshots_of_the_console_for_the_docs(
    registry: tuple[Server, dict[str, int]],  # noqa: F811
    open_ui: OpenUI,
) -> None:
    """The pictures in docs/ui.md: the map at overview, zoom 10 and zoom 13, the incident
    page and the Units board, at 1600×1000 and 1280×800. Each is checked to show what it
    should; with MARCHWARDEN_UI_SHOTS=1 they are also written to docs/ui-shots/."""
    srv, ids = registry
    token = api_token(srv)
    made = []
    for i, (severity, state) in enumerate(
        [("extreme", "active"), ("severe", "verified"), ("moderate", None), ("minor", None)]
    ):
        iid = new_incident(
            srv,
            token,
            f"Shot incident {severity}",
            severity=severity,
            place={"type": "Point", "coordinates": [35.5 + 0.25 * i, 50.55 - 0.1 * i]},
        )["id"]
        steps = {"active": ("verified", "active"), "verified": ("verified",)}.get(state or "", ())
        for step in steps:
            post(srv, token, f"/incidents/{iid}/transition", {"to": step})
        made.append(iid)
    task_id = new_task(srv, token, made[0], "Evacuate the school in Grayvoron")
    post(srv, token, f"/tasks/{task_id}/assign", {"unit_id": ids["co1"]})
    write = os.environ.get("MARCHWARDEN_UI_SHOTS") == "1"
    for width, height in ((1600, 1000), (1280, 800)):
        page, _ = open_ui(srv, {"width": width, "height": height})
        sign_in(page, srv)
        page.get_by_role("tab", name="Incidents").click()
        wait_until(page, "(id) => window.marchwarden.incidents?.drawnAt?.(id)", made[0])
        views = [
            ("overview", 50.9, 36.3, 7),
            ("zoom10", 50.5, 35.6, 10),
            ("zoom13", 50.49, 35.47, 13),
        ]
        for name, lat, lon, zoom in views if width == 1280 else []:
            set_view(page, lat, lon, zoom)
            page.wait_for_timeout(300)
            shot = screenshot(page, f"map-{name}-{width}x{height}")
            if write:
                shutil.copy(shot, SHOTS / f"map-{name}.png")
        board_row(page, made[0]).click()
        page.wait_for_selector(f"#incident-page[data-incident-id='{made[0]}']")
        page.wait_for_timeout(300)
        shot = screenshot(page, f"incident-page-{width}x{height}")
        if write:
            shutil.copy(shot, SHOTS / f"incident-page-{width}x{height}.png")
        page.get_by_role("tab", name="Units").click()
        page.locator("#units-table tbody tr").first.wait_for()
        page.wait_for_timeout(300)
        fit = page.evaluate(
            "() => [document.querySelector('#units-table').getBoundingClientRect().right,"
            " document.querySelector('.panel').getBoundingClientRect().right]"
        )
        assert fit[0] <= fit[1] + 1, (width, fit)
        # and no unit's power marks are cut off by a box that clips (the table fitted the
        # panel while a volunteer platoon's fifth mark was cut off at its edge)
        clipped = page.evaluate(CLIPPED_MARKS)
        assert clipped == [], (width, clipped)
        shot = screenshot(page, f"unit-board-{width}x{height}")
        if write:
            shutil.copy(shot, SHOTS / f"unit-board-{width}x{height}.png")


def test_words_not_codes_elapsed_time_and_a_sitrep_that_prints_clean(
    registry: tuple[Server, dict[str, int]],  # noqa: F811
    open_ui: OpenUI,
) -> None:
    srv, _ = registry
    token = api_token(srv)
    iid = new_incident(srv, token, "Power line cut at Dorogoshch")["id"]
    new_task(srv, token, iid, "Guard the substation")
    page, _ = open_ui(srv)
    sign_in(page, srv)
    page.get_by_role("tab", name="Incidents").click()
    row = board_row(page, iid)
    row.wait_for()
    elapsed = page.locator(f"#incidents-groups li[data-incident-id='{iid}'] time.relative-time")
    assert elapsed.inner_text() in ("opened just now", "opened 1 min ago"), elapsed.inner_text()
    assert "UTC" in (elapsed.get_attribute("title") or "")
    # the region by its name: the list names it, the page's facts and the sitrep add the code
    meta = row.locator(".incident-meta").inner_text()
    assert meta.endswith("· Belgorod") and "RU-BEL" not in meta, meta
    row.click()
    page.wait_for_selector(f"#incident-page[data-incident-id='{iid}']")
    assert "Belgorod (RU-BEL)" in page.inner_text("#incident-facts")
    page.click("#incident-sitrep")
    page.wait_for_selector("#sitrep-view[data-ready='true']")
    body = page.inner_text("#sitrep-body")
    assert "Belgorod (RU-BEL)" in body, body
    assert "Guard the substation — no unit yet; asked for" in body, body
    assert "unassigned for" not in body.split("no unit yet")[0].rsplit("\n", 1)[-1]
    page.emulate_media(media="print")
    assert "hover for UTC" not in page.inner_text("#sitrep-body")
    page.emulate_media(media="screen")
    assert "hover for UTC" in page.inner_text("#sitrep-body")


def test_a_bar_announces_new_urgent_events_whatever_board_is_shown(
    registry: tuple[Server, dict[str, int]],  # noqa: F811
    open_ui: OpenUI,
) -> None:
    srv, _ = registry
    token = api_token(srv)
    page, _ = open_ui(srv)
    sign_in(page, srv)
    page.get_by_role("tab", name="Key").click()
    wait_until(page, "() => document.querySelector('#connection').dataset.state === 'live'")
    bar = page.locator("#urgent-bar")
    assert bar.is_hidden()
    new_incident(srv, token, "Minor thing", severity="minor")
    iid = new_incident(srv, token, "Mortar fire on Spodaryushino", severity="extreme")["id"]
    bar.wait_for()
    assert "New extreme incident: Mortar fire on Spodaryushino" in bar.inner_text()
    assert "Minor thing" not in bar.inner_text()
    bar.get_by_role("button", name="Open").click()
    page.wait_for_selector(f"#incident-page[data-incident-id='{iid}']")
    bar.get_by_role("button", name="Dismiss").click()
    assert bar.is_hidden()


def test_the_page_speaks_the_users_language(
    registry: tuple[Server, dict[str, int]],  # noqa: F811
    browser: Browser,
) -> None:
    """A browser asking for Russian gets the Russian catalogue (tabs, the status board's
    columns, the event log); the header's language menu switches this account to English,
    and the page reloads in it."""
    srv, _ = registry
    context = browser.new_context(locale="ru-RU", viewport={"width": 1366, "height": 768})
    try:
        page = context.new_page()
        sign_in(page, srv)
        page.locator("#tab-incidents").wait_for()
        assert page.evaluate("() => document.documentElement.lang") == "ru"
        tabs = page.locator("#tablist [role='tab']").all_inner_texts()
        assert any("Инциденты" in x for x in tabs) and any("Подразделения" in x for x in tabs)
        page.locator("#tab-units").click()
        page.locator("#units-table thead").wait_for()
        assert "Подразделение" in page.inner_text("#units-table thead")
        assert page.locator("#language").input_value() == "ru"
        with page.expect_navigation():  # the account's setting changes, the page reloads
            page.select_option("#language", "en")
        page.locator("#tab-incidents").wait_for()
        wait_until(page, "() => document.documentElement.lang === 'en'")
        assert "Incidents" in page.inner_text("#tab-incidents")
    finally:
        context.close()


def test_the_catalogues_have_the_same_keys() -> None:
    web = Path(__file__).resolve().parents[2] / "src" / "marchwarden" / "web" / "i18n"
    en = json.loads((web / "en.json").read_text(encoding="utf-8"))
    ru = json.loads((web / "ru.json").read_text(encoding="utf-8"))
    assert set(en) == set(ru)
    for k, v in en.items():  # the same placeholders, in the order the language needs
        assert sorted(re.findall(r"\{\w+\}", v)) == sorted(re.findall(r"\{\w+\}", ru[k])), k
