"""The demo's scenario clock over the API: absent from every other server, admin only,
never back and never ahead of the wall clock, audited; a refused move changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from marchwarden.adapters.clock import ScenarioClock
from marchwarden.bootstrap import build_services
from marchwarden.core.access.model import Role
from marchwarden.entrypoints.api.app import create_app
from marchwarden.entrypoints.cli import SCENARIO_TOKEN_TTL_SECONDS, scenario_settings
from tests.factories import login, make_user
from tests.integration.command_support import assert_problem

if TYPE_CHECKING:
    from collections.abc import Iterator

    from marchwarden.core.clock import FixedClock
    from marchwarden.services.context import Services
    from marchwarden.settings import Settings

CLOCK = "/api/v1/scenario/clock"


@pytest.fixture
def scenario(clock: FixedClock) -> ScenarioClock:
    return ScenarioClock(clock.now() - timedelta(days=2), wall=clock)


@pytest.fixture
def demo(settings: Settings, scenario: ScenarioClock) -> Iterator[tuple[TestClient, Services]]:
    svc = build_services(settings, clock=scenario)
    make_user(svc, "admin", Role.ADMIN)
    make_user(svc, "hq", Role.HQ_COMMANDER)
    with TestClient(create_app(settings, scenario_clock=scenario)) as client:
        yield client, svc
    svc.db.engine.dispose()


def audit_count(svc: Services) -> int:
    with svc.db.unit_of_work(write=False) as uow:
        count: int = uow.audit.count()
        return count


def test_a_server_without_a_scenario_clock_has_no_such_path(
    client: TestClient, services: Services
) -> None:
    make_user(services, "admin", Role.ADMIN)
    h = login(client, "admin")
    assert client.get(CLOCK, headers=h).status_code == 404
    reply = client.put(CLOCK, json={"at": "2026-11-25T12:00:00Z"}, headers=h)
    assert reply.status_code in (404, 405)
    assert client.post(CLOCK + "/release", headers=h).status_code == 404


def test_the_admin_moves_the_clock_and_the_server_stamps_with_it(
    demo: tuple[TestClient, Services], scenario: ScenarioClock, clock: FixedClock
) -> None:
    client, svc = demo
    h = login(client, "admin")
    start = scenario.now()
    at = start + timedelta(hours=3)
    reply = client.put(CLOCK, json={"at": at.isoformat()}, headers=h)
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"now": at.isoformat().replace("+00:00", "Z"), "released": False}
    assert scenario.now() == at
    # what the server writes now carries the scenario time
    make_user(svc, "analyst", Role.ANALYST)
    audit = client.get("/api/v1/audit", headers=h).json()["items"]
    last = max(audit, key=lambda a: a["seq"])
    assert last["command"] == "user.create" and last["at"].startswith(at.isoformat()[:19])
    move = next(a for a in audit if a["command"] == "scenario.clock.set")
    assert move["actor_name"] == "admin" and move["changes"]["at"][1] == at.isoformat()
    # handed back: it follows the wall clock
    released = client.post(CLOCK + "/release", headers=h)
    assert released.status_code == 200 and released.json()["released"] is True
    assert scenario.now() == clock.now()
    clock.advance(timedelta(minutes=5))
    # a token issued on the scenario clock two days back has run out by the wall clock
    assert client.get(CLOCK, headers=h).status_code == 401
    h = login(client, "admin")
    assert client.get(CLOCK, headers=h).json()["now"].startswith(clock.now().isoformat()[:19])


@pytest.mark.parametrize(
    ("offset", "detail"),
    [
        (timedelta(hours=-1), "cannot go back"),
        (timedelta(days=3), "later than the wall clock"),
    ],
)
def test_refused_moves_change_nothing(
    demo: tuple[TestClient, Services],
    scenario: ScenarioClock,
    offset: timedelta,
    detail: str,
) -> None:
    client, svc = demo
    h = login(client, "admin")
    before = (scenario.now(), audit_count(svc))
    reply = client.put(CLOCK, json={"at": (scenario.now() + offset).isoformat()}, headers=h)
    assert_problem(reply, 409, "scenario-clock-refused", detail)
    assert (scenario.now(), audit_count(svc)) == before


@pytest.mark.parametrize(
    ("user", "body", "status"),
    [
        ("hq", {"at": "2026-11-25T12:00:00Z"}, 403),
        ("admin", {"at": "2026-11-25T12:00:00"}, 422),  # no time zone
        ("admin", {"at": "yesterday"}, 422),
        ("admin", {}, 422),
    ],
)
def test_bad_requests_change_nothing(
    demo: tuple[TestClient, Services],
    scenario: ScenarioClock,
    user: str,
    body: dict[str, Any],
    status: int,
) -> None:
    client, svc = demo
    h = login(client, user)
    before = (scenario.now(), audit_count(svc))
    reply = client.put(CLOCK, json=body, headers=h)
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith("application/problem+json")
    assert (scenario.now(), audit_count(svc)) == before
    if user == "hq":
        assert client.post(CLOCK + "/release", headers=h).status_code == 403
        assert not scenario.released


def test_a_demo_sign_in_outlives_the_hand_back(
    settings: Settings, scenario: ScenarioClock, clock: FixedClock
) -> None:
    """With the demo's scenario settings a token issued on day 1 of the raid still works
    once the clock is back on the wall clock (two days on)."""
    demo_settings = scenario_settings(settings)
    assert demo_settings.token_ttl_seconds == SCENARIO_TOKEN_TTL_SECONDS
    assert settings.token_ttl_seconds < SCENARIO_TOKEN_TTL_SECONDS  # the default is unchanged
    svc = build_services(demo_settings, clock=scenario)
    make_user(svc, "hq", Role.HQ_COMMANDER)
    with TestClient(create_app(demo_settings, scenario_clock=scenario)) as client:
        h = login(client, "hq")
        scenario.set(scenario.now() + timedelta(hours=30))
        assert client.get("/api/v1/auth/me", headers=h).status_code == 200
        scenario.release()
        clock.advance(timedelta(hours=1))
        assert client.get("/api/v1/auth/me", headers=h).status_code == 200
    svc.db.engine.dispose()
