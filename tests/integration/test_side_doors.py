"""What a scoped account sees of other regions inside replies about its own (issue 15,
finding 2; the rules: ``policy.SIDE_DOORS``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from marchwarden.services import roster
from tests.factories import ROSTER_HEADER, volunteer_row
from tests.integration.command_support import (
    GRAYVORON,
    SUDZHA,
    World,
    at,
    build_world,
    new_key,
    open_incident,
    submit,
)

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from marchwarden.services.context import Services


@pytest.fixture
def world(client: TestClient, services: Services) -> World:
    return build_world(client, services)


def named_incidents(view: dict[str, object]) -> set[int]:
    out: set[int] = set()
    for key in ("suggestions", "current_suggestions"):
        s = view.get(key)
        if isinstance(s, dict):
            for kind in ("matches", "misses", "duplicates"):
                out |= {e["incident_id"] for e in s[kind] if e.get("incident_id")}
    return out


def test_report_suggestions_name_only_incidents_the_reader_may_read(
    client: TestClient, world: World
) -> None:
    belgorod_incident = open_incident(client, world.h("hq"), where=GRAYVORON)["id"]
    kursk_incident = open_incident(
        client, world.h("hq"), name="Sudzha shelling", where=(35.40, 51.10)
    )["id"]
    # a Kursk report: both incidents are open, the Belgorod one is a miss for it
    report = submit(
        client, world.h("hq"), new_key(), position=at(SUDZHA), text="Gunfire near Sudzha"
    ).json()
    hq_view = client.get(f"/api/v1/reports/{report['id']}", headers=world.h("hq")).json()
    assert belgorod_incident in named_incidents(hq_view)  # HQ sees everything
    kursk_view = client.get(f"/api/v1/reports/{report['id']}", headers=world.h("kursk")).json()
    assert belgorod_incident not in named_incidents(kursk_view)
    assert kursk_incident in named_incidents(kursk_view)
    listed = client.get("/api/v1/reports", headers=world.h("kursk")).json()["items"]
    assert listed and all(belgorod_incident not in named_incidents(r) for r in listed)
    text = repr(kursk_view) + repr(listed)
    assert "Grayvoron" not in text


def test_what_if_names_only_units_in_the_callers_scope(
    client: TestClient, services: Services, world: World
) -> None:
    # trained volunteers in Belgorod: LSD-2023 gives their battalion armed response
    rows = "".join(volunteer_row(n, "BEL-2BN-1") for n in range(10))
    roster.import_roster(services, None, ROSTER_HEADER + rows)

    def units_named(user: str) -> set[str]:
        reply = client.get("/api/v1/whatif?with=LSD-2023", headers=world.h(user))
        assert reply.status_code == 200, reply.text
        body = reply.json()
        return {
            u["region"]
            for p in body["powers"]
            for r in p["regions"]
            for u in r["units_gaining"] + r["units_losing"]
        }

    assert units_named("hq") >= {"RU-BEL"}
    assert units_named("kursk") <= {"RU-KRS"}
    assert units_named("belgorod") <= {"RU-BEL"}
    assert units_named("belgorod")  # not vacuous: Belgorod units do gain powers
