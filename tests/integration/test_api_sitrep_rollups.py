"""Casualty and displacement roll-ups in the situation reports (issue 11): per incident,
per region and over all the border regions, with the scope rules of the rest of the
sitrep. Every expected figure is computed here from what the test creates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.integration.alert_support import alert_users
from tests.integration.command_support import SUDZHA, assert_problem, open_incident

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from marchwarden.services.context import Services

GRAYVORON_ID = 559034
KOZINKA_ID = 543229
CATEGORIES = (
    "civilian_killed",
    "civilian_wounded",
    "civilian_missing",
    "personnel_killed",
    "personnel_wounded",
    "personnel_missing",
)
GRAYVORON_TOLL = {"civilian_killed": 2, "civilian_wounded": 4}
SUDZHA_TOLL = {"civilian_wounded": 3, "personnel_killed": 1}
TO_MOVE, MOVED = 1000, 400
CAPACITY, CHECKED_IN = 100, 30


def _ok(reply: Any, status: int = 200) -> Any:
    assert reply.status_code == status, reply.text
    return reply.json()


def _counts(toll: dict[str, int]) -> dict[str, int]:
    return {c: toll.get(c, 0) for c in CATEGORIES}


def _displacement(scope: str, orders: int, sheltered: int, capacity: int) -> dict[str, Any]:
    to_move, moved = (TO_MOVE, MOVED) if orders else (0, 0)
    return {
        "scope": scope,
        "orders": orders,
        "to_move": to_move,
        "moved": moved,
        "remaining": to_move - moved,
        "sheltered": sheltered,
        "shelter_capacity": capacity,
    }


def _border_scene(client: TestClient, h: dict[str, dict[str, str]]) -> tuple[int, int]:
    """Grayvoron (Belgorod): casualties, an evacuation order with people moved, a shelter
    with a check-in. Sudzha (Kursk): casualties only."""
    grayvoron = open_incident(client, h["hq"])["id"]
    sudzha = open_incident(client, h["hq"], name="Sudzha", where=SUDZHA, incident_type="shelling")[
        "id"
    ]
    for iid, toll in ((grayvoron, GRAYVORON_TOLL), (sudzha, SUDZHA_TOLL)):
        _ok(
            client.post(
                f"/api/v1/incidents/{iid}/casualties", json={"counts": toll}, headers=h["hq"]
            ),
            201,
        )
    order = _ok(
        client.post(
            "/api/v1/evacuation-orders",
            headers=h["belgorod"],
            json={
                "area": {"kind": "settlements", "settlement_ids": [GRAYVORON_ID, KOZINKA_ID]},
                "kind": "mandatory",
                "incident_id": grayvoron,
                "to_move": TO_MOVE,
            },
        ),
        201,
    )
    _ok(
        client.patch(
            f"/api/v1/evacuation-orders/{order['id']}", json={"moved": MOVED}, headers=h["belgorod"]
        )
    )
    shelter = _ok(
        client.post(
            "/api/v1/shelters",
            headers=h["belgorod"],
            json={"name": "Belgorod school 12", "lon": 36.58, "lat": 50.60, "capacity": CAPACITY},
        ),
        201,
    )
    _ok(
        client.post(
            f"/api/v1/shelters/{shelter['id']}/check-in",
            json={"people": CHECKED_IN},
            headers=h["belgorod"],
        )
    )
    return grayvoron, sudzha


def test_incident_and_region_sitreps_carry_displacement_and_the_breakdown(
    client: TestClient, services: Services
) -> None:
    h = alert_users(client, services)
    grayvoron, sudzha = _border_scene(client, h)

    inc = _ok(client.get(f"/api/v1/sitreps/incidents/{grayvoron}", headers=h["hq"]))
    assert inc["displacement"] == _displacement(f"incident {grayvoron}", 1, CHECKED_IN, CAPACITY)
    assert inc["casualties"]["civilian_killed"] == GRAYVORON_TOLL["civilian_killed"]
    other = _ok(client.get(f"/api/v1/sitreps/incidents/{sudzha}", headers=h["hq"]))
    assert other["displacement"] == _displacement(f"incident {sudzha}", 0, 0, 0)

    bel = _ok(client.get("/api/v1/sitreps/regions/RU-BEL", headers=h["belgorod"]))
    assert bel["casualties"] == _counts(GRAYVORON_TOLL)
    assert [(i["incident_id"], i["casualties"]) for i in bel["casualties_by_incident"]] == [
        (grayvoron, _counts(GRAYVORON_TOLL))
    ]
    assert bel["displacement"] == _displacement("RU-BEL", 1, CHECKED_IN, CAPACITY)
    krs = _ok(client.get("/api/v1/sitreps/regions/RU-KRS", headers=h["kursk"]))
    assert krs["casualties"] == _counts(SUDZHA_TOLL)
    assert krs["displacement"] == _displacement("RU-KRS", 0, 0, 0)

    page = client.get("/api/v1/sitreps/regions/RU-BEL?format=html", headers=h["hq"])
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Displacement in " in page.text and "Casualties by incident" in page.text
    assert f"<td class=n>{TO_MOVE - MOVED:,}</td>" in page.text
    assert f"<td class=n>{CAPACITY - CHECKED_IN:,}</td>" in page.text


def test_border_regions_sitrep_adds_up_what_the_caller_may_read(
    client: TestClient, services: Services
) -> None:
    h = alert_users(client, services)
    grayvoron, sudzha = _border_scene(client, h)

    every = _ok(client.get("/api/v1/sitreps/border-regions", headers=h["hq"]))
    assert every["kind"] == "border" and every["incident_count"] == 2
    both = {c: GRAYVORON_TOLL.get(c, 0) + SUDZHA_TOLL.get(c, 0) for c in CATEGORIES}
    assert every["casualties"] == both
    # Grayvoron's toll (2 killed) before Sudzha's (1 killed)
    assert [i["incident_id"] for i in every["casualties_by_incident"]] == [grayvoron, sudzha]
    assert every["displacement"] == _displacement("all border regions", 1, CHECKED_IN, CAPACITY)
    regions = {r["region"]: r for r in every["regions"]}
    assert regions["RU-BEL"]["casualties"] == _counts(GRAYVORON_TOLL)
    assert regions["RU-KRS"]["casualties"] == _counts(SUDZHA_TOLL)
    assert regions["RU-KRS"]["displacement"] == _displacement("RU-KRS", 0, 0, 0)
    assert regions["RU-BEL"]["incident_count"] == 1

    # a regional coordinator sees its own region only
    kursk = _ok(client.get("/api/v1/sitreps/border-regions", headers=h["kursk"]))
    assert [r["region"] for r in kursk["regions"]] == ["RU-KRS"]
    assert kursk["casualties"] == _counts(SUDZHA_TOLL)
    assert [i["incident_id"] for i in kursk["casualties_by_incident"]] == [sudzha]
    assert kursk["displacement"] == _displacement("all border regions", 0, 0, 0)
    assert_problem(
        client.get("/api/v1/sitreps/regions/RU-BEL", headers=h["kursk"]), 403, "forbidden"
    )

    page = client.get("/api/v1/sitreps/border-regions", headers={**h["hq"], "Accept": "text/html"})
    assert page.status_code == 200 and "all border regions" in page.text
    assert f"<td class=n>{TO_MOVE:,}</td>" in page.text and "Sudzha" in page.text

    bad = client.get(
        "/api/v1/sitreps/border-regions?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z",
        headers=h["hq"],
    )
    assert_problem(bad, 422, "invalid", "start must be before its end")
