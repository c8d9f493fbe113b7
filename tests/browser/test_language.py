"""The page in the account's language (issue 13), in Chromium: an account set to Russian
from the command line gets a Russian page in an English browser (boards' headings, dates
and figures the Russian way, the HQ's zone shown), the situation report in Russian, and
switching in the header's menu changes the account, so the next page follows it. The
incident page (its timeline written from the entries' data), tasking, a report's detail,
a unit's detail and the map's layers are Russian too. Both tests share one server with
the registry of tests/factories.py."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.browser.conftest import api_token, create_user, sign_in, wait_until
from tests.browser.test_boards import post, unit_row
from tests.browser.test_incidents import board_row, new_incident, point, registry
from tests.browser.test_report_queue import GRAYVORON, post_report
from tests.factories import ROSTER_HEADER, volunteer_row
from tests.integration.alert_support import alert_body
from tests.integration.test_problem_words import BACKWARDS_ACT

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Locator, Page

    from tests.browser.conftest import Traffic
    from tests.e2e.conftest import Server

    OpenUI = Callable[..., tuple[Page, Traffic]]

pytestmark = pytest.mark.browser
PASSWORD = "a-long-password"
__all__ = ["registry"]  # the module's server: tests/browser/test_incidents.py's fixture


def russian_hq_account(server: Server, token: str, username: str) -> None:
    """An HQ commander whose account's language is Russian (set by the CLI)."""
    create_user(server, token, username, role="hq_commander")
    made = server.cli("users", "language", username, "ru")
    assert made.returncode == 0, made.stdout + made.stderr


def test_the_accounts_language_the_sitrep_in_it_and_switching(
    registry: tuple[Server, dict[str, int]], open_ui: OpenUI
) -> None:
    server, _ = registry
    token = api_token(server)
    russian_hq_account(server, token, "dezhurny")
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


#: words of the English page that must not show on the Russian one
ENGLISH = (
    "Severity",
    "State",
    "Region",
    "Opened",
    "Lead agency",
    "Casualties",
    "Killed",
    "Settlement",
    "Priority",
    "Find units",
    "Timeline",
    "Code",
    "Agency",
    "Readiness",
    "Current task",
    "held",
    "Source",
    "Rating",
    "Observed",
    "Claim this report",
    "Correlation",
    "What is to be done",
    "Powers the unit must hold",
    "Settlements",
    "Units",
    "committed",
    "all regions",
    "not granted",
    "not in force",
)


def no_english(text: str) -> list[str]:
    return [w for w in ENGLISH if re.search(rf"\b{w}\b", text)]


def test_the_incident_page_tasking_a_report_and_a_unit_in_russian(
    registry: tuple[Server, dict[str, int]], open_ui: OpenUI
) -> None:
    server, ids = registry
    token = api_token(server)
    russian_hq_account(server, token, "starshiy")
    iid = new_incident(server, token, "Обстрел Грайворона", place=point(35.47, 50.49))["id"]
    post(server, token, f"/incidents/{iid}/transition", {"to": "verified"})
    counts = {"civilian_wounded": 1234}
    post(server, token, f"/incidents/{iid}/casualties", {"counts": counts, "source": "больница"})
    task = {"title": "Оцепить район", "required_powers": [], "priority": "high"}
    tid = post(server, token, f"/incidents/{iid}/tasks", task | {"minimum_readiness": 0})["id"]
    post(server, token, f"/tasks/{tid}/assign", {"unit_id": ids["co1"]})
    rid = post_report(server, token, text="Стрельба у границы")["id"]

    page, _ = open_ui(server)
    sign_in(page, server, "starshiy", PASSWORD)
    assert page.inner_text("#who-scope") == "все регионы"
    layers = page.inner_text(".leaflet-control-layers")
    assert "Населённые пункты" in layers and "Подразделения" in layers, layers
    assert no_english(layers) == []
    # the regions on the map by their Russian names
    labels = page.evaluate(
        "() => [...document.querySelectorAll('.leaflet-tooltip.region-label')]"
        ".map((e) => e.textContent)"
    )
    assert "Белгородская область" in labels and "Харьковская область" in labels, labels
    # and the places by their Russian names where the bundled data has one
    places = page.evaluate(
        "() => [...document.querySelectorAll('.leaflet-placeNames-pane .place-name')]"
        ".map((e) => e.textContent)"
    )
    assert "Белгород" in places and "Belgorod" not in places, places

    # the incident page: facts, figures, tasks and the timeline, from the entries' data
    page.get_by_role("tab", name="Инциденты").click()
    # regions by their names in Russian, not their codes
    assert "Белгородская область" in board_row(page, iid).inner_text()
    board_row(page, iid).click()
    page.wait_for_selector("#incident-timeline-list .timeline-entry[data-kind='task_assigned']")
    facts = page.inner_text("#incident-facts")
    assert "Тяжесть" in facts and "подтверждено" in facts and "точка 50,4900° с. ш." in facts
    assert "Белгородская область (RU-BEL)" in facts, facts
    assert re.search(r"Мирные жители\s+—?\s*1\s234", page.inner_text("#incident-casualties"))
    tasks = page.inner_text("#incident-tasks-table")
    assert "Приоритет" in tasks and "высокий" in tasks.lower() and "должно принять" in tasks
    lines = page.locator("#incident-timeline-list .timeline-text").all_inner_texts()
    assert "Состояние: поступило сообщение → подтверждено" in lines, lines
    assert any(x.startswith("Потери на ") and "больница" in x for x in lines), lines
    assert any(x.startswith("Инцидент открыт: ") and "ведущее — нет" in x for x in lines), lines
    kinds = page.locator("#incident-timeline-list .timeline-kind").all_inner_texts()
    assert "потери" in kinds and "создана задача" in kinds, kinds
    assert f"Задача {tid} (высокий): Оцепить район; нужно: особых полномочий не нужно" in lines
    assert any(x.startswith(f"Задача {tid} поручена: ") for x in lines), lines
    page.click("#task-new summary")
    page.wait_for_selector("#task-powers .check label")
    form = page.inner_text("#task-form")
    assert "Что нужно сделать" in form and "Наблюдение" in form, form
    for part in ("#incident-page", "#task-form"):
        assert no_english(page.inner_text(part).replace("ACLED", "")) == [], part

    # a report's detail
    page.get_by_role("tab", name="Донесения").click()
    page.locator(f"#report-list .report-card[data-report-id='{rid}'] .report-open").click()
    page.wait_for_selector("#report-suggestions h3")
    detail = page.inner_text("#report-detail")
    assert f"Донесение № {rid}" in detail and "Наблюдалось" in detail
    assert "Взять донесение в работу" in detail and "Сопоставление" in detail
    assert no_english(detail) == [], detail

    # a unit's detail, with its current task and its powers
    page.get_by_role("tab", name="Подразделения").click()
    unit_row(page, ids["co1"]).locator(".unit-link").click()
    page.wait_for_selector("#unit-detail .power-summary")
    page.wait_for_selector("#unit-current-task .unit-task-line")
    unit = page.inner_text("#unit-detail")
    assert "Ведомство" in unit and "Текущая задача" in unit and "Оцепить район" in unit
    assert "назначено (задействовано)" in unit, unit
    # the law's reasons for a power not held, from their codes
    armed = page.inner_text("#unit-detail .power[data-power='armed_response']")
    assert "не предоставлено (добровольческая самооборона) ни одним действующим актом" in armed
    assert "LSD-2023 c.3: акт предложен, не действует" in armed, armed
    assert re.search(r"Полномочий: \d+ из \d+", unit), unit
    assert no_english(unit) == [], unit

    # the Law board's grant sentences, put together from the act's grants
    page.get_by_role("tab", name="Право").click()
    lsd = page.locator("#act-list > li[data-reference='LSD-2023']")
    lsd.wait_for()
    assert (
        "c.3 — Вооружённое противодействие нападению: члены сил (вид: добровольческая "
        "самооборона), которые прошли подготовку «self defence programme», имеют действующую "
        "квалификацию «firearms», признаны годными по состоянию здоровья и состоят в "
        "подразделении, на которое отдан приказ о приведении в действие; подразделение "
        "обладает им, когда им обладают не менее 8 его членов."
    ) in lsd.inner_text()
    assert no_english(lsd.inner_text()) == []
    # where an act applies, by the regions' names
    applies = page.evaluate(
        "async () => (await import('/ui/law.js')).datesOf({ status: 'in_force',"
        " effective_from: '2026-01-01', regions: ['RU-BEL', 'RU-KRS'] })"
    )
    assert "Белгородская область, Курская область" in "".join(applies), applies

    # the event log: each event's kind and its line in Russian, codes as words
    page.get_by_role("tab", name="События").click()
    event_kinds = page.locator("#event-log .event-type")
    event_kinds.first.wait_for()
    named = set(event_kinds.all_inner_texts())
    assert "Инцидент открыт" in named and "Изменено состояние подразделения" in named, named
    assert all(not re.search(r"[A-Za-z]{3,}", k) for k in named), named


#: the page's own call of a refused step and its wording (tasking.js, incidentpage.js, api.js)
REFUSALS = """async ([taskId, unitId, incidentId]) => {
  const { api } = await import('/ui/api.js');
  const { refusalWords } = await import('/ui/tasking.js');
  const { transitionRefusal } = await import('/ui/incidentpage.js');
  const said = {};
  try {
    await api(`/tasks/${taskId}/assign`, { method: 'POST', body: { unit_id: unitId } });
  } catch (err) {
    said.assign = refusalWords('BEL-2BN-1', err);
  }
  try {
    await api(`/incidents/${incidentId}/transition`, { method: 'POST', body: { to: 'closed' } });
  } catch (err) {
    said.close = transitionRefusal(err, 'closed');
  }
  try {
    await api(`/tasks/${taskId}/status`, { method: 'POST', body: { status: 'on_scene' } });
  } catch (err) {
    said.step = err.message;
  }
  try {
    await api('/incidents/987654');
  } catch (err) {
    said.missing = err.message;
  }
  return said;
}"""

#: English the server writes that must not reach the Russian page
SERVER_ENGLISH = (
    "Verified report",
    "refused:",
    "Alert #",
    "drafted",
    "not granted",
    "km from incident",
    "same type",
    "before its first report",
    "expired",
    "may not be given",
    "no incident with id",
    "unfinished tasks",
    "This clashes",
    "Not found",
    "cannot",
)


def member_power(page: Page, unit_id: int, callsign: str, power: str) -> Locator:
    """A member's power (``power``: its selector) in the unit detail, LSD-2023 counted."""
    page.get_by_role("tab", name="Подразделения").click()
    unit_row(page, unit_id).locator(".unit-link").click()
    detail = page.locator("#unit-detail")
    detail.get_by_role("checkbox", name="LSD-2023").check()
    page.wait_for_selector("#unit-detail .power-summary")
    detail.locator(".member-link", has_text=callsign).click()
    found = detail.locator(f".member-powers {power}").first
    found.wait_for()
    return found


def server_english(text: str) -> list[str]:
    return [w for w in SERVER_ENGLISH if w in text]


def test_the_servers_reasons_timeline_and_refusals_in_russian(
    registry: tuple[Server, dict[str, int]], open_ui: OpenUI
) -> None:
    """What the server used to send only as English sentences, now written from codes and
    params: a member's unmet condition, a refused assignment (its message and its timeline
    entry), a report's correlation reasons, a refusal's detail, the sitrep's "what
    happened" (page and print), and attached reports, alerts and log entries."""
    server, ids = registry
    token = api_token(server)
    auth = {"Authorization": f"Bearer {token}"}
    russian_hq_account(server, token, "operativny")
    # a volunteer of BEL-2BN-1 whose firearms qualification ran out
    imported = httpx.post(
        server.url + "/api/v1/roster/import",
        content=ROSTER_HEADER + volunteer_row(300, "BEL-2BN-1", firearms_until="2026-01-01"),
        headers=auth | {"Content-Type": "text/csv"},
        timeout=30,
    )
    assert imported.status_code == 200, imported.text

    iid = new_incident(server, token, "Обстрел Козинки", place=point(*GRAYVORON))["id"]
    post(server, token, f"/incidents/{iid}/transition", {"to": "verified"})
    task = {"title": "Прикрытие", "required_powers": ["armed_response"], "minimum_readiness": 0}
    tid = post(server, token, f"/incidents/{iid}/tasks", task)["id"]
    refused = httpx.post(
        f"{server.url}/api/v1/tasks/{tid}/assign", json={"unit_id": ids["co1"]}, headers=auth
    )
    assert refused.status_code == 409, refused.text
    shelling = "shelling_artillery_missile_attack"
    rid = post_report(server, token, text="Разрывы у Козинки", incident_type=shelling)["id"]
    post(server, token, f"/reports/{rid}/claim", {})
    post(server, token, f"/reports/{rid}/attach", {"incident_id": iid, "note": "то же место"})
    note = {"text": "Связь восстановлена", "unit_id": ids["co1"]}
    post(server, token, f"/incidents/{iid}/log", note)
    expires = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    aid = post(server, token, "/alerts", alert_body(incident_id=iid, expires=expires))["id"]
    pending = post_report(server, token, text="Снова разрывы", incident_type=shelling)["id"]

    page, _ = open_ui(server)
    sign_in(page, server, "operativny", PASSWORD)

    # the timeline: an attached report, a refused assignment, a log entry and an alert
    page.get_by_role("tab", name="Инциденты").click()
    board_row(page, iid).click()
    page.wait_for_selector("#incident-timeline-list .timeline-entry[data-kind='alert']")
    lines = page.locator("#incident-timeline-list .timeline-text").all_inner_texts()
    assert any(x.startswith(f"Подтверждено донесение {rid} (") for x in lines), lines
    assert any(x.endswith(": то же место") for x in lines), lines
    assert "Связь восстановлена (подразделение BEL-2BN-1)" in lines, lines
    assert any(x.startswith(f"Оповещение № {aid} составлено: ") for x in lines), lines
    refusal = next(x for x in lines if x.startswith(f"Отказано в поручении задачи {tid} "))
    assert "Вооружённое противодействие нападению: не предоставлено" in refusal, refusal
    assert "LSD-2023 c.3: акт предложен, не действует" in refusal, refusal
    timeline = page.inner_text("#incident-timeline-list")
    assert server_english(timeline) == [], timeline

    # the units the law does not allow for the task, with the law's reasons
    page.locator(f"#incident-tasks-table tr[data-task-id='{tid}'] .task-recommend").click()
    unfit = page.locator(f"#task-recs-ineligible tr[data-unit-id='{ids['co1']}']")
    unfit.wait_for()
    assert "Вооружённое противодействие нападению" in unfit.inner_text(), unfit.inner_text()
    assert "не предоставлено" in unfit.inner_text(), unfit.inner_text()
    assert server_english(unfit.inner_text()) == [], unfit.inner_text()

    # a refused assignment, a refused step and a missing record, as the page words them
    said = page.evaluate(REFUSALS, [tid, ids["co1"], iid])
    assert said["assign"].startswith("Подразделению BEL-2BN-1 нельзя поручить"), said
    assert "не предоставлено" in said["assign"], said
    assert said["close"].startswith("Это противоречит текущему состоянию: "), said
    assert f"есть незавершённые задачи ({tid})" in said["close"], said
    assert said["missing"] == "Не найдено: Нет инцидента с номером 987654.", said
    assert said["step"].startswith("Задача не может перейти из состояния «"), said
    assert server_english(" ".join(said.values())) == [], said

    # the incident's sitrep: "what happened" written from the entries' data
    page.click("#incident-sitrep")
    page.wait_for_selector("#sitrep-view[data-ready='true']")
    happened = page.inner_text("#sitrep-body .sitrep-happened")
    assert f"Подтверждено донесение {rid} (" in happened, happened
    assert f"Оповещение № {aid} составлено" in happened, happened
    assert server_english(happened) == [], happened
    # its casualty line from the figures, not the server's English sentence
    summary = page.inner_text("#sitrep-body .sitrep-casualty-summary")
    assert summary and not re.search(r"[A-Za-z]", summary), summary
    page.click("#sitrep-close")
    printed = httpx.get(
        f"{server.url}/api/v1/sitreps/incidents/{iid}?format=html",
        headers={"Authorization": f"Bearer {server.login('operativny', PASSWORD)}"},
        timeout=30,
    ).text
    assert f"Подтверждено донесение {rid} (" in printed
    assert f"Отказано в поручении задачи {tid} " in printed
    assert "Verified report" not in printed and "Alert #" not in printed

    # a pending report's correlation reasons
    page.get_by_role("tab", name="Донесения").click()
    page.locator(f"#report-list .report-card[data-report-id='{pending}'] .report-open").click()
    page.wait_for_selector("#report-matches .suggestion-reasons li")
    reasons = page.inner_text("#report-suggestions")
    assert "км от инцидента «Обстрел Козинки»" in reasons, reasons
    assert "тот же тип: " in reasons, reasons
    assert server_english(reasons) == [], reasons

    # a member's unmet condition, with the proposed act counted
    carry = member_power(page, ids["co1"], "Sokol-300", ".power[data-power='carry_weapons']")
    assert "LSD-2023 c.2: квалификация «firearms» истекла 1 янв. 2026" in carry.inner_text()
    assert server_english(carry.inner_text()) == [], carry.inner_text()


#: the page's own call of an import and a malformed form, and its wording (api.js): a
#: roster and a CAP document are sent as files, an act and a shelter as JSON
IMPORTS = """async ([roster, act]) => {
  const { api, getToken, inPlainWords } = await import('/ui/api.js');
  const send = async (path, type, body) => {
    const headers = { 'Content-Type': type, Authorization: `Bearer ${getToken()}` };
    const reply = await fetch(`/api/v1${path}`, { method: 'POST', headers, body });
    return inPlainWords(reply.status, await reply.json(), reply.headers);
  };
  const said = {
    roster: await send('/roster/import', 'text/csv', roster),
    cap: await send('/alerts/import', 'application/cap+xml', '<alert><x></alert>'),
  };
  try {
    await api('/acts', { method: 'POST', body: act });
  } catch (err) {
    said.act = err.message;
  }
  try {
    await api('/shelters', { method: 'POST', body: { name: '', lon: 200, capacity: 0 } });
  } catch (err) {
    said.shelter = err.message;
  }
  return said;
}"""


def test_import_errors_and_a_malformed_form_in_russian(
    registry: tuple[Server, dict[str, int]], open_ui: OpenUI
) -> None:
    """Errors the server used to give only in English (issue 13): a roster line, a CAP
    document, an act, an alert's area, and each field of a form that fails validation."""
    server, ids = registry
    token = api_token(server)
    russian_hq_account(server, token, "importer")
    imported = httpx.post(
        server.url + "/api/v1/roster/import",
        content=ROSTER_HEADER + volunteer_row(301, "BEL-2BN-1"),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
        timeout=30,
    )
    assert imported.status_code == 200, imported.text
    page, _ = open_ui(server)
    sign_in(page, server, "importer", PASSWORD)

    roster = ROSTER_HEADER + "V9,BEL-2BN-1,Sokol-9,Ivan,Petrov,1990-13-01,,,,\n"
    said = page.evaluate(IMPORTS, [roster, BACKWARDS_ACT])
    assert said["roster"] == (
        "Ошибок: 1, ничего не импортировано: строка 2, столбец date_of_birth: "
        "дата рождения «1990-13-01» — не дата ГГГГ-ММ-ДД."
    ), said
    assert said["cap"].startswith("Не корректный XML: "), said
    assert said["act"] == "BAD-2026: effective_to должна быть позже effective_from.", said
    assert said["shelter"] == (
        "Исправьте: name: слишком коротко: нужно символов не меньше 1; "
        "lon: должно быть не больше 180; lat: обязательное поле; capacity: должно быть больше 0."
    ), said

    # on the Alerts board: an area the server refuses, and a form field it finds empty
    page.click("#tab-alerts")
    page.select_option("#alert-area-kind", "region")
    page.fill("#alert-area-region", "XX-NOPE")
    page.click("#alert-preview-button")
    wait_until(page, "() => /XX-NOPE/.test(document.querySelector('#alert-preview').textContent)")
    preview = page.inner_text("#alert-preview")
    assert preview.startswith("Неизвестный регион «XX-NOPE»; встроенные регионы: "), preview
    page.select_option("#alert-area-kind", "settlements")
    page.fill("#alert-event", "")
    page.click("#alert-draft")
    page.wait_for_selector("#alerts-message.form-error")
    message = page.inner_text("#alerts-message")
    assert "event: слишком коротко: нужно символов не меньше 1" in message, message
    assert not re.search(r"should|String|required|unknown", message), message

    # how a member holds a power: the grant and each condition met, in Russian
    held = member_power(
        page, ids["co1"], "Sokol-301", ".power-held[data-power='carry_weapons']"
    ).inner_text()
    assert "LSD-2023 c.2: " in held and "квалификация «firearms» действует до " in held, held
    assert "подготовка «" in held and "пройдена" in held and "✓" in held, held
    assert not re.search(r"valid|completed|fit until|activated|qualification\(", held), held
