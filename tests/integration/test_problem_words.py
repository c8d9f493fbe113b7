"""The problems a duty officer meets on import and on a malformed form say what they say
as a ``code`` and ``params`` too (issue 13), so that the page writes them in the reader's
language: an import's (CAP, act, roster), an alert area's, a shelter's, and each field of a
request that fails validation. ``assert_problem`` checks each against both catalogues."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.factories import ROSTER_HEADER, make_forces, volunteer_row
from tests.integration.alert_support import alert_users
from tests.integration.command_support import assert_problem

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from marchwarden.services.context import Services


#: an act whose end comes before its start
BACKWARDS_ACT = {
    "reference": "BAD-2026",
    "title": "Backwards",
    "status": "proposed",
    "effective_from": "2026-12-01T00:00:00Z",
    "effective_to": "2026-11-01T00:00:00Z",
    "grants": [],
}


def test_a_malformed_form_names_each_field_with_a_code_and_its_limit(
    client: TestClient, services: Services
) -> None:
    h = alert_users(client, services)
    reply = client.post(
        "/api/v1/shelters",
        headers=h["hq"],
        json={"name": "", "lon": 200, "capacity": 0, "colour": "red"},
    )
    body = assert_problem(reply, 422, "validation-error", "body.name")
    said = {e["loc"]: (e["code"], e["params"]) for e in body["errors"]}
    assert said == {
        "body.name": ("validation.string_too_short", {"field": "body.name", "min_length": "1"}),
        "body.lon": ("validation.less_than_equal", {"field": "body.lon", "le": "180"}),
        "body.lat": ("validation.missing", {"field": "body.lat"}),
        "body.capacity": ("validation.greater_than", {"field": "body.capacity", "gt": "0"}),
        "body.colour": ("validation.extra_forbidden", {"field": "body.colour"}),
    }
    # the English stays pydantic's own, precise sentence
    assert "String should have at least 1 character" in body["detail"]


def test_import_errors_carry_their_code_and_params(client: TestClient, services: Services) -> None:
    h = alert_users(client, services)
    xml = {"Content-Type": "application/cap+xml"}
    body = assert_problem(
        client.post("/api/v1/alerts/import", content=b"<alert><x></alert>", headers=h["hq"] | xml),
        422,
        "cap-import-rejected",
        "not well-formed XML",
    )
    assert body["code"] == "cap.not_xml" and "error" in body["params"]
    body = assert_problem(
        client.post(
            "/api/v1/alerts/preview",
            json={"kind": "circle", "center": [35.66, 50.48], "radius_km": 0},
            headers=h["hq"],
        ),
        422,
        "invalid-alert-area",
        "radius_km",
    )
    assert body["code"] == "area.radius"

    make_forces(services)
    body = assert_problem(
        client.post("/api/v1/acts", headers=h["analyst"], json=BACKWARDS_ACT),
        422,
        "invalid",
        "effective_to must be after",
    )
    assert (body["code"], body["params"]) == (
        "act.effective_after_effective_from",
        {"ref": "BAD-2026"},
    )

    body = assert_problem(
        client.post(
            "/api/v1/roster/import",
            headers=h["hq"] | {"Content-Type": "text/csv"},
            content=(ROSTER_HEADER + volunteer_row(1) + "V9,BEL-2BN-1,c,I,P,,12,,,\n").encode(),
        ),
        422,
        "roster-invalid",
        "line 3, column phone",
    )
    assert [(e["code"], e["params"]) for e in body["errors"]] == [
        ("roster.bad_phone", {"value": "12"})
    ]


def test_a_full_shelter_says_so_with_its_code(client: TestClient, services: Services) -> None:
    h = alert_users(client, services)
    shelter = {"name": "School 1", "lon": 35.66, "lat": 50.48, "capacity": 3}
    made = client.post("/api/v1/shelters", headers=h["hq"], json=shelter).json()
    body = assert_problem(
        client.post(f"/api/v1/shelters/{made['id']}/check-in", json={"people": 5}, headers=h["hq"]),
        409,
        "shelter-full",
        "School 1 has room for 3, not 5",
    )
    assert body["code"] == "shelter.full_none"
    assert body["params"] == {"shelter": "School 1", "room": "3", "people": "5"}
