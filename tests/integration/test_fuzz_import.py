"""Hypothesis fuzzing of the roster import over HTTP on both stores (issue 15, the
reliability suite): any body gets 200 or a 4xx problem — never a 500 — and a refused
import changes nothing (members, audit trail, events)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marchwarden.core.access.model import Role
from marchwarden.core.forces.roster import COLUMNS
from tests.factories import ROSTER_HEADER, login, make_forces, make_user, volunteer_row

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from marchwarden.services.context import Services

GOOD = ROSTER_HEADER + volunteer_row(1) + volunteer_row(2)


def state(services: Services) -> tuple[Any, ...]:
    with services.db.unit_of_work(write=False) as uow:
        members = sorted(
            (m.external_id, m.callsign, m.personal, m.unit_id)
            for m in uow.forces.members(limit=100_000)
        )
        return tuple(members), uow.audit.count(), uow.events.last_id()


@pytest.fixture
def admin(client: TestClient, services: Services) -> dict[str, str]:
    make_forces(services)
    make_user(services, "importer", Role.ADMIN)
    headers = login(client, "importer")
    reply = client.post(
        "/api/v1/roster/import", headers=headers | {"content-type": "text/csv"}, content=GOOD
    )
    assert reply.status_code == 200, reply.text
    return headers


def _mangle(data: st.DataObject) -> bytes:
    kind = data.draw(st.sampled_from(["bytes", "text", "cell", "row"]))
    if kind == "bytes":
        return data.draw(st.binary(max_size=300))
    if kind == "text":
        return data.draw(st.text(max_size=300)).encode("utf-8", "surrogatepass")
    lines = GOOD.splitlines()
    if kind == "cell":
        n = data.draw(st.integers(1, len(lines) - 1))
        cells = lines[n].split(",")
        i = data.draw(st.integers(0, len(cells) - 1))
        cells[i] = data.draw(st.text(max_size=40))
        lines[n] = ",".join(cells)
    else:
        extra = data.draw(st.lists(st.text(max_size=20), min_size=1, max_size=len(COLUMNS) + 2))
        lines.append(",".join(extra))
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_import_body_is_200_or_a_problem_that_changes_nothing(
    client: TestClient, services: Services, admin: dict[str, str], data: st.DataObject
) -> None:
    body = _mangle(data)
    before = state(services)
    reply = client.post(
        "/api/v1/roster/import", headers=admin | {"content-type": "text/csv"}, content=body
    )
    assert reply.status_code in (200, 400, 413, 415, 422), reply.text
    if reply.status_code != 200:
        assert reply.headers["content-type"].startswith("application/problem+json")
        assert reply.json()["detail"]
        assert state(services) == before
