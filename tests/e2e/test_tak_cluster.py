"""Two TAK gateways (``marchwarden tak serve``) and an API process on one PostgreSQL and
NATS: a position a device sends to gateway A reaches a device on gateway B and the
browser's stream on API node C (the hubs' poll is set to a minute: only the bus can
explain a fast delivery)."""

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
from tests.e2e.tak_support import CotClient, GatewayProcess, at, cli, enrol, gateway_env, sa
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
    make_user(svc, "admin", Role.ADMIN, Scope.all())
    svc.db.engine.dispose()
    common = {
        "MARCHWARDEN_BUS": "nats",
        "MARCHWARDEN_NATS_URL": os.environ.get("MARCHWARDEN_TEST_NATS", "nats://127.0.0.1:4222"),
        "MARCHWARDEN_STREAM_POLL_SECONDS": "60",
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
