"""The Alerts board in a real browser: compose an alert with a preview of the people in
its area, the drafter's own approval refused (Severe needs a second person), a second
person approves it from another browser (the drafter's board follows live), publish;
the area on the map's "Alert areas" layer and the alert in the public feed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest

from tests.browser.conftest import api_token, create_user, screenshot, sign_in, wait_until

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page

    from tests.browser.conftest import Traffic
    from tests.e2e.conftest import Server

    OpenUI = Callable[..., tuple[Page, Traffic]]

pytestmark = pytest.mark.browser
PASSWORD = "a-long-password"


def _card_state(page: Page, alert_id: int) -> str:
    return page.locator(f"#alert-{alert_id} .alert-state-word").inner_text()


def test_compose_approve_by_a_second_person_and_publish(server: Server, open_ui: OpenUI) -> None:
    token = api_token(server)
    create_user(server, token, "duty1", "hq_commander")
    create_user(server, token, "duty2", "hq_commander")

    page, _ = open_ui(server)
    sign_in(page, server, "duty1", PASSWORD)
    page.click("#tab-alerts")
    page.select_option("#alert-severity", "Severe")
    page.fill("#alert-area-names", "Grayvoron, Kozinka")
    page.click("#alert-preview-button")
    wait_until(page, "() => document.querySelector('#alert-preview').dataset.population")
    preview = page.locator("#alert-preview").inner_text()
    assert "2 settlements" in preview and "Grayvoron" in preview
    # the instruction template is filled in for the chosen instruction
    assert "shelter" in page.locator("#alert-instruction-en").input_value().lower()
    page.fill("#alert-headline-en", "Incursion near Grayvoron: take shelter")
    page.fill("#alert-headline-ru", "Вторжение у Грайворона: укройтесь")
    page.click("#alert-draft")
    page.wait_for_selector("#alerts-list .alert-card[data-state='draft']")
    alert_id = int(
        page.locator("#alerts-list .alert-card[data-state='draft']")
        .first.get_attribute("id")
        .removeprefix("alert-")  # type: ignore[union-attr]
    )
    assert _card_state(page, alert_id) == "Draft"
    # the drafter cannot approve a Severe alert
    page.click(f"#alert-{alert_id}-approve")
    page.wait_for_selector("#alerts-message.form-error")
    assert "second person" in page.locator("#alerts-message").inner_text()
    assert _card_state(page, alert_id) == "Draft"
    # the draft is drawn dashed on the map's Alert areas layer
    wait_until(page, "(id) => document.querySelector(`.alert-area-${id}`)", alert_id)

    other, _ = open_ui(server)
    sign_in(other, server, "duty2", PASSWORD)
    other.click("#tab-alerts")
    other.wait_for_selector(f"#alert-{alert_id}-approve")
    other.click(f"#alert-{alert_id}-approve")
    other.wait_for_selector(f"#alert-{alert_id}[data-state='approved']")
    # the drafter's board follows over the stream
    page.wait_for_selector(f"#alert-{alert_id}[data-state='approved']")
    page.click(f"#alert-{alert_id}-publish")
    page.wait_for_selector(f"#alert-{alert_id}[data-state='published']")
    assert "in the public feed" in page.locator(f"#alert-{alert_id}").inner_text()
    link = page.locator(f"#alert-{alert_id} .alert-messages a").first
    identifier = link.inner_text().removeprefix("Alert ")
    other.wait_for_selector(f"#alert-{alert_id}[data-state='published']")
    screenshot(page, "alerts-board-published")

    feed = httpx.get(server.url + "/cap/feed.atom", timeout=10)
    assert feed.status_code == 200 and identifier.encode() in feed.content
    doc = httpx.get(server.url + f"/cap/{identifier}.xml", timeout=10)
    assert doc.status_code == 200 and b"<msgType>Alert</msgType>" in doc.content
