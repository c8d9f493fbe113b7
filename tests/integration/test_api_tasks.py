"""Tasking and dispatch over the API: recommendations, refused assignments with the legal
reasons, the task lifecycle driving the unit's status, the scope rule, and concurrent
assignment on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

import pytest

from marchwarden.core.access.model import Role
from marchwarden.core.authority.model import ActStatus
from marchwarden.core.dispatch.tasking import IllegalTaskTransition
from marchwarden.services import accounts, law, roster, stream, tasks
from marchwarden.services.stream import may_see
from tests.factories import ROSTER_HEADER, make_user, volunteer_row
from tests.integration.command_support import (
    SUDZHA,
    assert_problem,
    build_world,
    open_incident,
    race,
)

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from marchwarden.core.clock import FixedClock
    from marchwarden.services.context import Services
    from tests.integration.command_support import World

NOT_GRANTED = "armed_response: not granted to volunteer_self_defence by any act in force"


@pytest.fixture
def world(client: TestClient, services: Services) -> World:
    return build_world(client, services)


def principal(services: Services, username: str) -> Any:
    with services.db.unit_of_work(write=False) as uow:
        user = uow.users.by_username(username)
    assert user is not None
    return user.principal()


def new_task(
    client: TestClient, h: dict[str, str], incident_id: int, **body: Any
) -> dict[str, Any]:
    payload = {"title": "Repel the armed group", "required_powers": ["armed_response"], **body}
    reply = client.post(f"/api/v1/incidents/{incident_id}/tasks", json=payload, headers=h)
    assert reply.status_code == 201, reply.text
    result: dict[str, Any] = reply.json()
    return result


def unit_status(services: Services, unit_id: int) -> str:
    with services.db.unit_of_work(write=False) as uow:
        unit = uow.tasks.unit(unit_id)
    assert unit is not None
    return unit.status.value


def test_recommendations_rank_eligible_units_and_explain_the_others(
    client: TestClient, world: World
) -> None:
    hq = world.h("hq")
    iid = open_incident(client, hq)["id"]
    task = new_task(client, hq, iid, required_capabilities=["vehicles"], priority="urgent")
    assert task["position"] == {"lon": 35.66, "lat": 50.48}  # the incident's place
    rec = client.get(f"/api/v1/tasks/{task['id']}/recommendations", headers=hq).json()
    ids = world.ids
    assert [r["unit"]["id"] for r in rec["ranked"]] == [
        ids["army_near"],  # 8 km
        ids["army_far"],  # Belgorod, 66 km
        ids["army_krs"],  # Sudzha, 80 km
    ]
    etas = [r["eta_minutes"] for r in rec["ranked"]]
    assert etas == sorted(etas)
    assert rec["ranked"][0]["granted_powers"] == {"armed_response": "SEC-1996 c.13"}
    assert rec["eligible_count"] == 3
    near = {n["unit"]["id"]: n for n in rec["ineligible_nearby"]}
    assert set(near) == {ids["vol_evac"], ids["bn2"], ids["co1"], ids["co2"]}
    reasons = near[ids["vol_evac"]]["reasons"]
    assert [r["code"] for r in reasons] == ["missing_power", "missing_capability"]
    assert NOT_GRANTED in reasons[0]["detail"]
    assert reasons[1]["message"] == "lacks capability vehicles"
    # what each says, for a reader in another language
    assert reasons[0]["params"] == {"power": "armed_response"}
    law = reasons[0]["coded_reasons"]
    assert [r["text"] for r in law] == reasons[0]["detail"].split("; ")
    assert law[0]["code"] == "not_granted" and law[0]["power"] == "armed_response"
    assert reasons[1]["params"] == {"capability": "vehicles"}
    dists = [n["distance_km"] for n in rec["ineligible_nearby"]]
    assert dists == sorted(dists) and max(dists) <= rec["ineligible_radius_km"]
    assert rec["travel_model"].startswith("straight-line distance")


def test_assignment_to_an_ineligible_unit_is_refused_with_the_legal_reasons(
    client: TestClient, services: Services, world: World
) -> None:
    hq = world.h("hq")
    iid = open_incident(client, hq)["id"]
    task = new_task(client, hq, iid, required_powers=["armed_response", "carry_weapons"])
    with services.db.unit_of_work(write=False) as uow:
        before = (uow.audit.count(), uow.events.count())
    reply = client.post(
        f"/api/v1/tasks/{task['id']}/assign", json={"unit_id": world.ids["vol_evac"]}, headers=hq
    )
    body = assert_problem(reply, 409, "unit-not-eligible", "BEL-EVAC may not be given task")
    missing = {m["power"]: m for m in body["missing_powers"]}
    assert set(missing) == {"armed_response", "carry_weapons"}
    assert NOT_GRANTED in missing["armed_response"]["reasons"]
    assert missing["carry_weapons"]["label"] == "Carry and use weapons"
    assert any(
        "carry_weapons: not granted to volunteer_self_defence by any act in force" in r
        for r in missing["carry_weapons"]["reasons"]
    )
    assert NOT_GRANTED in body["detail"]
    # each reason with its code and what it says: the law's for each missing power
    coded = missing["carry_weapons"]["coded_reasons"]
    assert [r["text"] for r in coded] == missing["carry_weapons"]["reasons"]
    assert coded[0]["code"] == "not_granted" and coded[0]["power"] == "carry_weapons"
    assert coded[0]["params"] == {
        "power": "carry_weapons",
        "kind": "volunteer_self_defence",
        "proposed": coded[0]["params"]["proposed"],
    }
    assert [r["params"] for r in body["reasons"] if r["code"] == "missing_power"] == [
        {"power": "armed_response"},
        {"power": "carry_weapons"},
    ]
    # the task and the unit are as they were
    assert client.get(f"/api/v1/tasks/{task['id']}", headers=hq).json()["status"] == "open"
    assert unit_status(services, world.ids["vol_evac"]) == "available"
    # but the refusal is kept (issue 13): one audit record and one event, naming who, which
    # unit, the missing powers and the law's reasons; and an entry on the incident's timeline
    with services.db.unit_of_work(write=False) as uow:
        assert (uow.audit.count(), uow.events.count()) == (before[0] + 1, before[1] + 1)
        record = list(uow.audit.iterate())[-1]
    assert record.command == "task.assign.refused"
    assert record.actor_name == "hq"
    assert record.target_id == str(task["id"])
    assert record.changes["unit_code"] == "BEL-EVAC"
    assert set(record.changes["missing_powers"]) == {"armed_response", "carry_weapons"}
    assert any(NOT_GRANTED in r for r in record.changes["reasons"])
    timeline = client.get(f"/api/v1/incidents/{iid}/timeline", headers=hq).json()["items"]
    refused = [e for e in timeline if e["kind"] == "task_refused"]
    assert len(refused) == 1
    assert refused[0]["actor"] == "hq"
    assert refused[0]["unit_id"] == world.ids["vol_evac"]
    assert refused[0]["task_id"] == task["id"]
    assert refused[0]["text"].startswith(f"Assignment of task {task['id']} to ")
    assert "(BEL-EVAC) refused: " in refused[0]["text"]
    assert NOT_GRANTED in refused[0]["text"]
    assert set(refused[0]["data"]["missing_powers"]) == {"armed_response", "carry_weapons"}
    kept = refused[0]["data"]["coded_reasons"]
    assert {r["power"] for r in kept} == {"armed_response", "carry_weapons"}
    assert all(r["code"] and isinstance(r["params"], dict) for r in kept)
    assert record.changes["coded_reasons"] == kept
    # an army unit that has not registered anyone: too few members to hold the power
    reply = client.post(
        f"/api/v1/tasks/{task['id']}/assign", json={"unit_id": world.ids["army_bel"]}, headers=hq
    )
    body = assert_problem(reply, 409, "unit-not-eligible")
    counts = {m["power"]: m["counts"] for m in body["missing_powers"]}
    assert counts["armed_response"] == [
        "SEC-1996 c.13: 0 of 8 required members hold armed_response"
    ]


def test_the_task_lifecycle_moves_the_units_status(
    client: TestClient, services: Services, world: World
) -> None:
    bel = world.h("belgorod")
    iid = open_incident(client, bel)["id"]
    unit = world.ids["vol_evac"]
    task = new_task(
        client,
        bel,
        iid,
        title="Evacuate Kozinka",
        required_powers=["evacuation_assist"],
        position={"lon": 35.6026, "lat": 50.4613},
    )
    tid = task["id"]
    assigned = client.post(f"/api/v1/tasks/{tid}/assign", json={"unit_id": unit}, headers=bel)
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["status"] == "assigned"
    assert assigned.json()["unit"]["status"] == "assigned"
    assert unit_status(services, unit) == "assigned"
    # someone else's liaison cannot answer for the unit
    assert_problem(
        client.post(f"/api/v1/tasks/{tid}/accept", json={}, headers=world.h("army_liaison")),
        403,
        "forbidden",
    )
    cmdr = world.h("evac_cmdr")
    assert client.post(f"/api/v1/tasks/{tid}/accept", json={}, headers=cmdr).json()["status"] == (
        "accepted"
    )
    for step, task_status, status in (
        ("en_route", "en_route", "en_route"),
        ("on_scene", "on_scene", "on_scene"),
        ("released", "completed", "available"),
    ):
        reply = client.post(f"/api/v1/tasks/{tid}/status", json={"status": step}, headers=cmdr)
        assert reply.status_code == 200, reply.text
        assert reply.json()["status"] == task_status
        assert unit_status(services, unit) == status
    done = client.get(f"/api/v1/tasks/{tid}", headers=bel).json()
    assert done["allowed_next"] == [] and done["ended_at"] is not None
    body = assert_problem(
        client.post(f"/api/v1/tasks/{tid}/status", json={"status": "en_route"}, headers=cmdr),
        409,
        "illegal-task-transition",
        "allowed from completed: none",
    )
    assert body["allowed"] == []
    # the unit's activity log (ICS 214) tells the story
    log = client.get(f"/api/v1/activity-log?unit_id={unit}", headers=bel).json()["entries"]
    assert [e["text"].split(":")[0] for e in log] == [
        f"Task {tid} assigned to BEL-EVAC (BEL-VSD); powers",
        f"Task {tid} accepted by BEL-EVAC",
        f"Task {tid} en route by BEL-EVAC",
        f"Task {tid} on scene by BEL-EVAC",
        f"Task {tid} completed; unit released by BEL-EVAC",
    ]
    # the unit's commander follows its tasks on the live stream; Kursk does not
    with services.db.unit_of_work(write=False) as uow:
        task_events = [e for e in uow.events.after(0, 10_000) if e.type.startswith("Task")]
    assert [e.type for e in task_events] == ["TaskCreated", "TaskAssigned"] + [
        "TaskStatusChanged"
    ] * 4
    assert all(may_see(principal(services, "evac_cmdr"), e) for e in task_events[1:])
    assert not any(may_see(principal(services, "kursk"), e) for e in task_events)
    # and the unit's own status history shows the task
    history = client.get(f"/api/v1/units/{unit}/status-history", headers=bel)
    assert history.status_code == 200, history.text
    notes = [h["note"] for h in history.json()]
    assert sum(f"task {tid}" in n for n in notes) == 4


def test_a_unit_may_be_released_to_return(
    client: TestClient, services: Services, world: World
) -> None:
    hq = world.h("hq")
    iid = open_incident(client, hq)["id"]
    tid = new_task(client, hq, iid)["id"]
    unit = world.ids["army_near"]
    client.post(f"/api/v1/tasks/{tid}/assign", json={"unit_id": unit}, headers=hq)
    client.post(f"/api/v1/tasks/{tid}/accept", json={}, headers=world.h("army_liaison"))
    client.post(f"/api/v1/tasks/{tid}/status", json={"status": "on_scene"}, headers=hq)
    reply = client.post(
        f"/api/v1/tasks/{tid}/status",
        json={"status": "released", "release_to": "returning"},
        headers=hq,
    )
    assert reply.status_code == 200
    assert unit_status(services, unit) == "returning"


def test_declining_reopens_the_task_and_frees_the_unit(
    client: TestClient, services: Services, world: World
) -> None:
    hq = world.h("hq")
    iid = open_incident(client, hq)["id"]
    tid = new_task(client, hq, iid, required_powers=["evacuation_assist"])["id"]
    unit = world.ids["vol_evac"]
    client.post(f"/api/v1/tasks/{tid}/assign", json={"unit_id": unit}, headers=hq)
    assert_problem(
        client.post(f"/api/v1/tasks/{tid}/decline", json={}, headers=world.h("evac_cmdr")),
        422,
        "validation-error",
        "body.reason",
    )
    reply = client.post(
        f"/api/v1/tasks/{tid}/decline",
        json={"reason": "half the company is on the evacuation of Glotovo"},
        headers=world.h("evac_cmdr"),
    )
    assert reply.status_code == 200
    assert reply.json()["status"] == "open" and reply.json()["unit"] is None
    assert unit_status(services, unit) == "available"
    # it can be given to a unit again
    again = client.post(f"/api/v1/tasks/{tid}/assign", json={"unit_id": unit}, headers=hq)
    assert again.json()["status"] == "assigned"


def test_cancelling_frees_the_unit_and_lets_the_incident_close(
    client: TestClient, services: Services, world: World
) -> None:
    hq = world.h("hq")
    iid = open_incident(client, hq)["id"]
    for to in ("verified", "active", "contained"):
        client.post(f"/api/v1/incidents/{iid}/transition", json={"to": to}, headers=hq)
    tid = new_task(client, hq, iid)["id"]
    unit = world.ids["army_near"]
    client.post(f"/api/v1/tasks/{tid}/assign", json={"unit_id": unit}, headers=hq)
    client.post(f"/api/v1/tasks/{tid}/accept", json={}, headers=hq)
    client.post(f"/api/v1/tasks/{tid}/status", json={"status": "en_route"}, headers=hq)
    body = assert_problem(
        client.post(f"/api/v1/incidents/{iid}/transition", json={"to": "closed"}, headers=hq),
        409,
        "conflict",
        "unfinished tasks",
    )
    assert body["unfinished_tasks"] == [tid]
    assert_problem(
        client.post(f"/api/v1/tasks/{tid}/cancel", json={}, headers=hq),
        422,
        "validation-error",
    )
    cancelled = client.post(
        f"/api/v1/tasks/{tid}/cancel", json={"reason": "the group withdrew"}, headers=hq
    )
    assert cancelled.json()["status"] == "cancelled"
    assert unit_status(services, unit) == "available"
    closed = client.post(f"/api/v1/incidents/{iid}/transition", json={"to": "closed"}, headers=hq)
    assert closed.json()["state"] == "closed"
    assert_problem(
        client.post(f"/api/v1/incidents/{iid}/tasks", json={"title": "late"}, headers=hq),
        409,
        "conflict",
        "no new tasks",
    )


def test_scope_rule_kursk_tasks_belgorod_units_only_through_the_unified_command(
    client: TestClient, world: World
) -> None:
    kursk, ids = world.h("kursk"), world.ids
    iid = open_incident(
        client, kursk, name="Sudzha shelling", where=SUDZHA, incident_type="shelling"
    )["id"]
    tid = new_task(
        client, kursk, iid, title="Evacuate Sudzha", required_powers=["evacuation_assist"]
    )["id"]
    rec = client.get(f"/api/v1/tasks/{tid}/recommendations", headers=kursk).json()
    considered = [r["unit"]["region"] for r in rec["ranked"]] + [
        n["unit"]["region"] for n in rec["ineligible_nearby"]
    ]
    assert set(considered) == {"RU-KRS"}
    assert [r["unit"]["id"] for r in rec["ranked"]] == [ids["krs_evac"]]
    refused = client.post(
        f"/api/v1/tasks/{tid}/assign", json={"unit_id": ids["vol_evac"]}, headers=kursk
    )
    body = assert_problem(refused, 403, "forbidden", "agency BEL-VSD is not part of incident")
    assert body["code"] == "forbidden.unit_outside"
    assert body["params"]["agency_code"] == "BEL-VSD" and body["params"]["unit"]
    # the Belgorod volunteers join the unified command as a supporting agency
    reply = client.put(
        f"/api/v1/incidents/{iid}/command",
        json={"lead_agency_id": ids["krs_vsd"], "supporting_agency_ids": [ids["bel_vsd"]]},
        headers=kursk,
    )
    assert reply.status_code == 200
    rec = client.get(f"/api/v1/tasks/{tid}/recommendations", headers=kursk).json()
    assert ids["vol_evac"] in [r["unit"]["id"] for r in rec["ranked"]]
    assert "unified command" in rec["considered"]
    assigned = client.post(
        f"/api/v1/tasks/{tid}/assign", json={"unit_id": ids["vol_evac"]}, headers=kursk
    )
    assert assigned.status_code == 200, assigned.text
    timeline = client.get(f"/api/v1/incidents/{iid}/timeline", headers=kursk).json()["items"]
    assert "is part of incident" in timeline[-1]["data"]["scope"]
    # the Belgorod army is not in the command: still out of reach for Kursk
    other = new_task(client, kursk, iid)["id"]
    assert_problem(
        client.post(
            f"/api/v1/tasks/{other}/assign", json={"unit_id": ids["army_near"]}, headers=kursk
        ),
        403,
        "forbidden",
    )
    # and the Kursk coordinator cannot task on a Belgorod incident at all
    bel_incident = open_incident(client, world.h("hq"))["id"]
    assert_problem(
        client.post(f"/api/v1/incidents/{bel_incident}/tasks", json={"title": "x"}, headers=kursk),
        403,
        "forbidden",
        "outside the caller's scope",
    )


def test_recommendations_follow_unit_status_and_the_law(
    client: TestClient, services: Services, world: World
) -> None:
    hq, ids = world.h("hq"), world.ids
    iid = open_incident(client, hq)["id"]
    first = new_task(client, hq, iid)["id"]
    second = new_task(client, hq, iid)["id"]

    def ranked(task_id: int) -> list[int]:
        rec = client.get(f"/api/v1/tasks/{task_id}/recommendations", headers=hq).json()
        return [r["unit"]["id"] for r in rec["ranked"]]

    assert ranked(second)[0] == ids["army_near"]
    client.post(f"/api/v1/tasks/{first}/assign", json={"unit_id": ids["army_near"]}, headers=hq)
    assert ids["army_near"] not in ranked(second)
    rec = client.get(f"/api/v1/tasks/{second}/recommendations", headers=hq).json()
    busy = next(n for n in rec["ineligible_nearby"] if n["unit"]["id"] == ids["army_near"])
    assert busy["reasons"][0]["code"] == "status_not_available"
    # a busy unit is refused, with its status as the reason
    body = assert_problem(
        client.post(
            f"/api/v1/tasks/{second}/assign", json={"unit_id": ids["army_near"]}, headers=hq
        ),
        409,
        "unit-not-eligible",
        "status assigned (committed) is not available",
    )
    assert body["missing_powers"] == []
    assert body["reasons"][0]["params"] == {"status": "assigned"}
    client.post(f"/api/v1/tasks/{first}/cancel", json={"reason": "stand down"}, headers=hq)
    assert ranked(second)[0] == ids["army_near"]
    # the law changes: eight qualified volunteers of the activated 2nd Battalion's first
    # company, and the local self-defence act passes
    roster.import_roster(
        services, None, ROSTER_HEADER + "".join(volunteer_row(n) for n in range(8))
    )
    assert ids["co1"] not in ranked(second)
    make_user(services, "lawyer", Role.ADMIN)
    law.change_act_status(services, principal(services, "lawyer"), "LSD-2023", ActStatus.IN_FORCE)
    assert ids["co1"] in ranked(second)
    assigned = client.post(
        f"/api/v1/tasks/{second}/assign", json={"unit_id": ids["co1"]}, headers=hq
    )
    assert assigned.status_code == 200, assigned.text


def test_two_officers_assigning_one_unit_at_once(services: Services, world: World) -> None:
    """Threads against the real store: two tasks, two officers, one unit, same moment."""
    hq, hq2 = principal(services, "hq"), principal(services, "hq2")
    from marchwarden.core.incidents.model import Severity
    from marchwarden.core.incidents.place import IncidentPlace
    from marchwarden.core.incidents.taxonomy import IncidentType
    from marchwarden.services import incidents

    view = incidents.create_incident(
        services,
        hq,
        incidents.IncidentSpec(
            name="raid",
            incident_type=IncidentType.CROSS_BORDER_INCURSION,
            severity=Severity.SEVERE,
            place=IncidentPlace.point(35.66, 50.48),
        ),
    )
    spec = tasks.TaskSpec(title="armed response", required_powers=frozenset({"armed_response"}))
    for _ in range(4):
        a = tasks.create_task(services, hq, view.incident.id, spec).task.id
        b = tasks.create_task(services, hq, view.incident.id, spec).task.id
        unit = world.ids["army_near"]
        outcomes = race(
            partial(tasks.assign, services, hq, a, unit),
            partial(tasks.assign, services, hq2, b, unit),
        )
        won = [r for r in outcomes if isinstance(r, tasks.TaskView)]
        refused = [r for r in outcomes if not isinstance(r, tasks.TaskView)]
        assert len(won) == 1 and len(refused) == 1, outcomes
        assert isinstance(refused[0], tasks.UnitNotEligible), refused
        assert refused[0].extra["reasons"][0]["code"] == "status_not_available"
        # one task, two officers, two units at once: the task goes to exactly one
        spare = tasks.create_task(services, hq, view.incident.id, spec).task.id
        tasks.cancel(services, hq, won[0].task.id, reason="next round")
        outcomes = race(
            partial(tasks.assign, services, hq, spare, world.ids["army_near"]),
            partial(tasks.assign, services, hq2, spare, world.ids["army_far"]),
        )
        won = [r for r in outcomes if isinstance(r, tasks.TaskView)]
        refused = [r for r in outcomes if not isinstance(r, tasks.TaskView)]
        assert len(won) == 1 and len(refused) == 1, outcomes
        assert isinstance(refused[0], IllegalTaskTransition)
        tasks.cancel(services, hq, spare, reason="next round")


def test_the_board_follows_the_law_as_time_passes(
    client: TestClient, services: Services, world: World, clock: FixedClock
) -> None:
    """An act that takes effect in half an hour: the recommendation follows the clock."""
    hq, ids = world.h("hq"), world.ids
    iid = open_incident(client, hq)["id"]
    tid = new_task(client, hq, iid)["id"]
    roster.import_roster(
        services, None, ROSTER_HEADER + "".join(volunteer_row(n) for n in range(8))
    )
    make_user(services, "lawyer", Role.ADMIN)
    law.change_act_status(
        services,
        principal(services, "lawyer"),
        "LSD-2023",
        ActStatus.IN_FORCE,
        effective_from=clock.now() + timedelta(minutes=30),
    )

    def recommend() -> dict[str, Any]:
        reply = client.get(f"/api/v1/tasks/{tid}/recommendations", headers=hq)
        assert reply.status_code == 200
        result: dict[str, Any] = reply.json()
        return result

    before = recommend()
    assert ids["co1"] not in [r["unit"]["id"] for r in before["ranked"]]
    assert_problem(
        client.post(f"/api/v1/tasks/{tid}/assign", json={"unit_id": ids["co1"]}, headers=hq),
        409,
        "unit-not-eligible",
        "not yet in force",
    )
    clock.advance(timedelta(minutes=31))
    deadline = time.monotonic() + 20
    later = recommend()
    while later["law_at"] == before["law_at"] and time.monotonic() < deadline:
        time.sleep(0.05)  # the board evaluates the law of the new minute beside requests
        later = recommend()
    assert later["law_at"] == (clock.now().replace(second=0)).isoformat().replace("+00:00", "Z")
    assert ids["co1"] in [r["unit"]["id"] for r in later["ranked"]]


def test_recent_events_give_each_reader_only_what_they_may_see(
    client: TestClient, services: Services, world: World
) -> None:
    """GET /stream/recent (the UI's event log at sign-in): the newest events, oldest first,
    filtered as the stream filters them; a bad limit is refused with a clear problem."""
    hq, kursk = world.h("hq"), world.h("kursk")
    bel = open_incident(client, hq)["id"]
    krs = open_incident(client, hq, name="Sudzha shelling", where=SUDZHA)["id"]
    everything = client.get("/api/v1/stream/recent?limit=50", headers=hq).json()
    opened = [
        e["data"]["incident_id"] for e in everything["items"] if e["type"] == "IncidentOpened"
    ]
    assert opened[-2:] == [bel, krs]
    ids = [e["id"] for e in everything["items"]]
    assert ids == sorted(ids) and everything["last_event_id"] >= ids[-1]
    theirs = client.get("/api/v1/stream/recent", headers=kursk).json()["items"]
    seen = {e["data"].get("incident_id") for e in theirs if e["type"] == "IncidentOpened"}
    assert krs in seen and bel not in seen
    assert len(client.get("/api/v1/stream/recent?limit=1", headers=hq).json()["items"]) == 1
    assert_problem(
        client.get("/api/v1/stream/recent?limit=0", headers=hq), 422, "validation-error", "limit"
    )


def test_recent_events_read_back_window_by_window(
    client: TestClient, services: Services, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The newest events a reader may see are read back from the newest in windows that
    double; with windows of one event the answer is the same as reading all at once, for a
    reader who sees everything and for one who sees a region only."""
    hq, kursk = world.h("hq"), world.h("kursk")
    open_incident(client, hq)
    open_incident(client, hq, name="Sudzha shelling", where=SUDZHA)
    open_incident(client, hq, name="Another")
    with services.db.unit_of_work(write=False) as uow:
        stored = uow.events.after(0, limit=stream.RECENT_SCAN)
    for headers, limit in ((hq, 5), (kursk, 3), (kursk, 500)):
        principal = accounts.authenticate(services, headers["Authorization"].split()[1])
        seen = [ev.id for ev in stored if may_see(principal, ev)][-limit:]
        whole = client.get(f"/api/v1/stream/recent?limit={limit}", headers=headers).json()
        monkeypatch.setattr(stream, "RECENT_FIRST_WINDOW", 1)
        windows = client.get(f"/api/v1/stream/recent?limit={limit}", headers=headers).json()
        monkeypatch.undo()
        assert windows == whole
        assert [e["id"] for e in whole["items"]] == seen
