"""Shared set-up of the alert tests: users, a valid alert body, CAP readers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from marchwarden.core.access.model import Role, Scope
from tests.factories import login, make_user
from tests.integration.command_support import GRAYVORON_AREA

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from marchwarden.services.context import Services

EXPIRES = "2026-11-26T20:00:00+00:00"  # the FixedClock stands at 2026-11-26T12:00Z


def alert_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event": "Cross-border incursion",
        "severity": "Severe",
        "instruction": "shelter_in_place",
        "infos": [
            {
                "language": "ru",
                "headline": "Вторжение: укройтесь",
                "description": "Бой у Грайворона",
                "instruction": "Укройтесь в подвале",
            },
            {
                "language": "en",
                "headline": "Incursion: take shelter",
                "description": "Fighting near Grayvoron",
                "instruction": "Take shelter in a basement",
            },
        ],
        "area": {"kind": "polygon", "ring": GRAYVORON_AREA},
        "expires": EXPIRES,
    }
    body.update(overrides)
    return body


def alert_users(client: TestClient, services: Services) -> dict[str, dict[str, str]]:
    users = {
        "hq": (Role.HQ_COMMANDER, Scope.all()),
        "hq2": (Role.HQ_COMMANDER, Scope.all()),
        "belgorod": (Role.REGIONAL_COORDINATOR, Scope.of_regions("RU-BEL")),
        "kursk": (Role.REGIONAL_COORDINATOR, Scope.of_regions("RU-KRS")),
        "analyst": (Role.ANALYST, Scope.all()),
    }
    for name, (role, scope) in users.items():
        make_user(services, name, role, scope)
    return {name: login(client, name) for name in users}


def issue(client: TestClient, h: dict[str, dict[str, str]], **overrides: Any) -> dict[str, Any]:
    """Draft (hq), approve (hq2), publish (hq): the published alert."""
    reply = client.post("/api/v1/alerts", json=alert_body(**overrides), headers=h["hq"])
    assert reply.status_code == 201, reply.text
    alert_id = reply.json()["id"]
    reply = client.post(f"/api/v1/alerts/{alert_id}/approve", headers=h["hq2"])
    assert reply.status_code == 200, reply.text
    reply = client.post(f"/api/v1/alerts/{alert_id}/publish", headers=h["hq"])
    assert reply.status_code == 200, reply.text
    result: dict[str, Any] = reply.json()
    return result
