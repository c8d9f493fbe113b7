"""Public alerts through the API: compose, preview, workflow, publication, the feed."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from capparselib.parsers import CAPParser
from capparser import capparser
from lxml import etree

from marchwarden.adapters.cap.xml import validate
from marchwarden.adapters.db import civil_tables as c
from tests.integration.alert_support import alert_body, alert_users, issue
from tests.integration.command_support import (
    GRAYVORON_AREA,
    assert_problem,
    open_incident,
    sql_store,
)

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from marchwarden.core.clock import FixedClock
    from marchwarden.services.context import Services

ATOM = "{http://www.w3.org/2005/Atom}"
CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"


def _rows(services: Services) -> tuple[int, int, int]:
    with sql_store(services).unit_of_work(write=False) as uow:
        alerts = uow.conn.execute(sa.select(sa.func.count()).select_from(c.alerts)).scalar_one()
        msgs = uow.conn.execute(
            sa.select(sa.func.count()).select_from(c.alert_messages)
        ).scalar_one()
        return int(alerts), int(msgs), uow.audit.count()


def _link(entry: Any) -> Any:
    found = entry.find(f"{ATOM}link")
    assert found is not None
    return found


def _doc(client: TestClient, url: str, headers: dict[str, str] | None = None) -> Any:
    path = url.split("://", 1)[1].split("/", 1)[1]
    return client.get("/" + path, headers=headers or {})


def test_preview_counts_settlements_and_population(client: TestClient, services: Services) -> None:
    h = alert_users(client, services)
    reply = client.post(
        "/api/v1/alerts/preview", json={"kind": "polygon", "ring": GRAYVORON_AREA}, headers=h["hq"]
    )
    assert reply.status_code == 200, reply.text
    body = reply.json()
    names = {s["name"] for s in body["settlements"]}
    assert {"Grayvoron", "Kozinka"} <= names
    assert body["population"] == sum(s["population"] for s in body["settlements"]) > 0
    assert body["regions"] == ["RU-BEL"]
    region = client.post(
        "/api/v1/alerts/preview", json={"kind": "region", "region": "RU-BEL"}, headers=h["hq"]
    ).json()
    assert region["population"] > body["population"]
    circle = client.post(
        "/api/v1/alerts/preview",
        json={"kind": "circle", "center": [35.66, 50.48], "radius_km": 5},
        headers=h["hq"],
    ).json()
    assert "Grayvoron" in {s["name"] for s in circle["settlements"]}


def test_invalid_areas_are_refused_and_change_nothing(
    client: TestClient, services: Services
) -> None:
    h = alert_users(client, services)
    before = _rows(services)
    open_ring = GRAYVORON_AREA[:-1]
    bowtie = [[35.55, 50.42], [35.75, 50.52], [35.75, 50.42], [35.55, 50.52], [35.55, 50.42]]
    far = [[10.0, 50.0], [10.1, 50.0], [10.1, 50.1], [10.0, 50.0]]
    cases = [
        ({"kind": "polygon", "ring": open_ring}, "not closed"),
        ({"kind": "polygon", "ring": bowtie}, "crosses itself"),
        ({"kind": "polygon", "ring": far}, "outside the coverage"),
        ({"kind": "circle", "center": [35.66, 50.48], "radius_km": 0}, "radius_km"),
        ({"kind": "region", "region": "XX-NOPE"}, "unknown region"),
        ({"kind": "settlements", "settlement_ids": [1]}, "unknown settlement"),
    ]
    for area, detail in cases:
        reply = client.post("/api/v1/alerts", json=alert_body(area=area), headers=h["hq"])
        assert_problem(reply, 422, "invalid-alert-area", detail)
        reply = client.post("/api/v1/alerts/preview", json=area, headers=h["hq"])
        assert_problem(reply, 422, "invalid-alert-area", detail)
    many = [[35.5 + 0.2 * i / 1200, 50.4 + 0.001 * (i % 2)] for i in range(1200)]
    many.append(many[0])
    reply = client.post(
        "/api/v1/alerts/preview", json={"kind": "polygon", "ring": many}, headers=h["hq"]
    )
    assert_problem(reply, 422, "invalid-alert-area", "at most 1000")
    assert _rows(services) == before


def test_workflow_second_person_publish_update_cancel(
    client: TestClient, services: Services, clock: FixedClock
) -> None:
    h = alert_users(client, services)
    reply = client.post("/api/v1/alerts", json=alert_body(), headers=h["hq"])
    assert reply.status_code == 201, reply.text
    alert = reply.json()
    assert alert["state"] == "draft" and alert["needs_second_person"] is True
    assert alert["population"] > 0 and alert["messages"] == []
    aid = alert["id"]
    # may_approve is the caller's: not the drafter (second person), the other HQ and the
    # region's coordinator yes, the other region's coordinator never sees the draft
    assert alert["may_approve"] is False
    for who, may in (("hq", False), ("hq2", True), ("belgorod", True)):
        [mine] = [
            a
            for a in client.get("/api/v1/alerts", headers=h[who]).json()["items"]
            if a["id"] == aid
        ]
        assert mine["may_approve"] is may, who
        assert client.get(f"/api/v1/alerts/{aid}", headers=h[who]).json()["may_approve"] is may
    assert aid not in [
        a["id"] for a in client.get("/api/v1/alerts", headers=h["kursk"]).json()["items"]
    ]
    # not approved: cannot publish; the drafter cannot approve a Severe alert
    assert_problem(
        client.post(f"/api/v1/alerts/{aid}/publish", headers=h["hq"]),
        409,
        "illegal-alert-step",
        "only an approved",
    )
    assert_problem(
        client.post(f"/api/v1/alerts/{aid}/approve", headers=h["hq"]),
        403,
        "second-person-approval-required",
        "second person",
    )
    # an analyst may read but not approve
    assert_problem(
        client.post(f"/api/v1/alerts/{aid}/approve", headers=h["analyst"]),
        403,
        "forbidden",
        "may not alert.approve",
    )
    approved = client.post(f"/api/v1/alerts/{aid}/approve", headers=h["hq2"]).json()
    assert approved["state"] == "approved" and approved["approved_by"] == "hq2"
    first = client.post(f"/api/v1/alerts/{aid}/publish", headers=h["hq"]).json()
    assert first["state"] == "published" and first["current"] is True
    [m1] = first["messages"]
    assert m1["msg_type"] == "Alert"
    xml1 = _doc(client, m1["url"])
    assert xml1.status_code == 200 and xml1.headers["content-type"] == "application/cap+xml"
    validate(xml1.content)

    # revise (back to draft; the published message stays current), approve, publish: Update
    clock.advance(timedelta(minutes=30))
    revised = client.put(
        f"/api/v1/alerts/{aid}", json=alert_body(instruction="evacuate"), headers=h["hq2"]
    ).json()
    assert revised["state"] == "draft" and revised["current"] is True
    client.post(f"/api/v1/alerts/{aid}/approve", headers=h["hq"]).raise_for_status()
    second = client.post(f"/api/v1/alerts/{aid}/publish", headers=h["hq"]).json()
    m2 = second["messages"][1]
    assert m2["msg_type"] == "Update" and m2["identifier"] != m1["identifier"]
    root2 = etree.fromstring(_doc(client, m2["url"]).content)
    refs = (root2.findtext(f"{CAP}references") or "").split()
    assert len(refs) == 1 and refs[0].split(",")[1] == m1["identifier"]
    assert root2.findtext(f"{CAP}info/{CAP}responseType") == "Evacuate"

    clock.advance(timedelta(minutes=30))
    cancelled = client.post(f"/api/v1/alerts/{aid}/cancel", headers=h["hq"]).json()
    m3 = cancelled["messages"][2]
    assert cancelled["state"] == "cancelled" and cancelled["current"] is False
    root3 = etree.fromstring(_doc(client, m3["url"]).content)
    assert root3.findtext(f"{CAP}msgType") == "Cancel"
    refs3 = [r.split(",")[1] for r in (root3.findtext(f"{CAP}references") or "").split()]
    assert refs3 == [m1["identifier"], m2["identifier"]]
    assert_problem(
        client.post(f"/api/v1/alerts/{aid}/cancel", headers=h["hq"]),
        409,
        "illegal-alert-step",
        "no current published message",
    )
    # every message validates and reads in both independent parsers
    for m in (m1, m2, m3):
        data = _doc(client, m["url"]).content
        validate(data)
        parsed = CAPParser(data.decode("utf-8")).as_dict()
        assert parsed[0]["cap_id"] == m["identifier"]
        assert parsed[0]["cap_message_type"] == m["msg_type"]
        assert {str(i["cap_language"]) for i in parsed[0]["cap_info"]} == {"ru", "en"}
        lenient = capparser.parse(stringXML=data.decode("utf-8"))
        # capparser keeps each field as (value, position)
        assert lenient.identifier[0] == m["identifier"]
        assert lenient.msgType[0] == m["msg_type"]
        assert len(lenient.info[0]) == 2
    # the audit trail has every step
    with services.db.unit_of_work(write=False) as uow:
        commands = [r.command for r in uow.audit.iterate() if r.target_type == "alert"]
    assert commands == [
        "alert.draft",
        "alert.approve",
        "alert.publish",
        "alert.revise",
        "alert.approve",
        "alert.publish",
        "alert.cancel",
    ]


def test_compose_from_incident_fills_it_in_and_the_timeline_records_it(
    client: TestClient, services: Services
) -> None:
    h = alert_users(client, services)
    incident = open_incident(client, h["hq"], name="Grayvoron incursion")
    reply = client.post(
        f"/api/v1/incidents/{incident['id']}/alerts",
        json={"instruction": "evacuate"},
        headers=h["belgorod"],
    )
    assert reply.status_code == 201, reply.text
    alert = reply.json()
    assert alert["severity"] == "Severe" and alert["incident_id"] == incident["id"]
    assert alert["event"] == incident["incident_type_label"]
    assert alert["area"]["kind"] == "circle"
    assert [i["language"] for i in alert["infos"]] == ["ru", "en"]
    assert "Leave" in alert["infos"][1]["instruction"]
    timeline = client.get(f"/api/v1/incidents/{incident['id']}/timeline", headers=h["hq"]).json()
    entries = [e for e in timeline["items"] if e["kind"] == "alert"]
    assert entries and f"Alert #{alert['id']} drafted" in entries[-1]["text"]
    # what the line says, for a reader in another language
    data = entries[-1]["data"]
    assert {k: data[k] for k in ("alert_id", "step", "event", "severity", "instruction")} == {
        "alert_id": alert["id"],
        "step": "drafted",
        "event": alert["event"],
        "severity": "Severe",
        "instruction": "evacuate",
    }
    assert data["population"] > 0 and data["settlements"] > 0 and data["area"]


def test_regional_coordinator_alerts_inside_its_region_only(
    client: TestClient, services: Services
) -> None:
    h = alert_users(client, services)
    before = _rows(services)
    reply = client.post("/api/v1/alerts", json=alert_body(), headers=h["kursk"])
    assert_problem(reply, 403, "forbidden", "outside the caller's scope")
    assert _rows(services) == before
    own = client.post("/api/v1/alerts", json=alert_body(), headers=h["belgorod"])
    assert own.status_code == 201
    # the Kursk coordinator does not even see the Belgorod draft
    assert client.get(f"/api/v1/alerts/{own.json()['id']}", headers=h["kursk"]).status_code == 403
    assert own.json()["id"] not in [
        a["id"] for a in client.get("/api/v1/alerts", headers=h["kursk"]).json()["items"]
    ]


def test_feed_lists_current_public_alerts_with_etag_and_expiry(
    client: TestClient, services: Services, clock: FixedClock
) -> None:
    h = alert_users(client, services)
    public = issue(client, h)
    restricted = issue(
        client,
        h,
        scope="Restricted",
        restriction="responders only",
        expires="2026-11-26T23:00:00+00:00",
    )
    short = issue(client, h, severity="Minor", expires="2026-11-26T13:00:00+00:00")
    reply = client.get("/cap/feed.atom")  # no account
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/atom+xml")
    etag = reply.headers["etag"]
    assert reply.headers["last-modified"]
    root = etree.fromstring(reply.content)
    links = [_link(e).get("href") for e in root.findall(f"{ATOM}entry")]
    assert links == [short["messages"][0]["url"], public["messages"][0]["url"]]
    assert all(_link(e).get("type") == "application/cap+xml" for e in root.findall(f"{ATOM}entry"))
    for link in links:  # what an aggregator does: follow each entry to its CAP document
        parsed = CAPParser(_doc(client, link).content.decode("utf-8")).as_dict()
        assert link.endswith(f"/cap/{parsed[0]['cap_id']}.xml")
    assert client.get("/cap/feed.atom", headers={"If-None-Match": etag}).status_code == 304
    # the Restricted document: not for anonymous readers, yes for an account allowed
    url = restricted["messages"][0]["url"]
    assert _doc(client, url).status_code == 404
    assert _doc(client, url, h["analyst"]).status_code == 200
    # an expiry changes the feed by itself
    clock.advance(timedelta(hours=1, minutes=1))
    reply = client.get("/cap/feed.atom", headers={"If-None-Match": etag})
    assert reply.status_code == 200
    entries = etree.fromstring(reply.content).findall(f"{ATOM}entry")
    assert [_link(e).get("href") for e in entries] == [public["messages"][0]["url"]]


def test_a_document_failing_the_schema_is_refused_and_nothing_is_published(
    database_url: str, tmp_path: Any, clock: FixedClock
) -> None:
    from fastapi.testclient import TestClient

    from marchwarden.entrypoints.api.app import create_app
    from tests.conftest import make_settings

    settings = make_settings(database_url, tmp_path, cap_sender="")
    with TestClient(create_app(settings, clock=clock)) as client:
        services = client.app.state.services  # type: ignore[attr-defined]
        h = alert_users(client, services)
        aid = client.post("/api/v1/alerts", json=alert_body(), headers=h["hq"]).json()["id"]
        client.post(f"/api/v1/alerts/{aid}/approve", headers=h["hq2"]).raise_for_status()
        before = _rows(services)
        reply = client.post(f"/api/v1/alerts/{aid}/publish", headers=h["hq"])
        assert_problem(reply, 422, "cap-schema-violation", "sender")
        assert _rows(services) == before
        assert client.get(f"/api/v1/alerts/{aid}", headers=h["hq"]).json()["state"] == "approved"
