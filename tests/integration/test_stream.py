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


def refusal(client: TestClient, query: str) -> WebSocketDisconnect:
    """How the stream refuses ``query``: its close, after the handshake."""
    with (
        pytest.raises(WebSocketDisconnect) as info,
        client.websocket_connect(f"/api/v1/stream?{query}") as ws,
    ):
        ws.receive_text()
    return info.value


def test_role_without_stream_is_refused(client: TestClient, services: Services) -> None:
    make_user(services, "auditor", Role.AUDITOR)
    tok = token(login(client, "auditor"))
    assert refusal(client, f"token={tok}").code == 4403


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("last_event_id=-3", "last_event_id must be a whole number from 0 to"),
        ("compact=1", "compact=1 needs batch=1"),
        ("compact=1&batch=0", "compact=1 needs batch=1"),
    ],
)
def test_a_bad_query_is_refused(
    client: TestClient, services: Services, query: str, reason: str
) -> None:
    make_user(services, "hq", Role.HQ_COMMANDER)
    tok = token(login(client, "hq"))
    closed = refusal(client, f"token={tok}&{query}")
    assert closed.code == 4400
    assert closed.reason.startswith(reason)


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
    # compact: the same events, each position as its row [id, unit_id, lon, lat, at]
    with client.websocket_connect(url + "&compact=1") as ws:
        compact = json.loads(ws.receive_text())
    assert compact[0] == got[0]  # any other event stays its message
    assert compact[1:] == [
        [m["id"], m["data"]["unit_id"], m["data"]["lon"], m["data"]["lat"], m["data"]["at"]]
        for m in got[1:]
    ]
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


def test_the_hub_dispatches_at_most_once_per_interval_and_builds_a_groups_message_once(
    services: Services,
) -> None:
    """Under load the hub dispatches at most once per ``interval_seconds``: events
    committed meanwhile reach each subscriber together, as one chunk shared by the
    subscribers that see the same events, whose batched message is built once. A quiet
    stream's first event goes at once. A scoped subscriber gets nothing it may not see."""
    import asyncio
    import time

    from marchwarden.services.stream import StreamHub

    hq = Role.HQ_COMMANDER
    a = make_user(services, "hq-a", hq).principal()
    b = make_user(services, "hq-b", hq).principal()
    krs = make_user(
        services, "krs", Role.REGIONAL_COORDINATOR, Scope.of_regions("RU-KRS")
    ).principal()

    async def scenario() -> None:
        hub = StreamHub(services.db, poll_seconds=60, interval_seconds=0.5)
        await hub.start()
        try:
            subs = [await hub.subscribe(p, None) for p in (a, b, krs)]
            emit(services, 1)
            started = time.monotonic()
            hub.notify(hub.last_id + 1)
            await asyncio.wait_for(subs[0].wait(), 5)
            assert time.monotonic() - started < 0.4  # the first goes at once
            assert [len(c.events) for c in subs[0].pending] == [1]
            first = [s.take_batch(100) for s in subs[:2]]
            for n in (2, 3, 4):
                emit(services, n)
                hub.notify(hub.last_id + n)
                await asyncio.sleep(0.05)
            assert not subs[0].pending  # within the interval: nothing dispatched yet
            await asyncio.wait_for(subs[0].wait(), 5)
            assert time.monotonic() - started >= 0.45
            assert [len(c.events) for c in subs[0].pending] == [3]  # one chunk of three
            assert subs[0].pending[0] is subs[1].pending[0]
            second = [s.take_batch(100) for s in subs[:2]]
            assert second[0] is second[1]  # built once for the group
            assert [m["data"]["n"] for m in json.loads(second[0])] == [2, 3, 4]
            assert json.loads(first[0])[0]["data"]["n"] == 1
            assert not subs[2].pending and subs[2].backlog == 0  # RU-BEL is out of scope
            assert subs[0].backlog == subs[1].backlog == 0
        finally:
            await hub.stop()

    asyncio.run(scenario())


def test_a_subscriber_takes_across_and_within_chunks_in_order(services: Services) -> None:
    """``take`` hands at most ``most`` events, oldest first, splitting a chunk when it
    must; ``take_batch`` of several chunks merges them (each unit's newest position)."""
    from datetime import UTC, datetime

    from marchwarden.services.ports import StoredEvent
    from marchwarden.services.stream import Subscriber

    def ev(n: int, unit: int | None = None) -> StoredEvent:
        kind = "UnitPositionUpdated" if unit is not None else "Happened"
        payload: dict[str, Any] = (
            {"n": n}
            if unit is None
            else {"unit_id": unit, "lon": 36.0, "lat": 50.0, "at": "2026-12-05T00:00:00+00:00"}
        )
        return StoredEvent(
            id=n,
            type=kind,
            at=datetime(2026, 12, 5, tzinfo=UTC),
            payload=payload,
            resource={},
            read_action="incident.read",
        )

    sub = Subscriber(make_user(services, "hq", Role.HQ_COMMANDER).principal(), cursor=0)
    sub.offer_many([ev(1), ev(2), ev(3)])
    sub.offer_many([ev(4), ev(5)])
    sub.offer_many([ev(5), ev(6)])  # 5 again: at or below the cursor, not sent twice
    assert sub.backlog == 6
    assert [e.id for e in sub.take(2)] == [1, 2]
    assert [e.id for e in sub.take(3)] == [3, 4, 5]
    assert sub.backlog == 1
    sub.offer_many([ev(7, unit=9), ev(8, unit=9)])
    got = json.loads(sub.take_batch(100))
    assert [m["id"] for m in got] == [6, 8]  # 7 is superseded by 8, the same unit's newer
    assert sub.backlog == 0 and not sub.pending
    # compact, across chunks: the same merge, a position as its row
    sub.offer_many([ev(9), ev(10, unit=9), ev(11, unit=4)])
    sub.offer_many([ev(12, unit=9)])
    at = "2026-12-05T00:00:00+00:00"
    assert json.loads(sub.take_batch(100, compact=True)) == [
        {"id": 9, "type": "Happened", "at": at, "data": {"n": 9}},
        [11, 4, 36.0, 50.0, at],
        [12, 9, 36.0, 50.0, at],
    ]
