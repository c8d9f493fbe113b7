"""End-to-end security checks against a real server process (issue 15, findings 5, 7, 8).

- a user disabled from the command line (another process) is refused on the very next
  request, and their open stream closes with 4401;
- the stream refuses after the handshake with its documented close codes, never with an
  HTTP 403 at the handshake;
- a chunked body over the limit is 413; NUL in a body, query or path is 422 and changes
  nothing.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import httpx
import pytest
import websockets

from tests.e2e.conftest import ADMIN_PASSWORD

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

PASSWORD = "a-long-password"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_analyst(server: Server, admin: str, name: str) -> str:
    reply = httpx.post(
        server.url + "/api/v1/users",
        headers=bearer(admin),
        json={"username": name, "password": PASSWORD, "role": "analyst", "scope": {"kind": "all"}},
        timeout=30,
    )
    assert reply.status_code == 201, reply.text
    return server.login(name, PASSWORD)


def test_cli_disable_revokes_at_once_in_the_server(server: Server) -> None:
    admin = server.login("admin", ADMIN_PASSWORD)
    token = make_analyst(server, admin, "leaver")
    stream_url = f"{server.ws_url}/api/v1/stream?token={token}"

    async def scenario() -> tuple[list[int], int | None]:
        statuses = []
        async with (
            httpx.AsyncClient(base_url=server.url, timeout=30) as client,
            websockets.connect(stream_url) as ws,
        ):
            for _ in range(3):  # the token is now in the server's cache
                statuses.append(
                    (await client.get("/api/v1/auth/me", headers=bearer(token))).status_code
                )
            done = await asyncio.to_thread(server.cli, "users", "disable", "leaver")
            assert done.returncode == 0, done.stdout + done.stderr
            # the very next request, sent the moment the command returned
            statuses.append(
                (await client.get("/api/v1/auth/me", headers=bearer(token))).status_code
            )
            try:
                while True:
                    await asyncio.wait_for(ws.recv(), 10)
            except websockets.ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else None
        return statuses, code

    statuses, close_code = asyncio.run(scenario())
    assert statuses == [200, 200, 200, 401]
    assert close_code == 4401


@pytest.mark.parametrize(
    ("query", "code"),
    [("token=mw_nonsense", 4401), ("", 4401), ("last_event_id=-1", 4400), ("auditor", 4403)],
)
def test_stream_refusals_are_close_codes_after_the_handshake(
    server: Server, query: str, code: int
) -> None:
    if query == "auditor":
        admin = server.login("admin", ADMIN_PASSWORD)
        made = httpx.post(
            server.url + "/api/v1/users",
            headers=bearer(admin),
            json={
                "username": "aud",
                "password": PASSWORD,
                "role": "auditor",
                "scope": {"kind": "all"},
            },
            timeout=30,
        )
        assert made.status_code == 201
        query = "token=" + server.login("aud", PASSWORD)
    elif query.startswith("last_event_id"):
        query = f"token={server.login('admin', ADMIN_PASSWORD)}&{query}"

    async def scenario() -> int | None:
        # the handshake succeeds (an HTTP refusal would raise InvalidStatus here)
        async with websockets.connect(f"{server.ws_url}/api/v1/stream?{query}") as ws:
            try:
                await asyncio.wait_for(ws.recv(), 10)
            except websockets.ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else None
        return None

    assert asyncio.run(scenario()) == code


def test_chunked_body_over_the_limit_is_413(server: Server) -> None:
    admin = server.login("admin", ADMIN_PASSWORD)

    def chunks() -> Iterator[bytes]:
        yield b'{"username": "big", "display_name": "'
        for _ in range(40):  # 40 × 64 KiB > the 1 MiB limit; no Content-Length is sent
            yield b"x" * 65536
        yield b'"}'

    reply = httpx.post(
        server.url + "/api/v1/users",
        headers=bearer(admin) | {"content-type": "application/json"},
        content=chunks(),
        timeout=30,
    )
    assert reply.status_code == 413, reply.text
    assert reply.headers["content-type"].startswith("application/problem+json")
    assert reply.json()["type"] == "/problems/body-too-large"


def test_nul_is_refused_everywhere_and_changes_nothing(server: Server) -> None:
    admin = server.login("admin", ADMIN_PASSWORD)
    users_before = httpx.get(server.url + "/api/v1/users", headers=bearer(admin), timeout=30).json()
    body = {
        "username": "nul",
        "display_name": "a\u0000b",
        "password": PASSWORD,
        "role": "analyst",
        "scope": {"kind": "all"},
    }
    for reply in (
        httpx.post(server.url + "/api/v1/users", headers=bearer(admin), json=body, timeout=30),
        httpx.get(server.url + "/api/v1/reports?order=a%00b", headers=bearer(admin), timeout=30),
        httpx.get(server.url + "/api/v1/acts/LSD%00", headers=bearer(admin), timeout=30),
    ):
        assert reply.status_code == 422, reply.text
        assert reply.json()["type"] == "/problems/invalid-text"
    users_after = httpx.get(server.url + "/api/v1/users", headers=bearer(admin), timeout=30).json()
    assert users_after == users_before
