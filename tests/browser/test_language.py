"""The page in the account's language (issue 13), in Chromium: an account set to Russian
from the command line gets a Russian page in an English browser (boards' headings, dates
and figures the Russian way, the HQ's zone shown), the situation report in Russian, and
switching in the header's menu changes the account, so the next page follows it."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.browser.conftest import api_token, create_user, sign_in, wait_until
from tests.browser.test_incidents import new_incident

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page

    from tests.browser.conftest import Traffic
    from tests.e2e.conftest import Server

    OpenUI = Callable[..., tuple[Page, Traffic]]

pytestmark = pytest.mark.browser
PASSWORD = "a-long-password"


def test_the_accounts_language_the_sitrep_in_it_and_switching(
    server: Server, open_ui: OpenUI
) -> None:
    token = api_token(server)
    create_user(server, token, "dezhurny", role="hq_commander")
    made = server.cli("users", "language", "dezhurny", "ru")
    assert made.returncode == 0, made.stdout + made.stderr
    new_incident(server, token, "Обстрел Шебекино")

    page, _ = open_ui(server)  # the browser asks for English (Playwright's default en-US)
    sign_in(page, server, "dezhurny", PASSWORD)
    assert page.evaluate("() => document.documentElement.lang") == "ru"
    assert page.inner_text("#tab-incidents").startswith("Инциденты")
    assert page.inner_text("#sign-out") == "Выйти"
    clock = page.inner_text("#hq-clock")
    assert clock.startswith("Штаб ") and re.search(r"MSK|GMT\+3", clock), clock
    assert page.locator("#language").input_value() == "ru"

    # the region report over all the border regions, in Russian, its dates too
    page.get_by_role("tab", name="Инциденты").click()
    page.select_option("#incidents-sitrep-region", "*border*")
    page.click("#incidents-sitrep")
    page.wait_for_selector("#sitrep-view[data-ready='true'][data-kind='border']")
    body = page.inner_text("#sitrep-body")
    assert "СВОДКА — все приграничные регионы" in body
    assert "Перемещение населения, все приграничные регионы" in body
    assert "Обстрел Шебекино" in body
    for english in ("SITREP", "Casualties", "Displacement", "Period", "Printed"):
        assert english not in body, english
    stamp = page.locator("#sitrep-body .sitrep-meta time").first.inner_text()
    assert re.search("[а-я]", stamp) and re.search(r"MSK|GMT\+3", stamp), stamp
    page.click("#sitrep-close")

    # the printable page from the server, in the account's language too
    token_ru = server.login("dezhurny", PASSWORD)
    printed = httpx.get(
        server.url + "/api/v1/sitreps/border-regions?format=html",
        headers={"Authorization": f"Bearer {token_ru}"},
        timeout=30,
    ).text
    assert "Сводка обстановки — все приграничные регионы" in printed

    # switching in the header changes the account; the page reloads in English
    with page.expect_navigation():
        page.select_option("#language", "en")
    wait_until(page, "() => document.documentElement.lang === 'en' && document.body.dataset.ready")
    assert page.inner_text("#tab-incidents").startswith("Incidents")
    me = httpx.get(
        server.url + "/api/v1/auth/me",
        headers={"Authorization": f"Bearer {token_ru}"},
        timeout=30,
    ).json()
    assert me["user"]["language"] == "en"
