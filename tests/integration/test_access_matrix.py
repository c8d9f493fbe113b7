"""The access matrix, generated from the OpenAPI document and checked against the
policy's own table (``policy.API_OPERATIONS``): issue 15, the reliability suite.

1. Every operation the API serves has an entry in the table, and every entry is served:
   a new endpoint without a decided rule fails here.
2. Every reading operation × every role × an object inside and one outside the role's
   scope: the API answers 403 exactly when the policy denies the operation's action on
   that object (lists: when the role lacks the action; they are filtered otherwise).
3. Every command × every role × a thing inside and one outside the role's scope (the
   thing its path names, or its body names: the rule's ``about``), sent well-formed
   (``matrix_support.FACTORIES``; a command without a factory fails): 403 problem+json
   and nothing changed (reports, audit records, events) exactly when the policy denies;
   anything but 403 when it allows.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from marchwarden import geodata
from marchwarden.adapters.clock import ScenarioClock
from marchwarden.core.access.model import Principal, Resource, Role, Scope
from marchwarden.core.access.policy import (
    API_OPERATIONS,
    EVERYTHING,
    PUBLIC_OUTSIDE_API,
    Action,
    OperationRule,
    allowed_actions,
    decide,
    decide_in_regions,
)
from marchwarden.entrypoints.api.app import create_app
from marchwarden.services import roster
from marchwarden.services.incidents import read_resource
from marchwarden.services.tasks import _task_read_resource
from tests.factories import ROSTER_HEADER, login, make_user, volunteer_row
from tests.integration.alert_support import alert_body
from tests.integration.command_support import (
    GRAYVORON,
    GRAYVORON_AREA,
    PROBLEM,
    SUDZHA,
    at,
    build_world,
    counts,
    new_key,
    open_incident,
    submit,
)
from tests.integration.matrix_support import AREA, FACTORIES, REGION
from tests.integration.test_api_photos import jpeg as small_jpeg

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from marchwarden.services.context import Services
    from marchwarden.settings import Settings

PREFIX = "/api/v1"
#: the OpenAPI operations outside the API prefix, and what they are
OUTSIDE_API = {"GET /healthz", "GET /readyz"} | PUBLIC_OUTSIDE_API
#: the query a reading operation needs to be a valid request at all
REQUIRED_QUERY = {
    "/activity-log": "unit_id={co1}",
    "/whatif": "with=LSD-2023",
    "/whatif/release": "with=LSD-2023",
}
#: a path with parameters that name no stored object, as a valid request
PATH_EXAMPLES = {
    "/basemap/{z}/{x}/{y}": "/basemap/8/150/85",
    "/settlements/{settlement_id}/shelters": "/settlements/{bel_settlement}/shelters",
}


def api_operations(client: TestClient) -> set[str]:
    return _operations(client.get("/openapi.json").json())


def _operations(doc: dict[str, Any]) -> set[str]:
    return {
        f"{method.upper()} {path.removeprefix(PREFIX)}"
        for path, item in doc["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }


def test_every_operation_has_a_rule_and_every_rule_an_operation(
    client: TestClient, settings: Settings
) -> None:
    # ``marchwarden demo`` serves the scenario clock's operations too
    demo = create_app(
        settings, scenario_clock=ScenarioClock(datetime(2026, 11, 26, 12, tzinfo=UTC))
    )
    served = (api_operations(client) | _operations(demo.openapi())) - OUTSIDE_API
    assert sorted(served - set(API_OPERATIONS)) == [], "operations without a policy rule"
    assert sorted(set(API_OPERATIONS) - served) == [], "rules for operations not served"


def _objects(client: TestClient, services: Services) -> dict[str, Any]:
    world = build_world(client, services)
    ids = world.ids
    rows = "".join(volunteer_row(n, "BEL-2BN-1") for n in range(2))
    rows += "".join(volunteer_row(n, "KRS-1BN") for n in range(10, 12))
    roster.import_roster(services, None, ROSTER_HEADER + rows)
    hq = world.h("hq")
    bel_incident = open_incident(client, hq, where=GRAYVORON)["id"]
    krs_incident = open_incident(client, hq, name="Sudzha", where=(35.40, 51.10))["id"]

    def task(incident: int) -> int:
        reply = client.post(
            f"{PREFIX}/incidents/{incident}/tasks", headers=hq, json={"title": "Observe"}
        )
        assert reply.status_code == 201, reply.text
        return int(reply.json()["id"])

    def member(unit: int) -> int:
        return int(client.get(f"{PREFIX}/units/{unit}/members", headers=hq).json()[0]["id"])

    bel_report = submit(client, hq, new_key(), position=at(GRAYVORON)).json()["id"]
    krs_report = submit(client, hq, new_key(), position=at(SUDZHA)).json()["id"]

    def alert(area: dict[str, Any]) -> int:
        """A published Public alert over ``area`` (drafted by hq, approved by hq2)."""
        reply = client.post(f"{PREFIX}/alerts", json=alert_body(area=area), headers=hq)
        assert reply.status_code == 201, reply.text
        alert_id = int(reply.json()["id"])
        for step, by in (("approve", "hq2"), ("publish", "hq")):
            reply = client.post(f"{PREFIX}/alerts/{alert_id}/{step}", headers=world.h(by))
            assert reply.status_code == 200, reply.text
        return alert_id

    def photo(report: int) -> int:
        reply = client.post(
            f"{PREFIX}/reports/{report}/photos",
            content=small_jpeg(),
            headers=hq | {"Content-Type": "image/jpeg"},
        )
        assert reply.status_code == 201, reply.text
        return int(reply.json()["id"])

    bel_alert = alert({"kind": "polygon", "ring": GRAYVORON_AREA})
    krs_alert = alert({"kind": "region", "region": "RU-KRS"})
    ids["bel_settlement"] = next(s.id for s in geodata.settlements() if s.region == "RU-BEL")
    return {
        "ids": ids,
        "alert": (bel_alert, krs_alert),
        "alert_region": {bel_alert: "RU-BEL", krs_alert: "RU-KRS"},
        "unit": (ids["co1"], ids["krs_bn"]),
        "member": (member(ids["co1"]), member(ids["krs_bn"])),
        "incident": (bel_incident, krs_incident),
        "task": (task(bel_incident), task(krs_incident)),
        "report": (bel_report, krs_report),
        "photo": (photo(bel_report), photo(krs_report)),
        "region": ("RU-BEL", "RU-KRS"),
    }


def _accounts(services: Services, ids: dict[str, int]) -> dict[str, Principal]:
    with services.db.unit_of_work(write=False) as uow:
        co1 = uow.forces.unit(ids["co1"])
    assert co1 is not None
    scopes = {
        "m-admin": (Role.ADMIN, Scope.all()),
        "m-hq": (Role.HQ_COMMANDER, Scope.all()),
        "m-analyst": (Role.ANALYST, Scope.all()),
        "m-auditor": (Role.AUDITOR, Scope.all()),
        "m-belgorod": (Role.REGIONAL_COORDINATOR, Scope.of_regions("RU-BEL")),
        "m-reporter": (Role.FIELD_REPORTER, Scope.of_regions("RU-BEL")),
        "m-liaison": (Role.AGENCY_LIAISON, Scope.of_agency(ids["bel_vsd"])),
        "m-personnel": (Role.PERSONNEL_OFFICER, Scope.of_agency(ids["bel_vsd"])),
        "m-cmdr": (Role.UNIT_COMMANDER, Scope.of_unit(co1.id, co1.path)),
    }
    return {
        name: make_user(services, name, role, scope).principal()
        for name, (role, scope) in scopes.items()
    }


def _resources(
    services: Services, kind: str, object_id: Any, objects: dict[str, Any]
) -> list[Resource]:
    """What the policy decides on for an object of this kind (the services' own reading
    of it; a task is read through its incident and unit, assigned through its incident;
    a Public alert by ``alert.read`` in its area's regions: ``decide_alert_read``)."""
    if kind == "alert":
        return [Resource("alert", region=objects["alert_region"][object_id])]
    with services.db.unit_of_work(write=False) as uow:
        if kind == "unit":
            unit = uow.forces.unit(object_id)
            assert unit is not None
            return [unit.resource()]
        if kind == "member":
            member = uow.forces.member(object_id)
            assert member is not None
            unit = uow.forces.unit(member.unit_id)
            assert unit is not None
            return [unit.resource()]
        if kind == "incident":
            incident = uow.incidents.get(object_id)
            assert incident is not None
            return [read_resource(uow, incident), incident.resource()]
        if kind == "task":
            task = uow.tasks.get(object_id)
            assert task is not None
            incident = uow.incidents.get(task.incident_id)
            assert incident is not None
            tasked = uow.tasks.unit(task.unit_id) if task.unit_id else None
            return [_task_read_resource(uow, incident, tasked), incident.resource()]
        if kind == "photo":
            found = uow.photos.get(object_id)
            assert found is not None
            kind, object_id = "report", found[0].report_id
        if kind == "report":
            report = uow.reports.get(object_id)
            assert report is not None
            return [report.resource()]
        if kind == "region":
            return [Resource("region", region=object_id)]
    raise AssertionError(kind)


def test_reads_answer_403_exactly_when_the_policy_denies(
    client: TestClient, services: Services
) -> None:
    objects = _objects(client, services)
    principals = _accounts(services, objects["ids"])
    headers = {name: login(client, name) for name in principals}
    # the scenario clock is served by ``marchwarden demo`` only: not by this app
    served = api_operations(client)
    reads = sorted(op for op in API_OPERATIONS if op.startswith("GET ") and op in served)
    checked = 0
    mismatches: list[str] = []
    for op in reads:
        rule = API_OPERATIONS[op]
        path = op.removeprefix("GET ")
        for name, principal in principals.items():
            if rule.on is None or rule.on == EVERYTHING:
                query = REQUIRED_QUERY.get(path, "").format(**objects["ids"])
                url = (
                    PATH_EXAMPLES[path].format(**objects["ids"]) if path in PATH_EXAMPLES else path
                )
                # EVERYTHING: decided without a resource (only an all-regions scope)
                everything = None
                if rule.on == EVERYTHING and rule.action is not None:
                    everything = decide(principal, rule.action, None).allowed
                targets: list[tuple[str, bool | None]] = [(f"{url}?{query}", everything)]
            else:
                targets = []
                for object_id in objects[rule.on]:
                    url = path.split("{", 1)[0] + str(object_id) + path.split("}", 1)[1]
                    decisions = (
                        {
                            decide(principal, rule.action, r).allowed
                            for r in _resources(services, rule.on, object_id, objects)
                        }
                        if rule.action is not None
                        else {True}
                    )
                    # the two readings of a task or incident may disagree: then either is right
                    targets.append((url, decisions.pop() if len(decisions) == 1 else None))
            for url, allowed in targets:
                if rule.on is None:
                    allowed = rule.action is None or rule.action in allowed_actions(principal)
                reply = client.get(PREFIX + url, headers=headers[name])
                checked += 1
                assert reply.status_code not in (401, 500), (op, name, reply.text)
                if allowed is None:
                    continue
                if allowed and reply.status_code == 403:
                    mismatches.append(f"{op} {url} as {name}: 403 but the policy allows")
                if not allowed and reply.status_code != 403:
                    mismatches.append(
                        f"{op} {url} as {name}: {reply.status_code} but the policy denies"
                    )
    assert mismatches == [], "\n".join(mismatches)
    assert checked > 300


@pytest.mark.parametrize("op", sorted(o for o in API_OPERATIONS if not o.startswith("GET ")))
def test_every_command_rule_names_an_action_or_says_why_not(op: str) -> None:
    rule = API_OPERATIONS[op]
    # signing in and out, and one's own settings (the language), are for anyone signed in
    assert rule.action is not None or op in {
        "POST /auth/login",
        "POST /auth/logout",
        "PATCH /auth/me",
    }


# ------------------------------------------------------------------------------ commands


def test_every_command_has_a_request_factory() -> None:
    """A new command must say how to send it well-formed, or the matrix cannot cover it."""
    commands = {op for op in API_OPERATIONS if not op.startswith("GET ")}
    assert sorted(commands - set(FACTORIES)) == [], "commands without a matrix factory"
    assert sorted(set(FACTORIES) - commands) == [], "factories for no command"


def _command_objects(client: TestClient, services: Services) -> dict[str, Any]:
    """The read matrix's objects, each side's task assigned to the side's unit, and a
    shelter and an evacuation order on each side."""
    objects = _objects(client, services)
    ids = objects["ids"]
    hq = login(client, "hq")
    for task, unit in zip(objects["task"], objects["unit"], strict=True):
        reply = client.post(f"{PREFIX}/tasks/{task}/assign", headers=hq, json={"unit_id": unit})
        assert reply.status_code == 200, reply.text
    shelters, orders = [], []
    for i in (0, 1):
        lon, lat = (GRAYVORON, SUDZHA)[i]
        body = {"name": f"Shelter {i}", "lon": lon, "lat": lat, "capacity": 100}
        reply = client.post(f"{PREFIX}/shelters", headers=hq, json=body)
        assert reply.status_code == 201, reply.text
        shelters.append(int(reply.json()["id"]))
        body = {"area": AREA[i], "incident_id": objects["incident"][i]}
        reply = client.post(f"{PREFIX}/evacuation-orders", headers=hq, json=body)
        assert reply.status_code == 201, reply.text
        orders.append(int(reply.json()["id"]))
    for spare in ("m-spare-login", "m-spare-disable"):
        make_user(services, spare, Role.FIELD_REPORTER, Scope.of_regions("RU-BEL"))
    agencies = {ids["co1"]: ids["bel_vsd"], ids["krs_bn"]: ids["krs_vsd"]}
    with services.db.unit_of_work(write=False) as uow:
        codes = [uow.forces.unit(u).code for u in objects["unit"]]  # type: ignore[union-attr]
    return objects | {
        "shelter": tuple(shelters),
        "evacuation": tuple(orders),
        "region_of": dict(zip(shelters, REGION, strict=True))
        | dict(zip(orders, REGION, strict=True)),
        "unit_code": tuple(codes),
        "unit_agency": tuple(agencies[u] for u in objects["unit"]),
        "spare_user": "m-spare-login",
        "spare_disable": "m-spare-disable",
    }


def _command_resources(
    services: Services, rule: OperationRule, i: int, objects: dict[str, Any]
) -> list[Resource | None]:
    """What the policy decides a command on: the thing its path names (a task: its unit
    for ``task.respond``, its incident for ``task.assign``; an alert, shelter or order: its
    regions), the thing its body names (``about``), or nothing."""
    kind = rule.on
    if kind is None:
        if rule.about == "region":
            return [Resource("region", region=REGION[i])]
        if rule.about == "unit":
            return list(_resources(services, "unit", objects["unit"][i], objects))
        return [None]
    if kind == EVERYTHING:
        return [None]
    object_id = objects[kind][i]
    if kind in ("shelter", "evacuation"):
        return [Resource(kind, region=objects["region_of"][object_id])]
    if kind == "task":
        with services.db.unit_of_work(write=False) as uow:
            task = uow.tasks.get(object_id)
            assert task is not None
            if rule.action is Action.TASK_RESPOND:
                tasked = uow.tasks.unit(task.unit_id) if task.unit_id else None
                return [tasked.resource() if tasked is not None else None]
            incident = uow.incidents.get(task.incident_id)
            assert incident is not None
            return [incident.resource()]
    if kind == "incident" and rule.action is Action.INCIDENT_WRITE:
        with services.db.unit_of_work(write=False) as uow:
            found = uow.incidents.get(object_id)
            assert found is not None
            return [found.resource()]
    return list(_resources(services, kind, object_id, objects))


def _expected(
    services: Services, principal: Principal, op: str, i: int, objects: dict[str, Any]
) -> bool | None:
    """The policy's answer for ``op`` about side ``i`` (None: its readings disagree)."""
    rule = API_OPERATIONS[op]
    if rule.action is None:
        return True
    actions = [rule.action] + ([rule.also] if rule.also is not None else [])
    answers = set()
    for resource in _command_resources(services, rule, i, objects):
        if rule.about == "region" or (resource is not None and resource.kind == "alert"):
            assert resource is not None
            regions = frozenset({resource.region}) if resource.region else frozenset()
            answers.add(all(decide_in_regions(principal, a, "x", regions) for a in actions))
        else:
            answers.add(all(decide(principal, a, resource).allowed for a in actions))
    return answers.pop() if len(answers) == 1 else None


def _send(
    client: TestClient, op: str, i: int, objects: dict[str, Any], headers: dict[str, str]
) -> Any:
    method, path = op.split(" ", 1)
    rule = API_OPERATIONS[op]
    parts = FACTORIES[op](objects, i)
    url = parts.pop("url", None)
    if url is None:
        url = path
        if rule.on not in (None, EVERYTHING):
            url = path.split("{", 1)[0] + str(objects[rule.on][i]) + path.split("}", 1)[1]
    parts["headers"] = headers | parts.get("headers", {})
    return client.request(method, PREFIX + url, **parts)


def test_commands_answer_403_and_change_nothing_exactly_when_the_policy_denies(
    client: TestClient, services: Services
) -> None:
    objects = _command_objects(client, services)
    principals = _accounts(services, objects["ids"])
    headers = {name: login(client, name) for name in principals}
    served = api_operations(client)
    commands = [op for op in API_OPERATIONS if not op.startswith("GET ") and op in served]
    checked = refused = unchecked = 0
    mismatches: list[str] = []
    for op in commands:
        rule = API_OPERATIONS[op]
        sides = (0, 1) if rule.on not in (None, EVERYTHING) or rule.about else (0,)
        for i in sides:
            expected = {
                name: _expected(services, p, op, i, objects) for name, p in principals.items()
            }
            # the refused first: each must leave the data as it was for the next
            for name in sorted(principals, key=lambda n: expected[n] is not False):
                # (what the policy allows may change the data; only the others are counted)
                before = counts(services) if expected[name] is not True else None
                reply = _send(client, op, i, objects, headers[name])
                where = f"{op} side {i} as {name}: {reply.status_code}"
                assert reply.status_code not in (401, 500), (where, reply.text)
                checked += 1
                if reply.status_code == 403:
                    assert reply.headers["content-type"].startswith(PROBLEM), where
                    if before is not None and counts(services) != before:
                        mismatches.append(f"{where}: refused but changed the data")
                if op == "POST /auth/logout" and reply.status_code < 300:
                    headers[name] = login(client, name)
                if expected[name] is None:
                    unchecked += 1
                elif expected[name] and reply.status_code == 403:
                    mismatches.append(f"{where} but the policy allows ({reply.text})")
                elif not expected[name]:
                    refused += 1
                    if reply.status_code != 403:
                        mismatches.append(f"{where} but the policy denies ({reply.text[:200]})")
    assert mismatches == [], "\n".join(mismatches)
    assert checked > 800 and refused > 300 and unchecked < checked // 10, (
        checked,
        refused,
        unchecked,
    )
