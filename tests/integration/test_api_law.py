"""The law over the API: acts, activation, powers with reasons, the what-if."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from marchwarden.core.access.model import Role, Scope
from marchwarden.services import roster
from tests.factories import ROSTER_HEADER, login, make_forces, make_user, volunteer_row

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from marchwarden.services.context import Services


@pytest.fixture
def ids(services: Services) -> dict[str, int]:
    ids = make_forces(services)
    rows = [volunteer_row(n) for n in range(8)]
    rows.append(volunteer_row(8, firearms_until="2026-10-01"))  # V2: expired firearms
    rows.append(volunteer_row(9, "KRS-1BN"))  # V3-like: unit not activated
    roster.import_roster(services, None, ROSTER_HEADER + "".join(rows))
    return ids


def member_id(client: TestClient, h: dict[str, str], unit_id: int, external_id: str) -> int:
    members = client.get(f"/api/v1/units/{unit_id}/members", headers=h).json()
    return int(next(m["id"] for m in members if m["external_id"] == external_id))


def powers(reply: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["power"]: p for p in reply["powers"]}


def test_member_powers_under_law_in_force_and_with_lsd(
    client: TestClient, services: Services, ids: dict[str, int]
) -> None:
    make_user(services, "analyst", Role.ANALYST)
    h = login(client, "analyst")
    v1 = member_id(client, h, ids["bn2"], "V0001")
    now_law = powers(client.get(f"/api/v1/members/{v1}/authority", headers=h).json())
    assert now_law["patrol_unarmed"]["held"] and now_law["observe_report"]["held"]
    assert not now_law["carry_weapons"]["held"]
    missing = now_law["carry_weapons"]["missing"]
    assert missing[0] == "no act in force grants carry_weapons to volunteer_self_defence"
    assert "LSD-2023 c.2: act is proposed, not in force" in missing
    # the same reasons with what they say, for the page to put in the reader's language
    reasons = now_law["carry_weapons"]["reasons"]
    assert [r["text"] for r in reasons] == missing
    assert reasons[0]["code"] == "not_granted" and reasons[0]["params"] == {
        "power": "carry_weapons",
        "kind": "volunteer_self_defence",
        "proposed": "",
    }
    proposed = next(r for r in reasons if r["code"] == "act_not_in_force")
    assert (proposed["act"], proposed["clause"], proposed["params"]) == (
        "LSD-2023",
        "c.2",
        {"status": "proposed"},
    )
    with_lsd = powers(client.get(f"/api/v1/members/{v1}/authority?with=LSD-2023", headers=h).json())
    assert with_lsd["carry_weapons"]["held"]
    assert any("LSD-2023 c.2" in b for b in with_lsd["carry_weapons"]["basis"])
    # how it is held, as data beside each line, for the page to write in Russian
    carry = with_lsd["carry_weapons"]
    assert len(carry["held_by"]) == len(carry["basis"])
    grant = next(b for b in carry["held_by"] if b["clause"] == "c.2")
    assert (grant["act"], grant["axis"]) == ("LSD-2023", "agency_kind")
    met = {c["condition"]: c for c in grant["conditions"]}
    assert met["qualification"]["state"] == "valid" and met["qualification"]["name"] == "firearms"
    assert met["qualification"]["date"].startswith("20"), met
    assert met["activated"]["state"] == "activated" and met["activated"]["unit"], met
    assert now_law["patrol_unarmed"]["held_by"][0]["act"], now_law["patrol_unarmed"]
    v2 = member_id(client, h, ids["bn2"], "V0008")
    expired = powers(client.get(f"/api/v1/members/{v2}/authority?with=LSD-2023", headers=h).json())
    assert expired["carry_weapons"]["missing"] == [
        "LSD-2023 c.2: qualification(firearms) expired 2026-10-01"
    ]
    v3 = member_id(client, h, ids["krs_bn"], "V0009")
    inactive = powers(client.get(f"/api/v1/members/{v3}/authority?with=LSD-2023", headers=h).json())
    assert inactive["carry_weapons"]["missing"] == ["LSD-2023 c.2: unit not activated"]
    # a member's unmet condition with what it says, for the page to write in Russian
    (why,) = expired["carry_weapons"]["reasons"]
    assert (why["code"], why["act"], why["clause"]) == ("condition_not_met", "LSD-2023", "c.2")
    assert why["params"] == {
        "condition": "qualification",
        "name": "firearms",
        "state": "expired",
        "date": why["params"]["date"],
        "renewed": "",
    }
    assert why["params"]["date"].startswith("2026-10-01")
    (why,) = inactive["carry_weapons"]["reasons"]
    assert why["params"] == {"condition": "activated", "name": "", "state": "not_activated"}
    at_expiry = powers(
        client.get(
            f"/api/v1/members/{v1}/authority?with=LSD-2023&at=2027-03-01T00:00:00Z", headers=h
        ).json()
    )
    assert not at_expiry["carry_weapons"]["held"]


def test_unit_needs_eight_for_armed_response(
    client: TestClient, services: Services, ids: dict[str, int]
) -> None:
    make_user(services, "hq", Role.HQ_COMMANDER)
    h = login(client, "hq")
    in_force = powers(client.get(f"/api/v1/units/{ids['bn2']}/authority", headers=h).json())
    assert in_force["armed_response"]["missing"][0] == (
        "armed_response: not granted to volunteer_self_defence by any act in force"
    )
    lsd = powers(
        client.get(f"/api/v1/units/{ids['bn2']}/authority?with=LSD-2023", headers=h).json()
    )
    assert lsd["armed_response"]["held"]  # exactly 8 qualified, activated members
    company = powers(
        client.get(f"/api/v1/units/{ids['co2']}/authority?with=LSD-2023", headers=h).json()
    )
    assert not company["armed_response"]["held"]
    counted = [r for r in company["armed_response"]["reasons"] if r["code"] == "too_few_members"]
    assert counted and counted[0]["act"] == "LSD-2023"
    assert int(counted[0]["params"]["have"]) < int(counted[0]["params"]["need"]) == 8


def test_whatif_counts_and_coverage(
    client: TestClient, services: Services, ids: dict[str, int]
) -> None:
    make_user(services, "analyst", Role.ANALYST)
    h = login(client, "analyst")
    reply = client.get("/api/v1/whatif?with=LSD-2023&minutes=45", headers=h)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    by_power = {p["power"]: p for p in body["powers"]}
    assert by_power["carry_weapons"]["members_gained"] == 8
    assert by_power["armed_response"]["regions"][0]["region"] == "RU-BEL"
    gaining = {u["code"] for u in by_power["armed_response"]["regions"][0]["units_gaining"]}
    assert "BEL-2BN" in gaining
    cov = body["coverage"]
    assert "km/h" in cov["travel_model"]
    assert cov["units_after"] > cov["units_before"]
    assert cov["population_after"] >= cov["population_before"]
    assert body["army_units_moved"] == 0
    bad = client.get("/api/v1/whatif?with=PO-2014", headers=h)
    assert bad.status_code == 422 and "not proposed" in bad.json()["detail"]
    missing = client.get("/api/v1/whatif", headers=h)
    assert missing.status_code == 422


def test_enacting_the_act_changes_the_law_in_force(
    client: TestClient, services: Services, ids: dict[str, int]
) -> None:
    make_user(services, "analyst", Role.ANALYST)
    h = login(client, "analyst")
    reply = client.post("/api/v1/acts/LSD-2023/status", headers=h, json={"status": "in_force"})
    assert reply.status_code == 200, reply.text
    assert reply.json()["status"] == "in_force"
    unit = powers(client.get(f"/api/v1/units/{ids['bn2']}/authority", headers=h).json())
    assert unit["armed_response"]["held"]
    again = client.post("/api/v1/acts/LSD-2023/status", headers=h, json={"status": "draft"})
    assert again.status_code == 409 and "allowed from in_force: repealed" in again.json()["detail"]


def test_recording_an_act_and_activation_scope(
    client: TestClient, services: Services, ids: dict[str, int]
) -> None:
    make_user(services, "analyst", Role.ANALYST)
    h = login(client, "analyst")
    body = {
        "reference": "EVAC-2026",
        "title": "Evacuation act",
        "status": "proposed",
        "grants": [
            {
                "clause": "c.1",
                "power": "evacuation_assist",
                "categories": [{"axis": "agency_kind", "code": "police"}],
                "conditions": [{"kind": "training", "value": "evacuation"}],
                "min_members": 2,
            }
        ],
    }
    reply = client.post("/api/v1/acts", headers=h, json=body)
    assert reply.status_code == 201, reply.text
    assert reply.json()["grants"][0]["conditions"] == [{"kind": "training", "value": "evacuation"}]
    assert client.post("/api/v1/acts", headers=h, json=body).status_code == 409
    # analysts may not activate units
    order = client.post(
        "/api/v1/activation-orders",
        headers=h,
        json={"unit_id": ids["krs_bn"], "reference": "X", "valid_from": "2026-11-26T00:00:00Z"},
    )
    assert order.status_code == 403


def test_unit_powers_for_a_whole_board_match_each_unit(
    client: TestClient, services: Services, ids: dict[str, int]
) -> None:
    make_user(services, "hq", Role.HQ_COMMANDER)
    h = login(client, "hq")
    for proposed in ("", "?with=LSD-2023"):
        reply = client.get(f"/api/v1/unit-powers{proposed}", headers=h)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert body["with_proposed"] == (["LSD-2023"] if proposed else [])
        held = {int(k): v for k, v in body["units"].items()}
        assert set(held) == {v for k, v in ids.items() if k not in ("bel_vsd", "krs_vsd", "army")}
        for unit_id, codes in held.items():
            one = client.get(f"/api/v1/units/{unit_id}/authority{proposed}", headers=h).json()
            assert codes == [p["power"] for p in one["powers"] if p["held"]], unit_id
    with_lsd = client.get("/api/v1/unit-powers?with=LSD-2023", headers=h).json()["units"]
    assert "armed_response" in with_lsd[str(ids["bn2"])]
    in_force = client.get("/api/v1/unit-powers", headers=h).json()["units"]
    assert "armed_response" not in in_force[str(ids["bn2"])]
    bad = client.get("/api/v1/unit-powers?with=PO-2014", headers=h)
    assert bad.status_code == 422 and "not proposed" in bad.json()["detail"]


def test_unit_powers_only_for_units_in_scope(
    client: TestClient, services: Services, ids: dict[str, int]
) -> None:
    make_user(services, "kursk", Role.REGIONAL_COORDINATOR, Scope.of_regions("RU-KRS"))
    h = login(client, "kursk")
    held = client.get("/api/v1/unit-powers", headers=h).json()["units"]
    assert str(ids["krs_bn"]) in held
    assert str(ids["bn2"]) not in held


def test_the_law_snapshot_cache_goes_with_its_store(
    services: Services, settings: Any, tmp_path: Any
) -> None:
    """The legal engine's snapshot cache is an object of each ``Services`` (built with its
    store by ``bootstrap.py``), not a process-wide map: a store built after another was
    freed starts with no cached law of the old one. Keyed by id, a test on a fresh database was
    once served the previous test's snapshot — LSD-2023 still 'proposed' — because that
    snapshot's event version was ahead of the new database's events."""
    import gc
    import weakref

    from marchwarden.bootstrap import build_services
    from marchwarden.services import authority

    make_forces(services)
    authority.snapshot(services)

    def cached(svc: Services) -> authority.Snapshot | None:
        return svc.law.snapshot

    assert cached(services) is not None
    other = build_services(settings)
    try:
        assert cached(other) is None  # nothing shared between stores
        authority.snapshot(other)
        assert cached(other) is not None
        freed = weakref.ref(other.db)
    finally:
        other.db.engine.dispose()
    del other
    gc.collect()
    assert freed() is None, "the cache does not keep a store alive"
