"""Notifications in the COP, in Chromium (docs/ui.md "Notifications"): a badge on the
board's tab for what waits on this person, the total in the title, live over the stream
and loaded at sign-in; nothing for whom the policy does not let see or act."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import api_token, create_user, sign_in, wait_until
from tests.browser.test_boards import load_registry, post
from tests.browser.test_incidents import new_incident, point
from tests.integration.alert_support import alert_body

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from playwright.sync_api import Page

    from tests.browser.conftest import Traffic
    from tests.e2e.conftest import Server

    OpenUI = Callable[..., tuple[Page, Traffic]]

pytestmark = pytest.mark.browser
PASSWORD = "a-long-password"
BADGE = "#tab-{board} .tab-badge"


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict[str, int]]]:
    from tests.browser.conftest import (
        require_browser,
        require_leaflet,
        server_env,
        start_server,
    )

    require_browser()
    require_leaflet()
    tmp = tmp_path_factory.mktemp("notify-server")
    env = server_env(tmp)
    ids = load_registry(env)
    srv = start_server(tmp)  # the same environment, on the store made above
    yield srv, ids
    srv.stop()


def badge(page: Page, board: str) -> str | None:
    """The attention badge's count on a board's tab (None: not shown, or not attention)."""
    value: str | None = page.evaluate(
        """(sel) => {
            const b = document.querySelector(sel);
            return b && !b.hidden && b.dataset.kind === 'attention' ? b.textContent : null;
        }""",
        BADGE.format(board=board),
    )
    return value


def title_count(page: Page) -> int:
    value: int = page.evaluate(
        "() => Number((document.title.match(/^\\((\\d+)\\) /) || [0, 0])[1])"
    )
    return value


def shown(page: Page, board: str, count: str) -> None:
    wait_until(
        page,
        """([sel, n]) => {
            const b = document.querySelector(sel);
            return b && !b.hidden && b.dataset.kind === 'attention' && b.textContent === n;
        }""",
        [BADGE.format(board=board), count],
    )


def test_a_severe_draft_waits_on_a_second_approver_not_on_its_drafter(
    registry: tuple[Server, dict[str, int]], open_ui: OpenUI
) -> None:
    srv, _ = registry
    token = api_token(srv)
    create_user(srv, token, "duty-a", "hq_commander")
    create_user(srv, token, "duty-b", "hq_commander")
    regions = {"kind": "regions", "regions": ["RU-BEL"]}
    create_user(srv, token, "belgorod", "regional_coordinator", regions)
    create_user(
        srv, token, "kursk", "regional_coordinator", {"kind": "regions", "regions": ["RU-KRS"]}
    )
    drafter, _ = open_ui(srv)
    sign_in(drafter, srv, "duty-a", PASSWORD)
    approver, _ = open_ui(srv)
    sign_in(approver, srv, "belgorod", PASSWORD)
    elsewhere, _ = open_ui(srv)
    sign_in(elsewhere, srv, "kursk", PASSWORD)
    for page in (drafter, approver, elsewhere):
        assert page.is_visible("#tab-alerts") and badge(page, "alerts") is None
    # the header names a coordinator's region, not its code
    assert approver.inner_text("#who-scope") == "Belgorod"
    assert elsewhere.inner_text("#who-scope") == "Kursk"
    before = title_count(approver)

    expires = (datetime.now(UTC) + timedelta(hours=6)).isoformat()
    alert = post(srv, api_token(srv, "duty-a", PASSWORD), "/alerts", alert_body(expires=expires))
    assert alert["severity"] == "Severe" and alert["may_approve"] is False

    # live: the Belgorod coordinator may approve a Belgorod area draft: badge and title
    shown(approver, "alerts", "1")
    wait_until(approver, "(n) => document.title.startsWith(`(${n}) `)", before + 1)
    # the drafter's list has the draft (the stream reached it) but no badge: second person
    drafter.wait_for_selector(f"#alert-{alert['id']}", state="attached")
    time.sleep(1)
    assert badge(drafter, "alerts") is None
    # Kursk may not even read it
    assert badge(elsewhere, "alerts") is None
    assert elsewhere.locator(f"#alert-{alert['id']}").count() == 0

    # at sign-in: another HQ commander is told at once
    late, _ = open_ui(srv)
    sign_in(late, srv, "duty-b", PASSWORD)
    shown(late, "alerts", "1")

    # approved by Belgorod: the badge goes from both approvers' tabs (it stays until done,
    # showing the board does not clear it)
    approver.click("#tab-alerts")
    assert badge(approver, "alerts") == "1"
    approver.click(f"#alert-{alert['id']}-approve")
    approver.wait_for_selector(f"#alert-{alert['id']}[data-state='approved']")
    wait_until(approver, "() => document.querySelector('#tab-alerts .tab-badge').hidden")
    wait_until(late, "() => document.querySelector('#tab-alerts .tab-badge').hidden")
    assert title_count(approver) == before


def test_a_new_task_raises_the_badge_of_its_units_commander_only(
    registry: tuple[Server, dict[str, int]], open_ui: OpenUI
) -> None:
    srv, ids = registry
    token = api_token(srv)
    create_user(
        srv, token, "cmdr-bel-2bn", "unit_commander", {"kind": "unit", "unit_id": ids["bn2"]}
    )
    create_user(
        srv, token, "cmdr-krs-1bn", "unit_commander", {"kind": "unit", "unit_id": ids["krs_bn"]}
    )
    create_user(
        srv, token, "kursk-2", "regional_coordinator", {"kind": "regions", "regions": ["RU-KRS"]}
    )
    mine, _ = open_ui(srv)
    sign_in(mine, srv, "cmdr-bel-2bn", PASSWORD)
    others = []
    for name in ("cmdr-krs-1bn", "kursk-2"):
        page, _ = open_ui(srv)
        sign_in(page, srv, name, PASSWORD)
        others.append(page)
    assert badge(mine, "units") is None and title_count(mine) == 0

    incident = new_incident(srv, token, "Drone over Shebekino", place=point(36.9, 50.4))
    body = {"title": "Cordon the school", "required_powers": [], "minimum_readiness": 0}
    task = post(srv, token, f"/incidents/{incident['id']}/tasks", body)["id"]
    post(srv, token, f"/tasks/{task}/assign", {"unit_id": ids["bn2"]})

    shown(mine, "units", "1")
    wait_until(mine, "() => document.title.startsWith('(1) ')")
    # the board shown does not clear it: it waits for an answer
    mine.click("#tab-units")
    assert badge(mine, "units") == "1"
    time.sleep(1)
    for page in others:
        assert badge(page, "units") is None and title_count(page) == 0

    # signed in afterwards: loaded at once
    again, _ = open_ui(srv)
    sign_in(again, srv, "cmdr-bel-2bn", PASSWORD)
    shown(again, "units", "1")

    # accepted: nothing waits any more
    post(srv, api_token(srv, "cmdr-bel-2bn", PASSWORD), f"/tasks/{task}/accept", {"note": ""})
    wait_until(mine, "() => document.querySelector('#tab-units .tab-badge').hidden")
    wait_until(mine, "() => !/^\\(\\d+\\) /.test(document.title)")
