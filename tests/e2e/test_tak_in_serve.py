"""The TAK gateway inside ``marchwarden serve`` (``MARCHWARDEN_TAK_ENABLED``), plain TCP
with ``tak_anonymous_user``: a device gets the picture of that account."""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import ADMIN_PASSWORD, Server, free_port
from tests.e2e.tak_support import CotClient, event, sa, type_is, uid_is

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = pytest.mark.e2e


@pytest.fixture
def server_with_tak(database_url: str, tmp_path: Path) -> Iterator[tuple[Server, int]]:
    tcp = free_port()
    env = dict(os.environ)
    env.update(
        {
            "MARCHWARDEN_ENVIRONMENT": "test",
            "MARCHWARDEN_SECRET_KEY": "test-secret-" + "x" * 32,
            "MARCHWARDEN_DATABASE_URL": database_url,
            "MARCHWARDEN_AUDIT_ANCHOR_PATH": str(tmp_path / "audit.anchor"),
            "MARCHWARDEN_ARGON2_TIME_COST": "1",
            "MARCHWARDEN_ARGON2_MEMORY_KIB": "1024",
            "MARCHWARDEN_TAK_ENABLED": "true",
            "MARCHWARDEN_TAK_TCP_PORT": str(tcp),
            "MARCHWARDEN_TAK_CA_DIR": str(tmp_path / "no-ca-here"),
            "MARCHWARDEN_TAK_ANONYMOUS_USER": "admin",
        }
    )
    srv = Server(env=env, log_path=tmp_path / "server.log")
    made = srv.cli(
        "users", "add", "admin", "--role", "admin", "--password-stdin", stdin=ADMIN_PASSWORD + "\n"
    )
    assert made.returncode == 0, made.stdout + made.stderr
    srv.start()
    yield srv, tcp
    srv.stop()


def test_serve_runs_the_gateway_when_enabled(server_with_tak: tuple[Server, int]) -> None:
    srv, tcp = server_with_tak

    async def scenario() -> None:
        device = await CotClient.pytak(f"tcp://127.0.0.1:{tcp}")
        await device.wait_for(uid_is("marchwarden-hq"))  # the bridge's picture, as admin
        await device.send(event("takPing", "t-x-c-t"))
        await device.wait_for(type_is("t-x-c-t-r"))
        await device.close()

    asyncio.run(scenario())
    log = srv.log_path.read_text()
    assert "TLS and enrolment are off" in log  # no CA: said so, and the rest runs


def test_hq_chat_through_the_api_reaches_the_units_devices(
    database_url: str, tmp_path: Path
) -> None:
    import httpx

    from marchwarden.bootstrap import build_services
    from marchwarden.core.access.model import Role, Scope
    from marchwarden.services import accounts
    from tests.conftest import make_settings
    from tests.e2e.tak_support import enrol
    from tests.factories import PASSWORD, make_forces, make_user

    svc = build_services(make_settings(database_url, tmp_path))
    ids = make_forces(svc)
    path = accounts.unit_path(svc, ids["krs_bn"])
    make_user(svc, "krs-phone", Role.UNIT_COMMANDER, Scope.of_unit(ids["krs_bn"], path))
    bel_path = accounts.unit_path(svc, ids["bn2"])
    make_user(svc, "bel-phone", Role.UNIT_COMMANDER, Scope.of_unit(ids["bn2"], bel_path))
    make_user(svc, "hq", Role.HQ_COMMANDER, Scope.all())
    make_user(svc, "bel-coord", Role.REGIONAL_COORDINATOR, Scope.of_regions("RU-BEL"))
    svc.db.engine.dispose()
    tls_port, enrol_port = free_port(), free_port()
    env = dict(os.environ)
    env.update(
        {
            "MARCHWARDEN_ENVIRONMENT": "test",
            "MARCHWARDEN_SECRET_KEY": "test-secret-" + "x" * 32,
            "MARCHWARDEN_DATABASE_URL": database_url,
            "MARCHWARDEN_AUDIT_ANCHOR_PATH": str(tmp_path / "audit.anchor"),
            "MARCHWARDEN_ARGON2_TIME_COST": "1",
            "MARCHWARDEN_ARGON2_MEMORY_KIB": "1024",
            "MARCHWARDEN_TAK_ENABLED": "true",
            "MARCHWARDEN_TAK_TCP_PORT": str(free_port()),
            "MARCHWARDEN_TAK_TLS_PORT": str(tls_port),
            "MARCHWARDEN_TAK_ENROL_PORT": str(enrol_port),
            "MARCHWARDEN_TAK_CA_DIR": str(tmp_path / "ca"),
        }
    )
    srv = Server(env=env, log_path=tmp_path / "server.log")
    made = srv.cli("tak", "ca", "init")
    assert made.returncode == 0, made.stderr
    srv.start()
    try:
        ca = tmp_path / "ca" / "ca.pem"
        krs_tls = enrol(enrol_port, ca, "krs-phone", PASSWORD, tmp_path / "krs")
        bel_tls = enrol(enrol_port, ca, "bel-phone", PASSWORD, tmp_path / "bel")
        hq = {"Authorization": f"Bearer {srv.login('hq', PASSWORD)}"}
        coord = {"Authorization": f"Bearer {srv.login('bel-coord', PASSWORD)}"}
        url = f"{srv.url}/api/v1/units/{ids['krs_bn']}/tak-chat"

        async def scenario() -> None:
            krs = await CotClient.pytak(f"tls://127.0.0.1:{tls_port}", **krs_tls)
            bel = await CotClient.pytak(f"tls://127.0.0.1:{tls_port}", **bel_tls)
            await krs.send(sa("KRS-PHONE-1", "KURSK-1"))  # the device says who it is
            await bel.send(sa("BEL-PHONE-1", "BELGOROD-1"))
            await krs.settle(0.5)
            # a Belgorod coordinator may not message a Kursk unit; nothing is sent
            refused = await asyncio.to_thread(
                httpx.post, url, json={"text": "not yours"}, headers=coord
            )
            assert refused.status_code == 403, refused.text
            bad = await asyncio.to_thread(httpx.post, url, json={"text": ""}, headers=hq)
            assert bad.status_code == 422
            sent = await asyncio.to_thread(
                httpx.post, url, json={"text": "hold at the bridge"}, headers=hq
            )
            assert sent.status_code == 202, sent.text
            got = await krs.wait_for(type_is("b-t-f"), timeout=10)
            assert "hold at the bridge (hq)" in (got.findtext("detail/remarks") or "")
            await bel.settle(1.0)
            assert bel.uids("b-t-f") == []
            assert [
                e.findtext("detail/remarks") for e in krs.events if e.get("type") == "b-t-f"
            ] == [got.findtext("detail/remarks")]
            await krs.close()
            await bel.close()

        asyncio.run(scenario())
    finally:
        srv.stop()
