"""Two TAK gateways (``marchwarden tak serve``) and an API process on one PostgreSQL and
NATS: a position a device sends to gateway A reaches a device on gateway B and the
browser's stream on API node C (the hubs' poll is set to a minute: only the bus can
explain a fast delivery); device-to-device traffic (SA, GeoChat, markers, directed
messages) crosses the gateways with the same visibility and no-echo rules as on one."""

from __future__ import annotations

import asyncio
import json
import os
from typing import TYPE_CHECKING

import pytest
import websockets

from marchwarden.bootstrap import build_services
from marchwarden.core.access.model import Role, Scope
from marchwarden.services import accounts
from tests.conftest import _pg_url, drop_pg_database, make_settings, pg_database
from tests.e2e.conftest import Server
from tests.e2e.tak_support import (
    CotClient,
    GatewayProcess,
    at,
    cli,
    enrol,
    event,
    gateway_env,
    sa,
    uid_is,
)
from tests.factories import PASSWORD, make_forces, make_user
from tests.integration.test_bus import make_bus

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = pytest.mark.e2e


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[GatewayProcess, GatewayProcess, Server, int]]:
    make_bus("nats", "probe")  # skips (or fails under CI) without a NATS server
    name = pg_database()
    url = _pg_url(name)
    svc = build_services(make_settings(url, tmp_path))
    ids = make_forces(svc)
    path = accounts.unit_path(svc, ids["krs_bn"])
    make_user(svc, "krs-phone", Role.UNIT_COMMANDER, Scope.of_unit(ids["krs_bn"], path))
    make_user(svc, "krs-ops", Role.REGIONAL_COORDINATOR, Scope.of_regions("RU-KRS"))
    bel_path = accounts.unit_path(svc, ids["bn2"])
    make_user(svc, "bel-phone", Role.UNIT_COMMANDER, Scope.of_unit(ids["bn2"], bel_path))
    make_user(svc, "admin", Role.ADMIN, Scope.all())
    svc.db.engine.dispose()
    common = {
        "MARCHWARDEN_BUS": "nats",
        "MARCHWARDEN_NATS_URL": os.environ.get("MARCHWARDEN_TEST_NATS", "nats://127.0.0.1:4222"),
        "MARCHWARDEN_STREAM_POLL_SECONDS": "60",
        # this cluster's own relay subject: gateways of other test runs on this NATS
        # are not its peers
        "MARCHWARDEN_TAK_RELAY_SUBJECT": f"marchwarden.test.{name}",
    }
    env = gateway_env(url, tmp_path, **common)
    made = cli(env, "tak", "ca", "init")
    assert made.returncode == 0, made.stderr
    a = GatewayProcess(
        env | {"MARCHWARDEN_AUDIT_ANCHOR_PATH": str(tmp_path / "a.anchor")}, tmp_path / "a.log"
    )
    b = GatewayProcess(
        env | {"MARCHWARDEN_AUDIT_ANCHOR_PATH": str(tmp_path / "b.anchor")}, tmp_path / "b.log"
    )
    c = Server(
        env=env | {"MARCHWARDEN_AUDIT_ANCHOR_PATH": str(tmp_path / "c.anchor")},
        log_path=tmp_path / "c.log",
    )
    a.start()
    b.start()
    c.start()
    try:
        yield a, b, c, ids["krs_bn"]
    finally:
        a.stop()
        b.stop()
        c.stop()
        drop_pg_database(name)


def test_a_position_through_gateway_a_reaches_gateway_b_and_the_api_stream(
    cluster: tuple[GatewayProcess, GatewayProcess, Server, int], tmp_path: Path
) -> None:
    a, b, c, unit_id = cluster
    ca = tmp_path / "tak-ca" / "ca.pem"
    phone_tls = enrol(a.ports["enrol"], ca, "krs-phone", PASSWORD, tmp_path / "phone")
    ops_tls = enrol(b.ports["enrol"], ca, "krs-ops", PASSWORD, tmp_path / "ops")
    token = c.login("admin", PASSWORD)

    async def scenario() -> None:
        async with websockets.connect(f"{c.ws_url}/api/v1/stream?token={token}") as ws:
            phone = await CotClient.pytak(f"tls://127.0.0.1:{a.ports['tls']}", **phone_tls)
            ops = await CotClient.pytak(f"tls://127.0.0.1:{b.ports['tls']}", **ops_tls)
            await ops.settle(0.5)
            await phone.send(sa("KRS-PHONE-1", "KURSK-1", 51.31, 35.77))
            await ops.wait_for(at(f"mw.unit.{unit_id}", "51.3100000"), timeout=10)
            while True:
                msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if msg["type"] == "UnitPositionUpdated":
                    assert msg["data"]["unit_id"] == unit_id
                    assert (msg["data"]["lon"], msg["data"]["lat"]) == (35.77, 51.31)
                    break
            await phone.close()
            await ops.close()

    asyncio.run(scenario())


def test_device_traffic_crosses_gateways_with_the_same_rules(
    cluster: tuple[GatewayProcess, GatewayProcess, Server, int], tmp_path: Path
) -> None:
    a, b, _, _ = cluster
    ca = tmp_path / "tak-ca" / "ca.pem"
    krs_tls = enrol(a.ports["enrol"], ca, "krs-phone", PASSWORD, tmp_path / "krs")
    ops_tls = enrol(b.ports["enrol"], ca, "krs-ops", PASSWORD, tmp_path / "ops")
    bel_tls = enrol(b.ports["enrol"], ca, "bel-phone", PASSWORD, tmp_path / "bel")
    chat = (
        '<__chat chatroom="All Chat Rooms" id="All Chat Rooms" senderCallsign="ALPHA"/>'
        "<remarks>hello all</remarks>"
    )

    async def anonymous_devices() -> None:
        # plain TCP, no account: ALPHA on gateway A, BRAVO and CHARLIE on gateway B
        x = await CotClient.connect(a.ports["tcp"])
        y, z = [await CotClient.connect(b.ports["tcp"]) for _ in range(2)]
        await y.send(sa("Y", "BRAVO"))
        await z.send(sa("Z", "CHARLIE"))
        await x.wait_for(uid_is("Z"), timeout=10)  # B's devices' SA reached A
        await x.send(sa("X", "ALPHA"))
        await y.wait_for(uid_is("X"), timeout=10)
        await z.wait_for(uid_is("X"), timeout=10)
        # GeoChat to all: every device on B, never back to its sender
        await x.send(event("GeoChat.X.All Chat Rooms.1", "b-t-f", detail=chat))
        await y.wait_for(uid_is("GeoChat.X.All Chat Rooms.1"), timeout=10)
        await z.wait_for(uid_is("GeoChat.X.All Chat Rooms.1"), timeout=10)
        # directed to BRAVO by callsign: only BRAVO, on the other gateway
        to_bravo = '<marti><dest callsign="BRAVO"/></marti><remarks>for bravo</remarks>'
        await x.send(event("marker-to-bravo", "b-m-p-w", detail=to_bravo))
        await y.wait_for(uid_is("marker-to-bravo"), timeout=10)
        # a device joining B later gets ALPHA's latest SA, relayed from A, at once
        w = await CotClient.connect(b.ports["tcp"])
        await w.wait_for(uid_is("X"), timeout=10)
        await z.settle(0.5)
        await x.settle(0.5)
        assert "marker-to-bravo" not in z.uids()
        assert "GeoChat.X.All Chat Rooms.1" not in x.uids()
        assert "X" not in x.uids()
        # ALPHA signs off: B's devices are told, and a later joiner no longer gets its SA
        await x.send(event("X", "t-x-d-d"))
        await y.wait_for(lambda e: e.get("uid") == "X" and e.get("type") == "t-x-d-d", 10)
        v = await CotClient.connect(b.ports["tcp"])
        await v.settle(1.0)
        assert "X" not in v.uids()
        for c in (x, y, z, w, v):
            await c.close()

    async def account_devices() -> None:
        # a Kursk phone on A; on B a Kursk coordinator (may read the Kursk unit), a
        # Belgorod phone (may not) and an anonymous device (gets no account's traffic)
        phone = await CotClient.pytak(f"tls://127.0.0.1:{a.ports['tls']}", **krs_tls)
        ops = await CotClient.pytak(f"tls://127.0.0.1:{b.ports['tls']}", **ops_tls)
        bel = await CotClient.pytak(f"tls://127.0.0.1:{b.ports['tls']}", **bel_tls)
        anon = await CotClient.connect(b.ports["tcp"])
        await ops.settle(0.5)
        await phone.send(sa("KRS-PHONE-1", "KURSK-1", 51.31, 35.77))
        await phone.send(event("krs-waypoint", "b-m-p-w", detail="<remarks>ford</remarks>"))
        await ops.wait_for(uid_is("KRS-PHONE-1"), timeout=10)
        await ops.wait_for(uid_is("krs-waypoint"), timeout=10)
        await bel.settle(1.0)
        await anon.settle(0.2)
        for other in (bel, anon):
            assert "KRS-PHONE-1" not in other.uids()
            assert "krs-waypoint" not in other.uids()
        await phone.settle(0.2)
        assert "krs-waypoint" not in phone.uids()
        for c in (phone, ops, bel, anon):
            await c.close()

    asyncio.run(anonymous_devices())
    asyncio.run(account_devices())
