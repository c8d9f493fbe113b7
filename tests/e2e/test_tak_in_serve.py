"""The TAK gateway inside ``marchwarden serve`` (``MARCHWARDEN_TAK_ENABLED``), plain TCP
with ``tak_anonymous_user``: a device gets the picture of that account."""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import ADMIN_PASSWORD, Server, free_port
from tests.e2e.tak_support import CotClient, event, type_is, uid_is

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
