"""The auditor's view on SQLite and PostgreSQL: the trail filtered by actor, action,
object and time, exported as JSON Lines and CSV (the same records as the list), the
chain's verification state; and the auditor reads only (policy and API)."""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING

import pytest

from marchwarden.core.access.model import Principal, Role, Scope
from marchwarden.core.access.policy import ROLE_ACTIONS, Action, decide
from tests.integration.command_support import (
    assert_problem,
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


def test_the_trail_is_filtered_exported_and_verified(client: TestClient, world: World) -> None:
    iid = open_incident(client, world.h("hq"))["id"]
    assert submit(client, world.h("reporter"), new_key()).status_code == 201
    aud = world.h("auditor")
    page = client.get("/api/v1/audit", params={"command": "incident.*"}, headers=aud).json()
    assert {e["command"] for e in page["items"]} == {"incident.open"}
    assert page["items"][0]["target_id"] == str(iid)
    mine = client.get(
        "/api/v1/audit", params={"actor": "reporter", "target_type": "report"}, headers=aud
    ).json()["items"]
    assert [e["command"] for e in mine] == ["report.submit"]
    everything = client.get("/api/v1/audit", params={"limit": 1000}, headers=aud).json()["items"]
    jsonl = client.get("/api/v1/audit/export", params={"format": "jsonl"}, headers=aud)
    assert jsonl.status_code == 200 and jsonl.headers["content-type"].startswith(
        "application/jsonl"
    )
    assert [json.loads(line) for line in jsonl.text.splitlines()] == everything
    got = client.get(
        "/api/v1/audit/export", params={"format": "csv", "actor": "reporter"}, headers=aud
    )
    rows = list(csv.DictReader(io.StringIO(got.text)))
    assert [(r["command"], r["actor_name"]) for r in rows] == [
        (e["command"], e["actor_name"]) for e in everything if e["actor_name"] == "reporter"
    ]
    assert json.loads(rows[-1]["changes"])["incident_type"] == "gunfire"
    verified = client.get("/api/v1/audit/verify", headers=aud).json()
    assert verified["ok"] is True and verified["head_seq"] == everything[-1]["seq"]
    assert verified["verified_at"]
    for user in ("reporter", "belgorod"):
        assert_problem(client.get("/api/v1/audit/export", headers=world.h(user)), 403, "forbidden")


def test_the_auditor_only_reads() -> None:
    auditor = Principal(9, "auditor", Role.AUDITOR, Scope.all())
    allowed = {a for a in Action if decide(auditor, a).allowed}
    assert allowed == {Action.AUDIT_READ, Action.GEO_READ, Action.LAW_READ}
    assert all(a.value.endswith(".read") for a in ROLE_ACTIONS[Role.AUDITOR])


def test_every_write_the_auditor_tries_is_refused_and_changes_nothing(
    client: TestClient, services: Services, world: World
) -> None:
    hq = world.h("hq")
    iid = open_incident(client, hq)["id"]
    tid = client.post(
        f"/api/v1/incidents/{iid}/tasks", json={"title": "Hold", "required_powers": []}, headers=hq
    ).json()["id"]
    aud = world.h("auditor")
    unit = world.ids["army_near"]
    before = counts(services)
    for method, path, body in (
        (
            "post",
            "/api/v1/incidents",
            {
                "name": "x",
                "incident_type": "gunfire",
                "severity": "minor",
                "place": {"type": "Point", "coordinates": [35.6, 50.4]},
            },
        ),
        ("post", f"/api/v1/units/{unit}/status", {"status": "off_duty"}),
        ("post", f"/api/v1/tasks/{tid}/assign", {"unit_id": unit}),
        ("post", f"/api/v1/tasks/{tid}/cancel", {"reason": "audit"}),
        ("post", "/api/v1/reports", None),
    ):
        headers = aud | {"Idempotency-Key": new_key()}
        reply = (
            client.request(method, path, json=body, headers=headers)
            if body
            else submit(client, aud, new_key())
        )
        assert_problem(reply, 403, "forbidden")
    assert_problem(
        client.post(
            "/api/v1/field/actions",
            json={"kind": "unit.status", "unit_id": unit, "status": "off_duty"},
            headers=aud | {"Idempotency-Key": new_key()},
        ),
        403,
        "forbidden",
    )
    assert counts(services) == before
