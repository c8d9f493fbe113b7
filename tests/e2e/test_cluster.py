"""Two API processes sharing PostgreSQL and NATS: an event committed through one reaches
a stream subscriber of the other at once (the hub's poll is set to a minute, so only the
bus can explain a fast delivery)."""

from __future__ import annotations

import asyncio
import json
import os
import time
from typing import TYPE_CHECKING

import httpx
import pytest
import websockets

from tests.e2e.conftest import ADMIN_PASSWORD, Server, two_api_servers
from tests.integration.test_bus import make_bus

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = pytest.mark.e2e


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    make_bus("nats", "probe")  # skips (or fails under CI) without a NATS server
    nats_url = os.environ.get("MARCHWARDEN_TEST_NATS", "nats://127.0.0.1:4222")
    with two_api_servers(tmp_path, nats_url) as pair:
        yield pair


def test_event_through_one_process_streams_from_the_other(cluster: tuple[Server, Server]) -> None:
    a, b = cluster
    token = a.login("admin", ADMIN_PASSWORD)

    async def scenario() -> tuple[dict[str, object], float]:
        async with websockets.connect(f"{b.ws_url}/api/v1/stream?token={token}") as ws:
            await asyncio.sleep(0.3)
            started = time.monotonic()
            reply = await asyncio.to_thread(
                httpx.post,
                a.url + "/api/v1/users",
                headers={"Authorization": f"Bearer {token}"},
                json={
                    "username": "via-a",
                    "password": "a-long-password",
                    "role": "analyst",
                    "scope": {"kind": "all"},
                },
                timeout=10,
            )
            assert reply.status_code == 201
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            return message, time.monotonic() - started

    message, elapsed = asyncio.run(scenario())
    assert message["type"] == "UserCreated"
    assert message["data"]["username"] == "via-a"  # type: ignore[index]
    assert elapsed < 5  # far below the 60 s poll: the NATS notification delivered it
