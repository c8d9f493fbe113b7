"""The release analysis over the API (SQLite and PostgreSQL): which army and national-guard
units LSD-2023 frees, with activation orders added, scope, and bad input."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from marchwarden.core.access.model import Role, Scope
from marchwarden.core.authority.demo_law import demo_law
from marchwarden.core.forces.model import NewUnit
from marchwarden.core.geo.distance import TravelModel, haversine_km
from marchwarden.geodata import border_settlements
from marchwarden.services import forces, law, roster
from tests.factories import ROSTER_HEADER, login, make_user, volunteer_row

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from marchwarden.services.context import Services

GRAYVORON = (35.681, 50.479)
SUDZHA = (35.271, 51.191)
KLIMOVO = (32.196, 52.379)


def release_world(svc: Services) -> dict[str, int]:
    """An army unit at Grayvoron beside an activated volunteer battalion; a national-guard
    unit at Sudzha beside a volunteer battalion that is not activated; an army unit alone
    at Klimovo. Army and guard units declare 10 people (they hold armed response)."""
    ids: dict[str, int] = {}

    def agency(key: str, code: str, kind: str, region: str | None) -> None:
        ids[key] = forces.create_agency(
            svc, None, code=code, name=code, kind=kind, region=region
        ).id

    agency("army", "ARMY", "army", None)
    agency("ng", "NG", "national_guard", None)
    agency("bel_vsd", "BEL-VSD", "volunteer_self_defence", "RU-BEL")
    agency("krs_vsd", "KRS-VSD", "volunteer_self_defence", "RU-KRS")

    def unit(
        key: str,
        code: str,
        agency_key: str,
        region: str,
        at: tuple[float, float],
        strength: int | None = None,
    ) -> None:
        ids[key] = forces.create_unit(
            svc,
            None,
            NewUnit(
                code=code,
                name=code,
                agency_id=ids[agency_key],
                parent_id=None,
                category="battalion",
                region=region,
                home_lon=at[0],
                home_lat=at[1],
                declared_strength=strength,
            ),
        ).id

    unit("a1", "ARMY-BEL-1", "army", "RU-BEL", GRAYVORON, 10)
    unit("n1", "NG-KRS-1", "ng", "RU-KRS", SUDZHA, 10)
    unit("a2", "ARMY-BRY-1", "army", "RU-BRY", KLIMOVO, 10)
    unit("bel_bn", "BEL-2BN", "bel_vsd", "RU-BEL", GRAYVORON)
    unit("krs_bn", "KRS-1BN", "krs_vsd", "RU-KRS", SUDZHA)
    for act in demo_law():
        law.record_act(svc, None, act)
    law.issue_activation_order(
        svc,
        None,
        unit_id=ids["bel_bn"],
        reference="ORD-1",
        valid_from=svc.clock.now() - timedelta(days=6),
        valid_to=None,
    )
    rows = [volunteer_row(n, "BEL-2BN") for n in range(8)]
    rows += [volunteer_row(100 + n, "KRS-1BN") for n in range(8)]
    roster.import_roster(svc, None, ROSTER_HEADER + "".join(rows))
    return ids


@pytest.fixture
def ids(services: Services) -> dict[str, int]:
    return release_world(services)


def reached(at: tuple[float, float]) -> set[int]:
    travel = TravelModel()
    return {
        s.id
        for s in border_settlements(30.0).settlements
        if travel.minutes(haversine_km(at[0], at[1], s.lon, s.lat)) <= 30.0
    }


def last_event(svc: Services) -> int:
    with svc.db.unit_of_work(write=False) as uow:
        return uow.events.last_id()


def codes(units: list[dict[str, Any]]) -> list[str]:
    return [u["code"] for u in units]


def test_the_act_frees_the_army_unit_beside_the_armed_volunteers(
    client: TestClient, services: Services, ids: dict[str, int]
) -> None:
    make_user(services, "analyst", Role.ANALYST)
    h = login(client, "analyst")
    reply = client.get("/api/v1/whatif/release?with=LSD-2023", headers=h)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    today = reached(GRAYVORON) | reached(SUDZHA) | reached(KLIMOVO)
    assert body["covered_today"] == len(today)
    before, after = body["before"], body["after"]
    assert before["method"] == after["method"] == "optimal"
    # without the act each of the three is the only unit reaching its settlements
    assert sorted(codes([k["unit"] for k in before["kept"]])) == [
        "ARMY-BEL-1",
        "ARMY-BRY-1",
        "NG-KRS-1",
    ]
    assert before["released"] == []
    kept_a1 = next(k for k in before["kept"] if k["unit"]["code"] == "ARMY-BEL-1")
    assert set(kept_a1["settlements"]) == reached(GRAYVORON) & today
    # with it, the 2nd Battalion at Grayvoron reaches what the army unit reached
    assert codes(after["released"]) == ["ARMY-BEL-1"]
    assert codes(body["freed"]) == ["ARMY-BEL-1"]
    assert body["freed_people"] == 10 == after["released_people"]
    states = {s["id"]: s["state"] for s in body["settlements"]}
    assert {i for i, st in states.items() if st == "covered_by_others"} == reached(
        GRAYVORON
    ) & today
    assert (
        set(body["uncovered_either_way"])
        == {s.id for s in border_settlements(30.0).settlements} - today
    )
    # what stands in the way: the Kursk battalion is not activated
    krs = next(b for b in body["binding"]["battalions"] if b["code"] == "KRS-1BN")
    gains = {g["kind"]: g for g in krs["gains"]}
    assert gains["unit_activated"]["members"] == 8 and gains["unit_activated"]["units"] == 1
    assert body["binding"]["totals"][0]["kind"] == "unit_activated"


def test_activating_the_kursk_battalion_frees_the_guard_unit_too(
    client: TestClient, services: Services, ids: dict[str, int]
) -> None:
    make_user(services, "hq", Role.HQ_COMMANDER)
    h = login(client, "hq")
    reply = client.get(f"/api/v1/whatif/release?with=LSD-2023&activate={ids['krs_bn']}", headers=h)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert codes(body["activate"]) == ["KRS-1BN"]
    assert sorted(codes(body["freed"])) == ["ARMY-BEL-1", "NG-KRS-1"]
    assert body["binding"]["battalions"] == []  # nobody is left without the power
    # nothing was written: no activation order exists for the Kursk battalion
    orders = client.get(f"/api/v1/activation-orders?unit_id={ids['krs_bn']}", headers=h)
    assert orders.status_code == 200 and orders.json() == []


def test_a_scoped_account_sees_only_its_regions_units(
    client: TestClient, services: Services, ids: dict[str, int]
) -> None:
    make_user(services, "kursk", Role.REGIONAL_COORDINATOR, Scope.of_regions("RU-KRS"))
    h = login(client, "kursk")
    body = client.get(
        f"/api/v1/whatif/release?with=LSD-2023&activate={ids['krs_bn']}", headers=h
    ).json()
    assert body["scoped"] is True
    assert codes(body["freed"]) == ["NG-KRS-1"]
    assert body["freed_people"] == 10
    assert codes(body["before"]["kept"] and [k["unit"] for k in body["before"]["kept"]]) == [
        "NG-KRS-1"
    ]
    assert body["before"]["candidates"] == 1
    plain = client.get("/api/v1/whatif/release?with=LSD-2023", headers=h).json()
    assert [b["code"] for b in plain["binding"]["battalions"]] == ["KRS-1BN"]
    make_user(services, "auditor", Role.AUDITOR)
    denied = client.get("/api/v1/whatif/release?with=LSD-2023", headers=login(client, "auditor"))
    assert denied.status_code == 403
    assert denied.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("", "name a proposed act"),
        ("with=PO-2014", "not proposed"),
        ("with=NOPE", "no legal act"),
        ("with=LSD-2023&activate=999999", "cannot activate"),
        ("with=LSD-2023&agency=navy", "unknown agency kind"),
        ("with=LSD-2023&power=fly", "unknown power"),
        ("with=LSD-2023&objective=cheapest", "objective"),
        ("with=LSD-2023&minutes=0", "minutes"),
    ],
)
def test_bad_questions_get_a_problem_and_change_nothing(
    client: TestClient, services: Services, ids: dict[str, int], query: str, detail: str
) -> None:
    make_user(services, "analyst", Role.ANALYST)
    h = login(client, "analyst")
    events_before = last_event(services)
    reply = client.get(f"/api/v1/whatif/release?{query}", headers=h)
    assert reply.status_code == 422, reply.text
    assert reply.headers["content-type"].startswith("application/problem+json")
    assert detail in reply.json()["detail"]
    assert last_event(services) == events_before > 0
