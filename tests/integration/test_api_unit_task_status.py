"""One rule for unit status and task status (core/dispatch/coupling.py) over the API, on
SQLite and PostgreSQL: the unit status endpoint (Units board, field page) moves the task,
the task step endpoints move the unit, and a change that would orphan a task is refused
with nothing changed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.integration.command_support import assert_problem, build_world, counts, open_incident

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from marchwarden.services.context import Services
    from tests.integration.command_support import World


@pytest.fixture
def world(client: TestClient, services: Services) -> World:
    return build_world(client, services)


def assigned_task(client: TestClient, world: World) -> tuple[int, int]:
    bel = world.h("belgorod")
    iid = open_incident(client, bel)["id"]
    reply = client.post(
        f"/api/v1/incidents/{iid}/tasks",
        json={"title": "Evacuate Kozinka", "required_powers": ["evacuation_assist"]},
        headers=bel,
    )
    assert reply.status_code == 201, reply.text
    tid = reply.json()["id"]
    unit = world.ids["vol_evac"]
    reply = client.post(f"/api/v1/tasks/{tid}/assign", json={"unit_id": unit}, headers=bel)
    assert reply.status_code == 200, reply.text
    return tid, unit


def set_status(client: TestClient, h: dict[str, str], unit: int, status: str) -> Any:
    return client.post(f"/api/v1/units/{unit}/status", json={"status": status}, headers=h)


def task_of(client: TestClient, world: World, tid: int) -> dict[str, Any]:
    reply = client.get(f"/api/v1/tasks/{tid}", headers=world.h("belgorod"))
    assert reply.status_code == 200, reply.text
    result: dict[str, Any] = reply.json()
    return result


def test_a_unit_set_en_route_accepts_its_task_and_takes_it_along(
    client: TestClient, services: Services, world: World
) -> None:
    tid, unit = assigned_task(client, world)
    cmdr = world.h("evac_cmdr")
    reply = set_status(client, cmdr, unit, "en_route")
    assert reply.status_code == 200, reply.text
    assert reply.json()["status"] == "en_route"
    assert task_of(client, world, tid)["status"] == "en_route"
    reply = set_status(client, cmdr, unit, "on_scene")
    assert reply.status_code == 200, reply.text
    assert task_of(client, world, tid)["status"] == "on_scene"
    reply = set_status(client, cmdr, unit, "returning")
    assert reply.status_code == 200, reply.text
    done = task_of(client, world, tid)
    assert done["status"] == "completed" and done["ended_at"] is not None
    # the incident's timeline tells each step, the audit record names them
    log = client.get(f"/api/v1/activity-log?unit_id={unit}", headers=world.h("belgorod"))
    texts = [e["text"] for e in log.json()["entries"]]
    assert [t.split(" (unit status")[0] for t in texts[1:]] == [
        f"Task {tid} accepted by BEL-EVAC",
        f"Task {tid} en route by BEL-EVAC",
        f"Task {tid} on scene by BEL-EVAC",
        f"Task {tid} completed; unit released by BEL-EVAC",
    ]
    with services.db.unit_of_work(write=False) as uow:
        events = [e for e in uow.events.after(0, 10_000) if e.type == "TaskStatusChanged"]
    assert [(e.payload["previous"], e.payload["status"]) for e in events] == [
        ("assigned", "accepted"),
        ("accepted", "en_route"),
        ("en_route", "on_scene"),
        ("on_scene", "completed"),
    ]


def test_freeing_a_unit_whose_task_is_not_done_is_refused_and_changes_nothing(
    client: TestClient, services: Services, world: World
) -> None:
    tid, unit = assigned_task(client, world)
    before = counts(services)
    for status in ("available", "out_of_service"):
        body = assert_problem(
            set_status(client, world.h("belgorod"), unit, status),
            409,
            "unit-held-by-task",
            f"the unit is on task {tid} (assigned)",
        )
        assert body["task_id"] == tid and body["requested"] == status
    assert counts(services) == before
    assert task_of(client, world, tid)["status"] == "assigned"
    assert task_of(client, world, tid)["unit"]["status"] == "assigned"


def test_task_steps_still_drive_the_unit(client: TestClient, world: World) -> None:
    tid, unit = assigned_task(client, world)
    cmdr = world.h("evac_cmdr")
    assert client.post(f"/api/v1/tasks/{tid}/accept", json={}, headers=cmdr).status_code == 200
    reply = client.post(f"/api/v1/tasks/{tid}/status", json={"status": "en_route"}, headers=cmdr)
    assert reply.status_code == 200, reply.text
    assert reply.json()["unit"]["status"] == "en_route"
    # the unit status now agrees, so setting it again is no change at all
    body = assert_problem(
        set_status(client, cmdr, unit, "en_route"), 409, "illegal-status-transition"
    )
    # the step in data, for the page to say it in the reader's language
    assert (body["current"], body["requested"]) == ("en_route", "en_route")


def test_a_unit_without_a_task_changes_status_by_the_cad_model_alone(
    client: TestClient, world: World
) -> None:
    unit = world.ids["army_near"]
    reply = set_status(client, world.h("hq"), unit, "out_of_service")
    assert reply.status_code == 200, reply.text
    assert reply.json()["status"] == "out_of_service"
