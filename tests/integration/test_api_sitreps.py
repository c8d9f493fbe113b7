"""Situation reports over the API: per incident and per region, JSON and printable HTML."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from tests.integration.command_support import (
    KOZINKA,
    SUDZHA,
    assert_problem,
    build_world,
    new_key,
    open_incident,
    submit,
)

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from marchwarden.core.clock import FixedClock
    from marchwarden.services.context import Services
    from tests.integration.command_support import World


@pytest.fixture
def world(client: TestClient, services: Services) -> World:
    services.settings.token_ttl_seconds = 7 * 86400  # the raid lasts days; stay signed in
    return build_world(client, services)


def raid(client: TestClient, world: World, clock: FixedClock) -> dict[str, Any]:
    """Day 1 of the border raid: a report verified into an incident, command named,
    casualties, two tasks (one deployed, one unfilled). Day 2: figures updated."""
    hq, ids = world.h("hq"), world.ids
    rid = submit(client, world.h("reporter"), new_key()).json()["id"]
    client.post(f"/api/v1/reports/{rid}/claim", headers=hq)
    incident = client.post(
        f"/api/v1/reports/{rid}/open-incident",
        json={
            "name": "Grayvoron <incursion>",
            "incident_type": "cross_border_incursion",
            "severity": "extreme",
            "lead_agency_id": ids["army"],
            "supporting_agency_ids": [ids["bel_vsd"]],
        },
        headers=hq,
    ).json()["incident"]
    iid = incident["id"]
    for to in ("verified", "active"):
        client.post(f"/api/v1/incidents/{iid}/transition", json={"to": to}, headers=hq)
    armed = client.post(
        f"/api/v1/incidents/{iid}/tasks",
        json={
            "title": "Repel the armed group",
            "required_powers": ["armed_response"],
            "priority": "urgent",
        },
        headers=hq,
    ).json()
    client.post(
        f"/api/v1/tasks/{armed['id']}/assign", json={"unit_id": ids["army_near"]}, headers=hq
    )
    client.post(
        f"/api/v1/incidents/{iid}/tasks",
        json={
            "title": "Checkpoint on the Kozinka road",
            "required_powers": ["checkpoint"],
            "priority": "high",
            "position": {"lon": KOZINKA[0], "lat": KOZINKA[1]},
        },
        headers=hq,
    )
    client.post(
        f"/api/v1/incidents/{iid}/casualties",
        json={"counts": {"civilian_killed": 1, "civilian_wounded": 3}},
        headers=hq,
    )
    day1 = clock.now()
    clock.advance(timedelta(days=1))
    client.post(
        f"/api/v1/incidents/{iid}/casualties",
        json={"counts": {"civilian_wounded": 5}},
        headers=hq,
    )
    client.post(
        f"/api/v1/incidents/{iid}/log", json={"text": "Contact broken off at 09:40"}, headers=hq
    )
    return {"id": iid, "day1": day1, "armed_task": armed["id"]}


def test_incident_sitrep_json(client: TestClient, world: World, clock: FixedClock) -> None:
    r = raid(client, world, clock)
    hq = world.h("hq")
    rep = client.get(f"/api/v1/sitreps/incidents/{r['id']}", headers=hq)
    assert rep.status_code == 200 and rep.headers["content-type"] == "application/json"
    s = rep.json()
    assert s["kind"] == "incident"
    assert s["incident"]["state"] == "active"
    assert s["acled"]["event_type"] == "Battles"
    assert s["command"]["lead"]["code"] == "ARMY"
    assert s["casualties"]["civilian_killed"] == 1 and s["casualties"]["civilian_wounded"] == 5
    assert s["reports_total"] == 1
    assert s["affected"]["settlement_count"] > 0 and s["affected"]["population"] > 0
    (army,) = s["units_deployed"]
    assert army["agency_code"] == "ARMY" and army["unit_count"] == 1
    assert army["units"][0]["unit_code"] == "ARMY-BEL-2"
    assert [t["title"] for t in s["open_tasks"]] == [
        "Repel the armed group",
        "Checkpoint on the Kozinka road",
    ]
    (need,) = s["needs"]
    assert need["title"] == "Checkpoint on the Kozinka road"
    assert "needs a unit with powers checkpoint" in need["text"]
    kinds = [e["kind"] for e in s["what_happened"]]
    assert kinds[0] == "opened" and "task_assigned" in kinds and kinds[-1] == "log"
    # each with what its line says (the timeline entry's data)
    assert s["what_happened"][-1]["data"] == {"note": "Contact broken off at 09:40"}
    assert s["what_happened"][0]["data"]["incident_type"] == "cross_border_incursion"
    # day 2 only: the change of casualties in the window, and only that day's events
    day2 = client.get(
        f"/api/v1/sitreps/incidents/{r['id']}",
        params={"since": (r["day1"] + timedelta(hours=1)).isoformat()},
        headers=hq,
    ).json()
    assert day2["casualties_change"]["civilian_wounded"] == 2
    assert day2["casualties_change"]["civilian_killed"] == 0
    assert [e["kind"] for e in day2["what_happened"]] == ["casualties", "log"]
    # as it stood at the end of day 1
    day1 = client.get(
        f"/api/v1/sitreps/incidents/{r['id']}",
        params={"until": (r["day1"] + timedelta(hours=1)).isoformat()},
        headers=hq,
    ).json()
    assert day1["casualties"]["civilian_wounded"] == 3


def test_incident_sitrep_as_a_printable_page(
    client: TestClient, world: World, clock: FixedClock
) -> None:
    r = raid(client, world, clock)
    for extra in ({"params": {"format": "html"}}, {"headers": {"Accept": "text/html"}}):
        headers = world.h("hq") | extra.get("headers", {})
        page = client.get(
            f"/api/v1/sitreps/incidents/{r['id']}", headers=headers, params=extra.get("params")
        )
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        html = page.text
        assert html.startswith("<!DOCTYPE html>")
        assert "Grayvoron &lt;incursion&gt;" in html and "<incursion>" not in html
        for section in (
            "What happened",
            "Casualties",
            "Units deployed by agency",
            "Open tasks",
            "Needed",
            "@media print",
        ):
            assert section in html
        assert "Army (ARMY)" in html and "ARMY-BEL-2" in html


def test_region_sitrep_adds_up_the_regions_incidents(
    client: TestClient, world: World, clock: FixedClock
) -> None:
    r = raid(client, world, clock)
    hq = world.h("hq")
    second = open_incident(
        client, hq, name="Kozinka drone strike", where=KOZINKA, incident_type="drone_attack"
    )
    client.post(
        f"/api/v1/incidents/{second['id']}/casualties",
        json={"counts": {"civilian_wounded": 2, "personnel_wounded": 1}},
        headers=hq,
    )
    kursk = open_incident(
        client, world.h("kursk"), name="Sudzha", where=SUDZHA, incident_type="shelling"
    )
    s = client.get("/api/v1/sitreps/regions/RU-BEL", headers=world.h("belgorod")).json()
    assert s["region_name"] and s["kind"] == "region"
    ids = [i["incident"]["id"] for i in s["incidents"]]
    assert ids == [r["id"], second["id"]] and kursk["id"] not in ids
    assert s["casualties"]["civilian_wounded"] == 7 and s["casualties"]["personnel_wounded"] == 1
    # settlements near both incidents are counted once
    names = [x["name"] for x in s["affected_settlements"]]
    assert len(names) == len(set(names)) == s["affected_settlement_count"]
    assert s["affected_population"] == sum(x["population"] for x in s["affected_settlements"])
    per_incident = sum(i["affected"]["population"] for i in s["incidents"])
    assert s["affected_population"] < per_incident
    assert [d["agency_code"] for d in s["units_deployed"]] == ["ARMY"]
    assert s["open_tasks"] == 2 and len(s["needs"]) == 1
    html = client.get(
        "/api/v1/sitreps/regions/RU-BEL?format=html", headers=world.h("belgorod")
    ).text
    assert "Kozinka drone strike" in html and "Sudzha" not in html.split("Units deployed")[0]
    # a closed incident whose end lies before the window is left out
    client.post(
        f"/api/v1/incidents/{second['id']}/transition",
        json={"to": "rejected", "reason": "a false alarm"},
        headers=hq,
    )
    clock.advance(timedelta(days=2))
    later = client.get("/api/v1/sitreps/regions/RU-BEL", headers=hq).json()
    assert [i["incident"]["id"] for i in later["incidents"]] == [r["id"]]


def test_sitrep_access_and_bad_windows(client: TestClient, world: World, clock: FixedClock) -> None:
    r = raid(client, world, clock)
    assert_problem(
        client.get("/api/v1/sitreps/regions/RU-BEL", headers=world.h("kursk")), 403, "forbidden"
    )
    assert_problem(
        client.get(f"/api/v1/sitreps/incidents/{r['id']}", headers=world.h("kursk")),
        403,
        "forbidden",
    )
    assert_problem(
        client.get(f"/api/v1/sitreps/incidents/{r['id']}", headers=world.h("reporter")),
        403,
        "forbidden",
        "may not sitrep.read",
    )
    assert_problem(
        client.get("/api/v1/sitreps/regions/XX-NOPE", headers=world.h("hq")), 404, "not-found"
    )
    assert_problem(
        client.get(
            f"/api/v1/sitreps/incidents/{r['id']}",
            params={"since": "2026-11-28T00:00:00Z", "until": "2026-11-27T00:00:00Z"},
            headers=world.h("hq"),
        ),
        422,
        "invalid",
        "before its end",
    )
    assert_problem(
        client.get(f"/api/v1/sitreps/incidents/{r['id']}?format=pdf", headers=world.h("hq")),
        422,
        "validation-error",
    )
    assert_problem(
        client.get("/api/v1/sitreps/incidents/999", headers=world.h("hq")), 404, "not-found"
    )


def test_the_printable_sitrep_reads_in_the_accounts_language(
    client: TestClient, world: World, clock: FixedClock
) -> None:
    r = raid(client, world, clock)
    hq = world.h("hq")
    bad = client.patch("/api/v1/auth/me", json={"language": "xx"}, headers=hq)
    assert_problem(bad, 422, "invalid")
    assert "unknown language 'xx'" in bad.json()["detail"]
    assert client.get("/api/v1/auth/me", headers=hq).json()["user"]["language"] is None
    me = client.patch("/api/v1/auth/me", json={"language": "ru"}, headers=hq)
    assert me.status_code == 200 and me.json()["user"]["language"] == "ru"
    html = client.get(f"/api/v1/sitreps/incidents/{r['id']}?format=html", headers=hq).text
    assert "<html lang=ru>" in html and "Сводка обстановки — Grayvoron" in html
    for section in ("Ход событий", "Задействованные подразделения", "Открытые задачи"):
        assert section in html
    assert "What happened" not in html
    # the enum values in words, times in the HQ's zone with the zone named
    head = html.split("Ход событий")[0]
    assert "крайне тяжёлое" in head and "extreme" not in head and "срочный" in html
    assert "MSK" in html and "UTC" not in html.split("<body>")[1]
    # "what happened" written from the entries' data, not the server's English lines
    happened = html.split("Ход событий")[1].split("<h2>")[0]
    assert "Инцидент открыт по донесению " in happened, happened
    assert "Состояние: поступило сообщение → подтверждено" in happened
    assert f"Задача {r['armed_task']} (срочный): Repel the armed group; нужно: " in happened
    assert "Contact broken off at 09:40" in happened
    for english in ("Incident opened", "State reported", "Task ", "Casualties as of"):
        assert english not in happened, english
    # ?lang= overrides the account; the browser's language counts when the account has none
    english = client.get(
        f"/api/v1/sitreps/incidents/{r['id']}", params={"format": "html", "lang": "en"}, headers=hq
    ).text
    assert "What happened" in english
    client.patch("/api/v1/auth/me", json={"language": None}, headers=hq)
    browser = client.get(
        f"/api/v1/sitreps/incidents/{r['id']}?format=html",
        headers=hq | {"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"},
    ).text
    assert "Ход событий" in browser
