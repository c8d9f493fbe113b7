"""End-to-end: HTTP and WebSocket to a real server process."""

from __future__ import annotations

import asyncio
import json
import signal
import threading
import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import websockets

from tests.e2e.conftest import ADMIN_PASSWORD

if TYPE_CHECKING:
    from pathlib import Path

    from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e


def create_user(srv: Server, token: str, name: str) -> httpx.Response:
    return httpx.post(
        srv.url + "/api/v1/users",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "username": name,
            "password": "a-long-password",
            "role": "analyst",
            "scope": {"kind": "all"},
        },
        timeout=30,
    )


async def read_events(url: str, n: int, timeout: float = 20) -> list[dict[str, Any]]:
    async with websockets.connect(url) as ws:
        return [json.loads(await asyncio.wait_for(ws.recv(), timeout)) for _ in range(n)]


def test_http_and_stream_with_resume(server: Server) -> None:
    token = server.login("admin", ADMIN_PASSWORD)
    stream = f"{server.ws_url}/api/v1/stream?token={token}"

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        async with websockets.connect(stream) as ws:
            await asyncio.to_thread(create_user, server, token, "first")
            first = [json.loads(await asyncio.wait_for(ws.recv(), 20))]
        # while disconnected
        for i in range(5):
            reply = await asyncio.to_thread(create_user, server, token, f"missed{i}")
            assert reply.status_code == 201
        resumed = await read_events(f"{stream}&last_event_id={first[0]['id']}", 5)
        return first, resumed

    first, resumed = asyncio.run(scenario())
    assert first[0]["type"] == "UserCreated" and first[0]["data"]["username"] == "first"
    assert [m["data"]["username"] for m in resumed] == [f"missed{i}" for i in range(5)]
    ids = [m["id"] for m in resumed]
    assert ids == sorted(set(ids)) and ids[0] > first[0]["id"]


def test_stream_compression_follows_the_setting(server: Server) -> None:
    """permessage-deflate is agreed when the client offers it, unless
    ``MARCHWARDEN_WS_COMPRESSION`` is false (a LAN server feeding many live maps spares the
    CPU of compressing every message for every subscriber)."""
    token = server.login("admin", ADMIN_PASSWORD)
    stream = f"{server.ws_url}/api/v1/stream?token={token}"

    async def agreed() -> str:
        async with websockets.connect(stream) as ws:  # offers permessage-deflate
            assert ws.response is not None
            return str(ws.response.headers.get("Sec-WebSocket-Extensions", ""))

    assert "permessage-deflate" in asyncio.run(agreed())
    server.stop()
    server.env["MARCHWARDEN_WS_COMPRESSION"] = "false"
    server.start()
    token = server.login("admin", ADMIN_PASSWORD)
    stream = f"{server.ws_url}/api/v1/stream?token={token}"
    assert asyncio.run(agreed()) == ""


def test_a_compact_batched_stream_carries_positions_as_rows(server: Server) -> None:
    """``?batch=1&compact=1`` through a real server: positions posted over HTTP arrive as
    rows ``[id, unit_id, lon, lat, at]``, a unit's newest only, in id order; any other
    event stays its message; a unit's older positions that arrive in the same message
    are left out; the full stream carries the same events as objects."""
    token = server.login("admin", ADMIN_PASSWORD)
    h = {"Authorization": f"Bearer {token}"}
    api = server.url + "/api/v1"
    agency = httpx.post(
        api + "/agencies",
        headers=h,
        json={"code": "E2E", "name": "E2E army", "kind": "army", "region": "RU-BEL"},
        timeout=10,
    )
    assert agency.status_code == 201, agency.text
    units = []
    for code in ("E2E-1", "E2E-2"):
        reply = httpx.post(
            api + "/units",
            headers=h,
            json={
                "code": code,
                "name": code,
                "agency_id": agency.json()["id"],
                "category": "infantry",
                "region": "RU-BEL",
                "home": {"lon": 36.5, "lat": 50.6},
            },
            timeout=10,
        )
        assert reply.status_code == 201, reply.text
        units.append(reply.json()["id"])
    before = httpx.get(api + "/stream/position", headers=h, timeout=10).json()["last_event_id"]
    sent = [(units[0], 36.1, 50.1), (units[1], 36.2, 50.2), (units[0], 36.3, 50.3)]
    for unit, lon, lat in sent:
        reply = httpx.post(
            f"{api}/units/{unit}/positions", headers=h, json={"lon": lon, "lat": lat}, timeout=10
        )
        assert reply.status_code == 200, reply.text
    create_user(server, token, "after-positions")
    stream = f"{server.ws_url}/api/v1/stream?token={token}&last_event_id={before}&batch=1"

    async def read_all(url: str) -> list[Any]:
        got: list[Any] = []
        async with websockets.connect(url) as ws:
            while not any(isinstance(m, dict) and m["type"] == "UserCreated" for m in got):
                got.extend(json.loads(await asyncio.wait_for(ws.recv(), 20)))
        return got

    full = asyncio.run(read_all(stream))
    compact = asyncio.run(read_all(stream + "&compact=1"))
    rows = [m for m in compact if isinstance(m, list)]
    assert [(r[1], r[2], r[3]) for r in rows] == [(units[1], 36.2, 50.2), (units[0], 36.3, 50.3)]
    positions = [m for m in full if m["type"] == "UnitPositionUpdated"]
    assert rows == [
        [m["id"], m["data"]["unit_id"], m["data"]["lon"], m["data"]["lat"], m["data"]["at"]]
        for m in positions
    ]
    others = [m for m in compact if isinstance(m, dict)]
    assert others == [m for m in full if m["type"] != "UnitPositionUpdated"]
    ids = [m[0] if isinstance(m, list) else m["id"] for m in compact]
    assert ids == sorted(ids)


def test_a_server_whose_port_another_took_starts_on_a_port_of_its_own(
    server: Server, tmp_path: Path
) -> None:
    """The harness picks a free port before the server starts, so another test's server
    may take it in between and answer ``/readyz`` for ours. ``start`` waits until its own
    process listens, and starts again on another port when the first one was taken."""
    import http.server

    from tests.e2e.conftest import Server, listens_on

    class Ready(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    decoy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Ready)
    taken = decoy.server_address[1]
    threading.Thread(target=decoy.serve_forever, daemon=True).start()
    other = Server(env=dict(server.env), log_path=tmp_path / "other.log", port=taken)
    try:
        other.start()
        assert other.port != taken
        assert other.proc is not None and listens_on(other.proc.pid, other.port) is True
        assert httpx.get(other.url + "/readyz", timeout=10).status_code == 200
        assert "address already in use" in (tmp_path / "other.log").read_text().lower()
    finally:
        other.stop()
        decoy.shutdown()
        decoy.server_close()


def test_unauthenticated_and_bad_input_over_http(server: Server) -> None:
    reply = httpx.get(server.url + "/api/v1/users", timeout=10)
    assert reply.status_code == 401
    assert reply.headers["content-type"].startswith("application/problem+json")
    token = server.login("admin", ADMIN_PASSWORD)
    reply = httpx.post(
        server.url + "/api/v1/users",
        timeout=10,
        content=b"{nope",
        headers={"Authorization": f"Bearer {token}", "content-type": "application/json"},
    )
    assert reply.status_code == 400 and reply.json()["type"] == "/problems/malformed-json"
    assert reply.headers["x-request-id"]


def test_brute_force_lockout_on_a_real_server(server: Server) -> None:
    """50 wrong passwords as fast as the server lets them in: slowed down, then locked."""
    statuses = []
    locked = False
    for i in range(50):
        reply = httpx.post(
            server.url + "/api/v1/auth/login",
            json={"username": "admin", "password": f"wrong-{i}"},
            timeout=10,
        )
        statuses.append(reply.status_code)
        if reply.status_code == 429:
            if "locked" in reply.json()["detail"]:
                locked = True
                break
            time.sleep(float(reply.headers["retry-after"]))
    assert locked, statuses
    assert 200 not in statuses
    assert statuses.count(401) == int(server.env["MARCHWARDEN_LOGIN_LOCK_AFTER"])
    # the right password waits for the lock too
    reply = httpx.post(
        server.url + "/api/v1/auth/login",
        json={"username": "admin", "password": ADMIN_PASSWORD},
        timeout=10,
    )
    assert reply.status_code == 429 and "locked" in reply.json()["detail"]
    time.sleep(int(reply.headers["retry-after"]) + 0.5)
    assert server.login("admin", ADMIN_PASSWORD)


def test_graceful_shutdown_loses_no_acknowledged_write(server: Server) -> None:
    token = server.login("admin", ADMIN_PASSWORD)
    acknowledged: list[str] = []
    failures: list[str] = []
    stop = threading.Event()

    def writer(k: int) -> None:
        i = 0
        with httpx.Client(timeout=30) as http:
            while not stop.is_set():
                name = f"g{k}-{i}"
                try:
                    reply = http.post(
                        server.url + "/api/v1/users",
                        headers={"Authorization": f"Bearer {token}"},
                        json={
                            "username": name,
                            "password": "a-long-password",
                            "role": "analyst",
                            "scope": {"kind": "all"},
                        },
                    )
                except httpx.TransportError as exc:
                    failures.append(type(exc).__name__)
                    return
                if reply.status_code == 201:
                    acknowledged.append(name)
                i += 1

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for th in threads:
        th.start()
    time.sleep(1.5)
    code = server.stop(signal.SIGTERM)
    stop.set()
    for th in threads:
        th.join()
    # uvicorn finishes in-flight requests, runs the lifespan shutdown, then re-raises
    # SIGTERM so that the exit status says how the process ended
    assert code in (0, -signal.SIGTERM)
    assert "marchwarden stopped" in server.log_path.read_text()
    assert acknowledged
    server.start()
    token = server.login("admin", ADMIN_PASSWORD)
    users = httpx.get(
        server.url + "/api/v1/users", timeout=10, headers={"Authorization": f"Bearer {token}"}
    ).json()
    stored = {u["username"] for u in users}
    assert set(acknowledged) <= stored
    verify = httpx.get(
        server.url + "/api/v1/audit/verify",
        timeout=30,
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert verify["ok"], verify


def test_serve_settles_its_heap_and_numbers_every_request(server: Server) -> None:
    """``marchwarden serve`` freezes what start-up left alive (entrypoints/api/heap.py) and
    says so in its log; request ids are a per-process prefix and a counter: unique, 32 hex
    digits like a UUID's."""
    ids = [httpx.get(server.url + "/readyz", timeout=10).headers["x-request-id"] for _ in range(20)]
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)
    assert len({i[:22] for i in ids}) == 1  # one process, one prefix
    lines = server.log_path.read_text(encoding="utf-8").splitlines()
    logged = [json.loads(line) for line in lines if line.startswith("{")]
    settled = [entry for entry in logged if entry.get("msg") == "heap settled"]
    assert len(settled) == 1, lines[-20:]
    assert settled[0]["frozen_objects"] > 10_000
    assert settled[0]["gc_thresholds"] == [10_000, 20, 20]
