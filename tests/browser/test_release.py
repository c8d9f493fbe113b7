"""The release analysis on the Law board in Chromium, on the registry of
tests/integration/test_api_release.py (an army unit beside an activated volunteer battalion
at Grayvoron, a guard unit beside one not activated at Sudzha, an army unit alone at
Klimovo): the units LSD-2023 frees, highlighted on the map; the settlements that stay
covered; what stands in the way with the gain of each condition; an activation chosen on
the board; and the one-page brief, printable."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from marchwarden.adapters.db.engine import create_engine
from marchwarden.adapters.db.migrate import upgrade
from marchwarden.bootstrap import build_services
from marchwarden.settings import Settings
from tests.browser.conftest import (
    api_get,
    api_token,
    require_browser,
    require_leaflet,
    screenshot,
    server_env,
    sign_in,
    wait_until,
)
from tests.e2e.conftest import ADMIN_PASSWORD, Server
from tests.integration.test_api_release import release_world

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from playwright.sync_api import Page

    from tests.browser.conftest import Traffic

    OpenUI = Callable[..., tuple[Page, Traffic]]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict[str, int]]]:
    require_browser()
    require_leaflet()
    tmp = tmp_path_factory.mktemp("release-server")
    env = server_env(tmp)
    url = env["MARCHWARDEN_DATABASE_URL"]
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    svc = build_services(
        Settings(
            _env_file=None, database_url=url, audit_anchor_path=env["MARCHWARDEN_AUDIT_ANCHOR_PATH"]
        )
    )
    try:
        ids = release_world(svc)
    finally:
        svc.db.engine.dispose()
    srv = Server(env=env, log_path=tmp / "server.log")
    made = srv.cli(
        "users", "add", "admin", "--role", "admin", "--password-stdin", stdin=ADMIN_PASSWORD + "\n"
    )
    assert made.returncode == 0, made.stdout + made.stderr
    srv.start()
    yield srv, ids
    srv.stop()


def test_release_analysis_on_the_law_board(
    world: tuple[Server, dict[str, int]], open_ui: OpenUI
) -> None:
    srv, ids = world
    page, _ = open_ui(srv)
    sign_in(page, srv)
    page.get_by_role("tab", name="Law").click()
    page.locator("#act-list > li").first.wait_for()
    expected = api_get(srv, api_token(srv), "/whatif/release?with=LSD-2023")
    page.click("#release-run")
    page.locator("#release-result[data-state='done']").wait_for()
    assert page.evaluate("document.activeElement.id") == "release-heading"
    assert "null" not in page.inner_text("#release-result")

    # the two plans, as the API says
    plans = page.locator("#release-plans tbody tr")
    assert plans.count() == 2
    after = page.locator("#release-plans tr[data-plan='after']")
    assert after.locator("td.kept").inner_text() == str(len(expected["after"]["kept"]))
    assert after.locator("td.released").inner_text() == str(len(expected["after"]["released"]))
    assert after.get_attribute("data-method") == "optimal"
    freed = page.locator("#release-freed")
    assert "The act frees 1 unit (10 people)" in freed.inner_text()
    assert freed.locator(".unit-link").all_inner_texts() == ["ARMY-BEL-1"]

    # the map: the freed unit and the kept ones ringed; covered settlements marked
    assert page.locator(".leaflet-release-pane path.release-freed").count() == 1
    assert page.locator(".leaflet-release-pane path.release-kept").count() == len(
        expected["after"]["kept"]
    )
    staying = [
        s for s in expected["settlements"] if s["state"] in ("covered_by_others", "kept_covered")
    ]
    assert page.locator(".leaflet-release-pane path.release-covered").count() == len(staying)
    assert "could be released" in page.locator("#release-legend").inner_text()

    # what stands in the way: the Kursk battalion would gain by activation
    row = page.locator(f"#release-stand tr[data-battalion='{ids['krs_bn']}']")
    assert row.locator("td[data-kind='unit_activated']").inner_text() == "+8 (+1)"
    assert "KRS-1BN: +8 members, +1 units" in page.locator("#release-best").inner_text()
    screenshot(page, "release-1366x768")

    # activate it on the board and run again: the guard unit is freed as well
    page.get_by_role("checkbox", name="KRS-1BN: +8 members, +1 units").check()
    page.click("#release-run")
    page.locator("#release-heading", has_text="activation of KRS-1BN").wait_for()
    assert sorted(page.locator("#release-freed .unit-link").all_inner_texts()) == [
        "ARMY-BEL-1",
        "NG-KRS-1",
    ]
    assert page.locator(".leaflet-release-pane path.release-freed").count() == 2

    # the one-page brief: what the act changes, what it frees, what it needs; printable
    page.click("#release-brief-open")
    brief = page.locator("#release-brief")
    brief.wait_for()
    assert page.evaluate("document.activeElement.id") == "release-brief-heading"
    text = brief.inner_text()
    for heading in ("What the act changes", "What it frees", "What it needs"):
        assert heading in text
    assert "ARMY-BEL-1" in page.inner_text("#release-brief-frees")
    whatif = api_get(srv, api_token(srv), "/whatif?with=LSD-2023")
    armed = next(p for p in whatif["powers"] if p["power"] == "armed_response")
    powers = page.locator("#release-brief-powers li").all_inner_texts()
    gain = f"+{armed['members_gained']} members, +{armed['units_gained']} units hold it"
    assert f"{armed['label']}: {gain}" in powers
    screenshot(page, "release-brief-1366x768")
    page.emulate_media(media="print")
    assert page.locator("#map").is_hidden()
    assert page.locator("#release-brief-body").is_visible()
    assert page.locator(".release-brief-toolbar").is_hidden()
    pdf = page.pdf(format="A4")
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 1  # one page
    page.emulate_media(media="screen")
    page.keyboard.press("Escape")
    assert brief.is_hidden()
    assert page.evaluate("document.activeElement.id") == "release-brief-open"

    # the overlay can be cleared
    page.click("#release-clear")
    assert page.locator(".leaflet-release-pane path.release-unit").count() == 0


def test_the_brief_in_russian(world: tuple[Server, dict[str, int]], open_ui: OpenUI) -> None:
    """Switched to Russian in the header's language menu, the release section and its brief
    speak Russian (unit and act codes as they are), figures grouped the Russian way."""
    srv, _ = world
    page, _ = open_ui(srv)
    sign_in(page, srv)
    with page.expect_navigation():  # the page reloads in the chosen language
        page.select_option("#language", "ru")
    wait_until(page, "() => document.documentElement.lang === 'ru' && document.body.dataset.ready")
    page.get_by_role("tab", name="Право").click()
    page.locator("#act-list > li").first.wait_for()
    assert page.inner_text("#law-release-title") == "Какие подразделения может высвободить акт?"
    expected = api_get(srv, api_token(srv), "/whatif/release?with=LSD-2023")
    page.get_by_role("button", name="Выполнить анализ высвобождения").click()
    page.locator("#release-result[data-state='done']").wait_for()
    heading = page.inner_text("#release-heading")
    assert heading == "Анализ высвобождения: действующие акты + LSD-2023"
    assert "Акт высвобождает подразделений: 1 (10 чел.)" in page.inner_text("#release-freed")
    best = page.inner_text("#release-best")
    assert "KRS-1BN: активация подразделения — +8 чел., +1 подразд." in best
    cols = page.locator("#release-plans thead th").all_inner_texts()
    assert cols[:2] == ["Правовая база", "Остаются"]

    page.click("#release-brief-open")
    page.locator("#release-brief").wait_for()
    heading = page.inner_text("#release-brief-heading")
    assert heading == "Справка: что меняет акт, что он высвобождает, что для этого нужно"
    people = expected["covered_today_population"]
    assert people >= 1000  # so that it has a thousands separator
    grouped = f"{people:,}".replace(",", "\u00a0")  # Intl's Russian grouping: a no-break space
    coverage = page.inner_text("#release-brief-coverage")
    assert f"(население {grouped} чел.)" in coverage, coverage
    powers = page.locator("#release-brief-powers li").all_inner_texts()
    armed = "Вооружённое противодействие нападению: личный состав +"
    assert any(p.startswith(armed) for p in powers), powers
    month = page.locator("#release-brief .sitrep-meta time").inner_text()
    assert re.search("[а-я]", month), month  # the month in Russian
    text = page.inner_text("#release-brief-body")
    for english in ("members", "people", "units", "acts in force", "What it"):
        assert english not in text, english
    screenshot(page, "release-brief-ru-1366x768")
