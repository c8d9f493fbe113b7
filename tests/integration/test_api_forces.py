"""Forces registry over the API: units, status, positions, members, scoping."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from pydantic import TypeAdapter

from marchwarden.core.access.model import Role, Scope
from marchwarden.entrypoints.api.schemas.forces import UnitOut
from marchwarden.services import roster
from tests.factories import ROSTER_HEADER, login, make_forces, make_user, volunteer_row

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from marchwarden.services.context import Services


@pytest.fixture
def ids(services: Services) -> dict[str, int]:
    ids = make_forces(services)
    roster.import_roster(
        services,
        None,
        ROSTER_HEADER
        + "".join(volunteer_row(n, "BEL-2BN-1" if n < 6 else "BEL-2BN-2") for n in range(10)),
    )
    return ids


def snapshot(svc: Services) -> tuple[Any, ...]:
    with svc.db.unit_of_work(write=False) as uow:
        units = [(u.id, u.status, u.name, u.readiness) for u in uow.forces.units()]
        return units, uow.audit.count(), uow.events.last_id()


def test_units_tree_strength_and_status(
    client: TestClient, services: Services, ids: dict[str, int]
) -> None:
    make_user(services, "hq", Role.HQ_COMMANDER)
    h = login(client, "hq")
    units = client.get("/api/v1/units", headers=h).json()
    by_code = {u["code"]: u for u in units}
    assert by_code["BEL-2BN"]["strength"] == 10  # derived from members of its companies
    assert by_code["BEL-2BN-1"]["strength"] == 6
    assert by_code["BEL-2BN-1"]["path"].startswith(by_code["BEL-2BN"]["path"])
    # one unit read counts its subtree too (in the same statement as the unit)
    battalion = by_code["BEL-2BN"]["id"]
    assert client.get(f"/api/v1/units/{battalion}", headers=h).json()["strength"] == 10
    moved = client.post(
        f"/api/v1/units/{battalion}/positions", headers=h, json={"lon": 36.2, "lat": 50.4}
    ).json()
    assert moved["strength"] == 10 and moved["position"] == {"lon": 36.2, "lat": 50.4}
    reply = client.post(
        f"/api/v1/units/{ids['co1']}/status",
        headers=h,
        json={"status": "assigned", "note": "checkpoint duty"},
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["availability"] == "committed"
    history = client.get(f"/api/v1/units/{ids['co1']}/status-history", headers=h).json()
    assert [c["status"] for c in history][:2] == ["assigned", "available"]


def test_the_unit_list_says_of_each_unit_what_its_own_reply_says(
    client: TestClient, services: Services, ids: dict[str, int]
) -> None:
    """GET /units writes its units without a model per unit (``units_json``): each item is
    what GET /units/{id} says of that unit, and the reply is byte for byte what its response
    model would have written (times in UTC with "Z", coordinates as floats)."""
    make_user(services, "hq", Role.HQ_COMMANDER)
    h = login(client, "hq")
    at = (services.clock.now() - timedelta(seconds=1, microseconds=250)).isoformat()
    placed = client.post(
        f"/api/v1/units/{ids['army_bel']}/positions",
        headers=h,
        json={"lon": 36.123457, "lat": 50, "at": at},
    )
    assert placed.status_code == 200, placed.text
    # the position's reply is written the same way (``unit_json``): what UnitOut writes
    assert placed.headers["content-type"] == "application/json"
    assert placed.json() == client.get(f"/api/v1/units/{ids['army_bel']}", headers=h).json()
    with services.db.unit_of_work(write=False) as uow:
        placed_unit = uow.forces.unit(ids["army_bel"])
    assert placed_unit is not None
    assert placed.content == TypeAdapter(UnitOut).dump_json(UnitOut.of(placed_unit))
    listed = client.get("/api/v1/units", headers=h)
    assert listed.headers["content-type"] == "application/json"
    items = listed.json()
    assert any(u["position"] == {"lon": 36.123457, "lat": 50.0} for u in items)
    for item in items:
        assert item == client.get(f"/api/v1/units/{item['id']}", headers=h).json()
    with services.db.unit_of_work(write=False) as uow:
        units = uow.forces.units()
    models = TypeAdapter(list[UnitOut])
    assert listed.content == models.dump_json([UnitOut.of(u) for u in units])


def test_illegal_status_change_is_409_and_changes_nothing(
    client: TestClient, services: Services, ids: dict[str, int]
) -> None:
    make_user(services, "hq", Role.HQ_COMMANDER)
    h = login(client, "hq")
    before = snapshot(services)
    reply = client.post(
        f"/api/v1/units/{ids['co1']}/status", headers=h, json={"status": "on_scene"}
    )
    assert reply.status_code == 409
    assert reply.headers["content-type"].startswith("application/problem+json")
    body = reply.json()
    assert "allowed from available" in body["detail"]
    assert "assigned" in body["allowed"]
    assert snapshot(services) == before


def test_kursk_coordinator_cannot_change_belgorod_units(
    client: TestClient, services: Services, ids: dict[str, int]
) -> None:
    make_user(services, "kursk", Role.REGIONAL_COORDINATOR, Scope.of_regions("RU-KRS"))
    h = login(client, "kursk")
    before = snapshot(services)
    for method, path, body in [
        ("post", f"/api/v1/units/{ids['bn2']}/status", {"status": "out_of_service"}),
        ("patch", f"/api/v1/units/{ids['bn2']}", {"readiness": 1}),
        ("post", f"/api/v1/units/{ids['bn2']}/positions", {"lon": 35.5, "lat": 50.5}),
    ]:
        reply = client.request(method, path, headers=h, json=body)
        assert reply.status_code == 403, (path, reply.text)
        assert "outside the caller's scope" in reply.json()["detail"]
    assert snapshot(services) == before
    assert client.get(f"/api/v1/units/{ids['bn2']}", headers=h).status_code == 403
    # their own region is fine
    reply = client.patch(f"/api/v1/units/{ids['krs_bn']}", headers=h, json={"readiness": 2})
    assert reply.status_code == 200 and reply.json()["readiness"] == 2
    visible = {u["code"] for u in client.get("/api/v1/units", headers=h).json()}
    assert visible == {"KRS-1BN"}


def test_personal_data_only_for_the_commanders_subtree(
    client: TestClient, services: Services, ids: dict[str, int]
) -> None:
    with services.db.unit_of_work(write=False) as uow:
        co1 = uow.forces.unit(ids["co1"])
    assert co1 is not None
    make_user(services, "cmdr", Role.UNIT_COMMANDER, Scope.of_unit(co1.id, co1.path))
    make_user(services, "hq", Role.HQ_COMMANDER)
    cmdr, hq = login(client, "cmdr"), login(client, "hq")
    own = client.get(f"/api/v1/units/{ids['co1']}/members", headers=cmdr).json()
    assert len(own) == 6 and all(m["personal"]["family_name"] == "Petrov" for m in own)
    # the sister company is outside the commander's subtree
    assert client.get(f"/api/v1/units/{ids['co2']}/members", headers=cmdr).status_code == 403
    # HQ sees members (for tasking) but not their personal data
    seen = client.get(f"/api/v1/units/{ids['bn2']}/members", headers=hq).json()
    assert len(seen) == 10 and all(m["personal"] is None for m in seen)
    assert all(m["qualifications"] for m in seen)
    one = client.get(f"/api/v1/members/{own[0]['id']}", headers=hq).json()
    assert one["personal"] is None


def test_positions_keep_latest_and_history(
    client: TestClient, services: Services, ids: dict[str, int]
) -> None:
    make_user(services, "hq", Role.HQ_COMMANDER)
    h = login(client, "hq")
    now = services.clock.now()
    older = (now - timedelta(minutes=1)).isoformat()
    r1 = client.post(
        f"/api/v1/units/{ids['army_bel']}/positions", headers=h, json={"lon": 36.1, "lat": 50.4}
    )
    assert r1.status_code == 200
    r2 = client.post(
        f"/api/v1/units/{ids['army_bel']}/positions",
        headers=h,
        json={"lon": 36.0, "lat": 50.3, "at": older.replace("+00:00", "Z")},
    )
    assert r2.status_code == 200
    unit = client.get(f"/api/v1/units/{ids['army_bel']}", headers=h).json()
    assert unit["position"] == {"lon": 36.1, "lat": 50.4}  # an older fix does not win
    history = client.get(f"/api/v1/units/{ids['army_bel']}/positions", headers=h).json()
    assert len(history) == 2
    bad = client.post(
        f"/api/v1/units/{ids['army_bel']}/positions", headers=h, json={"lon": 200, "lat": 50}
    )
    assert bad.status_code == 422 and "body.lon" in bad.json()["detail"]


def test_history_is_bounded_and_bad_positions_change_nothing(
    client: TestClient, services: Services, ids: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Positions go through the group commit, several in one transaction: each is stored
    with its history cut to the newest ``POSITION_HISTORY_LIMIT``; a refused one (another
    region's unit, a future time, an unknown unit, a bad accuracy) changes nothing, even in
    a batch with good ones."""
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setattr("marchwarden.adapters.db.forces_repo.POSITION_HISTORY_LIMIT", 5)
    make_user(services, "hq", Role.HQ_COMMANDER)
    make_user(services, "krs", Role.REGIONAL_COORDINATOR, Scope.of_regions("RU-KRS"))
    h, krs = login(client, "hq"), login(client, "krs")
    unit = ids["army_bel"]
    start = services.clock.now() - timedelta(minutes=30)
    times = [(start + timedelta(minutes=n)).isoformat() for n in range(12)]

    def post(n: int) -> int:
        body = {"lon": 36.0 + n / 100, "lat": 50.0 + n / 100, "at": times[n]}
        return client.post(f"/api/v1/units/{unit}/positions", headers=h, json=body).status_code

    with ThreadPoolExecutor(6) as pool:
        assert list(pool.map(post, range(12))) == [200] * 12
    history = client.get(f"/api/v1/units/{unit}/positions", headers=h).json()
    assert [p["lat"] for p in history] == [50.11, 50.1, 50.09, 50.08, 50.07]
    assert client.get(f"/api/v1/units/{unit}", headers=h).json()["position"] == {
        "lon": 36.11,
        "lat": 50.11,
    }
    before = snapshot(services), history
    future = (services.clock.now() + timedelta(hours=1)).isoformat()
    bad = [
        (krs, unit, {"lon": 36.5, "lat": 50.5}, 403, "outside the caller's scope"),
        (h, unit, {"lon": 36.5, "lat": 50.5, "at": future}, 422, "future"),
        (h, 999_999, {"lon": 36.5, "lat": 50.5}, 404, "no unit with id 999999"),
        (h, unit, {"lon": 36.5, "lat": 50.5, "accuracy_m": -1}, 422, "body.accuracy_m"),
        (h, unit, {"lon": 36.5}, 422, "body.lat"),
    ]

    def post_bad(case: tuple[Any, ...]) -> tuple[int, str]:
        headers, unit_id, body, _, _ = case
        reply = client.post(f"/api/v1/units/{unit_id}/positions", headers=headers, json=body)
        return reply.status_code, reply.json()["detail"]

    with ThreadPoolExecutor(5) as pool:
        for case, (status, detail) in zip(bad, pool.map(post_bad, bad), strict=True):
            assert status == case[3], detail
            assert case[4] in detail
    after = snapshot(services), client.get(f"/api/v1/units/{unit}/positions", headers=h).json()
    assert after == before
