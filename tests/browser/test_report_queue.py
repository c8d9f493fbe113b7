"""The Reports board in a real browser: the verification queue and the report markers.

Reports are posted through the API (as a field device would) while a duty officer's page is
open: they appear on the map and in the queue without a reload; the officer claims one (a
second officer's claim is refused), opens an incident from it, attaches a correlated second
report to that incident and rejects a third with a reason; claims, releases and decisions
by others change the page live; the queue works from the keyboard."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.browser.conftest import (
    HD,
    api_get,
    api_token,
    create_user,
    require_browser,
    require_leaflet,
    screenshot,
    server_env,
    sign_in,
    wait_until,
)
from tests.browser.test_boards import colour_at
from tests.browser.test_ui import DEFICIENCIES, delta_e
from tests.e2e.conftest import ADMIN_PASSWORD, Server

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from playwright.sync_api import Locator, Page

    from tests.browser.conftest import Traffic

    OpenUI = Callable[..., tuple[Page, Traffic]]

pytestmark = pytest.mark.browser

PASSWORD = "a-long-password"
GRAYVORON = (35.66, 50.48)
SUDZHA = (35.27, 51.19)
_keys = itertools.count(1)


@pytest.fixture(scope="module")
def officers(server: Server) -> dict[str, str]:
    """Two duty officers (HQ commanders) and an analyst who may read but not triage."""
    admin = api_token(server)
    for name, role in [("duty-1", "hq_commander"), ("duty-2", "hq_commander")]:
        create_user(server, admin, name, role)
    create_user(server, admin, "reader-1", "analyst")
    return {name: api_token(server, name, PASSWORD) for name in ["duty-1", "duty-2", "reader-1"]}


def call(srv: Server, token: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
    return httpx.post(
        srv.url + "/api/v1" + path,
        headers={"Authorization": f"Bearer {token}"},
        json=body if body is not None else {},
        timeout=30,
    )


def post_report(
    srv: Server,
    token: str,
    *,
    at: tuple[float, float] = GRAYVORON,
    minutes_ago: float = 10,
    rating: str = "B2",
    text: str = "Gunfire and armoured vehicles crossing the border",
    incident_type: str = "gunfire",
    source_kind: str = "volunteer",
    uncertainty_m: float = 200,
) -> dict[str, Any]:
    observed = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    reply = httpx.post(
        srv.url + "/api/v1/reports",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"ui-{next(_keys)}"},
        json={
            "source_kind": source_kind,
            "observed_at": observed.isoformat(),
            "position": {"lon": at[0], "lat": at[1]},
            "uncertainty_m": uncertainty_m,
            "incident_type": incident_type,
            "text": text,
            "rating": rating,
            "reporter": "Sokol-1",
        },
        timeout=30,
    )
    assert reply.status_code == 201, reply.text
    body: dict[str, Any] = reply.json()
    return body


def open_reports(page: Page, srv: Server, user: str) -> None:
    sign_in(page, srv, user, PASSWORD)
    page.get_by_role("tab", name="Reports").click()
    page.locator("#panel-reports").wait_for()
    wait_until(page, "() => !!window.marchwarden.reports && !!window.marchwarden.map")
    wait_until(page, "() => document.querySelector('#reports-count').textContent !== 'loading…'")


def card(page: Page, report_id: int) -> Locator:
    return page.locator(f"#report-list .report-card[data-report-id='{report_id}']")


def wait_for_card(page: Page, report_id: int) -> Locator:
    wait_until(
        page,
        "(id) => !!document.querySelector("
        "`#report-list .report-card[data-report-id='${id}'][data-partial='false']`)",
        report_id,
    )
    return card(page, report_id)


def wait_gone(page: Page, report_id: int) -> None:
    wait_until(
        page,
        "(id) => !window.marchwarden.reports.reports.has(id)"
        " && window.marchwarden.reports.markerAt(id) === null",
        report_id,
    )


def marker(page: Page, report_id: int) -> dict[str, Any]:
    at: dict[str, Any] = wait_until(
        page, "(id) => window.marchwarden.reports.markerAt(id)", report_id
    )
    return at


def show_reports_tab(page: Page) -> None:
    page.get_by_role("tab", name="Reports").click()
    page.locator("#report-list").wait_for(state="attached")


def test_a_report_is_claimed_verified_attached_and_rejected(
    server: Server, officers: dict[str, str], open_ui: OpenUI
) -> None:
    srv = server
    page, _ = open_ui(srv)
    open_reports(page, srv, "duty-1")
    page.evaluate(
        "window.__opened = []; window.addEventListener('marchwarden:open-incident',"
        " (e) => window.__opened.push(e.detail.id))"
    )
    admin = api_token(srv)

    # a report posted through the API appears in the queue and on the map, no reload
    first = post_report(srv, admin, text="Gunfire and two armoured vehicles at the crossing")
    row = wait_for_card(page, first["id"])
    assert page.evaluate("window.performance.getEntriesByType('navigation').length") == 1
    assert "Gunfire" in row.locator(".report-open").inner_text()
    assert row.locator(".report-rating-words").inner_text() == (
        "B2 — usually reliable, probably true"
    )
    assert "Volunteer" in row.locator(".report-meta").inner_text()
    observed = row.locator(".report-meta time")
    assert observed.get_attribute("title", timeout=1000) is not None
    assert str(observed.get_attribute("title")).endswith(" UTC")
    assert "MSK" in observed.inner_text() or "GMT+3" in observed.inner_text()
    assert "two armoured vehicles" in row.locator(".report-text").inner_text()
    assert row.locator(".report-claim").inner_text() == "Not claimed"
    at = marker(page, first["id"])
    assert at["claim"] == "none"
    assert page.evaluate("(id) => window.marchwarden.reports.areaRadius(id)", first["id"]) == 200
    badge = page.locator("#tab-reports .tab-badge")
    assert badge.inner_text() == "1"

    # hovering names it; choosing it on the map chooses it in the queue
    page.mouse.move(at["x"], at["y"])
    tip = page.locator(".leaflet-tooltip.report-label")
    tip.wait_for()
    assert f"Report #{first['id']}: Gunfire (unverified)" in tip.inner_text()
    assert "B2 — usually reliable, probably true" in tip.inner_text()
    page.mouse.click(at["x"], at["y"])
    wait_until(
        page,
        "(id) => document.querySelector(`.report-card[data-report-id='${id}']`)"
        ".getAttribute('aria-current') === 'true'",
        first["id"],
    )
    assert page.evaluate("document.activeElement.classList.contains('report-open')")
    screenshot(page, "reports-queue-1366x768")

    # claim it; a second officer's claim is refused, naming who holds it
    row.locator(".report-open").click()
    page.locator("#report-detail").wait_for()
    assert marker(page, first["id"])["selected"]
    page.click("#report-claim")
    wait_until(
        page,
        "() => document.querySelector('#report-claim-line').textContent"
        ".startsWith('Claimed by you, ')",
    )
    assert "min left" in page.inner_text("#report-claim-line")
    refused = call(srv, officers["duty-2"], f"/reports/{first['id']}/claim")
    assert refused.status_code == 409
    assert refused.json()["claimed_by"] == "duty-1"
    assert page.inner_text("#report-claim-line").startswith("Claimed by you")
    wait_until(
        page, "(id) => window.marchwarden.reports.markerAt(id).claim === 'mine'", first["id"]
    )

    # open a new incident from it: name, type and severity prefilled from the report
    page.click("#report-open-incident summary")
    name = page.locator("#report-new-name").input_value()
    assert name.startswith("Gunfire")
    assert page.locator("#report-new-type").input_value() == "gunfire"
    assert page.locator("#report-new-severity").input_value() == "moderate"
    assert "two armoured vehicles" in page.locator("#report-new-description").input_value()
    page.fill("#report-new-name", "Grayvoron crossing fire")
    screenshot(page, "reports-open-incident-1366x768")
    page.click("#report-open-submit")
    opened: list[int] = wait_until(page, "() => window.__opened.length && window.__opened")
    wait_gone(page, first["id"])
    stored = api_get(srv, admin, f"/reports/{first['id']}")
    assert stored["status"] == "attached"
    assert opened == [stored["incident_id"]]
    incident_id = stored["incident_id"]
    assert api_get(srv, admin, f"/incidents/{incident_id}")["name"] == "Grayvoron crossing fire"

    # a second report near it shows the incident as a suggestion, with reasons; attach it
    second = post_report(
        srv,
        admin,
        at=(GRAYVORON[0] + 0.004, GRAYVORON[1] + 0.002),
        minutes_ago=5,
        rating="C3",
        source_kind="police",
        text="Shots heard from the forest road south of the village",
    )
    show_reports_tab(page)
    row = wait_for_card(page, second["id"])
    assert "May belong to Grayvoron crossing fire" in row.locator(".report-hints").inner_text()
    row.locator(".report-open").click()
    page.click("#report-claim")
    attach = page.get_by_role("button", name="Attach to incident 'Grayvoron crossing fire'")
    attach.wait_for()
    match = page.locator(f"#report-matches li.suggestion[data-incident-id='{incident_id}']")
    reasons = match.locator(".suggestion-reasons").inner_text()
    assert "km from incident 'Grayvoron crossing fire'" in reasons
    assert "km away" in match.locator(".suggestion-title").inner_text()
    screenshot(page, "reports-suggestions-1366x768")
    attach.click()
    wait_gone(page, second["id"])
    stored = api_get(srv, admin, f"/reports/{second['id']}")
    assert (stored["status"], stored["incident_id"]) == ("attached", incident_id)
    assert wait_until(page, "() => window.__opened.length === 2 && window.__opened")[1] == (
        incident_id
    )

    # a third is rejected: not without a reason
    third = post_report(
        srv, admin, at=SUDZHA, rating="E5", source_kind="public", text="Someone says tanks"
    )
    show_reports_tab(page)
    row = wait_for_card(page, third["id"])
    assert row.locator(".report-rating-words").inner_text() == "E5 — unreliable, improbable"
    row.locator(".report-open").click()
    page.click("#report-claim")
    page.locator("#report-reject summary").wait_for()
    page.click("#report-reject summary")
    page.click("#report-reject-submit")
    assert "reason is required" in page.inner_text("#report-reject-form .form-error")
    assert api_get(srv, admin, f"/reports/{third['id']}")["status"] == "pending"
    page.fill("#report-reject-reason", "No such vehicles near Sudzha; the caller retracted")
    page.click("#report-reject-submit")
    wait_gone(page, third["id"])
    stored = api_get(srv, admin, f"/reports/{third['id']}")
    assert stored["status"] == "rejected"
    assert stored["decision_note"] == "No such vehicles near Sudzha; the caller retracted"
    assert "rejected" in page.inner_text("#reports-list-message")
    assert page.locator("#tab-reports .tab-badge").is_hidden()


def test_claims_and_decisions_by_others_change_the_page_live(
    server: Server, officers: dict[str, str], open_ui: OpenUI
) -> None:
    srv = server
    page, _ = open_ui(srv)
    open_reports(page, srv, "duty-1")
    admin = api_token(srv)
    other = officers["duty-2"]
    worked = post_report(srv, admin, at=(36.45, 50.62), text="Drone over the railway bridge")
    dropped = post_report(srv, admin, at=(36.7, 50.8), text="Flares seen over the ridge")
    row = wait_for_card(page, worked["id"])
    wait_for_card(page, dropped["id"])

    # another officer claims, then releases: the row and the marker follow
    assert call(srv, other, f"/reports/{worked['id']}/claim").status_code == 200
    claim = row.locator(".report-claim")
    wait_until(
        page,
        "(id) => document.querySelector(`.report-card[data-report-id='${id}'] .report-claim`)"
        ".textContent.startsWith('Claimed by duty-2, ')",
        worked["id"],
    )
    assert "min left" in claim.inner_text()
    assert row.locator(".report-claim-button").count() == 0
    wait_until(
        page, "(id) => window.marchwarden.reports.markerAt(id).claim === 'other'", worked["id"]
    )
    screenshot(page, "reports-claimed-by-another-1366x768")
    assert call(srv, other, f"/reports/{worked['id']}/release").status_code == 200
    wait_until(
        page,
        "(id) => document.querySelector(`.report-card[data-report-id='${id}'] .report-claim`)"
        ".textContent === 'Not claimed'",
        worked["id"],
    )

    # another officer's rejection takes the report off the queue and the map
    assert call(srv, other, f"/reports/{dropped['id']}/claim").status_code == 200
    assert (
        call(srv, other, f"/reports/{dropped['id']}/reject", {"reason": "flares are ours"})
    ).status_code == 200
    wait_gone(page, dropped["id"])
    wait_until(
        page,
        "(id) => !document.querySelector(`.report-card[data-report-id='${id}']`)",
        dropped["id"],
    )

    # a claim the page has not heard of (its stream is stopped): the refusal in plain words
    page.evaluate("window.marchwarden.stream.stop()")
    assert call(srv, other, f"/reports/{worked['id']}/claim").status_code == 200
    row.locator(".report-claim-button").click()
    message = page.locator("#report-detail-message")
    wait_until(
        page,
        "() => document.querySelector('#report-detail-message').textContent.length > 0",
    )
    text = message.inner_text()
    assert text.startswith("duty-2 claimed this report first and holds it until ")
    assert "Only they can verify or reject it" in text
    assert page.inner_text("#report-claim-line").startswith("Claimed by duty-2, ")
    assert page.locator("#report-claim").count() == 0
    assert page.locator("#report-decisions").is_hidden()
    screenshot(page, "reports-claim-refused-1366x768")


def test_the_queue_works_from_the_keyboard(
    server: Server, officers: dict[str, str], open_ui: OpenUI
) -> None:
    srv = server
    page, _ = open_ui(srv, HD)
    open_reports(page, srv, "duty-1")
    admin = api_token(srv)
    good = post_report(srv, admin, at=(35.5, 50.6), rating="A1", minutes_ago=30, text="Good one")
    poor = post_report(srv, admin, at=(35.6, 50.75), rating="E5", minutes_ago=3, text="Poor one")
    wait_for_card(page, good["id"])
    wait_for_card(page, poor["id"])

    def order() -> list[int]:
        ids: list[int] = page.evaluate(
            "(ids) => [...document.querySelectorAll('#report-list .report-card')]"
            ".map((li) => Number(li.dataset.reportId)).filter((id) => ids.includes(id))",
            [good["id"], poor["id"]],
        )
        return ids

    # newest observed first by default; the most reliable first on request
    assert order() == [poor["id"], good["id"]]

    # from the tab, Tab reaches the board's controls and then the first report
    page.focus("#tab-reports")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "reports-sort"
    page.keyboard.press("End")  # the last order: waiting longest
    assert page.locator("#reports-sort").input_value() == "waiting"
    assert order() == [good["id"], poor["id"]]
    page.keyboard.press("Home")
    assert page.locator("#reports-sort").input_value() == "newest"
    assert order() == [poor["id"], good["id"]]
    page.locator("#reports-sort").select_option("reliable")
    assert order() == [good["id"], poor["id"]]
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('report-open')"):
            break
    first_id = page.evaluate(
        "Number(document.activeElement.closest('.report-card').dataset.reportId)"
    )
    # the arrow keys move between reports
    page.keyboard.press("ArrowDown")
    second_id = page.evaluate(
        "Number(document.activeElement.closest('.report-card').dataset.reportId)"
    )
    assert second_id != first_id
    page.keyboard.press("ArrowUp")
    assert (
        page.evaluate("Number(document.activeElement.closest('.report-card').dataset.reportId)")
        == first_id
    )
    page.keyboard.press("Home")
    top = page.evaluate("Number(document.activeElement.closest('.report-card').dataset.reportId)")
    assert top == page.evaluate(
        "Number(document.querySelector('#report-list .report-card').dataset.reportId)"
    )
    # move to the good report and open it with Enter
    while (
        page.evaluate("Number(document.activeElement.closest('.report-card').dataset.reportId)")
        != good["id"]
    ):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.locator("#report-detail").wait_for()
    assert page.evaluate("document.activeElement.id") == "report-detail-title"
    assert page.evaluate("window.marchwarden.reports.selected()") == good["id"]
    # Tab to "Claim this report", Enter claims it
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "report-claim":
            break
    assert page.evaluate("document.activeElement.id") == "report-claim"
    page.keyboard.press("Enter")
    wait_until(
        page,
        "() => document.querySelector('#report-claim-line').textContent"
        ".startsWith('Claimed by you')",
    )
    assert api_get(srv, admin, f"/reports/{good['id']}")["claim"]["by"] == "duty-1"
    # Escape goes back to the queue, to the same report
    page.keyboard.press("Escape")
    page.locator("#report-list").wait_for()
    assert (
        page.evaluate("Number(document.activeElement.closest('.report-card').dataset.reportId)")
        == good["id"]
    )
    assert "Claimed by you" in card(page, good["id"]).locator(".report-claim").inner_text()
    screenshot(page, "reports-keyboard-1366x768")


def test_a_role_that_cannot_triage_sees_no_claim_buttons(
    server: Server, officers: dict[str, str], open_ui: OpenUI
) -> None:
    srv = server
    page, _ = open_ui(srv)
    open_reports(page, srv, "reader-1")
    report = post_report(srv, api_token(srv), at=(35.8, 50.9), text="Seen by a reader")
    row = wait_for_card(page, report["id"])
    assert row.locator(".report-claim-button").count() == 0
    row.locator(".report-open").click()
    page.locator("#report-detail").wait_for()
    assert page.locator("#report-claim").count() == 0
    assert "cannot verify" in page.inner_text("#report-detail .report-actions") or (
        "not verify" in page.inner_text("#report-detail .report-actions")
    )
    assert call(srv, officers["reader-1"], f"/reports/{report['id']}/claim").status_code == 403


#: a strip of the incident severity fills (incidentsymbols.js), drawn over the map
SEVERITY_SWATCHES = """async () => {
  const { SEVERITY } = await import('/ui/incidentsymbols.js');
  const strip = document.createElement('div');
  strip.id = 'test-swatches';
  Object.assign(strip.style, {
    position: 'fixed', left: '10px', top: '120px', zIndex: 10000, display: 'flex', gap: '4px',
  });
  const points = {};
  Object.entries(SEVERITY).forEach(([name, s], i) => {
    const box = document.createElement('div');
    Object.assign(box.style, { width: '24px', height: '24px', background: s.fill });
    strip.append(box);
    points[name] = { x: 10 + i * 28 + 12, y: 132 };
  });
  document.body.append(strip);
  return points;
}"""


def test_report_markers_stay_apart_from_incidents_and_regions_for_colour_blind_eyes(
    server: Server, officers: dict[str, str], open_ui: OpenUI
) -> None:
    """Chromium simulates each deficiency: the report symbol's fill must differ clearly
    (CIE76 ΔE) from every incident severity fill and from the region under it. Shapes
    differ as well (a speech bubble; incidents have a shape per category)."""
    srv = server
    page, _ = open_ui(srv)
    open_reports(page, srv, "duty-1")
    report = post_report(srv, api_token(srv), at=(36.6, 50.75), text="Colour check")
    wait_for_card(page, report["id"])
    page.get_by_role("checkbox", name="Settlements").uncheck()
    page.mouse.move(5, HD["height"] - 5)
    at = marker(page, report["id"])
    assert at["claim"] == "none" and not at["selected"]
    swatches: dict[str, dict[str, float]] = page.evaluate(SEVERITY_SWATCHES)
    region = {"x": at["x"] - 30, "y": at["y"] - 30}
    cdp = page.context.new_cdp_session(page)
    for deficiency, least in {"none": 10, **DEFICIENCIES}.items():
        cdp.send("Emulation.setEmulatedVisionDeficiency", {"type": deficiency})
        png = screenshot(page, f"reports-colours-{deficiency}").read_bytes()
        fill = colour_at(page, png, {"x": at["x"], "y": at["y"] - 2, "r": 6})
        ground = colour_at(page, png, {**region, "r": 6})
        assert delta_e(fill, ground) >= least, (deficiency, fill, ground)
        for name, point in swatches.items():
            other = colour_at(page, png, {**point, "r": 6})
            assert delta_e(fill, other) >= least, (deficiency, name, fill, other)
    cdp.send("Emulation.setEmulatedVisionDeficiency", {"type": "none"})


CLAIM_SECONDS = 6


@pytest.fixture
def short_claims(tmp_path: Path) -> Iterator[Server]:
    """A server of the test's own whose claims last a few seconds."""
    require_browser()
    require_leaflet()
    env = server_env(tmp_path) | {"MARCHWARDEN_REPORT_CLAIM_TTL_SECONDS": str(CLAIM_SECONDS)}
    srv = Server(env=env, log_path=tmp_path / "server.log")
    made = srv.cli(
        "users", "add", "admin", "--role", "admin", "--password-stdin", stdin=ADMIN_PASSWORD + "\n"
    )
    assert made.returncode == 0, made.stdout + made.stderr
    srv.start()
    yield srv
    srv.stop()


#: the board's words for the refusals the API gives (problem+json as the server sends it)
REFUSAL_WORDS = """async (problems) => {
  const { refusalWords } = await import('/ui/reports.js');
  const { ApiError } = await import('/ui/api.js');
  return problems.map((p) => refusalWords(new ApiError(409, p, 'raw')));
}"""


def test_a_claim_runs_out_and_refusals_are_in_plain_words(
    short_claims: Server, open_ui: OpenUI
) -> None:
    srv = short_claims
    admin = api_token(srv)
    for name in ["duty-1", "duty-2"]:
        create_user(srv, admin, name, "hq_commander")
    page, _ = open_ui(srv)
    open_reports(page, srv, "duty-1")
    report = post_report(srv, admin, text="Vehicles on the field track")
    row = wait_for_card(page, report["id"])
    row.locator(".report-claim-button").click()
    wait_until(
        page,
        "() => document.querySelector('#report-claim-line').textContent"
        " === 'Claimed by you, less than a minute left'",
    )
    assert page.locator("#report-decisions").is_visible()
    # the claim runs out: the page says so and no longer offers the decisions
    wait_until(
        page,
        "() => document.querySelector('#report-claim-line').textContent"
        " === 'Not claimed (your claim ran out)'",
        timeout_s=CLAIM_SECONDS + 15,
    )
    assert page.locator("#report-decisions").is_hidden()
    assert page.locator("#report-claim").is_visible()
    # so another officer may claim it, and the page shows who holds it now
    other = api_token(srv, "duty-2", PASSWORD)
    assert call(srv, other, f"/reports/{report['id']}/claim").status_code == 200
    wait_until(
        page,
        "() => document.querySelector('#report-claim-line').textContent"
        ".startsWith('Claimed by duty-2')",
    )
    # what a decision refused by the server says
    until = (datetime.now(UTC) + timedelta(minutes=7, seconds=20)).isoformat()
    problems = [
        {
            "type": "/problems/report-claimed",
            "detail": "report 1 is claimed by duty-2",
            "claimed_by": "duty-2",
            "claim_expires_at": until,
        },
        {"type": "/problems/report-claim-expired", "detail": "your claim on report 1 ran out"},
        {
            "type": "/problems/report-already-decided",
            "detail": "report 1 was already rejected by duty-2",
            "report_status": "rejected",
        },
        {  # the server's clock says 3 minutes left; this browser's clock is an hour off
            "type": "/problems/report-claimed",
            "detail": "report 1 is claimed by duty-2",
            "claimed_by": "duty-2",
            "claim_expires_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
            "seconds_left": 180,
        },
    ]
    claimed, expired, decided, skewed = page.evaluate(REFUSAL_WORDS, problems)
    assert claimed.startswith("duty-2 claimed this report first and holds it until ")
    assert "(7 min left)" in claimed
    assert "(3 min left)" in skewed, skewed
    assert expired == (
        "Your claim on this report ran out, so nothing was changed. Claim it again to go on."
    )
    assert decided.startswith("Someone else already rejected this report")
