"""Accounts over the API: sign-in, tokens, 401/403, bad requests, brute force."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from marchwarden.core.access.model import Role, Scope
from tests.factories import PASSWORD, login, make_user

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from marchwarden.core.clock import FixedClock
    from marchwarden.services.context import Services

PROBLEM = "application/problem+json"


def snapshot(svc: Services) -> tuple[Any, ...]:
    """Everything a request could change: users, audit trail, events."""
    with svc.db.unit_of_work(write=False) as uow:
        users = [(u.username, u.role, u.disabled) for u in uow.users.list()]
        return (users, uow.audit.count(), uow.events.count(), uow.events.last_id())


def assert_problem(reply: Any, status: int, type_suffix: str, detail_part: str = "") -> None:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith(PROBLEM)
    body = reply.json()
    assert body["status"] == status
    assert body["type"] == f"/problems/{type_suffix}"
    assert detail_part in body["detail"], body["detail"]


def test_login_me_logout(client: TestClient, services: Services) -> None:
    make_user(services, "hq", Role.HQ_COMMANDER)
    headers = login(client, "hq")
    me = client.get("/api/v1/auth/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["user"]["role"] == "hq_commander"
    assert "task.assign" in me.json()["actions"]
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert_problem(
        client.get("/api/v1/auth/me", headers=headers), 401, "unauthenticated", "revoked"
    )


def test_no_token_is_401_and_out_of_role_is_403(client: TestClient, services: Services) -> None:
    make_user(services, "analyst", Role.ANALYST)
    assert_problem(client.get("/api/v1/users"), 401, "unauthenticated", "Bearer")
    headers = login(client, "analyst")
    assert_problem(
        client.get("/api/v1/users", headers=headers), 403, "forbidden", "may not user.manage"
    )
    assert_problem(client.get("/api/v1/audit", headers=headers), 403, "forbidden")


def test_token_expires(client: TestClient, services: Services, clock: FixedClock) -> None:
    make_user(services, "hq", Role.HQ_COMMANDER)
    headers = login(client, "hq")
    clock.advance(timedelta(seconds=services.settings.token_ttl_seconds))
    assert_problem(
        client.get("/api/v1/auth/me", headers=headers), 401, "unauthenticated", "expired"
    )


def test_disabling_a_user_revokes_their_tokens(client: TestClient, services: Services) -> None:
    make_user(services, "admin", Role.ADMIN)
    make_user(services, "kursk", Role.REGIONAL_COORDINATOR, Scope.of_regions("RU-KRS"))
    admin = login(client, "admin")
    kursk = login(client, "kursk")
    assert client.get("/api/v1/auth/me", headers=kursk).status_code == 200
    reply = client.post("/api/v1/users/kursk/disable", headers=admin)
    assert reply.status_code == 200 and reply.json()["disabled"] is True
    assert_problem(client.get("/api/v1/auth/me", headers=kursk), 401, "unauthenticated")
    assert_problem(
        client.post("/api/v1/auth/login", json={"username": "kursk", "password": PASSWORD}),
        401,
        "unauthenticated",
    )


def test_admin_creates_users_and_it_is_audited(client: TestClient, services: Services) -> None:
    make_user(services, "admin", Role.ADMIN)
    headers = login(client, "admin")
    reply = client.post(
        "/api/v1/users",
        headers=headers,
        json={
            "username": "belgorod",
            "password": "a-long-password",
            "role": "regional_coordinator",
            "scope": {"kind": "regions", "regions": ["RU-BEL"]},
        },
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["scope"]["regions"] == ["RU-BEL"]
    with services.db.unit_of_work(write=False) as uow:
        entries = uow.audit.page(target_type="user", target_id=str(reply.json()["id"]))
    assert [e.command for e in entries] == ["user.create"]
    assert entries[0].actor_name == "admin"


@pytest.mark.parametrize(
    ("body", "content_type", "status", "type_suffix", "detail"),
    [
        (
            b'{"username": "x", "password":',
            "application/json",
            400,
            "malformed-json",
            "not valid JSON",
        ),
        (
            b'{"username": 5, "password": "a-long-password", "role": "analyst", '
            b'"scope": {"kind": "all"}}',
            "application/json",
            422,
            "validation-error",
            "body.username",
        ),
        (
            b'{"username": "newbie", "password": "a-long-password", "role": "analyst", '
            b'"scope": {"kind": "all"}, "is_root": true}',
            "application/json",
            422,
            "validation-error",
            "body.is_root: unknown field",
        ),
        (
            b'{"username": "newbie", "password": "a-long-password", "role": "emperor", '
            b'"scope": {"kind": "all"}}',
            "application/json",
            422,
            "validation-error",
            "body.role",
        ),
        (
            b'{"username": "newbie", "password": "short", "role": "analyst", '
            b'"scope": {"kind": "all"}}',
            "application/json",
            422,
            "invalid",
            "at least 10 characters",
        ),
        (
            b'{"username": "newbie", "password": "a-long-password", "role": "analyst", '
            b'"scope": {"kind": "regions", "regions": []}}',
            "application/json",
            422,
            "invalid",
            "at least one region",
        ),
    ],
)
def test_bad_requests_get_problems_and_change_nothing(
    client: TestClient,
    services: Services,
    body: bytes,
    content_type: str,
    status: int,
    type_suffix: str,
    detail: str,
) -> None:
    make_user(services, "admin", Role.ADMIN)
    headers = login(client, "admin") | {"content-type": content_type}
    before = snapshot(services)
    reply = client.post("/api/v1/users", headers=headers, content=body)
    assert_problem(reply, status, type_suffix, detail)
    assert snapshot(services) == before


def test_oversize_body_is_413_and_changes_nothing(client: TestClient, services: Services) -> None:
    make_user(services, "admin", Role.ADMIN)
    headers = login(client, "admin") | {"content-type": "application/json"}
    before = snapshot(services)
    big = b'{"username": "huge", "display_name": "' + b"x" * 2_000_000 + b'"}'
    assert_problem(
        client.post("/api/v1/users", headers=headers, content=big), 413, "body-too-large", "limit"
    )
    assert snapshot(services) == before


@pytest.mark.parametrize(
    "header", ["Bearer nonsense", "Bearer mw_" + "A" * 43, "Basic abc", "Bearer"]
)
def test_bad_tokens_are_401_and_change_nothing(
    client: TestClient, services: Services, header: str
) -> None:
    make_user(services, "admin", Role.ADMIN)
    before = snapshot(services)
    reply = client.post(
        "/api/v1/users",
        headers={"Authorization": header},
        json={
            "username": "sneaky",
            "password": "a-long-password",
            "role": "admin",
            "scope": {"kind": "all"},
        },
    )
    assert_problem(reply, 401, "unauthenticated")
    assert reply.headers["www-authenticate"] == "Bearer"
    assert snapshot(services) == before


def test_brute_force_ends_in_lockout(
    client: TestClient, services: Services, clock: FixedClock
) -> None:
    make_user(services, "hq", Role.HQ_COMMANDER)
    lock_seconds = services.settings.login_lock_seconds
    statuses = []
    for i in range(50):
        reply = client.post("/api/v1/auth/login", json={"username": "hq", "password": f"guess-{i}"})
        statuses.append(reply.status_code)
        if reply.status_code == 429:
            assert int(reply.headers["retry-after"]) >= 1
        clock.advance(timedelta(seconds=5))  # an attacker retrying every five seconds
    assert 200 not in statuses
    assert statuses[-1] == 429
    # locked: the right password is refused too, until the lock ends
    reply = client.post("/api/v1/auth/login", json={"username": "hq", "password": PASSWORD})
    assert_problem(reply, 429, "login-throttled", "locked")
    clock.advance(timedelta(seconds=lock_seconds))
    assert login(client, "hq")
    # the attempts were counted per account: far fewer than 50 were checked
    assert statuses.count(401) <= services.settings.login_lock_after


def test_brute_force_across_accounts_locks_the_address(
    client: TestClient, services: Services, clock: FixedClock
) -> None:
    make_user(services, "victim", Role.ANALYST)
    for i in range(services.settings.login_lock_after):
        client.post("/api/v1/auth/login", json={"username": f"nobody{i}", "password": "x"})
        clock.advance(timedelta(seconds=61))
    reply = client.post("/api/v1/auth/login", json={"username": "victim", "password": PASSWORD})
    assert_problem(reply, 429, "login-throttled", "locked")


def test_health_and_openapi(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
    spec = client.get("/openapi.json").json()
    assert "/api/v1/auth/login" in spec["paths"]
    assert client.get("/docs").status_code == 200
    assert_problem(client.get("/api/v1/no-such-thing"), 404, "not-found", "/api/v1/no-such-thing")
    assert_problem(client.delete("/healthz"), 405, "method-not-allowed")
