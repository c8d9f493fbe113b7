"""Member personal data only with need to know, on every path that returns members
(issue 15, finding 1), and roster CSV exports safe to open in a spreadsheet (finding 8).

The rule is ``policy.may_see_personal``: ``member.read_personal`` on the member's unit.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

import pytest

from marchwarden.core.access.model import Role, Scope
from marchwarden.core.forces.roster import neutralise, restore
from marchwarden.services import roster
from tests.factories import ROSTER_HEADER, login, make_forces, make_user, volunteer_row

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from marchwarden.services.context import Services


@pytest.fixture
def ids(services: Services) -> dict[str, int]:
    ids = make_forces(services)
    rows = "".join(volunteer_row(n, "BEL-2BN-1" if n < 3 else "BEL-2BN-2") for n in range(5))
    roster.import_roster(services, None, ROSTER_HEADER + rows)
    return ids


def accounts(services: Services, ids: dict[str, int]) -> dict[str, bool]:
    """username → whether the role has need to know for BEL-2BN-1's members."""
    with services.db.unit_of_work(write=False) as uow:
        co1 = uow.forces.unit(ids["co1"])
    assert co1 is not None
    make_user(services, "admin", Role.ADMIN)
    make_user(services, "hq", Role.HQ_COMMANDER)
    make_user(services, "analyst", Role.ANALYST)
    make_user(services, "belgorod", Role.REGIONAL_COORDINATOR, Scope.of_regions("RU-BEL"))
    make_user(services, "personnel", Role.PERSONNEL_OFFICER, Scope.of_agency(ids["bel_vsd"]))
    make_user(services, "cmdr", Role.UNIT_COMMANDER, Scope.of_unit(co1.id, co1.path))
    return {
        "admin": True,
        "hq": False,
        "analyst": False,
        "belgorod": False,
        "personnel": True,
        "cmdr": True,
    }


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_every_member_path_applies_need_to_know(
    client: TestClient, services: Services, ids: dict[str, int]
) -> None:
    for username, need in accounts(services, ids).items():
        h = login(client, username)
        export = client.get(f"/api/v1/roster/export?unit_id={ids['co1']}", headers=h)
        assert export.status_code == 200, (username, export.text)
        exported = rows(export.text)
        assert len(exported) == 3, username
        for row in exported:
            assert bool(row["family_name"]) is need, (username, row)
            assert bool(row["date_of_birth"]) is need, (username, row)
            assert bool(row["phone"]) is need, (username, row)
            assert row["callsign"].startswith("Sokol-")  # the rest is for everyone exporting
        listed = client.get(f"/api/v1/units/{ids['co1']}/members", headers=h).json()
        assert len(listed) == 3, username
        assert all((m["personal"] is not None) is need for m in listed), username
        one = client.get(f"/api/v1/members/{listed[0]['id']}", headers=h).json()
        assert (one["personal"] is not None) is need, username
    # no event on the stream and no audit record carries personal data
    with services.db.unit_of_work(write=False) as uow:
        events = uow.events.after(0, 100_000)
        audit = list(uow.audit.page(limit=100_000))
    text = repr([e.payload for e in events]) + repr([a.changes for a in audit])
    assert "Petrov" not in text and "+7 900" not in text and "1990-05" not in text


def test_a_whole_export_withholds_per_unit(
    client: TestClient, services: Services, ids: dict[str, int]
) -> None:
    accounts(services, ids)
    exported = rows(client.get("/api/v1/roster/export", headers=login(client, "cmdr")).text)
    # the commander of company 1 exports company 1 only, with personal data
    assert {r["unit_code"] for r in exported} == {"BEL-2BN-1"}
    assert all(r["family_name"] == "Petrov" for r in exported)
    everything = rows(client.get("/api/v1/roster/export", headers=login(client, "hq")).text)
    assert len(everything) == 5 and not any(r["given_name"] for r in everything)


def test_export_neutralises_formulas_and_reimports_unchanged(
    client: TestClient, services: Services, ids: dict[str, int]
) -> None:
    hostile = (
        'V0100,BEL-2BN-1,=HYPERLINK("http://x"),@SUM(A1),-1+1,,+7 900 000-00-00,,,\n'
        "V0101,BEL-2BN-1,'=already,\tTab,'plain,,,,,\n"
    )
    result = roster.import_roster(services, None, ROSTER_HEADER + hostile)
    assert result.created == 2
    make_user(services, "admin", Role.ADMIN)
    text = client.get("/api/v1/roster/export", headers=login(client, "admin")).text
    for row in rows(text):
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    by_id = {r["external_id"]: r for r in rows(text)}
    assert by_id["V0100"]["callsign"] == '\'=HYPERLINK("http://x")'
    assert by_id["V0100"]["phone"] == "'+7 900 000-00-00"
    # an export re-imports to the same values: nothing changes
    assert roster.import_roster(services, None, text).unchanged == 7


@pytest.mark.parametrize("value", ["", "=1", "+1", "-1", "@x", "\tx", "\rx", "'", "''=", "'=", "a"])
def test_neutralise_round_trips(value: str) -> None:
    assert restore(neutralise(value)) == value
    assert not neutralise(value).startswith(("=", "+", "-", "@", "\t", "\r"))
