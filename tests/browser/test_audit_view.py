"""For the other roles, in Chromium: the auditor's board (filter, verification, exports;
nothing that changes anything) and the COP's notifications (a new task for my unit in
the header and the title)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import api_token, create_user, sign_in, wait_until
from tests.browser.test_boards import load_registry, post
from tests.browser.test_incidents import new_incident, point

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from playwright.sync_api import Page

    from tests.browser.conftest import Traffic
    from tests.e2e.conftest import Server

    OpenUI = Callable[..., tuple[Page, Traffic]]

pytestmark = pytest.mark.browser


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
    tmp = tmp_path_factory.mktemp("audit-server")
    env = server_env(tmp)
    ids = load_registry(env)
    srv = start_server(tmp)  # the same environment, on the store made above
    yield srv, ids
    srv.stop()


def test_the_auditor_browses_filters_verifies_and_changes_nothing(
    registry: tuple[Server, dict[str, int]], open_ui: OpenUI
) -> None:
    srv, _ = registry
    token = api_token(srv)
    create_user(srv, token, "aud", "auditor")
    new_incident(srv, token, "Shelling of Shebekino")
    page, _ = open_ui(srv)
    sign_in(page, srv, "aud", "a-long-password")
    page.get_by_role("tab", name="Audit").click()
    page.wait_for_selector("#audit-verify[data-ok='true']")
    assert "Chain intact" in page.inner_text("#audit-verify")
    page.wait_for_selector("#audit-rows tr")
    page.fill("#audit-command", "incident.*")
    page.click("#audit-apply")
    wait_until(
        page,
        "() => [...document.querySelectorAll('#audit-rows tr td:nth-child(4)')]"
        ".every((td) => td.textContent === 'incident.open') && "
        "document.querySelectorAll('#audit-rows tr').length === 1",
    )
    with page.expect_download() as download:
        page.click("#audit-export-csv")
    assert download.value.suggested_filename == "audit.csv"
    # read-only: the board offers nothing but showing, verifying and exporting
    labels = page.eval_on_selector_all("#panel-audit button", "bs => bs.map((b) => b.id)")
    assert set(labels) <= {
        "audit-verify-button",
        "audit-export-jsonl",
        "audit-export-csv",
        "audit-apply",
        "audit-more",
    }


def test_a_unit_commander_is_told_of_a_new_task_in_the_header_and_the_title(
    registry: tuple[Server, dict[str, int]], open_ui: OpenUI
) -> None:
    srv, ids = registry
    token = api_token(srv)
    create_user(srv, token, "cmdr-co2", "unit_commander", {"kind": "unit", "unit_id": ids["co2"]})
    page, _ = open_ui(srv)
    sign_in(page, srv, "cmdr-co2", "a-long-password")
    base = page.title()
    incident = new_incident(srv, token, "Evacuation of Novaya Tavolzhanka", place=point(36.1, 50.3))
    body = {"title": "Guide the buses", "required_powers": [], "minimum_readiness": 0}
    task = post(srv, token, f"/incidents/{incident['id']}/tasks", body)["id"]
    post(srv, token, f"/tasks/{task}/assign", {"unit_id": ids["co2"]})
    page.wait_for_selector(f"#notifications [data-key='tasks']:has-text('task {task}')")
    wait_until(
        page, "(base) => /^\\(\\d+\\) /.test(document.title) && document.title.endsWith(base)", base
    )
