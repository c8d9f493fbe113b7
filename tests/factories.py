"""Builders of test data through the public services (never by writing rows directly)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from marchwarden.core.access.model import Role, Scope, User
from marchwarden.services import accounts

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from marchwarden.services.context import Services

PASSWORD = "correct-horse-battery"


def make_user(
    svc: Services, username: str, role: Role = Role.ADMIN, scope: Scope | None = None
) -> User:
    return accounts.create_user(
        svc,
        None,
        username=username,
        display_name=username,
        password=PASSWORD,
        role=role,
        scope=scope or Scope.all(),
    )


def login(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    reply = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}
