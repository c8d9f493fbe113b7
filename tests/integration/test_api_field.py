"""The field page's API on SQLite and PostgreSQL: the inbox (who sees which tasks, in
which order), idempotent actions (once per key, refusals store nothing), positions with
their accuracy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.integration.command_support import (
    SUDZHA,
    assert_problem,
    at,
    build_world,
    counts,
    new_key,
    open_incident,
    submit,
)

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from marchwarden.services.context import Services
    from tests.integration.command_support import World


@pytest.fixture
def world(client: TestClient, services: Services) -> World:
    return build_world(client, services)


def task_for(
    client: TestClient,
    world: World,
    unit_key: str,
    title: str,
    priority: str = "normal",
    assigner: str = "hq",
) -> int:
    hq = world.h("hq")
    iid = open_incident(client, hq, name=title)["id"]
    body = {"title": title, "required_powers": [], "priority": priority}
    reply = client.post(f"/api/v1/incidents/{iid}/tasks", json=body, headers=hq)
    assert reply.status_code == 201, reply.text
    tid: int = reply.json()["id"]
    unit = world.ids[unit_key]
    reply = client.post(
        f"/api/v1/tasks/{tid}/assign", json={"unit_id": unit}, headers=world.h(assigner)
    )
    assert reply.status_code == 200, reply.text
    return tid


def act(client: TestClient, h: dict[str, str], key: str, **body: Any) -> Any:
    return client.post("/api/v1/field/actions", json=body, headers=h | {"Idempotency-Key": key})


def test_the_inbox_holds_my_units_tasks_waiting_first_then_urgent_then_newest(
    client: TestClient, world: World
) -> None:
    a = task_for(client, world, "vol_evac", "Evacuate Kozinka", assigner="belgorod")
    cmdr = world.h("evac_cmdr")
    mine = client.get("/api/v1/field/tasks", headers=cmdr).json()
    assert [(t["created_by"], t["tasked_by"]) for t in mine] == [("hq", "belgorod")]
    assert act(client, cmdr, new_key(), kind="task.accept", task_id=a).status_code == 200
    b = task_for(client, world, "army_near", "Hold the bridge", "urgent")
    inbox = client.get("/api/v1/field/tasks", headers=cmdr)
    assert inbox.status_code == 200, inbox.text
    assert [(t["id"], t["waiting"]) for t in inbox.json()] == [(a, False)]
    # hq answers for every unit: the waiting task first
    inbox = client.get("/api/v1/field/tasks", headers=world.h("hq")).json()
    assert [t["id"] for t in inbox] == [b, a]
    assert inbox[0]["incident_type"] == "cross_border_incursion"
    assert inbox[0]["tasked_by"] == "hq" and inbox[0]["waiting"] is True
    # the army's liaison sees the army's task only; Kursk sees neither
    assert [
        t["id"] for t in client.get("/api/v1/field/tasks", headers=world.h("army_liaison")).json()
    ] == [b]
    assert client.get("/api/v1/field/tasks", headers=world.h("kursk")).json() == []
    # roles without the field inbox are refused
    for user in ("reporter", "auditor"):
        assert_problem(client.get("/api/v1/field/tasks", headers=world.h(user)), 403, "forbidden")
    units = client.get("/api/v1/field/units", headers=cmdr).json()
    assert [(u["unit"]["id"], u["active_task_id"]) for u in units] == [(world.ids["vol_evac"], a)]
    # what it may be set to by hand follows the one rule: moving takes the task along,
    # freeing it before the work is done is not offered
    assert units[0]["allowed_next"] == ["en_route", "on_scene"]


def test_an_action_is_carried_out_once_per_key(
    client: TestClient, services: Services, world: World
) -> None:
    tid = task_for(client, world, "vol_evac", "Evacuate Kozinka")
    cmdr = world.h("evac_cmdr")
    key = new_key()
    first = act(client, cmdr, key, kind="task.accept", task_id=tid)
    assert first.status_code == 200, first.text
    assert first.json()["task"]["status"] == "accepted" and first.json()["replayed"] is False
    before = counts(services)
    again = act(client, cmdr, key, kind="task.accept", task_id=tid)
    assert again.status_code == 200, again.text
    assert again.headers["Idempotent-Replayed"] == "true" and again.json()["replayed"] is True
    assert counts(services) == before
    assert_problem(
        act(client, cmdr, key, kind="task.decline", task_id=tid, note="no"),
        409,
        "idempotency-key-reused",
    )
    assert_problem(
        client.post(
            "/api/v1/field/actions", json={"kind": "task.accept", "task_id": tid}, headers=cmdr
        ),
        422,
        "idempotency-key-invalid",
    )
    assert counts(services) == before


def test_a_step_on_a_task_cancelled_meanwhile_is_refused_with_the_reason_and_stores_nothing(
    client: TestClient, services: Services, world: World
) -> None:
    tid = task_for(client, world, "vol_evac", "Evacuate Kozinka")
    reply = client.post(
        f"/api/v1/tasks/{tid}/cancel", json={"reason": "false alarm"}, headers=world.h("hq")
    )
    assert reply.status_code == 200, reply.text
    before = counts(services)
    key = new_key()
    for _ in range(2):  # a refusal is not stored: a retry asks again, and is refused again
        body = assert_problem(
            act(client, world.h("evac_cmdr"), key, kind="task.accept", task_id=tid),
            409,
            "illegal-task-transition",
            "allowed from cancelled: none",
        )
        assert body["current"] == "cancelled"
    assert counts(services) == before
    with services.db.unit_of_work(write=False) as uow:
        user = uow.users.by_username("evac_cmdr")
        assert user is not None
        assert uow.idempotency.get(user.id, "field.action", key) is None


def test_unit_status_and_position_with_accuracy(client: TestClient, world: World) -> None:
    tid = task_for(client, world, "vol_evac", "Evacuate Kozinka")
    cmdr = world.h("evac_cmdr")
    unit = world.ids["vol_evac"]
    reply = act(client, cmdr, new_key(), kind="unit.status", unit_id=unit, status="en_route")
    assert reply.status_code == 200, reply.text
    task = client.get(f"/api/v1/tasks/{tid}", headers=cmdr).json()
    assert task["status"] == "en_route"  # the one rule: the unit moving takes its task
    reply = act(
        client,
        cmdr,
        new_key(),
        kind="unit.position",
        unit_id=unit,
        lon=35.61,
        lat=50.46,
        accuracy_m=12.5,
    )
    assert reply.status_code == 200, reply.text
    positions = client.get(f"/api/v1/units/{unit}/positions", headers=cmdr).json()
    assert positions[0] | {"at": None} == {
        "at": None,
        "lon": 35.61,
        "lat": 50.46,
        "source": "field",
        "accuracy_m": 12.5,
    }
    assert_problem(
        act(client, cmdr, new_key(), kind="unit.position", unit_id=unit),
        422,
        "invalid",
        "unit.position needs lon and lat",
    )


def test_a_report_across_the_regional_line_is_accepted_and_routed_where_it_lies(
    client: TestClient, world: World
) -> None:
    """The reporter is scoped to RU-BEL. Inside: Belgorod's queue. Across the line in
    Kursk: accepted, and in Kursk's queue, not Belgorod's (core/access/policy.py:
    route_report)."""
    reporter = world.h("reporter")
    inside = submit(client, reporter, new_key())
    assert inside.status_code == 201, inside.text
    across = submit(client, reporter, new_key(), position=at(SUDZHA))
    assert across.status_code == 201, across.text
    assert (inside.json()["region"], across.json()["region"]) == ("RU-BEL", "RU-KRS")
    for user, sees, not_sees in (
        ("belgorod", inside.json()["id"], across.json()["id"]),
        ("kursk", across.json()["id"], inside.json()["id"]),
    ):
        assert client.get(f"/api/v1/reports/{sees}", headers=world.h(user)).status_code == 200
        assert_problem(
            client.get(f"/api/v1/reports/{not_sees}", headers=world.h(user)), 403, "forbidden"
        )


def test_two_sends_of_one_action_at_once_apply_it_once(
    client: TestClient, services: Services, world: World
) -> None:
    """A phone that retries while its first request is still in flight: one step, one
    audit record; both get "applied" (one of them replayed)."""
    from marchwarden.services import field
    from tests.integration.command_support import race

    tid = task_for(client, world, "vol_evac", "Evacuate Kozinka")
    with services.db.unit_of_work(write=False) as uow:
        user = uow.users.by_username("evac_cmdr")
        assert user is not None
        before = uow.audit.count()
    action = field.FieldAction(kind=field.FieldActionKind.TASK_ACCEPT, task_id=tid)
    key = new_key()
    results = race(*[lambda: field.perform(services, user.principal(), action, key)] * 2)
    assert all(isinstance(r, field.FieldOutcome) for r in results), results
    assert sorted(r.replayed for r in results if isinstance(r, field.FieldOutcome)) == [
        False,
        True,
    ]
    with services.db.unit_of_work(write=False) as uow:
        assert uow.audit.count() == before + 1
        task = uow.tasks.get(tid)
    assert task is not None and task.status.value == "accepted"
