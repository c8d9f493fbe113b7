"""Success paths of the commands no other test drove to success (issue 15, finding 4).

``POST /members/{id}/records`` never worked (a ``date`` in the audit record was not JSON
on either store); the list of commands was made from the OpenAPI document by looking for
each operation's path in the tests. Each test checks the reply, the stored state, and the
audit record written with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from marchwarden.core.access.model import Role
from marchwarden.services import roster
from tests.factories import ROSTER_HEADER, login, make_forces, make_user, volunteer_row

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from marchwarden.services.context import Services


@pytest.fixture
def ids(services: Services) -> dict[str, int]:
    ids = make_forces(services)
    roster.import_roster(services, None, ROSTER_HEADER + volunteer_row(1, "BEL-2BN-1"))
    return ids


def last_audit(services: Services) -> tuple[str, dict[str, object]]:
    with services.db.unit_of_work(write=False) as uow:
        entry = uow.audit.page(after_seq=None, limit=10_000)[-1]
    return entry.command, dict(entry.changes)


def test_member_records_are_added_and_audited(
    client: TestClient, services: Services, ids: dict[str, int]
) -> None:
    make_user(services, "personnel", Role.PERSONNEL_OFFICER)
    h = login(client, "personnel")
    member = client.get(f"/api/v1/units/{ids['co1']}/members", headers=h).json()[0]
    reply = client.post(
        f"/api/v1/members/{member['id']}/records",
        headers=h,
        json={
            "trainings": [{"programme": "first_aid", "completed_on": "2026-10-01", "hours": 8}],
            "qualifications": [
                {"kind": "driver_c", "issued_on": "2025-01-01", "expires_on": "2030-01-01"}
            ],
            "fitness": [{"examined_on": "2026-09-01", "valid_until": "2027-09-01", "fit": True}],
        },
    )
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert {"programme": "first_aid", "completed_on": "2026-10-01", "hours": 8.0} in body[
        "trainings"
    ]
    assert any(q["kind"] == "driver_c" for q in body["qualifications"])
    again = client.get(f"/api/v1/members/{member['id']}", headers=h).json()
    assert again["trainings"] == body["trainings"]
    command, changes = last_audit(services)
    assert command == "member.records"
    assert changes["added"] == {
        "trainings": [{"programme": "first_aid", "completed_on": "2026-10-01", "hours": 8.0}],
        "qualifications": [
            {"kind": "driver_c", "issued_on": "2025-01-01", "expires_on": "2030-01-01"}
        ],
        "fitness": [{"examined_on": "2026-09-01", "valid_until": "2027-09-01", "fit": True}],
    }
    verify = client.get("/api/v1/audit/verify", headers=login(client, "personnel"))
    assert verify.status_code == 403  # the personnel officer does not read the audit trail
    make_user(services, "auditor", Role.AUDITOR)
    verified = client.get("/api/v1/audit/verify", headers=login(client, "auditor")).json()
    assert verified["ok"] is True


def test_agency_is_created_and_audited(client: TestClient, services: Services) -> None:
    make_user(services, "admin", Role.ADMIN)
    h = login(client, "admin")
    reply = client.post(
        "/api/v1/agencies",
        headers=h,
        json={"code": "KRS-MCHS", "name": "Kursk civil protection", "kind": "emergency_service"},
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["code"] == "KRS-MCHS"
    codes = [a["code"] for a in client.get("/api/v1/agencies", headers=h).json()]
    assert "KRS-MCHS" in codes
    assert last_audit(services)[0] == "agency.create"


def test_activation_order_is_issued_and_listed(
    client: TestClient, services: Services, ids: dict[str, int]
) -> None:
    make_user(services, "hq", Role.HQ_COMMANDER)
    h = login(client, "hq")
    reply = client.post(
        "/api/v1/activation-orders",
        headers=h,
        json={
            "unit_id": ids["bn2"],
            "reference": "ORD-15/2026",
            "valid_from": "2026-11-26T00:00:00Z",
            "valid_to": "2026-12-26T00:00:00Z",
        },
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["reference"] == "ORD-15/2026"
    listed = client.get(f"/api/v1/activation-orders?unit_id={ids['bn2']}", headers=h).json()
    assert "ORD-15/2026" in [o["reference"] for o in listed]
    assert last_audit(services)[0].startswith("activation")
