"""The live stream: scope filtering, resume without loss or duplicates."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from starlette.websockets import WebSocketDisconnect

from marchwarden.core.access.model import Role, Scope
from marchwarden.core.events import AuditFacts, DomainEvent
from tests.factories import login, make_user

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
    from starlette.testclient import WebSocketTestSession

    from marchwarden.services.context import Services

import dataclasses

from marchwarden.core.access.model import Resource
from marchwarden.core.access.policy import Action


@dataclasses.dataclass(frozen=True, kw_only=True)
class Happened(DomainEvent):
    """A test event about a place, readable with incident.read."""

    read_action = Action.INCIDENT_READ
    n: int
    region: str

    def resource(self) -> Resource:
        return Resource("incident", region=self.region)

    def audit(self) -> AuditFacts:
        return AuditFacts("test.happen", "test", self.n, {"n": self.n})


def emit(svc: Services, n: int, region: str = "RU-BEL") -> None:
    with svc.db.unit_of_work() as uow:
        uow.record(None, [Happened(n=n, region=region)], at=svc.clock.now())
        uow.commit()


def token(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def receive_n(ws: WebSocketTestSession, n: int) -> list[dict[str, Any]]:
    return [json.loads(ws.receive_text()) for _ in range(n)]


def test_live_events_in_order(client: TestClient, services: Services) -> None:
    make_user(services, "hq", Role.HQ_COMMANDER)
    tok = token(login(client, "hq"))
    with client.websocket_connect(f"/api/v1/stream?token={tok}") as ws:
        for n in range(5):
            emit(services, n)
        got = receive_n(ws, 5)
    assert [m["data"]["n"] for m in got] == [0, 1, 2, 3, 4]
    assert all(m["type"] == "Happened" for m in got)
    ids = [m["id"] for m in got]
    assert ids == sorted(ids)


def test_resume_after_disconnect_no_loss_no_duplicates(
    client: TestClient, services: Services
) -> None:
    make_user(services, "hq", Role.HQ_COMMANDER)
    tok = token(login(client, "hq"))
    with client.websocket_connect(f"/api/v1/stream?token={tok}") as ws:
        emit(services, 1)
        emit(services, 2)
        first = receive_n(ws, 2)
    last_id = first[-1]["id"]
    for n in range(3, 1203):  # produced while the client is away: more than one page
        emit(services, n)
    with client.websocket_connect(f"/api/v1/stream?token={tok}&last_event_id={last_id}") as ws:
        missed = receive_n(ws, 1200)
        emit(services, 9999)
        live = receive_n(ws, 1)
    ns = [m["data"]["n"] for m in missed]
    assert ns == list(range(3, 1203))
    assert len({m["id"] for m in missed}) == 1200
    assert live[0]["data"]["n"] == 9999
    assert live[0]["id"] > missed[-1]["id"]


def test_subscriber_never_sees_events_outside_its_scope(
    client: TestClient, services: Services
) -> None:
    make_user(services, "kursk", Role.REGIONAL_COORDINATOR, Scope.of_regions("RU-KRS"))
    make_user(services, "hq", Role.HQ_COMMANDER)
    kursk = token(login(client, "kursk"))
    hq = token(login(client, "hq"))
    emit(services, 0, "RU-BEL")  # before connecting: replayed only where visible
    with (
        client.websocket_connect(f"/api/v1/stream?token={kursk}&last_event_id=0") as k_ws,
        client.websocket_connect(f"/api/v1/stream?token={hq}&last_event_id=0") as h_ws,
    ):
        for n, region in enumerate(["RU-BEL", "RU-KRS", "RU-BEL", "RU-BRY", "RU-KRS"], 1):
            emit(services, n, region)
        hq_got = receive_n(h_ws, 6)
        kursk_got = receive_n(k_ws, 2)
        emit(services, 100, "RU-KRS")  # a marker: nothing else may arrive before it
        marker = receive_n(k_ws, 1)
    # the login events (UserCreated) are audit-only: nobody below admin/auditor sees them
    assert [m["data"]["n"] for m in hq_got] == [0, 1, 2, 3, 4, 5]
    assert [m["data"]["n"] for m in kursk_got] == [2, 5]
    assert [m["data"]["region"] for m in kursk_got] == ["RU-KRS", "RU-KRS"]
    assert marker[0]["data"]["n"] == 100


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("token=nonsense", 4401),
        ("", 4401),
    ],
)
def test_bad_token_is_refused(client: TestClient, query: str, code: int) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as info,
        client.websocket_connect(f"/api/v1/stream?{query}") as ws,
    ):
        ws.receive_text()
    assert info.value.code == code


def test_role_without_stream_is_refused(client: TestClient, services: Services) -> None:
    make_user(services, "auditor", Role.AUDITOR)
    tok = token(login(client, "auditor"))
    with (
        pytest.raises(WebSocketDisconnect) as info,
        client.websocket_connect(f"/api/v1/stream?token={tok}") as ws,
    ):
        ws.receive_text()
    assert info.value.code == 4403


def test_bad_last_event_id_is_refused(client: TestClient, services: Services) -> None:
    make_user(services, "hq", Role.HQ_COMMANDER)
    tok = token(login(client, "hq"))
    with (
        pytest.raises(WebSocketDisconnect) as info,
        client.websocket_connect(f"/api/v1/stream?token={tok}&last_event_id=-3") as ws,
    ):
        ws.receive_text()
    assert info.value.code == 4400


def test_a_batched_stream_sends_what_waits_in_one_message_with_each_units_newest_position(
    client: TestClient, services: Services
) -> None:
    from marchwarden.services import forces
    from tests.factories import make_forces

    ids = make_forces(services)
    make_user(services, "hq", Role.HQ_COMMANDER)
    tok = token(login(client, "hq"))
    with services.db.unit_of_work(write=False) as uow:
        before = uow.events.last_id()
    unit, other = ids["co1"], ids["co2"]
    forces.report_position(services, None, unit, lon=36.1, lat=50.1)
    emit(services, 1)
    forces.report_position(services, None, other, lon=36.5, lat=50.5)
    forces.report_position(services, None, unit, lon=36.2, lat=50.2)
    forces.report_position(services, None, unit, lon=36.3, lat=50.3)
    url = f"/api/v1/stream?batch=1&token={tok}&last_event_id={before}"
    with client.websocket_connect(url) as ws:
        got = json.loads(ws.receive_text())
    assert isinstance(got, list)
    assert [(m["type"], m["data"].get("unit_id"), m["data"].get("lat")) for m in got] == [
        ("Happened", None, None),
        ("UnitPositionUpdated", other, 50.5),
        ("UnitPositionUpdated", unit, 50.3),  # its two older positions are superseded
    ]
    ids_sent = [m["id"] for m in got]
    assert ids_sent == sorted(ids_sent)
    # the history keeps every position
    assert [p.lat for p in forces.positions(services, login_principal(services), unit)] == [
        50.3,
        50.2,
        50.1,
    ]


def login_principal(services: Services) -> Any:
    from marchwarden.services import accounts
    from tests.factories import PASSWORD

    return accounts.login(
        services, username="hq", password=PASSWORD, address="test"
    ).user.principal()
