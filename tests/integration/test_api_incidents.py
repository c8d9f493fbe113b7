"""Incidents over the API: place and affected settlements, lifecycle, unified command,
casualties as a history of absolute counts, the append-only timeline, scope."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from marchwarden import geodata
from marchwarden.core.access.model import Role, Scope
from marchwarden.core.geo.areas import distance_to_lines_km
from marchwarden.core.geo.dedupe import normalised_name
from marchwarden.core.geo.distance import haversine_km
from marchwarden.services.stream import may_see
from tests.factories import login, make_user
from tests.integration.command_support import (
    GRAYVORON,
    GRAYVORON_AREA,
    SUDZHA,
    assert_problem,
    build_world,
    open_incident,
    polygon,
)

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from marchwarden.core.clock import FixedClock
    from marchwarden.services.context import Services
    from tests.integration.command_support import World


@pytest.fixture
def world(client: TestClient, services: Services) -> World:
    return build_world(client, services)


def kinds(client: TestClient, h: dict[str, str], iid: int) -> list[str]:
    items = client.get(f"/api/v1/incidents/{iid}/timeline", headers=h).json()["items"]
    return [e["kind"] for e in items]


def test_open_an_incident_with_a_polygon_and_its_affected_settlements(
    client: TestClient, world: World
) -> None:
    reply = client.post(
        "/api/v1/incidents",
        json={
            "name": "Grayvoron district incursion",
            "incident_type": "cross_border_incursion",
            "severity": "extreme",
            "place": polygon(GRAYVORON_AREA),
            "radius_km": 0,
            "lead_agency_id": world.ids["army"],
            "supporting_agency_ids": [world.ids["bel_vsd"]],
        },
        headers=world.h("belgorod"),
    )
    assert reply.status_code == 201, reply.text
    inc = reply.json()
    assert inc["state"] == "reported" and inc["allowed_transitions"] == ["verified", "rejected"]
    assert inc["region"] == "RU-BEL"
    assert inc["acled"] == {"event_type": "Battles", "sub_event_type": "Armed clash"}
    inside = {s["name"] for s in inc["affected"]["settlements"]}
    assert {"Grayvoron", "Kozinka"} <= inside
    assert all(s["region"] == "RU-BEL" for s in inc["affected"]["settlements"])
    assert inc["affected"]["population"] == sum(
        s["population"] for s in inc["affected"]["settlements"]
    )
    assert inc["command"]["lead"]["code"] == "ARMY"
    assert [a["code"] for a in inc["command"]["supporting"]] == ["BEL-VSD"]
    # a radius around the polygon takes in more places
    wider = client.patch(
        f"/api/v1/incidents/{inc['id']}", json={"radius_km": 15}, headers=world.h("belgorod")
    ).json()
    assert wider["affected"]["settlement_count"] > inc["affected"]["settlement_count"]
    assert wider["affected"]["population"] > inc["affected"]["population"]
    assert kinds(client, world.h("hq"), inc["id"]) == ["opened", "updated"]


def test_an_incident_at_shebekino_counts_the_town_once(client: TestClient, world: World) -> None:
    # GeoNames lists the town twice ("Shebekino", "Gorod Shebekino"); the bundled data keeps one
    shebekino = next(s for s in geodata.settlements() if s.name == "Shebekino")
    inc = open_incident(
        client, world.h("hq"), name="Drones on Shebekino", where=(shebekino.lon, shebekino.lat)
    )
    settlements = inc["affected"]["settlements"]
    names = [s["name"] for s in settlements]
    assert "Shebekino" in names and "Gorod Shebekino" not in names
    assert len({normalised_name(n) for n in names}) == len(names) == len(set(names))
    assert inc["affected"]["settlement_count"] == len(settlements)
    assert inc["affected"]["population"] == sum(s["population"] for s in settlements)
    assert shebekino.population <= inc["affected"]["population"] < 2 * shebekino.population


@pytest.mark.parametrize(
    ("place", "detail"),
    [
        ({"type": "Point", "coordinates": [35.6]}, "coordinates [lon, lat]"),
        ({"type": "Polygon", "coordinates": [[[35.5, 50.4], [35.6, 50.5]]]}, "three distinct"),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]},
            "invalid polygon",
        ),
        ({"type": "Point", "coordinates": [35.6, 95]}, "latitude 95.0"),
    ],
)
def test_bad_places_are_refused(
    client: TestClient, world: World, place: dict[str, Any], detail: str
) -> None:
    reply = client.post(
        "/api/v1/incidents",
        json={"name": "x", "incident_type": "gunfire", "place": place},
        headers=world.h("hq"),
    )
    assert_problem(reply, 422, "invalid-position", detail)


def test_lifecycle_and_illegal_steps(client: TestClient, world: World) -> None:
    hq = world.h("hq")
    iid = open_incident(client, hq)["id"]

    def step(to: str, **extra: Any) -> Any:
        return client.post(
            f"/api/v1/incidents/{iid}/transition", json={"to": to, **extra}, headers=hq
        )

    body = assert_problem(step("closed"), 409, "illegal-incident-transition", "reported to closed")
    assert body["allowed"] == ["verified", "rejected"]
    assert body["current"] == "reported" and body["requested"] == "closed"
    for to in ("verified", "active", "contained", "active", "contained"):
        reply = step(to)
        assert reply.status_code == 200, reply.text
        assert reply.json()["state"] == to
    assert step("closed").json()["allowed_transitions"] == []
    body = assert_problem(step("active"), 409, "illegal-incident-transition", "allowed from closed")
    assert body["allowed"] == []
    assert kinds(client, hq, iid).count("state_changed") == 6


def test_rejecting_needs_a_reason(client: TestClient, world: World) -> None:
    hq = world.h("hq")
    iid = open_incident(client, hq)["id"]
    reply = client.post(f"/api/v1/incidents/{iid}/transition", json={"to": "rejected"}, headers=hq)
    assert_problem(reply, 422, "transition-reason-required", "needs a reason")
    reply = client.post(
        f"/api/v1/incidents/{iid}/transition",
        json={"to": "rejected", "reason": "a training exercise"},
        headers=hq,
    )
    assert reply.status_code == 200
    timeline = client.get(f"/api/v1/incidents/{iid}/timeline", headers=hq).json()["items"]
    assert timeline[-1]["text"] == "State reported → rejected: a training exercise"


def test_unified_command_changes_are_on_the_timeline(
    client: TestClient, services: Services, world: World
) -> None:
    hq = world.h("hq")
    iid = open_incident(client, hq)["id"]
    ids = world.ids
    first = client.put(
        f"/api/v1/incidents/{iid}/command",
        json={"lead_agency_id": ids["bel_vsd"], "supporting_agency_ids": []},
        headers=hq,
    )
    assert first.status_code == 200
    second = client.put(
        f"/api/v1/incidents/{iid}/command",
        json={"lead_agency_id": ids["army"], "supporting_agency_ids": [ids["bel_vsd"]]},
        headers=hq,
    ).json()
    assert second["command"]["lead"]["id"] == ids["army"]
    assert [a["id"] for a in second["command"]["supporting"]] == [ids["bel_vsd"]]
    entries = client.get(f"/api/v1/incidents/{iid}/timeline", headers=hq).json()["items"]
    changes = [e for e in entries if e["kind"] == "command_changed"]
    assert len(changes) == 2
    assert changes[1]["text"] == (
        "Unified command: lead Army (ARMY); supporting Belgorod volunteers (BEL-VSD) "
        "(was lead Belgorod volunteers (BEL-VSD); supporting none)"
    )
    assert changes[1]["data"]["previous_lead_agency_id"] == ids["bel_vsd"]
    # the same command again changes nothing
    same = client.put(
        f"/api/v1/incidents/{iid}/command",
        json={"lead_agency_id": ids["army"], "supporting_agency_ids": [ids["bel_vsd"]]},
        headers=hq,
    )
    assert same.status_code == 200
    assert kinds(client, hq, iid).count("command_changed") == 2
    assert_problem(
        client.put(
            f"/api/v1/incidents/{iid}/command",
            json={"lead_agency_id": ids["army"], "supporting_agency_ids": [ids["army"]]},
            headers=hq,
        ),
        422,
        "invalid",
        "both the lead and a supporting agency",
    )
    assert_problem(
        client.put(
            f"/api/v1/incidents/{iid}/command",
            json={"lead_agency_id": 999, "supporting_agency_ids": []},
            headers=hq,
        ),
        422,
        "invalid",
        "no agency with id 999",
    )
    # the army's liaison (agency scope) may read the incident now that the army leads it,
    # and sees its events on the stream
    liaison = world.h("army_liaison")
    assert client.get(f"/api/v1/incidents/{iid}", headers=liaison).status_code == 200
    with services.db.unit_of_work(write=False) as uow:
        events = [e for e in uow.events.after(0, 10_000) if e.type == "UnifiedCommandChanged"]
        army = uow.users.by_username("army_liaison")
    assert army is not None
    assert [may_see(army.principal(), e) for e in events] == [False, True]


def test_casualties_are_absolute_counts_kept_as_a_history(
    client: TestClient, world: World, clock: FixedClock
) -> None:
    hq = world.h("hq")
    iid = open_incident(client, hq)["id"]
    t0 = clock.now()

    def record(at: Any, **counts: int) -> Any:
        return client.post(
            f"/api/v1/incidents/{iid}/casualties",
            json={"counts": counts, "at": at.isoformat(), "source": "regional hospital"},
            headers=hq,
        )

    assert record(t0, civilian_killed=1, civilian_wounded=3).status_code == 201
    clock.advance(timedelta(hours=2))
    later = record(clock.now(), civilian_wounded=5, personnel_wounded=0)
    totals = later.json()["totals"]
    assert totals["civilian_killed"] == 1 and totals["civilian_wounded"] == 5
    assert totals["killed"] == 1 and totals["wounded"] == 5
    assert "personnel_wounded" in totals["reported"]
    assert "personnel_killed" not in totals["reported"]
    assert totals["summary"] == ("1 civilian killed, 5 civilians wounded, 0 personnel wounded")
    # a late update about an earlier moment does not overwrite the newer figure
    late = record(t0 + timedelta(minutes=30), civilian_wounded=4).json()
    assert late["totals"]["civilian_wounded"] == 5
    assert [u["counts"] for u in late["updates"]] == [
        {"civilian_killed": 1, "civilian_wounded": 3},
        {"civilian_wounded": 5, "personnel_wounded": 0},
        {"civilian_wounded": 4},
    ]
    assert client.get(f"/api/v1/incidents/{iid}", headers=hq).json()["casualties"]["wounded"] == 5
    assert_problem(record(clock.now(), civilian_killed=-1), 422, "validation-error", "counts")
    assert_problem(
        client.post(
            f"/api/v1/incidents/{iid}/casualties",
            json={"counts": {"goats_killed": 3}},
            headers=hq,
        ),
        422,
        "validation-error",
        "counts",
    )
    assert_problem(
        record(clock.now() + timedelta(hours=1), civilian_killed=2), 422, "invalid", "future"
    )
    assert kinds(client, hq, iid).count("casualties") == 3


def test_log_entries_and_a_units_activity_log(client: TestClient, world: World) -> None:
    hq = world.h("hq")
    iid = open_incident(client, hq)["id"]
    unit = world.ids["vol_evac"]
    entry = client.post(
        f"/api/v1/incidents/{iid}/log",
        json={"text": "BEL-EVAC reports the road to Kozinka clear", "unit_id": unit},
        headers=hq,
    )
    assert entry.status_code == 201
    assert entry.json()["kind"] == "log" and entry.json()["unit_id"] == unit
    client.post(f"/api/v1/incidents/{iid}/log", json={"text": "HQ shift change"}, headers=hq)
    only_unit = client.get(f"/api/v1/incidents/{iid}/timeline?unit_id={unit}", headers=hq).json()[
        "items"
    ]
    assert [e["text"] for e in only_unit] == ["BEL-EVAC reports the road to Kozinka clear"]
    # what the line says: the officer's words and the unit they are about
    assert only_unit[0]["data"] == {
        "note": "BEL-EVAC reports the road to Kozinka clear",
        "unit": "BEL-EVAC",
    }
    log = client.get(f"/api/v1/activity-log?unit_id={unit}", headers=hq).json()
    assert log["unit"]["code"] == "BEL-EVAC"
    assert [(e["incident_name"], e["kind"]) for e in log["entries"]] == [
        ("Grayvoron incursion", "log")
    ]
    # its own commander reads the unit's activity log; the Kursk coordinator does not
    assert client.get(f"/api/v1/activity-log?unit_id={unit}", headers=world.h("evac_cmdr")).json()[
        "entries"
    ]
    refused = assert_problem(
        client.get(f"/api/v1/activity-log?unit_id={unit}", headers=world.h("kursk")),
        403,
        "forbidden",
    )
    assert refused["code"] == "forbidden.outside_scope" and "scope" in refused["params"]
    empty = assert_problem(
        client.post(f"/api/v1/incidents/{iid}/log", json={"text": "  "}, headers=hq),
        422,
        "invalid",
        "needs text",
    )
    assert (empty["code"], empty["params"]) == ("incident.log_needs_text", {})
    missing = assert_problem(
        client.get("/api/v1/incidents/987654", headers=hq), 404, "not-found", "no incident"
    )
    assert (missing["code"], missing["params"]) == (
        "not_found.id",
        {"thing": "incident", "id": "987654"},
    )


def test_the_timeline_is_append_only_and_in_order(
    client: TestClient, services: Services, world: World
) -> None:
    hq = world.h("hq")
    iid = open_incident(client, hq)["id"]
    for n in range(5):
        client.post(f"/api/v1/incidents/{iid}/log", json={"text": f"entry {n}"}, headers=hq)
    page = client.get(f"/api/v1/incidents/{iid}/timeline?limit=3", headers=hq).json()
    rest = client.get(
        f"/api/v1/incidents/{iid}/timeline?after_id={page['next_after_id']}", headers=hq
    ).json()
    texts = [e["text"] for e in page["items"] + rest["items"]]
    assert texts[1:] == [f"entry {n}" for n in range(5)]
    ids = [e["id"] for e in page["items"] + rest["items"]]
    assert ids == sorted(ids)
    # no API changes or removes an entry
    spec = client.get("/openapi.json").json()["paths"]
    timeline_paths = [p for p in spec if "timeline" in p or p.endswith("/log")]
    assert all(set(spec[p]) <= {"get", "post"} for p in timeline_paths)
    with services.db.unit_of_work(write=False) as uow:
        audited = uow.audit.page(target_type="incident", target_id=str(iid))
    assert [e.command for e in audited] == ["incident.open"] + ["incident.log"] * 5


def test_scope_of_incidents(client: TestClient, services: Services, world: World) -> None:
    bel = open_incident(client, world.h("hq"))
    krs = open_incident(
        client, world.h("kursk"), name="Sudzha shelling", where=SUDZHA, incident_type="shelling"
    )
    assert krs["region"] == "RU-KRS"
    listed = client.get("/api/v1/incidents?open=true", headers=world.h("kursk")).json()["items"]
    assert [i["id"] for i in listed] == [krs["id"]]
    assert_problem(
        client.get(f"/api/v1/incidents/{bel['id']}", headers=world.h("kursk")), 403, "forbidden"
    )
    assert_problem(
        client.post(
            "/api/v1/incidents",
            json={
                "name": "not mine",
                "incident_type": "gunfire",
                "place": {"type": "Point", "coordinates": list(GRAYVORON)},
            },
            headers=world.h("kursk"),
        ),
        403,
        "forbidden",
        "outside the caller's scope",
    )
    # moving a Kursk incident into Belgorod is outside the Kursk coordinator's scope too
    assert_problem(
        client.patch(
            f"/api/v1/incidents/{krs['id']}",
            json={"place": {"type": "Point", "coordinates": list(GRAYVORON)}},
            headers=world.h("kursk"),
        ),
        403,
        "forbidden",
    )
    # the field reporter reads incidents in the region but changes none
    assert client.get(f"/api/v1/incidents/{bel['id']}", headers=world.h("reporter")).json()["id"]
    assert_problem(
        client.post(
            f"/api/v1/incidents/{bel['id']}/transition",
            json={"to": "verified"},
            headers=world.h("reporter"),
        ),
        403,
        "forbidden",
        "may not incident.write",
    )
    # an agency scope reads incidents whose unified command includes the agency
    make_user(services, "vsd_liaison", Role.AGENCY_LIAISON, Scope.of_agency(world.ids["bel_vsd"]))
    vsd = login(client, "vsd_liaison")
    assert client.get("/api/v1/incidents", headers=vsd).json()["items"] == []
    client.put(
        f"/api/v1/incidents/{bel['id']}/command",
        json={"lead_agency_id": world.ids["bel_vsd"]},
        headers=world.h("hq"),
    )
    assert [i["id"] for i in client.get("/api/v1/incidents", headers=vsd).json()["items"]] == [
        bel["id"]
    ]


def test_incident_types_name_their_acled_pair(client: TestClient, world: World) -> None:
    types = {
        t["code"]: t for t in client.get("/api/v1/incident-types", headers=world.h("hq")).json()
    }
    assert types["drone_attack"]["acled"] == {
        "event_type": "Explosions/Remote violence",
        "sub_event_type": "Air/drone strike",
    }
    assert "cross_border_incursion" in types["gunfire"]["compatible_with"]
    assert types["cross_border_incursion"]["border_specific"] is True


def test_the_list_gives_each_incidents_place(client: TestClient, world: World) -> None:
    """The list carries the place (GeoJSON) so that a map draws polygons without reading
    each incident; it is the same place the detail gives."""
    bel = world.h("belgorod")
    ring = [[35.55, 50.42], [35.75, 50.42], [35.75, 50.52], [35.55, 50.42]]
    area = client.post(
        "/api/v1/incidents",
        json={
            "name": "Area",
            "incident_type": "shelling",
            "place": {"type": "Polygon", "coordinates": [ring]},
        },
        headers=bel,
    ).json()
    point = open_incident(client, world.h("hq"), name="Point", where=SUDZHA)
    items = {
        i["id"]: i for i in client.get("/api/v1/incidents", headers=world.h("hq")).json()["items"]
    }
    assert items[area["id"]]["place"] == area["place"]
    assert items[area["id"]]["place"]["type"] == "Polygon"
    assert items[area["id"]]["place"]["coordinates"][0][0] == ring[0]
    assert items[point["id"]]["place"] == {"type": "Point", "coordinates": list(SUDZHA)}
    # a moved place shows in the list
    moved = [[35.60, 50.40], [35.70, 50.40], [35.65, 50.47], [35.60, 50.40]]
    client.patch(
        f"/api/v1/incidents/{point['id']}",
        json={"place": {"type": "Polygon", "coordinates": [moved]}},
        headers=world.h("hq"),
    )
    items = {
        i["id"]: i for i in client.get("/api/v1/incidents", headers=world.h("hq")).json()["items"]
    }
    assert items[point["id"]]["place"] == {"type": "Polygon", "coordinates": [moved]}


def test_opened_and_moved_events_carry_the_place(
    client: TestClient, services: Services, world: World
) -> None:
    hq = world.h("hq")
    inc = open_incident(
        client,
        hq,
        name="Area",
        incident_type="shelling",
        place=polygon(GRAYVORON_AREA),
        radius_km=2,
    )
    iid = inc["id"]
    client.patch(f"/api/v1/incidents/{iid}", json={"severity": "minor"}, headers=hq)
    client.patch(
        f"/api/v1/incidents/{iid}",
        json={"place": {"type": "Point", "coordinates": list(GRAYVORON)}},
        headers=hq,
    )
    with services.db.unit_of_work(write=False) as uow:
        events = [
            e
            for e in uow.events.after(0, 10_000)
            if e.type in {"IncidentOpened", "IncidentUpdated"} and e.payload["incident_id"] == iid
        ]
    opened, severity, moved = (e.payload for e in events)
    assert opened["place"] == inc["place"]
    assert [opened["lon"], opened["lat"]] == [
        inc["reference_point"]["lon"],
        inc["reference_point"]["lat"],
    ]
    assert opened["affected_population"] == inc["affected"]["population"] > 0
    # an update that leaves the place alone carries none
    assert severity["place"] is None and severity["lon"] is None
    assert moved["place"] == {"type": "Point", "coordinates": list(GRAYVORON)}
    assert [moved["lon"], moved["lat"]] == list(GRAYVORON)
    assert moved["changes"]["place"] == moved["place"]


def test_affected_settlements_say_how_far_they_are(client: TestClient, world: World) -> None:
    hq = world.h("hq")
    point = open_incident(client, hq, radius_km=10)
    near = point["affected"]["settlements"]
    assert near
    by_id = {s.id: s for s in geodata.settlements()}
    for s in near:
        known = by_id[s["id"]]
        expected = haversine_km(GRAYVORON[0], GRAYVORON[1], known.lon, known.lat)
        assert s["distance_km"] == pytest.approx(expected, abs=0.001)
        assert s["distance_km"] <= 10
    # a polygon: 0 inside, the distance to the edge outside
    ring = GRAYVORON_AREA
    area = open_incident(
        client, hq, name="Area", incident_type="shelling", place=polygon(ring), radius_km=8
    )
    distances = {s["name"]: s["distance_km"] for s in area["affected"]["settlements"]}
    assert distances["Grayvoron"] == 0 and distances["Kozinka"] == 0
    outside = [
        (s, by_id[s["id"]])
        for s in area["affected"]["settlements"]
        if not (35.55 <= by_id[s["id"]].lon <= 35.75 and 50.42 <= by_id[s["id"]].lat <= 50.52)
    ]
    assert outside
    # measured independently: the great-circle distance to the ring's edges
    edge = distance_to_lines_km(
        [k.lon for _, k in outside], [k.lat for _, k in outside], [[(v[0], v[1]) for v in ring]]
    )
    for (s, _), km in zip(outside, edge, strict=True):
        assert 0 < s["distance_km"] <= 8.01
        assert s["distance_km"] == pytest.approx(float(km), rel=0.01, abs=0.01)


def test_the_task_summary_gives_the_next_steps_and_the_units_status(
    client: TestClient, world: World
) -> None:
    bel = world.h("belgorod")
    iid = open_incident(client, bel)["id"]
    reply = client.post(
        f"/api/v1/incidents/{iid}/tasks",
        json={"title": "Evacuate Kozinka", "required_powers": ["evacuation_assist"]},
        headers=bel,
    )
    assert reply.status_code == 201, reply.text
    tid = reply.json()["id"]

    def brief() -> dict[str, Any]:
        tasks = client.get(f"/api/v1/incidents/{iid}", headers=bel).json()["tasks"]
        found: dict[str, Any] = next(k for k in tasks if k["id"] == tid)
        return found

    first = brief()
    assert first["status"] == "open"
    assert first["unit_status"] is None and first["unit_id"] is None
    full = client.get(f"/api/v1/tasks/{tid}", headers=bel).json()
    assert first["allowed_next"] == full["allowed_next"]
    assert "cancelled" in first["allowed_next"]
    client.post(f"/api/v1/tasks/{tid}/assign", json={"unit_id": world.ids["vol_evac"]}, headers=bel)
    assigned = brief()
    assert assigned["unit_name"] == "BEL-EVAC" and assigned["unit_status"] == "assigned"
    assert "accepted" in assigned["allowed_next"] and "open" in assigned["allowed_next"]
    cmdr = world.h("evac_cmdr")
    client.post(f"/api/v1/tasks/{tid}/accept", json={}, headers=cmdr)
    client.post(f"/api/v1/tasks/{tid}/status", json={"status": "en_route"}, headers=cmdr)
    moving = brief()
    assert moving["status"] == "en_route" and moving["unit_status"] == "en_route"
    assert (
        moving["allowed_next"]
        == client.get(f"/api/v1/tasks/{tid}", headers=bel).json()["allowed_next"]
    )


def test_a_page_names_the_next_only_when_more_follow(client: TestClient, world: World) -> None:
    """``next_after_id`` leads to the incidents after a page and is null on the last page,
    full or not: a client reading every page asks for no empty one (the map's first render
    with 1,000 incidents made a second request for nothing)."""
    hq = world.h("hq")
    made = [open_incident(client, hq, name=f"Incident {n}")["id"] for n in range(3)]
    everything = [i["id"] for i in client.get("/api/v1/incidents", headers=hq).json()["items"]]
    assert everything[-3:] == made
    n = len(everything)
    whole = client.get(f"/api/v1/incidents?limit={n}", headers=hq).json()
    assert [i["id"] for i in whole["items"]] == everything and whole["next_after_id"] is None
    read: list[int] = []
    after = None
    while True:
        query = f"?limit=2{f'&after_id={after}' if after is not None else ''}"
        page = client.get(f"/api/v1/incidents{query}", headers=hq).json()
        read += [i["id"] for i in page["items"]]
        assert page["items"], "no empty page is asked for"
        if page["next_after_id"] is None:
            break
        assert page["next_after_id"] == page["items"][-1]["id"]
        after = page["next_after_id"]
    assert read == everything
